"""components/rule_match_cache.py must find exactly the rules Rasa's RulePolicy finds: the rule that
answers a crisis message is one of them. Random rule tables and conversations, asked repeatedly so
that most answers come from the cache, are compared with Rasa's own method."""

import json
import random

import pytest
from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import SHOULD_NOT_BE_SET

from components import rasa_patches
from components import rule_match_cache as cache

INTENTS = ["greet", "crisis", "ask_hours", "affirm", "deny", "request_intake", "risk_check_in"]
ACTIONS = ["action_listen", "utter_greet", "action_crisis_response", "intake_form", "action_hours"]


def random_state(rng, rule=False):
    state = {"prev_action": {"action_name": rng.choice(ACTIONS)}}
    if rng.random() < 0.8:
        state["user"] = {"intent": rng.choice(INTENTS)}
    if rng.random() < 0.5:
        state["slots"] = {"crisis_active": rng.choice([(1.0,), (0.0,)] + ([SHOULD_NOT_BE_SET] if rule else []))}
    if rng.random() < 0.4:
        state["active_loop"] = {"name": rng.choice(["intake_form", SHOULD_NOT_BE_SET if rule else "callback_form"])}
    return state


def random_rule_table(rng, size=150):
    table = {}
    for _ in range(size):
        states = [random_state(rng, rule=True) for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.2:
            states[0] = {}  # a conversation start
        table[json.dumps(states)] = rng.choice(ACTIONS)
    return table


def bare_policy():
    """A RulePolicy with only what rule matching reads (its methods are those of the class)."""
    return object.__new__(RulePolicy)


@pytest.fixture(autouse=True)
def patch_applied():
    with rasa_patches.applied(["rule_match_cache"]):
        yield


@pytest.mark.parametrize("seed", range(6))
def test_the_rules_found_are_rasas_whether_or_not_the_state_was_seen_before(seed):
    rng = random.Random(seed)
    policy, table = bare_policy(), random_rule_table(rng)
    # Keys of the table itself, read as conversations, so that many rules match.
    conversations = [json.loads(key) for key in rng.sample(sorted(table), 40)]
    conversations += [[random_state(rng) for _ in range(rng.randint(1, 4))] for _ in range(40)]
    for _ in range(3):  # the second and third rounds are answered from the cache
        for states in conversations:
            states = [{kind: dict(sub) for kind, sub in state.items()} for state in states]
            expected = cache._rasa_get_possible_keys(policy, table, states)
            assert policy._get_possible_keys(table, states) == expected


def test_one_latest_state_with_different_histories_gets_each_its_own_rules():
    """Only the latest state's step is kept: the states before it are compared every time."""
    policy = bare_policy()
    greet = {"prev_action": {"action_name": "action_listen"}, "user": {"intent": "greet"}}
    after_crisis = {"prev_action": {"action_name": "action_crisis_response"}, "user": {"intent": "crisis"}}
    after_hours = {"prev_action": {"action_name": "action_hours"}, "user": {"intent": "ask_hours"}}
    table = {json.dumps([greet]): "utter_greet", json.dumps([after_crisis, greet]): "action_crisis_response"}
    assert policy._get_possible_keys(table, [after_crisis, greet]) == set(table)
    assert policy._get_possible_keys(table, [after_hours, greet]) == {json.dumps([greet])}
    assert policy._get_possible_keys(table, []) == set(table)


def test_a_state_already_seen_is_not_compared_with_every_rule_again(monkeypatch):
    monkeypatch.delenv("CLINIC_VERIFY_STATE_CACHE", raising=False)  # verifying would run Rasa's method too
    policy, table = bare_policy(), random_rule_table(random.Random(7))
    states = [json.loads(next(iter(table)))[-1]]
    policy._get_possible_keys(table, states)
    compared = []
    original = RulePolicy._is_rule_applicable
    monkeypatch.setattr(RulePolicy, "_is_rule_applicable",
                        lambda self, key, index, state: compared.append(key) or original(self, key, index, state))
    assert policy._get_possible_keys(table, states) == cache._rasa_get_possible_keys(policy, table, states)
    assert len(compared) == len(table)  # Rasa's own method only; the cached step compared nothing


def test_the_cache_stops_growing_at_its_bound(monkeypatch):
    monkeypatch.setattr(cache, "MAX_STATES", 5)
    rng = random.Random(3)
    policy, table = bare_policy(), random_rule_table(rng)
    for _ in range(30):
        states = [random_state(rng)]
        assert policy._get_possible_keys(table, states) == cache._rasa_get_possible_keys(policy, table, states)
    assert len(cache._matches_by_state(policy, table)) == 5
