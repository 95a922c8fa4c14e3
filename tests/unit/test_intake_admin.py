"""The intake maintenance command: key rotation and retention, run as an operator would."""

import asyncio
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from components.tracker_store import EnvironmentSQLTrackerStore

ROOT = Path(__file__).resolve().parents[2]


def admin(env, *args):
    # The documented wrapper; it finds actions/ through the installed project, here PYTHONPATH.
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "intake_admin.py"), *args],
                          env=dict(env, PYTHONPATH=str(ROOT)), capture_output=True, text=True, timeout=120)


def tracker_store(tmp_path):
    return EnvironmentSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "tracker.db"),
                                      domain=Domain.from_dict({"intents": ["inform"]}))


def chat(sender, typed):
    tracker = DialogueStateTracker(sender, [])
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered(typed, {"name": "inform"}))
    return tracker


def test_rotate_key_then_only_the_new_key_is_needed(tmp_path, monkeypatch):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    env = {"PATH": "/usr/bin:/bin", "INTAKE_DATABASE_URL": f"sqlite:///{tmp_path / 'intake.db'}",
           "INTAKE_VAR_DIR": str(tmp_path), "INTAKE_ENCRYPTION_KEY": old,
           "TRACKER_STORE_DB": str(tmp_path / "tracker.db")}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    from clinic.adapters import intake_store
    intake_store.dispose_engines()
    intake_store.migrate()
    intake_store.start_or_resume_intake("conv-1")
    intake_store.save_answer("conv-1", "email", "old.key@example.com")
    intake_store.dispose_engines()
    transcript = tracker_store(tmp_path)  # the chat transcript, encrypted with the same key
    asyncio.run(transcript.save(chat("conv-1", "my email is old.key@example.com")))
    transcript.engine.dispose()

    rotated = admin(dict(env, INTAKE_ENCRYPTION_KEY=f"{new},{old}"), "rotate-key")
    assert rotated.returncode == 0 and "Re-encrypted" in rotated.stdout

    monkeypatch.setenv("INTAKE_ENCRYPTION_KEY", new)
    assert intake_store.get_answers("conv-1")["email"] == "old.key@example.com"
    assert "Re-encrypted 2 chat transcript events" in rotated.stdout
    transcript = tracker_store(tmp_path)
    assert asyncio.run(transcript.retrieve("conv-1")).latest_message.text == "my email is old.key@example.com"
    transcript.engine.dispose()
    intake_store.dispose_engines()
    wrong = admin(dict(env, INTAKE_ENCRYPTION_KEY=old), "rotate-key")
    assert wrong.returncode == 1 and "INTAKE_ENCRYPTION_KEY" in wrong.stderr and "Traceback" not in wrong.stderr


def test_purge_reports_what_it_deleted(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "INTAKE_DATABASE_URL": f"sqlite:///{tmp_path / 'intake.db'}",
           "INTAKE_VAR_DIR": str(tmp_path), "INTAKE_ENCRYPTION_KEY": Fernet.generate_key().decode(),
           "TRACKER_STORE_DB": str(tmp_path / "tracker.db")}
    result = admin(env, "purge", "--days", "365")
    assert result.returncode == 0 and "Deleted 0 intakes" in result.stdout
