"""`python -m staff_inbox.server`: the staff inbox on INBOX_INTERFACE:INBOX_PORT (waitress), plus the
escalation check (staff_inbox/escalation.py) in a thread of the same process.

`make run` (scripts/run_all.py) starts it next to the assistant; production runs it behind nginx
with TLS (deploy/). Stops cleanly on SIGTERM/Ctrl-C.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading

from clinic import settings
from clinic.adapters import intake_store
from staff_inbox import escalation
from staff_inbox.app import CookieSettingError, create_app

logger = logging.getLogger("staff_inbox")


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s inbox %(levelname)s %(message)s")
    from waitress import create_server

    try:
        host, port = settings.get("INBOX_INTERFACE"), settings.get("INBOX_PORT")
        intake_store.ensure_migrated()
        app = create_app()
    except (settings.SettingError, CookieSettingError) as error:
        logger.error("%s", error)
        return 2
    # Waitress logs no request lines (no item refs or client addresses in the logs).
    server = create_server(app, host=host, port=port, threads=8, ident="inbox",
                           trusted_proxy=None, clear_untrusted_proxy_headers=False)
    stop = threading.Event()
    checker = threading.Thread(target=escalation.run, args=(stop,), name="escalation", daemon=True)
    checker.start()

    def on_signal(*_):
        stop.set()
        server.close()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    logger.info("Staff inbox on http://%s:%s (escalation check every %.0f s)", host, port,
                settings.get("ESCALATION_POLL_SECONDS"))
    try:
        server.run()
    except OSError:  # closed by the signal handler while waiting
        pass
    stop.set()
    intake_store.dispose_engines()
    logger.info("Staff inbox stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
