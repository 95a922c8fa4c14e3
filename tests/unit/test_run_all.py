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
    assert run_all.commands(ENV)["outbox"][-2:] == ["-m", "clinic.entrypoints.outbox_worker"]


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
           "STAFF_WEBHOOK_SECRET": "a-real-long-secret-value", "LOCK_STORE_KEY_PREFIX": "clinic", "SMTP_PASSWORD": "",
           "ACTION_SERVER_SECRET": "change-me-long-random"}
    assert run_all.placeholder_secrets(env) == ["ACTION_SERVER_SECRET", "INTAKE_ENCRYPTION_KEY", "RASA_API_TOKEN"]


def test_the_assistant_does_not_start_with_an_example_secret():
    import os
    import subprocess
    import sys

    env = dict(os.environ, INTAKE_ENCRYPTION_KEY="generate-with-Fernet.generate_key")
    finished = subprocess.run([sys.executable, str(ROOT / "scripts" / "run_all.py")], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
    assert finished.returncode == 2 and "INTAKE_ENCRYPTION_KEY" in finished.stderr
    assert "generate-with" not in finished.stderr  # the value itself is never printed


def test_the_action_server_starts_behind_the_secret_check_with_no_secret_in_argv(monkeypatch):
    monkeypatch.setenv("ACTION_SERVER_SECRET", "action-secret-value")
    argv = run_all.commands(dict(ENV, ACTION_SERVER_SECRET="action-secret-value"))["actions"]
    assert argv[1].endswith("scripts/serve_actions.py") and "rasa_sdk" not in argv
    for command in run_all.commands(dict(ENV, ACTION_SERVER_SECRET="action-secret-value")).values():
        assert not any("action-secret-value" in part for part in command)


def test_a_development_secret_is_generated_once_readable_by_the_owner_only(tmp_path, monkeypatch):
    monkeypatch.setattr(run_all, "VAR", tmp_path / "var")
    monkeypatch.delenv("ACTION_SERVER_SECRET", raising=False)
    first = run_all.secret("ACTION_SERVER_SECRET", "action_server_secret", "action server secret")
    path = tmp_path / "var" / "action_server_secret"
    assert len(first) >= 40 and path.stat().st_mode & 0o777 == 0o600
    assert run_all.secret("ACTION_SERVER_SECRET", "action_server_secret", "action server secret") == first
    assert sorted(p.name for p in path.parent.iterdir()) == ["action_server_secret"]  # no partial file left
    monkeypatch.setenv("ACTION_SERVER_SECRET", "set-in-production")
    assert run_all.secret("ACTION_SERVER_SECRET", "action_server_secret", "action server secret") == \
        "set-in-production"


def test_the_action_server_does_not_start_without_a_secret():
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "ACTION_SERVER_SECRET"}
    finished = subprocess.run([sys.executable, str(ROOT / "scripts" / "serve_actions.py"), "--actions", "actions"],
                              env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert finished.returncode != 0 and "ACTION_SERVER_SECRET is not set" in finished.stderr


def test_the_example_conversation_id_key_is_refused():
    # Whoever knows the key can sign any conversation id and take over that chat.
    example = dict(line.split("=", 1) for line in (ROOT / "deploy" / "env.example").read_text().splitlines()
                   if line and not line.startswith("#"))
    assert "CONVERSATION_ID_KEY" in run_all.placeholder_secrets(example)


def test_the_staff_inbox_runs_on_loopback_with_a_health_check(monkeypatch):
    env = dict(ENV, INBOX_PORT="8090")
    assert run_all.commands(env)["inbox"][-2:] == ["-m", "staff_inbox.server"]
    assert run_all.health_urls(env)["inbox"] == "http://127.0.0.1:8090/health"
    assert "inbox" not in run_all.commands(dict(ENV, INBOX_PORT=""))


def test_the_example_inbox_key_is_refused():
    assert run_all.placeholder_secrets({"INBOX_SECRET_KEY": "change-me-long-random"}) == ["INBOX_SECRET_KEY"]

