"""`clinic-staff user ...`: inbox accounts from the command line, as an operator creates the first
administrator; every other command still reaches the staff command line; key rotation covers the
inbox's encrypted columns (migrations/env.py registers its tables)."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from clinic.adapters import intake_store as store
from staff_inbox import accounts, cli
from staff_inbox.models import StaffUser
from tests.e2e_servers import ROOT
from tests.inbox_helpers import PASSWORD


def run(monkeypatch, capsys, *argv, stdin=""):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_first_admin_is_added_disabled_and_reset_from_the_command_line(monkeypatch, capsys):
    code, out, _ = run(monkeypatch, capsys, "user", "add", "ana", "--role", "admin", "--password-stdin",
                       stdin=PASSWORD + "\n")
    assert code == 0 and "Added ana (admin)" in out
    with store.session_scope() as session:
        user = session.execute(select(StaffUser).where(StaffUser.name == "ana")).scalar_one()
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
        user.totp_secret = "JBSWY3DPEHPK3PXP"
    code, out, _ = run(monkeypatch, capsys, "user", "list")
    assert code == 0 and "1 user" in out and "admin" in out and "2FA set up" in out
    assert run(monkeypatch, capsys, "user", "reset-2fa", "ana")[0] == 0
    assert "2FA not yet set up" in run(monkeypatch, capsys, "user", "list")[1]
    assert run(monkeypatch, capsys, "user", "disable", "ana")[0] == 0
    assert "disabled" in run(monkeypatch, capsys, "user", "list")[1]
    with store.session_scope() as session:
        trail = session.execute(select(store.AuditEvent.action)).scalars().all()
    assert trail == ["inbox:user_added:ana:admin", "inbox:2fa_reset:ana", "inbox:user_disabled:ana"]


def test_a_sign_in_pause_on_a_name_is_lifted_from_the_command_line(monkeypatch, capsys):
    assert run(monkeypatch, capsys, "user", "add", "ben", "--role", "clinician", "--password-stdin",
               stdin=PASSWORD + "\n")[0] == 0
    now = store.utcnow()
    for _ in range(5):
        accounts.record_failure(accounts.throttle_keys("ben", "198.51.100.7"), now)
    assert accounts.locked_until(accounts.throttle_keys("ben", "192.0.2.10"), now) is not None
    code, out, _ = run(monkeypatch, capsys, "user", "unlock", "ben")
    assert code == 0 and "ben can sign in again" in out
    assert accounts.locked_until(accounts.throttle_keys("ben", "192.0.2.10"), now) is None
    assert accounts.locked_until(accounts.throttle_keys("ana", "198.51.100.7"), now) is not None  # the address


@pytest.mark.parametrize("argv, stdin, code, message", [
    (("user", "add", "ana", "--role", "owner", "--password-stdin"), PASSWORD, 2, ""),
    (("user", "add", "ana", "--role", "admin", "--password-stdin"), "short", 1, "at least 12 characters"),
    (("user", "add", "Ana Smith", "--role", "admin", "--password-stdin"), PASSWORD, 1, "lower-case"),
    (("user", "disable", "nobody"), "", 1, "no user named nobody"),
])
def test_bad_input_is_refused_with_a_one_line_reason(monkeypatch, capsys, argv, stdin, code, message):
    result, _, err = run(monkeypatch, capsys, *argv, stdin=stdin)
    assert result == code and message in err and "Traceback" not in err


def test_a_name_is_added_once(monkeypatch, capsys):
    store.migrate()
    accounts.add_user("ana", "admin", PASSWORD)
    code, _, err = run(monkeypatch, capsys, "user", "add", "ana", "--role", "intake", "--password-stdin",
                       stdin=PASSWORD)
    assert code == 1 and "exists already" in err


def test_every_other_command_goes_to_the_staff_command_line(monkeypatch, capsys):
    code, out, _ = run(monkeypatch, capsys, "list")
    assert code == 0 and "0 intakes" in out


def test_rotate_key_re_encrypts_the_inbox_accounts_too(tmp_path, monkeypatch):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv("INTAKE_ENCRYPTION_KEY", old)
    store.migrate()
    accounts.add_user("ana", "admin", PASSWORD)
    with store.session_scope() as session:
        session.execute(select(StaffUser)).scalar_one().totp_secret = "JBSWY3DPEHPK3PXP"
    store.dispose_engines()
    env = {"PATH": "/usr/bin:/bin", "INTAKE_DATABASE_URL": store.database_url(), "INTAKE_VAR_DIR": str(tmp_path),
           "INTAKE_ENCRYPTION_KEY": f"{new},{old}", "TRACKER_STORE_DB": str(tmp_path / "tracker.db"),
           "PYTHONPATH": str(ROOT)}
    rotated = subprocess.run([sys.executable, str(ROOT / "scripts" / "intake_admin.py"), "rotate-key"], env=env,
                             capture_output=True, text=True, timeout=120)
    assert rotated.returncode == 0, rotated.stderr
    monkeypatch.setenv("INTAKE_ENCRYPTION_KEY", new)
    with store.session_scope() as session:
        assert session.execute(select(StaffUser.totp_secret)).scalar_one() == "JBSWY3DPEHPK3PXP"
