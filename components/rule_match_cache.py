"""RulePolicy's first rule match, kept per dialogue state instead of redone for every prediction.

To find the rules that fit a conversation, Rasa 3.6's RulePolicy (`_get_possible_keys`) compares
every rule it learned (214 here) with the conversation's latest state, then compares the few that
fit with the states before it. It does this about three times per message, and the first,
all-rules step was about a fifth of the Rasa server's time per message in the profile
(bench/profile_rasa.py).

Whether a rule fits the latest state depends only on the rule and that state, and the rules do not
change once the model is loaded. So the rules that fit a latest state are kept, per rule table
and per state (the state frozen into a hashable value); the earlier states are compared as
before. Conversations repeat the same few hundred states, so almost every prediction finds its
first step done. The cache is bounded (MAX_STATES per rule table); past that, states are matched
as Rasa does, without keeping the answer.

With CLINIC_VERIFY_STATE_CACHE=1 (`make stories`, `make e2e`, `make browser`) every answer is also
computed by Rasa's own method and compared. Applied from the server's start by
components/rasa_patches.py (performance patch "rule_match_cache").
"""

from __future__ import annotations

from typing import Any, Dict, FrozenSet, List, Set, Text, Tuple

from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.domain import State

from components.dialogue_state_cache import _verifying

MAX_STATES = 5000
_CACHE = "_clinic_rule_matches_by_state"

_rasa_get_possible_keys = RulePolicy._get_possible_keys


def frozen(value: Any) -> Any:
    """A hashable copy of a dialogue state (dicts of dicts of strings, numbers and tuples)."""
    if isinstance(value, dict):
        return frozenset((key, frozen(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        # kept apart: Rasa compares a rule's (1.0,) with a state's value, and [1.0] != (1.0,)
        return (type(value).__name__,) + tuple(frozen(item) for item in value)
    return value


def _matches_by_state(policy: RulePolicy, lookup: Dict[Text, Text]) -> Dict[Any, FrozenSet[Text]]:
    """The cache for one rule table of one policy (kept beside the table it belongs to)."""
    caches: Dict[int, Tuple[Dict[Text, Text], Dict[Any, FrozenSet[Text]]]] = policy.__dict__.setdefault(_CACHE, {})
    entry = caches.get(id(lookup))
    if entry is None or entry[0] is not lookup:
        entry = caches[id(lookup)] = (lookup, {})
    return entry[1]


def get_possible_keys(self: RulePolicy, lookup: Dict[Text, Text], states: List[State]) -> Set[Text]:
    """Rasa's `_get_possible_keys`: the rule keys of `lookup` whose states fit the conversation's."""
    if not states:
        return set(lookup.keys())
    latest = states[-1]
    cache = _matches_by_state(self, lookup)
    state_key = frozen(latest)
    first = cache.get(state_key)
    if first is None:
        first = frozenset(key for key in lookup if self._is_rule_applicable(key, 0, latest))
        if len(cache) < MAX_STATES:
            cache[state_key] = first
    possible = set(first)
    for turn_index, state in enumerate(reversed(states[:-1]), start=1):
        possible = {key for key in possible if self._is_rule_applicable(key, turn_index, state)}
    if _verifying() and possible != _rasa_get_possible_keys(self, lookup, states):
        raise AssertionError("RulePolicy's rule match from the cache differs from Rasa's")
    return possible


def apply() -> None:
    RulePolicy._get_possible_keys = get_possible_keys
