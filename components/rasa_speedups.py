"""Measured fixes for Rasa 3.6's hot spots on our message path (bench/README.md, README Benchmarks).

1. Validating action replies.

Rasa checks every action-server reply with `jsonschema.validate`, which first re-validates Rasa's
large event schema against the JSON-Schema meta-schema: 34.7 ms per custom-action call, 45 % of
the Rasa server's time per message in the profile. Here the validator is built once. Valid replies
pass the same checks; an invalid reply still goes to Rasa's own method, so it is refused with
Rasa's own error.

2. Encoding action calls. Every custom action call sends the whole conversation to the action
server, encoded by the standard library's json: 20 % of the Rasa server's time per message at turn
200 (py-spy). orjson encodes the same JSON about ten times faster; whatever orjson refuses (a type
it does not know) is encoded by json as before. Only the action endpoint gets the faster session:
each RemoteAction gives its own endpoint object an orjson session; every other EndpointConfig
(model server, NLG, event broker) keeps Rasa's.

3. Sending the current turn only. Rasa sends the action server the whole conversation on every
custom action call, which grows with every turn (a third of the time per message at turn 200)
and hands the action server everything the person ever typed. Our actions read the slots, the
latest message and the form's newest slot events (`slots_to_validate`), which are all in the
current turn: the events from the `action_listen` before the latest user message on. The other
fields (slots, latest message, active loop, latest action) are Rasa's as before.
ACTION_TRACKER_EVENTS=all restores the whole conversation for an action that needs history.

Three separate patches, applied by components/rasa_patches.py from the Rasa server's start
(action_validator, action_json, action_turn), each switchable with CLINIC_RASA_PATCHES.
"""

from __future__ import annotations

import functools
import json
import types
from typing import Any, Deque, Dict, List, Text

import aiohttp

try:
    import orjson
except ImportError:  # an image built without it: the standard library encodes, more slowly
    orjson = None
import rasa
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.utils.endpoints import EndpointConfig

from clinic import settings

_rasa_action_call_format = RemoteAction._action_call_format

_rasa_validate = RemoteAction._validate_action_result

_rasa_init = RemoteAction.__init__


@functools.lru_cache(maxsize=1)
def _validator():
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)  # once, instead of on every call
    return validator_class(schema)


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    if _validator().is_valid(result):
        return True
    return _rasa_validate(self, result)  # raises Rasa's ValidationError with its message


def encode_json(value: Any) -> str:
    if orjson is None:
        return json.dumps(value)
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY).decode()
    except TypeError:
        return json.dumps(value)


def _session(self: EndpointConfig) -> aiohttp.ClientSession:
    """Rasa's EndpointConfig.session (rasa/utils/endpoints.py), with the faster encoder."""
    auth = (aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
            if self.basic_auth else None)
    return aiohttp.ClientSession(headers=self.headers, auth=auth,
                                 timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                                 json_serialize=encode_json)


def _init(self: RemoteAction, name: Text, action_endpoint: Any) -> None:
    """Rasa's RemoteAction.__init__, then the action endpoint's own session encodes with orjson."""
    _rasa_init(self, name, action_endpoint)
    if isinstance(action_endpoint, EndpointConfig) and "session" not in vars(action_endpoint):
        action_endpoint.session = types.MethodType(_session, action_endpoint)


def current_turn(events: Deque[Event]) -> List[Event]:
    """The events from the `action_listen` before the latest user message to the end (all of
    them when nobody has written yet)."""
    turn: List[Event] = []
    for event in reversed(events):
        turn.append(event)
        if isinstance(event, UserUttered):
            break
    else:
        return list(events)
    earlier = len(events) - len(turn) - 1
    if earlier >= 0 and isinstance(events[earlier], ActionExecuted):
        turn.append(events[earlier])
    return turn[::-1]


def _action_call_format(self: RemoteAction, tracker: DialogueStateTracker, domain: Domain) -> Dict[Text, Any]:
    """Rasa's RemoteAction._action_call_format (rasa/core/actions/action.py) with the current
    turn's events instead of all of them."""
    if settings.get("ACTION_TRACKER_EVENTS") == "all":
        return _rasa_action_call_format(self, tracker, domain)
    tracker_state = tracker.current_state(EventVerbosity.NONE)
    tracker_state["events"] = [event.as_dict() for event in current_turn(tracker.events)]
    result = {"next_action": self._name, "sender_id": tracker.sender_id, "tracker": tracker_state,
              "version": rasa.__version__}
    if (not self._is_selective_domain_enabled()
            or domain.does_custom_action_explicitly_need_domain(self.name())):
        result["domain"] = domain.as_dict()
    return result


def apply_validator() -> None:
    RemoteAction._validate_action_result = _validate_action_result


def apply_encoder() -> None:
    RemoteAction.__init__ = _init


def apply_current_turn() -> None:
    RemoteAction._action_call_format = _action_call_format
