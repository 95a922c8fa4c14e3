"""NLU pipeline component that lets the deterministic crisis phrase guard overrule the model.

It runs last in the pipeline (after the FallbackClassifier), so a crisis phrase is
classified as a crisis intent with confidence 1.0 in every conversation state, forms
included, however unsure the model was. When the guard recognises a negation ("I'm not
suicidal") or a figure of speech ("this traffic is killing me") and the model guessed a
crisis intent, the guess is replaced by the next non-crisis intent, so people get an
ordinary answer. When the guard has nothing to say, the model's crisis guess stands.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from actions import crisis_phrases

CRISIS_INTENTS = {
    crisis_phrases.SELF_HARM: "crisis",
    crisis_phrases.HARM_OTHERS: "crisis_harm_others",
    crisis_phrases.MEDICAL_EMERGENCY: "crisis_medical_emergency",
    crisis_phrases.DANGER_FROM_OTHERS: "crisis_danger_from_others",
}


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class CrisisPhraseGuard(GraphComponent, IntentClassifier):
    """Overrides the intent when the crisis phrase guard is sure."""

    @classmethod
    def required_components(cls) -> List[type]:
        return [IntentClassifier]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # Below this confidence a demoted crisis guess becomes nlu_fallback instead.
        return {"demoted_threshold": 0.3}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.demoted_threshold = float(config.get("demoted_threshold", 0.3))

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "CrisisPhraseGuard":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                continue  # a button payload names its intent itself
            result = crisis_phrases.check(text)
            if result.is_crisis:
                self._force_intent(message, CRISIS_INTENTS[result.category])
            elif result.verdict in (crisis_phrases.NEGATED, crisis_phrases.FIGURE_OF_SPEECH,
                                    crisis_phrases.TOPIC_MENTION):
                self._demote_crisis_guess(message)
        return messages

    @staticmethod
    def _force_intent(message: Message, intent_name: Text) -> None:
        forced = {INTENT_NAME_KEY: intent_name, PREDICTED_CONFIDENCE_KEY: 1.0}
        ranking = [
            entry for entry in message.get(INTENT_RANKING_KEY) or []
            if entry.get(INTENT_NAME_KEY) != intent_name
        ]
        message.set(INTENT, forced, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [forced] + ranking, add_to_output=True)

    def _demote_crisis_guess(self, message: Message) -> None:
        intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        ranking = message.get(INTENT_RANKING_KEY) or []
        if intent not in CRISIS_INTENTS.values() and not (
            intent == DEFAULT_NLU_FALLBACK_INTENT_NAME
            and ranking[1:2]
            and ranking[1].get(INTENT_NAME_KEY) in CRISIS_INTENTS.values()
        ):
            return
        remaining = [
            entry for entry in ranking
            if entry.get(INTENT_NAME_KEY) not in CRISIS_INTENTS.values()
            and entry.get(INTENT_NAME_KEY) != DEFAULT_NLU_FALLBACK_INTENT_NAME
        ]
        if remaining and remaining[0].get(PREDICTED_CONFIDENCE_KEY, 0.0) >= self.demoted_threshold:
            best = remaining[0]
        else:
            best = {INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME,
                    PREDICTED_CONFIDENCE_KEY: self.demoted_threshold}
            remaining = [best] + remaining
        message.set(INTENT, best, add_to_output=True)
        message.set(INTENT_RANKING_KEY, remaining, add_to_output=True)
