"""components/rasa_patches.py: Rasa is changed only where the server starts, only as far as
CLINIC_RASA_PATCHES allows, never on an untested Rasa; training runs Rasa as released."""

import importlib
import json
import logging
import os
import subprocess
import sys

import pytest

from components import rasa_patches
from tests.conftest import ROOT

# Every member of Rasa a patch replaces, listed here independently of the registry (from
# `grep -n "^    [A-Za-z].* = " components/*.py` on the apply functions), so a patch that starts
# replacing something else without being registered fails this list.
RASA_MEMBERS = {
    ("rasa.core.actions.action", "RemoteAction", "run"): "safety",
    ("rasa.core.agent", "Agent", "handle_message"): "safety",
    ("rasa.utils.log_utils", "", "_anonymizer"): "safety",
    ("rasa.core.actions.action", "RemoteAction", "_validate_action_result"): "performance",
    ("rasa.core.actions.action", "RemoteAction", "__init__"): "performance",
    ("rasa.core.actions.action", "RemoteAction", "_action_call_format"): "performance",
    ("rasa.shared.core.trackers", "DialogueStateTracker", "applied_events"): "performance",
    ("rasa.shared.core.domain", "Domain", "states_for_tracker_history"): "performance",
    ("rasa.shared.core.trackers", "DialogueStateTracker", "copy"): "performance",
    ("rasa.core.policies.rule_policy", "RulePolicy", "predict_action_probabilities"): "performance",
    ("rasa.core.policies.rule_policy", "RulePolicy", "_find_action_from_rules"): "performance",
    ("rasa.core.policies.rule_policy", "RulePolicy", "_get_possible_keys"): "performance",
    ("rasa.core.run", "", "load_agent_on_start"): "performance",
    ("rasa.core.processor", "MessageProcessor", "handle_message"): "performance",
    ("rasa.engine.loader", "", "load_predict_graph_runner"): "performance",
    ("rasa.utils.endpoints", "EndpointConfig", "session"): "never",  # Rasa's for every endpoint
}


def member(target):
    module = importlib.import_module(target[0])
    owner = getattr(module, target[1]) if target[1] else module
    return vars(owner).get(target[2]) if target[1] else getattr(owner, target[2])


@pytest.fixture
def rasa_as_found():
    """What each member is now; every patch undone after the test."""
    before = {target: member(target) for target in RASA_MEMBERS}
    yield before
    rasa_patches.restore()
    assert {target: member(target) for target in RASA_MEMBERS} == before


def changed(before):
    return {target for target, value in before.items() if member(target) is not value}


def test_the_registry_names_every_replaced_member_with_its_kind():
    registered = {target: patch.kind for patch in rasa_patches.PATCHES for target in patch.replaces}
    assert registered == {target: kind for target, kind in RASA_MEMBERS.items() if kind != "never"}


def test_off_replaces_no_performance_member_and_keeps_the_safety_patches(rasa_as_found):
    applied = rasa_patches.apply("off")
    assert applied == ["action_failsafe", "lock_reply", "log_privacy"]
    assert changed(rasa_as_found) <= {t for t, kind in RASA_MEMBERS.items() if kind == "safety"}
    for target, kind in RASA_MEMBERS.items():
        if kind != "safety":
            assert member(target) is rasa_as_found[target], target


def test_on_replaces_every_registered_member_and_restore_puts_rasa_back(rasa_as_found):
    rasa_patches.apply("on")
    assert changed(rasa_as_found) == {t for t, kind in RASA_MEMBERS.items() if kind != "never"}


def test_a_list_applies_only_the_named_speed_ups(rasa_as_found):
    rasa_patches.apply("fair_queue, direct_graph")
    assert changed(rasa_as_found) == {t for t, kind in RASA_MEMBERS.items() if kind == "safety"} | {
        ("rasa.core.processor", "MessageProcessor", "handle_message"),
        ("rasa.engine.loader", "", "load_predict_graph_runner")}


@pytest.mark.parametrize("setting, message", [
    ("fair_queue,turbo", "unknown performance patch turbo"),
    ("off,", "unknown performance patch off"),
    ("action_failsafe", r"safety patches are always on"),
])
def test_a_wrong_setting_stops_the_server_before_anything_is_patched(rasa_as_found, setting, message):
    with pytest.raises(ValueError, match=message):
        rasa_patches.apply(setting)
    assert changed(rasa_as_found) == set()


def test_another_rasa_version_is_refused_with_one_error_line_and_nothing_patched(rasa_as_found, caplog,
                                                                                   monkeypatch):
    import rasa

    monkeypatch.setattr(rasa, "__version__", "3.6.22")
    with caplog.at_level(logging.INFO, logger="components.rasa_patches"):
        assert rasa_patches.apply("on") == []
    assert changed(rasa_as_found) == set()
    records = [r for r in caplog.records if r.name == "components.rasa_patches"]
    assert len(records) == 1 and records[0].levelno == logging.ERROR
    assert "3.6.22 is not the tested 3.6.21" in records[0].getMessage()
    assert "WITHOUT its safety patches" in records[0].getMessage()


def test_the_tested_version_is_the_one_constraints_txt_pins():
    pins = (ROOT / "constraints.txt").read_text().splitlines()
    assert f"rasa=={rasa_patches.TESTED_RASA_VERSION}" in pins


def _fresh_python(code, **env):
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def test_importing_the_components_as_training_does_patches_nothing():
    """`rasa train` / `rasa data validate` / `rasa test nlu` import config.yml's components, and so
    the whole package: Rasa must stay as released (checked in a fresh interpreter)."""
    code = f"""
import importlib, json
members = {json.dumps([list(t) for t in RASA_MEMBERS])}
def member(t):
    module = importlib.import_module(t[0])
    owner = getattr(module, t[1]) if t[1] else module
    return vars(owner).get(t[2]) if t[1] else getattr(owner, t[2])
before = [member(t) for t in members]
import components, components.tfidf_classifier, components.crisis_guard, components.tracker_store
import components.lock_store, components.site_socketio, components.site_rest, components.rasa_speedups
import components.dialogue_state_cache, components.fair_queue, components.direct_graph_runner
import components.rule_match_cache, components.startup_gc
import components.action_failsafe, components.log_privacy, components.rasa_patches
print(json.dumps([t for t, old in zip(members, before) if member(t) is not old]))
"""
    assert json.loads(_fresh_python(code).stdout.strip().splitlines()[-1]) == []


def test_the_server_entry_point_logs_what_it_patched():
    """scripts/rasa_patched.py (and serve_rasa.py) apply the patches before Rasa runs, and say so."""
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "rasa_patched.py"), "--version"], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT), "CLINIC_RASA_PATCHES": "off"},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "safety action_failsafe, lock_reply, log_privacy (always on); performance none" in result.stderr


def test_the_architecture_guide_names_every_patch_and_what_it_replaces():
    guide = (ROOT / "docs" / "architecture.md").read_text()
    for patch in rasa_patches.PATCHES:
        assert f"`{patch.name}`" in guide, patch.name
        for _module, owner, attribute in patch.replaces:
            assert (f"{owner}.{attribute}" if owner else attribute) in guide, (patch.name, attribute)
