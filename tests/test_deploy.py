"""The deployment files stay consistent with the code: they parse, and what they name exists."""

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


@pytest.mark.parametrize("name", ["helm/rasa-values.yaml", "helm/action-server-values.yaml",
                                  "helm/outbox-worker.yaml"])
def test_kubernetes_files_parse(name):
    assert yaml.safe_load((DEPLOY / name).read_text())


def test_rasa_values_use_a_shared_lock_store_with_several_replicas_and_our_channel():
    values = yaml.safe_load((DEPLOY / "helm/rasa-values.yaml").read_text())
    lock_store = values["applicationSettings"]["endpoints"]["lockStore"]
    assert values["replicaCount"] > 1 and lock_store["enabled"]
    # Rasa's own redis lock store loses messages between replicas: ours, as endpoints.yml names it
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    assert (lock_store["type"], lock_store["backend"]) == (endpoints["lock_store"]["type"], "redis")
    # Rasa's own `type: sql` stores transcripts in plain text: ours encrypts them, with the intake key.
    assert values["applicationSettings"]["endpoints"]["trackerStore"]["type"] == endpoints["tracker_store"]["type"]
    assert "INTAKE_ENCRYPTION_KEY" in [variable["name"] for variable in values["extraEnv"]]
    dockerfile = (DEPLOY / "docker/Dockerfile.rasa").read_text()
    assert "actions/transcripts.py" in dockerfile and "actions/intake_store.py" in dockerfile
    channels = values["applicationSettings"]["credentials"]["additionalChannelCredentials"]
    ours = yaml.safe_load((ROOT / "credentials.yml").read_text())
    assert channels["components.site_socketio.SiteSocketIOInput"] == ours["components.site_socketio.SiteSocketIOInput"]


def test_commands_in_deploy_files_exist():
    worker = yaml.safe_load((DEPLOY / "helm/outbox-worker.yaml").read_text())
    command = worker["spec"]["template"]["spec"]["containers"][0]["command"]
    assert command[:2] == ["python", "-m"] and (ROOT / (command[2].replace(".", "/") + ".py")).exists()
    unit = (DEPLOY / "systemd/clinic-assistant.service").read_text()
    assert "scripts/run_all.py" in unit and (ROOT / "scripts/run_all.py").exists()
    assert "-m actions.staff purge" in (DEPLOY / "systemd/clinic-assistant-purge.service").read_text()


def test_env_example_sets_every_variable_the_endpoints_need():
    # systemd runs scripts/run_all.py without make, so defaults.mk does not apply there.
    env = dict(line.split("=", 1) for line in (DEPLOY / "env.example").read_text().splitlines()
               if line and not line.startswith("#"))
    endpoints = "\n".join(line.split("#")[0] for line in (ROOT / "endpoints.yml").read_text().splitlines())
    needed = {word[2:-1] for word in endpoints.replace("\n", " ").split() if word.startswith("${")}
    assert needed and needed - set(env) == set()


def test_the_rasa_image_installs_the_packages_our_components_import_beyond_rasa():
    pins = {line.split("==")[0]: line for line in (ROOT / "requirements.txt").read_text().splitlines()
            if "==" in line and not line.startswith("#")}
    dockerfile = (DEPLOY / "docker/Dockerfile.rasa").read_text()
    assert f"pip install --no-cache-dir {pins['orjson']}" in dockerfile
