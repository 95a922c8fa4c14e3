"""components/dialogue_state_cache.py must give exactly Rasa's dialogue states: the rules that
answer a crisis message match on them. Each conversation below grows one event at a time on
one tracker object (as on the server, where the tracker store hands the same object back), and
after every event the cached results are compared with Rasa's own code on a fresh tracker."""

import contextlib
import random

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from components import dialogue_state_cache as cache
from components import rasa_patches


@pytest.fixture(autouse=True, scope="module")
def state_cache_applied():
    """The cache applied as the Rasa server applies it, and undone after."""
    with rasa_patches.applied(["state_cache"]):
        yield

DOMAIN = Domain.load("domain.yml")
RULE_ONLY_DATA = {"slots": ["requested_slot"], "active_loops": ["callback_form"]}
OPTIONS = [dict(), dict(omit_unset_slots=True),
           dict(ignore_rule_only_turns=True, rule_only_data=RULE_ONLY_DATA)]


@contextlib.contextmanager
def rasas_own_code():
    patched = (DialogueStateTracker.applied_events, Domain.states_for_tracker_history)
    DialogueStateTracker.applied_events = cache._rasa_applied_events
    Domain.states_for_tracker_history = cache._rasa_states_for_tracker_history
    try:
        yield
    finally:
        DialogueStateTracker.applied_events, Domain.states_for_tracker_history = patched


def user(intent, text=None):
    return UserUttered(text or intent, {"name": intent, "confidence": 1.0})


def turn(intent, action):
    return [ActionExecuted("action_listen"), user(intent), ActionExecuted(action), BotUttered("ok")]


def form_turns(form, slots):
    events = [ActionExecuted("action_listen"), user("request_intake"), ActionExecuted(form), ActiveLoop(form),
              SlotSet("requested_slot", slots[0])]
    for slot, following in zip(slots, slots[1:] + [None], strict=True):
        events += [ActionExecuted("action_listen"), user("inform", "an answer"), ActionExecuted(form),
                   SlotSet(slot, "an answer"), SlotSet("requested_slot", following)]
    return events + [ActiveLoop(None), ActionExecuted("action_listen")]


def unhappy_path(form):
    return [ActionExecuted("action_listen"), user("ask_hours"), ActionExecutionRejected(form),
            ActionExecuted("action_hours", hide_rule_turn=True), BotUttered("hours"),
            ActionExecuted(form, hide_rule_turn=True)]


def check_growing(events, every=lambda: 1):
    """Compare after each event, or after every few events (`every` says how many: several
    events arrive between two predictions on the server, e.g. a form's answer and its slots)."""
    tracker = DialogueStateTracker("conversation", DOMAIN.slots)
    due = every()
    for event in events:
        tracker.update(event)
        due -= 1
        if due > 0:
            continue
        due = every()
        got_applied = tracker.applied_events()
        got_states = [tracker.past_states(DOMAIN, **options) for options in OPTIONS]
        fresh = DialogueStateTracker.from_events("conversation", list(tracker.events), DOMAIN.slots)
        with rasas_own_code():
            want_applied = fresh.applied_events()
            want_states = [fresh.past_states(DOMAIN, **options) for options in OPTIONS]
        assert [e.as_dict() for e in got_applied] == [e.as_dict() for e in want_applied]
        assert got_states == want_states, f"after {event!r}"
        check_copy(tracker)


def check_copy(tracker):
    """tracker.copy() (before every action) is what Rasa's replay builds, and independent of it."""
    copied = tracker.copy()
    with rasas_own_code():
        rasa_copy = cache._rasa_copy(tracker)
    assert cache.same_tracker(copied, rasa_copy)
    before = tracker.current_state(EventVerbosity.ALL)
    copied.update(SlotSet("callback_phone", "changed in the copy"))  # what an action run does
    copied.update(ActionExecutionRejected("callback_form"))
    copied.update(ActionExecuted("action_listen"))
    assert tracker.current_state(EventVerbosity.ALL) == before
    assert cache.same_tracker(tracker.copy(), rasa_copy)


def test_faq_turns_and_a_form_give_rasas_states():
    check_growing(turn("greet", "utter_greet") + form_turns("callback_form", ["callback_phone", "callback_time"])
                  + turn("ask_hours", "action_hours") + turn("bye", "utter_goodbye"))


def test_reverts_restarts_and_new_sessions_give_rasas_states():
    events = (turn("greet", "utter_greet") + [UserUtteranceReverted()] + turn("ask_fees", "action_fees")
              + [ActionReverted()] + turn("thanks", "utter_welcome") + [Restarted()]
              + turn("greet", "utter_greet") + [SessionStarted()] + turn("ask_hours", "action_hours"))
    check_growing(events)


def test_a_form_interrupted_by_a_question_gives_rasas_states():
    events = (turn("greet", "utter_greet") + form_turns("callback_form", ["callback_phone"])[:8]
              + unhappy_path("callback_form") + form_turns("callback_form", ["callback_phone"])[5:])
    check_growing(events)


def test_a_second_form_first_seen_late_gives_rasas_states():
    # A loop name that appears for the first time changes how Rasa reads every earlier event of
    # that name: the cache must start over, not continue.
    events = ([ActionExecuted("action_listen"), user("request_intake"), ActionExecuted("intake_form"),
               BotUttered("before the loop")] * 2
              + form_turns("intake_form", ["consent", "full_name"]) + turn("ask_hours", "action_hours"))
    check_growing(events)


@pytest.mark.parametrize("seed", range(12))
def test_random_conversations_give_rasas_states(seed):
    pieces = [lambda: turn("greet", "utter_greet"), lambda: turn("ask_hours", "action_hours"),
              lambda: form_turns("callback_form", ["callback_phone", "callback_time"]),
              lambda: form_turns("intake_form", ["consent"])[:7], lambda: unhappy_path("callback_form"),
              lambda: unhappy_path("intake_form"), lambda: [UserUtteranceReverted()],
              lambda: [ActionReverted()], lambda: [Restarted()], lambda: [SessionStarted()],
              lambda: [ActiveLoop(None)], lambda: [SlotSet("callback_phone", "555-234-9876")]]
    rng = random.Random(seed)
    events = [event for _ in range(14) for event in rng.choice(pieces)()]
    check_growing(events)
    check_growing(events, every=lambda: rng.randint(2, 7))


def test_callers_may_edit_the_states_they_get_without_changing_the_next_answer():
    tracker = DialogueStateTracker("conversation", DOMAIN.slots)
    for event in turn("greet", "utter_greet") + turn("ask_hours", "action_hours"):
        tracker.update(event)
    first = tracker.past_states(DOMAIN)
    for state in first:  # what Rasa's featurizer does to the user input, and worse
        for sub_state in state.values():
            sub_state.pop("intent", None)
            sub_state.pop("text", None)
        state.clear()
    assert tracker.past_states(DOMAIN) != first
    with rasas_own_code():
        assert tracker.past_states(DOMAIN) == DialogueStateTracker.from_events(
            "conversation", list(tracker.events), DOMAIN.slots).past_states(DOMAIN)


def test_verification_mode_catches_a_wrong_cached_answer(monkeypatch):
    tracker = DialogueStateTracker("conversation", DOMAIN.slots)
    for event in turn("greet", "utter_greet"):
        tracker.update(event)
    tracker.past_states(DOMAIN)
    progress = next(iter(tracker.__dict__[cache._STATES].values()))
    progress.states.append({"prev_action": {"action_name": "not what happened"}})  # a corrupted cache
    monkeypatch.setenv(cache.VERIFY_VARIABLE, "1")
    tracker.update(ActionExecuted("action_listen"))
    with pytest.raises(AssertionError, match="differs from Rasa"):
        tracker.past_states(DOMAIN)
