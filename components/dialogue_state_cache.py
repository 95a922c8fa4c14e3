"""Rasa's dialogue states, computed once per event instead of once per event per prediction.

Before every prediction Rasa 3.6 rebuilds the conversation's dialogue states from scratch: it
walks all events to drop reverted ones (`DialogueStateTracker.applied_events`), then replays
them into a fresh tracker and takes a state before each action
(`Domain.states_for_tracker_history`). RulePolicy does this at least twice per message, so the
cost grows with the conversation: at turn 200 it was about half of the Rasa server's time per
message (py-spy, bench/README.md).

Events are only ever appended to a tracker, so both walks can continue where the previous call
for the same tracker object stopped:
- `applied_events` keeps its running result and applies only the new events. It starts over
  whenever a loop (form) name appears that was not in the events before, because Rasa's walk
  treats every event of a loop's name by the names in the whole list.
- the states keep their replay tracker, the states so far and the two variables Rasa carries
  from one state to the next; they are reused only while the new applied events start with
  exactly the same event objects (a revert or a loop's unhappy path that removes events means
  a fresh replay). The state after the last event is computed anew on every call.
Callers get their own copies of the states and of their user sub-states (Rasa's featurizer edits
those), shared between states exactly as in Rasa's own list.

RulePolicy then compares its rules with the conversation's states from the last one backwards,
never further back than its longest rule, but gets (and formats, copies and JSON-encodes) all of
them. While RulePolicy predicts in a conversation, it gets only its longest rule's length plus
one: the same rules match, and when none does, the key it builds from the states still matches
no rule. With
CLINIC_VERIFY_STATE_CACHE=1 every RulePolicy answer is also computed from all states and compared.

`DialogueStateTracker.copy` (before every action) replays all events into a new tracker too.
Here a replayed twin of the tracker is kept up to date with the new events only, and each copy
is a clone of the twin: what the replay would build, with its own events list, slots, active
loop and latest action, and the same event objects (a replay shares those as well).

Set CLINIC_VERIFY_STATE_CACHE=1 and every call also runs Rasa's original code and raises if the
results differ; `make stories`, `make e2e` and `make browser` run that way. Applied from the
server's start by components/rasa_patches.py (performance patch "state_cache").
"""

from __future__ import annotations

import contextvars
import copy
import operator
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.rule_policy import (
    RULES,
    RULES_FOR_LOOP_UNHAPPY_PATH,
    RULES_NOT_IN_STORIES,
    RulePolicy,
)
from rasa.shared.core import constants
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from clinic import settings

VERIFY_VARIABLE = "CLINIC_VERIFY_STATE_CACHE"
_APPLIED = "_clinic_applied_events_progress"
_STATES = "_clinic_dialogue_states_progress"
_TWIN = "_clinic_replayed_twin"
_OURS = (_APPLIED, _STATES, _TWIN)

_rasa_applied_events = DialogueStateTracker.applied_events
_rasa_states_for_tracker_history = Domain.states_for_tracker_history
_rasa_copy = DialogueStateTracker.copy
_rasa_predict_action_probabilities = RulePolicy.predict_action_probabilities
_rasa_find_action_from_rules = RulePolicy._find_action_from_rules

# How many of the last states the caller needs (None: all); set while RulePolicy asks.
_states_needed: contextvars.ContextVar[Optional[int]] = contextvars.ContextVar(
    "clinic_states_needed", default=None)


def _verifying() -> bool:
    return settings.raw(VERIFY_VARIABLE) not in (None, "0")


class _EventsRead:
    """How far a walk over a tracker's events has read: their first `count`, while the tracker
    keeps the same uncapped events list and its event number `count` is still the one read."""

    __slots__ = ("events", "count", "last_event")

    def __init__(self, events: Any) -> None:
        self.events, self.count, self.last_event = events, 0, None

    def still_matches(self, events: Any) -> bool:
        return (self.events is events and events.maxlen is None and len(events) >= self.count
                and (self.count == 0 or events[self.count - 1] is self.last_event))

    def unread(self) -> List[Event]:
        return list(self.events)[self.count:]

    def read_all(self) -> None:
        self.count = len(self.events)
        self.last_event = self.events[-1] if self.count else None


def _loop_names(events: Any) -> set:
    return {event.name for event in events if isinstance(event, ActiveLoop) and event.name}


class _AppliedProgress(_EventsRead):
    """Rasa's applied-events walk so far, and the loop names it used."""

    __slots__ = ("loop_names", "applied")

    def __init__(self, events: Any) -> None:
        super().__init__(events)
        self.loop_names = _loop_names(events)
        self.applied: List[Event] = []


def _walk(tracker: DialogueStateTracker, events: List[Event], applied: List[Event],
          loop_names: set) -> None:
    """The body of Rasa's `applied_events` loop (rasa/shared/core/trackers.py), unchanged."""
    for event in events:
        if isinstance(event, (Restarted, SessionStarted)):
            applied.clear()
        elif isinstance(event, ActionReverted):
            tracker._undo_till_previous(ActionExecuted, applied)
        elif isinstance(event, UserUtteranceReverted):
            tracker._undo_till_previous(UserUttered, applied)
            tracker._undo_till_previous(ActionExecuted, applied)
        elif (isinstance(event, ActionExecuted) and event.action_name in loop_names
              and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)):
            tracker._undo_till_previous_loop_execution(event.action_name, applied)
        else:
            applied.append(event)


def applied_events(self: DialogueStateTracker) -> List[Event]:
    """`DialogueStateTracker.applied_events`, continued from the previous call's result."""
    events = self.events
    progress: Optional[_AppliedProgress] = self.__dict__.get(_APPLIED)
    if (progress is None or not progress.still_matches(events)
            or not _loop_names(progress.unread()) <= progress.loop_names):
        progress = self.__dict__[_APPLIED] = _AppliedProgress(events)
    applied = list(progress.applied)  # the cached list stays as it was; callers own theirs
    _walk(self, progress.unread(), applied, progress.loop_names)
    progress.applied = applied
    progress.read_all()
    result = list(applied)
    if _verifying():
        expected = _rasa_applied_events(self)
        if len(result) != len(expected) or not all(map(operator.is_, result, expected)):
            raise AssertionError(f"applied_events cache differs from Rasa for {self.sender_id}")
    return result


class _StatesProgress:
    """Rasa's states walk after the events in `applied`: the replay tracker, the states taken so
    far and the variables Rasa carries between states."""

    __slots__ = ("domain", "applied", "replay", "states", "last_ml_action_sub_state", "turn_was_hidden")

    def __init__(self, domain: Domain, tracker: DialogueStateTracker) -> None:
        self.domain = domain
        self.applied: List[Event] = []
        self.replay = tracker.init_copy()
        self.states: List[State] = []
        self.last_ml_action_sub_state: Optional[Dict[Text, Any]] = None
        self.turn_was_hidden = False

    def extended_by(self, applied: List[Event]) -> bool:
        known = self.applied
        return len(applied) >= len(known) and all(map(operator.is_, applied[:len(known)], known))


def _take_state(domain: Domain, tr: DialogueStateTracker, hide_rule_turn: bool, states: List[State],
                carried: Tuple[Optional[Dict], bool], omit_unset_slots: bool,
                ignore_rule_only_turns: bool, rule_only_data: Optional[Dict[Text, Any]]
                ) -> Tuple[Optional[Dict], bool]:
    """One iteration of Rasa's `Domain.states_for_tracker_history` loop, unchanged."""
    last_ml_action_sub_state, turn_was_hidden = carried
    if ignore_rule_only_turns:
        if not turn_was_hidden:
            last_ml_action_sub_state = domain._get_prev_action_sub_state(tr)
        if not tr.followup_action and not tr.latest_action_name == tr.active_loop_name:
            turn_was_hidden = hide_rule_turn
        if turn_was_hidden:
            return last_ml_action_sub_state, turn_was_hidden
    state = domain.get_active_state(tr, omit_unset_slots=omit_unset_slots)
    if ignore_rule_only_turns:
        domain._remove_rule_only_features(state, rule_only_data)
        if states:
            domain._substitute_rule_only_user_input(state, states[-1])
        if last_ml_action_sub_state:
            state[constants.PREVIOUS_ACTION] = last_ml_action_sub_state
    states.append(domain._clean_state(state))
    return last_ml_action_sub_state, turn_was_hidden


def _copy_states(states: List[State]) -> List[State]:
    """New state dicts whose user sub-states are copies, shared between states exactly where
    Rasa's list shares them. The user sub-state is the only one Rasa's featurizer edits
    (`_choose_last_user_input` removes the intent or the text); the others, whose values are
    strings and tuples, are handed out as they are."""
    copies: Dict[int, Dict] = {}
    result = []
    for state in states:
        copied = dict(state)
        user = state.get(constants.USER)
        if user is not None:
            duplicate = copies.get(id(user))
            if duplicate is None:
                duplicate = copies[id(user)] = dict(user)
            copied[constants.USER] = duplicate
        result.append(copied)
    return result


def states_for_tracker_history(self: Domain, tracker: DialogueStateTracker,
                               omit_unset_slots: bool = False, ignore_rule_only_turns: bool = False,
                               rule_only_data: Optional[Dict[Text, Any]] = None) -> List[State]:
    """`Domain.states_for_tracker_history`, continued from the previous call for this tracker."""
    applied = tracker.applied_events()
    cache = tracker.__dict__.setdefault(_STATES, {})
    key = (omit_unset_slots, ignore_rule_only_turns, repr(rule_only_data))
    progress: Optional[_StatesProgress] = cache.get(key)
    if progress is None or progress.domain is not self or not progress.extended_by(applied):
        progress = cache[key] = _StatesProgress(self, tracker)
    options = (omit_unset_slots, ignore_rule_only_turns, rule_only_data)
    carried = (progress.last_ml_action_sub_state, progress.turn_was_hidden)
    for event in applied[len(progress.applied):]:
        if isinstance(event, ActionExecuted):
            carried = _take_state(self, progress.replay, event.hide_rule_turn, progress.states, carried, *options)
        progress.replay.update(event)
    progress.applied = applied
    progress.last_ml_action_sub_state, progress.turn_was_hidden = carried
    needed = _states_needed.get()
    states = progress.states[-(needed - 1):] if needed else list(progress.states)
    _take_state(self, progress.replay, False, states, carried, *options)  # after the last event
    result = _copy_states(states)
    if _verifying():
        expected = _rasa_states_for_tracker_history(self, tracker, omit_unset_slots=omit_unset_slots,
                                                    ignore_rule_only_turns=ignore_rule_only_turns,
                                                    rule_only_data=rule_only_data)
        if result != (expected[-needed:] if needed else expected):
            raise AssertionError(f"dialogue state cache differs from Rasa for {tracker.sender_id}")
    return result


def _longest_rule_plus_one(policy: RulePolicy) -> int:
    window = policy.__dict__.get("_clinic_states_window")
    if window is None:
        keys = [key for table in (RULES, RULES_FOR_LOOP_UNHAPPY_PATH) for key in policy.lookup.get(table, {})]
        longest = max((len(policy._rule_key_to_state(key)) for key in keys), default=0)
        window = policy.__dict__["_clinic_states_window"] = max(longest, 1) + 1
    return window


def predict_action_probabilities(self, tracker: DialogueStateTracker, domain: Domain,  # noqa: ANN001
                                 rule_only_data: Optional[Dict[Text, Any]] = None,
                                 **kwargs: Any) -> PolicyPrediction:
    """RulePolicy's prediction in a conversation, with the states its rules can reach. (Training
    calls RulePolicy's inner methods directly and gets all states, as before.) Rasa's graph checks
    this method's signature: it must stay Rasa's (`self` without a type)."""
    token = _states_needed.set(_longest_rule_plus_one(self))
    try:
        return _rasa_predict_action_probabilities(self, tracker, domain, rule_only_data, **kwargs)
    finally:
        _states_needed.reset(token)


def find_action_from_rules(self: RulePolicy, tracker: DialogueStateTracker, domain: Domain,
                           use_text_for_last_user_input: bool) -> Tuple[Optional[Text], Optional[Text], bool]:
    """RulePolicy's `_find_action_from_rules`; checked against all states when verifying."""
    answer = _rasa_find_action_from_rules(self, tracker, domain, use_text_for_last_user_input)
    if _verifying() and _states_needed.get():
        token = _states_needed.set(None)
        try:
            full = _rasa_find_action_from_rules(self, tracker, domain, use_text_for_last_user_input)
        finally:
            _states_needed.reset(token)
        hidden = self.lookup.get(RULES_NOT_IN_STORIES, [])
        rule_keys = self.lookup.get(RULES, {})
        if (answer[0], answer[2], answer[1] in hidden) != (full[0], full[2], full[1] in hidden) or (
                (answer[1] in rule_keys or full[1] in rule_keys) and answer[1] != full[1]):
            raise AssertionError(f"RulePolicy on the last states differs from all states for {tracker.sender_id}")
    return answer


class _Twin(_EventsRead):
    """A replay of the events read so far (Rasa's `copy` replays them all)."""

    __slots__ = ("tracker",)

    def __init__(self, original: DialogueStateTracker) -> None:
        super().__init__(original.events)
        self.tracker = original.init_copy()


def _clone(replayed: DialogueStateTracker) -> DialogueStateTracker:
    clone = copy.copy(replayed)
    for name in _OURS:
        clone.__dict__.pop(name, None)
    clone.events = replayed._create_events(list(replayed.events))
    clone.slots = {name: copy.copy(slot) for name, slot in replayed.slots.items()}
    clone.active_loop = copy.copy(replayed.active_loop)
    clone.latest_action = dict(replayed.latest_action)
    return clone


def copy_tracker(self: DialogueStateTracker) -> DialogueStateTracker:
    """`DialogueStateTracker.copy`, from a replay kept up to date instead of a new one."""
    if self.events.maxlen is not None or type(self.slots) is not dict:
        return _rasa_copy(self)
    twin: Optional[_Twin] = self.__dict__.get(_TWIN)
    if twin is None or not twin.still_matches(self.events):
        twin = self.__dict__[_TWIN] = _Twin(self)
    for event in twin.unread():
        twin.tracker.update(event)
    twin.read_all()
    result = _clone(twin.tracker)
    if _verifying() and not same_tracker(result, _rasa_copy(self)):
        raise AssertionError(f"tracker copy differs from Rasa for {self.sender_id}")
    return result


def same_tracker(one: DialogueStateTracker, other: DialogueStateTracker) -> bool:
    """Whether two trackers hold the same conversation state (events, slots, loop, latest
    message, action and bot utterance, pause, follow-up action and identity)."""
    def slots(tracker: DialogueStateTracker) -> Dict[Text, Any]:
        return {name: (slot.value, slot.has_been_set) for name, slot in tracker.slots.items()}

    attributes = ("sender_id", "sender_source", "model_id", "assistant_id", "is_rule_tracker",
                  "_max_event_history", "_paused", "followup_action", "latest_action",
                  "latest_message", "latest_bot_utterance", "active_loop")
    return (set(one.__dict__) - set(_OURS) == set(other.__dict__) - set(_OURS)
            and all(getattr(one, name) == getattr(other, name) for name in attributes)
            and slots(one) == slots(other) and list(one.events) == list(other.events)
            and one.current_state(EventVerbosity.ALL) == other.current_state(EventVerbosity.ALL))


def apply() -> None:
    DialogueStateTracker.applied_events = applied_events
    Domain.states_for_tracker_history = states_for_tracker_history
    DialogueStateTracker.copy = copy_tracker
    RulePolicy.predict_action_probabilities = predict_action_probabilities
    RulePolicy._find_action_from_rules = find_action_from_rules
