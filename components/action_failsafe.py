"""Answers from inside the Rasa server when a custom action fails, times out or cannot be reached.

Rasa 3.6 logs a failed custom action and carries on silently: with the action server down or hung,
a person in crisis got no answer at all (or waited for Rasa's five-minute request timeout). Here
every custom action call has a short time limit (ACTION_TIMEOUT_SECONDS, default 5), and a failure
is answered by the Rasa server itself:
- the crisis response: the same crisis text as the action (clinic/domain/crisis_response.py, no Rasa
  imports), the "are you safe right now?" question, and the urgent staff alert queued from here;
  if even that fails, the static `utter_crisis_fallback` from the domain;
- any other action: `utter_action_unavailable` (try again, the practice's phone, the 988 line).
A safety patch: components/rasa_patches.py applies it whenever the Rasa server starts, whatever
CLINIC_RASA_PATCHES says.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, List

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.core.events import ActiveLoop, BotUttered, Event, SlotSet

from clinic import settings
from clinic.domain.crisis_phrases import CATEGORY_FOR_INTENT, SELF_HARM

logger = logging.getLogger(__name__)

CRISIS_ACTION = "action_crisis_response"

_rasa_run = RemoteAction.run


def action_timeout() -> float:
    return settings.get("ACTION_TIMEOUT_SECONDS")  # at least 0.5 s; a bad value: the default


async def _run(self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Event]:
    try:
        return await asyncio.wait_for(_rasa_run(self, output_channel, nlg, tracker, domain), action_timeout())
    except ActionExecutionRejection:
        raise  # a form refusing an answer: Rasa's own handling
    except Exception as error:  # noqa: BLE001 - whatever went wrong, the person gets an answer
        logger.error("Custom action %s failed (%s); answering from the Rasa server.",
                     self.name(), type(error).__name__)
        if self.name() == CRISIS_ACTION:
            return await crisis_fallback(tracker, nlg, output_channel)
        return [await _utter("utter_action_unavailable", tracker, nlg, output_channel)]


async def crisis_fallback(tracker: Any, nlg: Any, output_channel: Any) -> List[Event]:
    category = CATEGORY_FOR_INTENT.get((tracker.latest_message.intent or {}).get("name"), SELF_HARM)
    try:
        from clinic.domain.crisis_response import SAFE_BUTTONS, crisis_message
        from clinic.domain.practice_profile import current_profile

        uttered = BotUttered(crisis_message(category, current_profile()), {"buttons": SAFE_BUTTONS})
    except Exception as error:  # noqa: BLE001 - the profile could not be read: the static text
        logger.error("Crisis text from the profile failed (%s); using utter_crisis_fallback.", type(error).__name__)
        uttered = await _utter("utter_crisis_fallback", tracker, nlg, output_channel)
    await asyncio.get_running_loop().run_in_executor(None, _queue_alert, tracker.sender_id, category)
    return [uttered, SlotSet("safety_check_pending", True), ActiveLoop(None)]


def _queue_alert(conversation_id: str, category: str) -> None:
    try:
        from clinic.adapters.staff_alerts import CrisisAlert, send_crisis_alert

        send_crisis_alert(CrisisAlert(conversation_id=conversation_id, category=category,
                                      trigger="crisis intent (action server unavailable)"))
    except Exception as error:  # noqa: BLE001 - logged; the person already has the crisis text
        logger.error("Crisis alert NOT queued (%s); category=%s", type(error).__name__, category)


def _practice_phone() -> str:
    try:
        from clinic.domain.practice_profile import current_profile

        return current_profile().phone
    except Exception:  # noqa: BLE001 - the profile is what failed: a text without the number
        return "the number on our website"


async def _utter(response: str, tracker: Any, nlg: Any, output_channel: Any) -> BotUttered:
    message = await nlg.generate(response, tracker, output_channel.name(), practice_phone=_practice_phone()) or {}
    return BotUttered(message.get("text"), {key: value for key, value in message.items() if key != "text"},
                      {"utter_action": response})


def apply() -> None:
    RemoteAction.run = _run
