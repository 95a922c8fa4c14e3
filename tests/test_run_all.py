"""scripts/run_all.py starts the outbox worker beside the servers unless told another machine runs it."""

import importlib.util
import sys

from tests.e2e_servers import ROOT

spec = importlib.util.spec_from_file_location("run_all", ROOT / "scripts" / "run_all.py")
run_all = importlib.util.module_from_spec(spec)
sys.modules["run_all"] = run_all  # its dataclasses look their module up there
spec.loader.exec_module(run_all)
ENV = {"ACTION_SERVER_PORT": "5055", "RASA_PORT": "5005", "SITE_ORIGIN": "http://localhost:8080",
       "RASA_INTERFACE": "127.0.0.1", "RASA_API_TOKEN": "t", "WEB_PORT": ""}


def test_the_outbox_worker_runs_by_default(monkeypatch):
    monkeypatch.setenv("RASA_API_TOKEN", "t")
    assert run_all.commands(ENV)["outbox"][-2:] == ["-m", "actions.outbox_worker"]


def test_outbox_worker_off_leaves_delivery_to_another_machine(monkeypatch):
    monkeypatch.setenv("RASA_API_TOKEN", "t")
    assert "outbox" not in run_all.commands(dict(ENV, OUTBOX_WORKER="off"))
    assert {"actions", "rasa"} <= set(run_all.commands(dict(ENV, OUTBOX_WORKER="off")))


def test_the_api_token_never_appears_in_a_command_line(monkeypatch):
    monkeypatch.setenv("RASA_API_TOKEN", "secret-token-value")
    for argv in run_all.commands(ENV).values():
        assert not any("secret-token-value" in part for part in argv)
        assert "--auth-token" not in argv


def test_example_secrets_from_the_env_file_are_refused():
    env = {"RASA_API_TOKEN": "change-me-long-random", "INTAKE_ENCRYPTION_KEY": "generate-with-Fernet.generate_key",
           "STAFF_WEBHOOK_SECRET": "a-real-long-secret-value", "LOCK_STORE_KEY_PREFIX": "clinic", "SMTP_PASSWORD": ""}
    assert run_all.placeholder_secrets(env) == ["INTAKE_ENCRYPTION_KEY", "RASA_API_TOKEN"]


def test_the_assistant_does_not_start_with_an_example_secret():
    import os
    import subprocess
    import sys

    env = dict(os.environ, INTAKE_ENCRYPTION_KEY="generate-with-Fernet.generate_key")
    finished = subprocess.run([sys.executable, str(ROOT / "scripts" / "run_all.py")], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
    assert finished.returncode == 2 and "INTAKE_ENCRYPTION_KEY" in finished.stderr
    assert "generate-with" not in finished.stderr  # the value itself is never printed


def test_the_example_conversation_id_key_is_refused():
    # Whoever knows the key can sign any conversation id and take over that chat.
    example = dict(line.split("=", 1) for line in (ROOT / "deploy" / "env.example").read_text().splitlines()
                   if line and not line.startswith("#"))
    assert "CONVERSATION_ID_KEY" in run_all.placeholder_secrets(example)
