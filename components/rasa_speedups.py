"""A measured fix for Rasa 3.6's hottest spot on our message path (bench/README.md, README Benchmarks).

Rasa checks every action-server reply with `jsonschema.validate`, which first re-validates Rasa's
large event schema against the JSON-Schema meta-schema: 34.7 ms per custom-action call, 45 % of
the Rasa server's time per message in the profile. Here the validator is built once. Valid replies
pass the same checks; an invalid reply still goes to Rasa's own method, so it is refused with
Rasa's own error. Applied when the Rasa server imports this package (components/__init__.py).
"""

from __future__ import annotations

import functools
from typing import Any, Dict, Text

from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction

_rasa_validate = RemoteAction._validate_action_result


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


def apply() -> None:
    RemoteAction._validate_action_result = _validate_action_result
