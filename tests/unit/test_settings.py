"""clinic/settings.py declares every setting once; defaults.mk, deploy/env.example and the
configuration table in docs/operations.md agree with it, and a bad value is named without its secret."""

import re

import pytest

from clinic import settings
from tests.e2e_servers import ROOT

MAKE_ONLY = {"PYTHON"}  # the interpreter `make install` uses, not a setting of the assistant


def defaults_mk():
    values = {}
    for line in (ROOT / "defaults.mk").read_text().splitlines():
        match = re.match(r"^([A-Z_][A-Z0-9_]*)\s*\?=\s*(.*?)\s*$", line)
        if match:
            name, value = match.groups()
            values[name] = re.sub(r"\$\(([A-Z_][A-Z0-9_]*)\)", lambda m: values[m.group(1)], value)
    return values


def env_example():
    return {line.split("=", 1)[0] for line in (ROOT / "deploy" / "env.example").read_text().splitlines()
            if re.match(r"^[A-Z_][A-Z0-9_]*=", line)}


def operations_table():
    text = (ROOT / "docs" / "operations.md").read_text()
    table = text.split("### Environment variables", 1)[1].split("\n\n", 2)[2].split("\n\n", 1)[0]
    return {name for row in table.splitlines()[2:] for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def test_every_default_in_defaults_mk_is_the_declared_one():
    for name, text in defaults_mk().items():
        declared = settings.setting(name)
        expected = declared.dev if declared.dev is not None else declared.default
        if declared.dev is not None:
            assert text == expected, name
        else:
            assert (declared.parse(text) if text else None) == expected, name


def test_deploy_env_example_sets_exactly_what_production_must_set():
    production = {name for name, declared in settings.SETTINGS.items() if declared.production}
    assert env_example() == production


def test_the_operations_table_documents_every_setting_and_nothing_else():
    assert operations_table() - MAKE_ONLY == set(settings.SETTINGS)


def test_secrets_are_marked_by_name_and_urls_that_carry_credentials():
    secrets = {name for name in settings.SETTINGS if settings.is_secret(name)}
    assert {"ACTION_SERVER_SECRET", "RASA_API_TOKEN", "CONVERSATION_ID_KEY", "LOG_ID_KEY", "INTAKE_ENCRYPTION_KEY",
            "TRACKER_STORE_PASSWORD", "LOCK_STORE_PASSWORD", "STAFF_WEBHOOK_SECRET", "SMTP_PASSWORD",
            "INTAKE_DATABASE_URL", "STAFF_WEBHOOK_URL",
            "INBOX_SECRET_KEY", "ESCALATION_WEBHOOK_URL"} == secrets
    assert settings.is_secret("SOME_NEW_API_KEY") and not settings.is_secret("SOME_PORT")


def test_a_value_is_read_when_asked_not_at_import(monkeypatch):
    monkeypatch.delenv("LOCK_WAIT_SECONDS", raising=False)
    assert settings.get("LOCK_WAIT_SECONDS") == 30.0
    monkeypatch.setenv("LOCK_WAIT_SECONDS", "12")
    assert settings.get("LOCK_WAIT_SECONDS") == 12.0
    monkeypatch.setenv("LOCK_WAIT_SECONDS", "0.2")
    assert settings.get("LOCK_WAIT_SECONDS") == 1.0  # raised to the minimum
    monkeypatch.setenv("LOCK_WAIT_SECONDS", "  ")
    assert settings.get("LOCK_WAIT_SECONDS") == 30.0  # blank is unset


def test_a_bad_value_names_the_variable_and_what_it_must_be(monkeypatch):
    monkeypatch.setenv("MESSAGE_CONCURRENCY", "two")
    with pytest.raises(settings.SettingError, match="MESSAGE_CONCURRENCY must be a whole number, not 'two'"):
        settings.get("MESSAGE_CONCURRENCY")
    monkeypatch.setenv("LOCK_STORE_TYPE", "memcached")
    assert "LOCK_STORE_TYPE must be in_memory or redis, not 'memcached'" in settings.problems()


def test_a_bad_secret_is_named_but_its_value_never_shown(monkeypatch):
    monkeypatch.setenv("INTAKE_DATABASE_URL", "hunter2-not-a-url")
    with pytest.raises(settings.SettingError) as error:
        settings.get("INTAKE_DATABASE_URL")
    assert "INTAKE_DATABASE_URL" in str(error.value) and "hunter2" not in str(error.value)
    assert not any("hunter2" in problem for problem in settings.problems())


def test_settings_that_always_tolerated_a_typo_still_fall_back_to_the_default(monkeypatch):
    monkeypatch.setenv("MAX_MESSAGE_CHARS", "lots")
    assert settings.get("MAX_MESSAGE_CHARS") == 4000
    monkeypatch.setenv("MAX_MESSAGE_CHARS", "50")
    assert settings.get("MAX_MESSAGE_CHARS") == 200


def test_an_undeclared_name_is_refused():
    with pytest.raises(KeyError, match="NOT_A_SETTING is not a declared setting"):
        settings.get("NOT_A_SETTING")


def test_every_variable_the_kubernetes_manifests_set_for_the_assistant_is_declared():
    import yaml

    names = set()
    for path in (ROOT / "deploy" / "kubernetes").glob("*.yaml"):
        for resource in yaml.safe_load_all(path.read_text()):
            if not resource:
                continue
            if resource.get("kind") == "ConfigMap":
                names |= {key for key in resource.get("data", {}) if re.fullmatch(r"[A-Z_][A-Z0-9_]*", key)}
            pod = resource.get("spec", {}).get("template", {}).get("spec", {})
            for container in pod.get("containers", []) + pod.get("initContainers", []):
                names |= {item["name"] for item in container.get("env") or []}
    postgres_image_own = {"PGDATA", "POSTGRES_DB", "POSTGRES_PASSWORD", "POSTGRES_USER"}
    assert names - postgres_image_own <= set(settings.SETTINGS)
    assert len(names) > 20
