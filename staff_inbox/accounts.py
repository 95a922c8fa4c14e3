"""Staff accounts: argon2 password hashes, TOTP second factor, sign-in throttling and server-side sessions.

The security primitives come from libraries (argon2-cffi, pyotp, secrets, hmac); this module only
stores and checks their results. Names and roles end up in the audit trail as actors, so a name is
an identifier (STAFF_NAME), never free text.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import List, Optional, Tuple

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clinic import settings
from clinic.adapters import intake_store
from clinic.adapters.intake_store import session_scope, utcnow
from staff_inbox.models import ROLES, STAFF_NAME, SignInThrottle, StaffSession, StaffUser, actor  # noqa: F401

MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # argon2 takes any length; a megabyte "password" is only a way to burn CPU
LOCKOUT_CAP = timedelta(hours=1)
ISSUER = "Clinic staff inbox"
_hasher = PasswordHasher()  # argon2id with the library's recommended memory, time and parallelism
# A real hash to verify against when the name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """A name, role or password that cannot be used (the message says why)."""


def check_name(name: str) -> str:
    if not STAFF_NAME.fullmatch(name or ""):
        raise AccountError("a name is 2-32 lower-case letters, digits, '.', '_' or '-', starting with a letter")
    return name


def check_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password or "") <= MAX_PASSWORD:
        raise AccountError(f"a password has at least {MIN_PASSWORD} characters")
    return password


def get_user(session: Session, name: str) -> Optional[StaffUser]:
    if not STAFF_NAME.fullmatch(name or ""):
        return None  # no account has such a name (and a NUL byte never reaches PostgreSQL)
    return session.execute(select(StaffUser).where(StaffUser.name == name)).scalar_one_or_none()


def add_user(name: str, role: str, password: str, by: str = "staff:cli") -> StaffUser:
    check_name(name)
    check_password(password)
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    with session_scope() as session:
        if get_user(session, name) is not None:
            raise AccountError(f"a user named {name} exists already")
        user = StaffUser(name=name, role=role, password_hash=_hasher.hash(password), active=True, session_version=1,
                         enrol_until=enrol_deadline())
        session.add(user)
        intake_store.audit(session, None, by, f"inbox:user_added:{name}:{role}")
        return user


def enrol_deadline(now: Optional[datetime] = None) -> datetime:
    return (now or utcnow()) + timedelta(hours=settings.get("INBOX_ENROL_HOURS"))


def may_enrol(user: StaffUser, now: datetime) -> bool:
    """Whether the user may set up a second factor now: not set up yet, and before the deadline."""
    return user.totp_secret is None and user.enrol_until is not None and now < user.enrol_until


def _require(session: Session, name: str) -> StaffUser:
    user = get_user(session, name)
    if user is None:
        raise LookupError(f"no user named {name}")
    return user


def disable_user(name: str, by: str = "staff:cli") -> None:
    """Disables the account and ends every session it has."""
    with session_scope() as session:
        user = _require(session, name)
        user.active, user.disabled_at = False, utcnow()
        user.session_version += 1
        session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
        intake_store.audit(session, None, by, f"inbox:user_disabled:{name}")


def reset_two_factor(name: str, by: str = "staff:cli") -> None:
    """Forgets the TOTP secret (a lost phone): the user enrols again at the next sign-in; sessions end."""
    with session_scope() as session:
        user = _require(session, name)
        user.totp_secret, user.totp_last_step = None, None
        user.enrol_until = enrol_deadline()
        user.session_version += 1
        session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
        intake_store.audit(session, None, by, f"inbox:2fa_reset:{name}")


def unlock(name: str, by: str = "staff:cli") -> None:
    """Lifts the sign-in pause on a name (anyone can cause one by typing wrong passwords for it); the
    pause on the addresses the failures came from stays."""
    with session_scope() as session:
        _require(session, name)
        session.execute(delete(SignInThrottle).where(SignInThrottle.key == throttle_keys(name, "-")[0]))
        intake_store.audit(session, None, by, f"inbox:user_unlocked:{name}")


def list_users() -> List[StaffUser]:
    with session_scope() as session:
        return list(session.execute(select(StaffUser).order_by(StaffUser.name)).scalars())


def verify_password(user: Optional[StaffUser], password: str) -> bool:
    """Constant work whether or not the user exists; False for a disabled user."""
    if len(password or "") > MAX_PASSWORD:
        return False
    try:
        _hasher.verify(user.password_hash if user is not None else _DUMMY_HASH, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return user is not None and bool(user.active)


# --- TOTP -------------------------------------------------------------------------------------------

def new_totp_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(name: str, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=ISSUER)


def totp_step(secret: str, code: str, last_step: Optional[int], now: datetime) -> Optional[int]:
    """The time step the code belongs to (the current one or its neighbours, for clock drift), or None
    when it is wrong or that step (or a later one) was already used: a code works once."""
    code = (code or "").strip().replace(" ", "")
    if not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return None if last_step is not None and step <= last_step else step
    return None


def claim_step(session: Session, user_id: str, step: int) -> bool:
    """Records `step` as the user's last used one unless it (or a later one) was used already, in
    one conditional UPDATE: of two requests carrying the same code at the same moment, one wins."""
    claimed = session.execute(
        update(StaffUser).where(StaffUser.id == user_id,
                                or_(StaffUser.totp_last_step.is_(None), StaffUser.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False)).rowcount
    return claimed == 1


# --- Throttling -------------------------------------------------------------------------------------

def address_block(address: str) -> str:
    """What one client controls: an IPv4 address, or an IPv6 /64 (one household or server gets a whole
    /64, so counting single IPv6 addresses would let it rotate through 2**64 of them)."""
    try:
        parsed = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return address or "-"
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False))
    return str(parsed)


def address_key(address: str) -> str:
    """Client addresses are personal data: kept as a keyed hash, like conversation ids."""
    from clinic.adapters.alert_limits import subject_hash

    return f"addr:{subject_hash('inbox-address:' + address_block(address))}"


def throttle_keys(name: str, address: str) -> Tuple[str, str]:
    # A name no account can have shares one key: what the attacker typed (a NUL byte, which
    # PostgreSQL refuses in text) never reaches the database.
    return (f"user:{name if STAFF_NAME.fullmatch(name or '') else '-'}", address_key(address))


def locked_until(keys: Tuple[str, ...], now: datetime) -> Optional[datetime]:
    with session_scope() as session:
        rows = session.execute(select(SignInThrottle).where(SignInThrottle.key.in_(keys))).scalars().all()
        later = [row.locked_until for row in rows if row.locked_until and row.locked_until > now]
        return max(later) if later else None


def pause_after(failures: int, limit: int, first: timedelta) -> Optional[timedelta]:
    """No pause below the limit; then the first pause, doubling with every further failure, capped."""
    if failures < limit:
        return None
    return min(first * 2 ** min(failures - limit, 20), LOCKOUT_CAP)


def record_failure(keys: Tuple[str, ...], now: datetime) -> None:
    """Counts a failure against every key. The count is one UPDATE (failures + 1), not read-then-write,
    so failures arriving in parallel are each counted; two first failures at once both count too
    (the loser of the INSERT retries as an UPDATE)."""
    limit = settings.get("INBOX_LOCKOUT_FAILURES")
    first = timedelta(seconds=settings.get("INBOX_LOCKOUT_SECONDS"))
    for attempt in range(3):
        try:
            with session_scope() as session:
                for key in keys:
                    counted = session.execute(
                        update(SignInThrottle).where(SignInThrottle.key == key)
                        .values(failures=SignInThrottle.failures + 1, updated_at=now)
                        .execution_options(synchronize_session=False)).rowcount
                    if not counted:
                        session.add(SignInThrottle(key=key, failures=1, updated_at=now))
                        session.flush()
                    failures = session.execute(select(SignInThrottle.failures)
                                               .where(SignInThrottle.key == key)).scalar_one()
                    pause = pause_after(failures, limit, first)
                    session.execute(update(SignInThrottle).where(SignInThrottle.key == key)
                                    .values(locked_until=now + pause if pause else None)
                                    .execution_options(synchronize_session=False))
            return
        except IntegrityError:
            if attempt == 2:
                raise


def clear_failures(keys: Tuple[str, ...]) -> None:
    with session_scope() as session:
        session.execute(delete(SignInThrottle).where(SignInThrottle.key.in_(keys)))


# --- Sessions ---------------------------------------------------------------------------------------

def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(user_id: str) -> str:
    """A new server-side session; returns the random token the cookie carries (stored only as a hash)."""
    token = secrets.token_urlsafe(32)
    with session_scope() as session:
        user = session.get(StaffUser, user_id)
        now = utcnow()
        session.add(StaffSession(token_hash=_digest(token), user_id=user.id, session_version=user.session_version,
                                 created_at=now, last_seen_at=now))
    return token


@dataclass(frozen=True)
class SignedIn:
    user_id: str
    name: str
    role: str


def resume_session(token: str, now: Optional[datetime] = None) -> Optional[SignedIn]:
    """The signed-in user behind a token, touching its idle clock; None (and the session deleted)
    when it is unknown, idle too long, too old, or its user was disabled or signed out everywhere."""
    if not token:
        return None
    now = now or utcnow()
    idle = timedelta(minutes=settings.get("INBOX_IDLE_MINUTES"))
    absolute = timedelta(hours=settings.get("INBOX_SESSION_HOURS"))
    with session_scope() as session:
        row = session.get(StaffSession, _digest(token))
        if row is None:
            return None
        user = session.get(StaffUser, row.user_id)
        if (user is None or not user.active or row.session_version != user.session_version
                or now - row.last_seen_at > idle or now - row.created_at > absolute):
            session.delete(row)
            return None
        row.last_seen_at = now
        return SignedIn(user.id, user.name, user.role)


def end_session(token: str) -> None:
    with session_scope() as session:
        session.execute(delete(StaffSession).where(StaffSession.token_hash == _digest(token)))


def end_all_sessions(user_id: str) -> None:
    with session_scope() as session:
        session.execute(update(StaffUser).where(StaffUser.id == user_id)
                        .values(session_version=StaffUser.session_version + 1))
        session.execute(delete(StaffSession).where(StaffSession.user_id == user_id))
