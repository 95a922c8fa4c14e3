"""First stage of the two-stage fallback: "did you mean ...?" with the likeliest topics."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from clinic.domain.buttons import NONE_OF_THESE
from clinic.domain.topics import did_you_mean_options


class ActionDefaultAskAffirmation(Action):
    def name(self) -> Text:
        return "action_default_ask_affirmation"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        options = did_you_mean_options(tracker.latest_message.get("intent_ranking"))
        buttons = [{"title": label, "payload": f"/{name}"} for name, label in options]
        buttons.append(NONE_OF_THESE)
        dispatcher.utter_message(
            text="Sorry, I'm not sure I understood. Did you mean one of these? If you're going through "
                 "something hard right now, you can call or text 988 any time.",
            buttons=buttons,
        )
        return []
