"""Every environment setting, declared once: name, default, how it is parsed and checked, and what it means.

Plain Python (no Rasa imports), so the action server, the Rasa server (components/) and the
scripts all read their settings here. `get(name)` reads the environment at call time (tests
change variables with monkeypatch), parses the value and checks it; a value that cannot be used
raises SettingError naming the variable, and never shows a secret's value.

defaults.mk (development defaults the Makefile exports), deploy/env.example (production) and the
table in docs/operations.md are checked against these declarations by tests/unit/test_settings.py.
Variables Rasa, Sanic or a library read themselves (read_by="rasa") are declared for the
documentation and the defaults only; Rasa goes on reading them its own way.

`python -m clinic.settings` checks the current environment and lists the problems.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple

# A name like this holds a secret: its value is never printed, and scripts/run_all.py refuses an
# example value from deploy/env.example in it.
SECRET_NAME = re.compile(r"(?:KEY|SECRET|TOKEN|PASSWORD)$")


class SettingError(ValueError):
    """An environment variable holds a value that cannot be used."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any  # what the code uses when the variable is unset or blank (None: nothing)
    meaning: str
    kind: str = "str"  # str, int, float, bool, list (comma-separated), url
    minimum: Optional[float] = None  # smaller numbers are raised to it (as the code always did)
    choices: Tuple[str, ...] = ()
    # "error": an unusable value raises SettingError; "default": it falls back to the default
    # (the settings whose readers always tolerated a typo keep doing so).
    invalid: str = "error"
    dev: Optional[str] = None  # what defaults.mk sets, when it differs from the default
    production: bool = False  # deploy/env.example must set it
    read_by: str = "clinic"  # "rasa": Rasa, Sanic, TensorFlow or Python read it themselves
    secret: Optional[bool] = None  # None: decided by the name (SECRET_NAME)
    what: str = ""  # how an error message describes a good value (default: from kind)

    @property
    def is_secret(self) -> bool:
        return bool(SECRET_NAME.search(self.name)) if self.secret is None else self.secret

    def describe(self) -> str:
        if self.what:
            return self.what
        if self.choices:
            return " or ".join(self.choices)
        return {"int": "a whole number", "float": "a number", "bool": "on or off",
                "url": "a URL", "list": "a comma-separated list"}.get(self.kind, "text")

    def parse(self, text: str) -> Any:
        """The value of a non-blank `text`; SettingError when it cannot be used."""
        value: Any
        try:
            if self.kind == "int":
                value = int(text.strip())
            elif self.kind == "float":
                value = float(text.strip())
            elif self.kind == "bool":
                flag = text.strip().lower()
                if flag not in _TRUE + _FALSE:
                    raise ValueError(flag)
                value = flag in _TRUE
            elif self.kind == "list":
                value = [item.strip() for item in text.split(",") if item.strip()]
            elif self.kind == "url":
                value = text.strip()
                if "://" not in value and not value.startswith("/"):
                    raise ValueError(value)
            else:
                value = text if self.is_secret else text.strip()
        except ValueError:
            raise SettingError(self._error(text)) from None
        if self.choices and value not in self.choices:
            raise SettingError(self._error(text))
        if self.minimum is not None and value < self.minimum:
            value = type(value)(self.minimum)
        return value

    def _error(self, text: str) -> str:
        shown = "(value hidden: a secret)" if self.is_secret else f"not {text!r}"
        return f"{self.name} must be {self.describe()}, {shown}"


_TRUE = ("1", "on", "true", "yes")
_FALSE = ("0", "off", "false", "no")
GENERATED = "generated once into var/ for development (mode 0600); production sets it"


def _s(*args: Any, **kwargs: Any) -> Setting:
    return Setting(*args, **kwargs)


SETTINGS: Dict[str, Setting] = {s.name: s for s in [
    # --- Servers and ports -----------------------------------------------------------------------
    _s("ACTION_SERVER_PORT", 5055, "port of the action server", "int", production=True),
    _s("RASA_PORT", 5005, "port of the Rasa server", "int", production=True),
    _s("RASA_INTERFACE", "127.0.0.1", "interface the Rasa server binds to", production=True),
    _s("SANIC_HOST", "0.0.0.0", "interface the action server binds to (0.0.0.0 when unset outside make: set it)",
       dev="127.0.0.1", production=True),
    _s("ACTION_ENDPOINT_URL", "http://127.0.0.1:5055/webhook", "where Rasa finds the action server (endpoints.yml)",
       "url", production=True, read_by="rasa"),
    _s("ACTION_SERVER_SECRET", None, "shared secret the Rasa server sends to the action server; " + GENERATED,
       production=True),
    _s("RASA_API_TOKEN", None, "token for Rasa's HTTP API (?token=); " + GENERATED, production=True),
    _s("RASA_MODEL", "models/clinic.tar.gz", "the trained model scripts/run_all.py starts"),
    _s("WEB_PORT", 8080, "port of the demo chat page; empty: no page is served (production)", "int",
       production=True),
    _s("WEB_INTERFACE", "127.0.0.1", "interface the demo chat page binds to"),
    _s("WEB_SOCKET_TIMEOUT", 20.0, "seconds the demo page server waits on a connection that sends nothing",
       "float"),
    _s("RASA_SOCKET_URL", None, "the Rasa server as visitors' browsers reach it ('/' behind a proxy); "
       "unset: http://localhost:RASA_PORT", dev="http://localhost:5005", production=True),
    _s("SITE_ORIGIN", None, "the website origin(s) CORS and the socket.io origin check allow (comma list)",
       "list", dev="http://localhost:8080", production=True),
    _s("CONVERSATION_ID_KEY", None, "signs the conversation ids the socket.io channel issues; the same on "
       "every Rasa server; " + GENERATED, production=True),
    _s("LOG_ID_KEY", None, "key for the hashed conversation ids in logs; " + GENERATED, production=True),
    _s("SANIC_REQUEST_MAX_SIZE", 1048576, "largest request body the Rasa and action servers read (413 above)",
       "int", production=True, read_by="rasa"),
    _s("SANIC_WORKERS", 1, "Rasa server processes; above 1 needs LOCK_STORE_TYPE=redis", "int"),
    # --- Databases ---------------------------------------------------------------------------------
    _s("TRACKER_STORE_DIALECT", "sqlite", "tracker store database: sqlite or postgresql", production=True),
    _s("TRACKER_STORE_DB", "var/tracker.db", "SQLite file, or PostgreSQL database name", production=True),
    _s("TRACKER_STORE_HOST", None, "PostgreSQL host (a plain host name, no ://)", production=True),
    _s("TRACKER_STORE_PORT", None, "PostgreSQL port", "int", dev="5432", production=True),
    _s("TRACKER_STORE_USERNAME", None, "PostgreSQL user", production=True),
    _s("TRACKER_STORE_PASSWORD", None, "PostgreSQL password", production=True),
    _s("PRACTICE_PROFILE", "practice_profile.yml", "the practice profile (unset: the one in the project folder)",
       production=True),
    _s("INTAKE_DATABASE_URL", None, "the intake database (SQLAlchemy URL); unset: sqlite:///var/intake.db",
       "url", production=True, secret=True),
    _s("INTAKE_ENCRYPTION_KEY", None, "Fernet key(s), comma-separated, newest first; also encrypts "
       "transcripts; " + GENERATED, production=True),
    _s("INTAKE_VAR_DIR", None, "where the development keys and default database live (unset: var/)"),
    # --- Lock store (endpoints.yml and components/lock_store.py) -----------------------------------
    _s("LOCK_STORE_TYPE", "in_memory", "lock store: in_memory (one server) or redis (several)",
       choices=("in_memory", "redis"), production=True, read_by="rasa"),
    _s("LOCK_STORE_HOST", "127.0.0.1", "Redis host of the lock store", production=True, read_by="rasa"),
    _s("LOCK_STORE_PORT", 6379, "Redis port of the lock store", "int", production=True, read_by="rasa"),
    _s("LOCK_STORE_DB", 1, "Redis database of the lock store", "int", production=True, read_by="rasa"),
    _s("LOCK_STORE_PASSWORD", None, "Redis password (set one in production)", production=True, read_by="rasa"),
    _s("LOCK_STORE_KEY_PREFIX", "clinic", "prefix of the lock keys", production=True, read_by="rasa"),
    _s("LOCK_LEASE_SECONDS", 5.0, "a conversation's lock lease, renewed while its server lives", "float",
       minimum=1.0, what="a number of seconds"),
    _s("LOCK_WAIT_SECONDS", 30.0, "how long a message waits for its turn", "float", minimum=1.0,
       what="a number of seconds"),
    _s("TICKET_LOCK_LIFETIME", 60, "seconds of Rasa's own lock tickets (Rasa reads it at import)", "int",
       read_by="rasa"),
    # --- The Rasa server's behaviour -----------------------------------------------------------------
    _s("MESSAGE_CONCURRENCY", 2, "messages one Rasa process answers at once, the rest in arrival order", "int",
       minimum=1, production=True),
    _s("ACTION_TRACKER_EVENTS", "turn", "what the action server gets of the conversation: turn or all",
       production=True),
    _s("MAX_MESSAGE_CHARS", 4000, "longer messages are not processed", "int", minimum=200, invalid="default",
       production=True),
    _s("ACTION_TIMEOUT_SECONDS", 5.0, "a custom action that takes longer is answered by the Rasa server",
       "float", minimum=0.5, invalid="default", production=True),
    _s("CHAT_MESSAGE_BURST", 10.0, "messages one chat may send over socket.io at once", "float",
       invalid="default"),
    _s("CHAT_MESSAGES_PER_SECOND", 1.0, "then this many per second on average", "float", invalid="default"),
    _s("CLINIC_RASA_PATCHES", "on", "Rasa speed-up patches: on, off or a comma list (components/rasa_patches.py)",
       production=True),
    _s("CLINIC_VERIFY_STATE_CACHE", None, "tests only: recompute every cached dialogue state and compare"),
    # --- Staff notifications -------------------------------------------------------------------------
    _s("OUTBOX_WORKER", "on", "off when another machine runs the outbox worker", production=True),
    _s("OUTBOX_POLL_SECONDS", 2.0, "outbox worker poll interval", "float"),
    _s("OUTBOX_TIMEOUT_SECONDS", 5.0, "per-request timeout of the outbox worker", "float"),
    _s("OUTBOX_MAX_ATTEMPTS", 300, "failures before a notification is marked failed", "int", minimum=1,
       invalid="default"),
    _s("OUTBOX_LOG_LEVEL", "INFO", "log level of the outbox worker"),
    _s("STAFF_WEBHOOK_URL", None, "staff webhook; notifications stay queued until it and its secret are set",
       production=True, secret=True),
    _s("STAFF_WEBHOOK_SECRET", None, "HMAC secret of the staff webhook", production=True),
    _s("STAFF_WEBHOOK_FORMAT", "json", "json or slack", production=True),
    _s("STAFF_EMAIL_TO", None, "comma-separated addresses; when set, notifications also go by e-mail",
       production=True),
    _s("SMTP_HOST", None, "the practice's mail server", production=True),
    _s("SMTP_PORT", None, "mail server port (unset: 587, 465 for ssl)", "int", production=True),
    _s("SMTP_SECURITY", "starttls", "starttls, ssl or none (a relay on loopback only)", production=True),
    _s("SMTP_USERNAME", None, "mail login (no login when empty)", production=True),
    _s("SMTP_PASSWORD", None, "mail password", production=True),
    _s("SMTP_FROM", "clinic-intake-assistant@localhost", "sender address", production=True),
    _s("SMTP_CA_FILE", None, "private CA bundle for the mail server's certificate"),
    # --- Staff paging limits (clinic/adapters/alert_limits.py) ----------------------------------------------
    _s("ALERT_REPEAT_WINDOW_MINUTES", 60.0, "repeats of an open crisis alert are counted, not paged, until it "
       "is quiet this long", "float", minimum=1, invalid="default"),
    _s("ALERT_BURST_LIMIT", 5, "more new crisis alerts than this within ALERT_BURST_MINUTES become one page",
       "float", minimum=1, invalid="default"),
    _s("ALERT_BURST_MINUTES", 10.0, "the window of ALERT_BURST_LIMIT", "float", minimum=0.1, invalid="default"),
    _s("CALLBACK_REPEAT_HOURS", 24.0, "one open callback request per chat for this long", "float",
       minimum=0.01, invalid="default"),
    _s("CALLBACK_MAX_PER_NUMBER_PER_DAY", 3, "pages per phone number a day", "float", minimum=1,
       invalid="default"),
    # --- Staff inbox (staff_inbox/) ------------------------------------------------------------------
    _s("INBOX_PORT", 8090, "port of the staff inbox (loopback; a TLS proxy in front)", "int", production=True),
    _s("INBOX_INTERFACE", "127.0.0.1", "interface the staff inbox binds to", production=True),
    _s("INBOX_BASE_URL", None, "the staff inbox as staff reach it; notification links point there (unset: no "
       "links)", "url", dev="http://127.0.0.1:8090", production=True),
    _s("INBOX_SECRET_KEY", None, "signs the staff inbox's cookies; " + GENERATED, production=True),
    _s("INBOX_COOKIE_SECURE", True, "cookies only over HTTPS; off is accepted only on a loopback interface",
       "bool", dev="off", production=True),
    _s("INBOX_PROXY_HOPS", 0, "reverse proxies in front of the inbox whose X-Forwarded-For/-Proto are trusted",
       "int", production=True),
    _s("INBOX_IDLE_MINUTES", 15.0, "a staff session ends after this long without a request", "float",
       minimum=1, production=True),
    _s("INBOX_SESSION_HOURS", 12.0, "a staff session ends this long after sign-in, whatever the activity",
       "float", minimum=0.1, production=True),
    _s("INBOX_ENROL_HOURS", 72.0, "a new account (or one whose second factor was reset) must set up its second "
       "factor within this many hours; after that an administrator resets it", "float", minimum=0.1),
    _s("INBOX_LOCKOUT_FAILURES", 5, "failed sign-ins (per user and per address) before sign-in pauses", "int",
       minimum=1),
    _s("INBOX_LOCKOUT_SECONDS", 60.0, "the first pause; it doubles with each further failure, up to an hour",
       "float", minimum=1),
    _s("ESCALATION_MINUTES", 15.0, "an unacknowledged crisis alert or urgent callback escalates after this "
       "many minutes of office hours", "float", minimum=0.01, production=True),
    _s("ESCALATION_POLL_SECONDS", 30.0, "how often the inbox process checks for due escalations", "float",
       minimum=0.2),
    _s("ESCALATION_EMAIL_TO", None, "comma-separated escalation contacts (PHI-free e-mail, via the outbox)",
       production=True),
    _s("ESCALATION_WEBHOOK_URL", None, "escalation webhook (PHI-free, signed with STAFF_WEBHOOK_SECRET, via the "
       "outbox)", production=True, secret=True),
    # --- scripts/run_all.py's watchdog ---------------------------------------------------------------
    _s("WATCHDOG_INTERVAL_SECONDS", 5.0, "seconds between health checks", "float", invalid="default"),
    _s("WATCHDOG_TIMEOUT_SECONDS", 3.0, "time limit of one health check", "float", invalid="default"),
    _s("WATCHDOG_FAILURES", 3.0, "failed health checks in a row before a restart", "float", invalid="default"),
    _s("WATCHDOG_STARTUP_SECONDS", 180.0, "a server must answer within this long after it starts", "float",
       invalid="default"),
    # --- Read by Rasa, TensorFlow, SQLAlchemy or Python themselves -----------------------------------
    _s("RASA_TELEMETRY_ENABLED", "false", "Rasa sends no telemetry", production=True, read_by="rasa"),
    _s("SQLALCHEMY_SILENCE_UBER_WARNING", "1", "no SQLAlchemy 2.0 notices", production=True, read_by="rasa"),
    _s("TF_CPP_MIN_LOG_LEVEL", "2", "fewer TensorFlow notices", production=True, read_by="rasa"),
    _s("PYTHONWARNINGS", "ignore::DeprecationWarning", "no deprecation warnings", read_by="rasa"),
    _s("PYTHONPATH", None, "the project folder (set by make)", production=True, read_by="rasa"),
    _s("HOME", None, "var/ in production: the sandbox hides home folders", production=True, read_by="rasa"),
]}


def setting(name: str) -> Setting:
    try:
        return SETTINGS[name]
    except KeyError:
        raise KeyError(f"{name} is not a declared setting (clinic/settings.py)") from None


def raw(name: str, env: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """The variable's text as set, None when unset or blank."""
    setting(name)
    text = (os.environ if env is None else env).get(name)
    return text if text is not None and text.strip() else None


def get(name: str, env: Optional[Mapping[str, str]] = None) -> Any:
    """The setting's value from the environment now (or from `env`), else its default."""
    declared = setting(name)
    text = raw(name, env)
    if text is None:
        return declared.default
    try:
        return declared.parse(text)
    except SettingError:
        if declared.invalid == "default":
            return declared.default
        raise


def is_secret(name: str) -> bool:
    """A declared setting's marking; an undeclared name is judged by SECRET_NAME."""
    declared = SETTINGS.get(name)
    return declared.is_secret if declared else bool(SECRET_NAME.search(name))


def problems(env: Optional[Mapping[str, str]] = None) -> List[str]:
    """Every set variable whose value cannot be used, one message each (no secret values)."""
    found = []
    for name, declared in SETTINGS.items():
        text = raw(name, env)
        if text is None:
            continue
        try:
            declared.parse(text)
        except SettingError as error:
            found.append(str(error))
    return found


def main() -> int:
    found = problems()
    for message in found:
        print(f"settings: {message}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
