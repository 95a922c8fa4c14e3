"""NLU pipeline component that judges the risk of every message: the phrase guard, then the model.

It runs last in the pipeline (after the FallbackClassifier), in every conversation state, forms
included:
- a crisis phrase (clinic/domain/crisis_phrases.py) forces its crisis intent with confidence 1.0,
  however unsure the model was;
- uncertain risk (a soft cue such as "I'm such a burden", or a crisis guess of the model alone,
  for the whole message or any sentence of it, below `protocol_threshold`) becomes
  `risk_check_in`: the assistant asks directly instead of guessing either way, in the words of
  the kind of risk guessed (self-harm, harm to others, a medical emergency, danger from others;
  the kind travels with the message as `risk_check_in_about`);
- a model-only crisis guess at or above `protocol_threshold` (whole message or one sentence;
  `question_protocol_threshold` when the message also asks something; Spanish text: only a guess
  of another kind than self-harm, from `spanish_other_kind_threshold`)
  stands, or is made the intent when only one sentence carries it, unless the message keeps its
  risk words at a distance (a story, a past that is over, general information, someone else's
  wellbeing with no danger now) or a laugh softens a self-harm wish: then it is asked about;
- a negation ("I'm not suicidal"), a figure of speech ("this traffic is killing me") or a mention
  of the topic without present risk replaces a crisis guess by the next non-crisis intent.
The original ranking stays after the forced intent, so the check-in can answer the question
that came with the message once the person says they are not at risk.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

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

from clinic.domain import crisis_phrases
from components.tfidf_classifier import CLAUSE_RISK, SENTENCE_QUESTION, SENTENCE_RISK

CHECK_IN_INTENT = "risk_check_in"

CRISIS_INTENTS = crisis_phrases.INTENT_FOR_CATEGORY


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
        # demoted_threshold: below it, a demoted crisis guess becomes nlu_fallback instead.
        # protocol_threshold: a model-only crisis guess this sure runs the protocol; below it the
        # person is asked. check_in_threshold: a crisis intent this likely behind a fallback is asked about.
        # sentence_check_in_threshold: one sentence this likely a crisis is asked about.
        # check_in_floor: a model-only crisis guess below it is noise (the fallback answer carries 988).
        # spanish_other_kind_threshold: on Spanish text, a model-only guess of harm to others, danger
        # from others or a medical emergency this sure runs its protocol; below it the person is asked.
        # question_protocol_threshold: the protocol threshold for a model-only guess on an English message
        # that asks something ("is that dangerous?", "anyway what's the link for tomorrow?").
        return {"demoted_threshold": 0.3, "protocol_threshold": 0.5, "check_in_threshold": 0.3,
                "sentence_check_in_threshold": 0.45, "check_in_floor": 0.35, "spanish_other_kind_threshold": 0.8,
                "question_protocol_threshold": 0.7}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.demoted_threshold = float(config.get("demoted_threshold", 0.3))
        self.protocol_threshold = float(config.get("protocol_threshold", 0.5))
        self.check_in_threshold = float(config.get("check_in_threshold", 0.3))
        self.sentence_check_in_threshold = float(config.get("sentence_check_in_threshold", 0.45))
        self.check_in_floor = float(config.get("check_in_floor", 0.35))
        self.spanish_other_kind_threshold = float(config.get("spanish_other_kind_threshold", 0.8))
        self.question_protocol_threshold = float(config.get("question_protocol_threshold", 0.7))

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
            elif result.verdict == crisis_phrases.UNCERTAIN:
                if result.soft_cue and self._sure_model_crisis(message):
                    # a soft cue ("posted a goodbye") and a sure crisis guess of the model together: the protocol
                    continue
                self._force_intent(message, CHECK_IN_INTENT, about=result.category)
            elif result.verdict in (crisis_phrases.NEGATED, crisis_phrases.FIGURE_OF_SPEECH,
                                    crisis_phrases.TOPIC_MENTION):
                self._demote_crisis_guess(message)
            else:
                self._weigh_model_guess(message)
        return messages

    def _sure_model_crisis(self, message: Message) -> bool:
        """The model's own intent is a crisis intent at the protocol threshold, on English text whose risk
        words are not kept at a distance and not joked about."""
        text = message.get(TEXT) or ""
        intent = message.get(INTENT) or {}
        return (intent.get(INTENT_NAME_KEY) in CRISIS_INTENTS.values()
                and (intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0) >= self._protocol_bar(text, spanish=False)
                and not crisis_phrases.looks_spanish(crisis_phrases.normalise_es(text))
                and crisis_phrases.distanced(text, phrases_checked=True) is None
                and crisis_phrases.softening_context(text) is None)

    def _weigh_model_guess(self, message: Message) -> None:
        """No phrase matched: the model's crisis guess decides between the protocol, a direct
        question and nothing."""
        # "Tuesday and Thursday afternoons" is a time, "Samantha Hurt" a name, "thoughts of hurting myself:
        # no, not at all" an answer, "Is mindfulness religious? I'm Catholic" a question: not a risk
        # (the question rule covers every sentence: none of them has a word that could carry risk).
        text = message.get(TEXT) or ""
        if crisis_phrases.unfounded_model_guess(text):
            self._demote_crisis_guess(message)
            return
        sentence = message.get(SENTENCE_RISK) or {}
        clause = message.get(CLAUSE_RISK) or {}
        ranking = message.get(INTENT_RANKING_KEY) or []
        intent = message.get(INTENT) or {}
        name, confidence = intent.get(INTENT_NAME_KEY), intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0
        # The model has learned Spanish almost only from crisis examples: on Spanish text its self-harm
        # guess is only ever a reason to ask (the Spanish phrase guard decides the protocol; see _ask
        # for the other kinds).
        spanish = crisis_phrases.looks_spanish(crisis_phrases.normalise_es(text))
        # Risk words kept at a distance (a story, a past that is over, general information, someone
        # else's wellbeing with no danger now): the model's guess alone, of any kind, is asked about
        # in that kind's words, never acted on (a risk phrase has already been ruled out above).
        # A laugh (or a story) beside the words softens a guess of self-harm or of harm to others ("jk but if my
        # sister brings up my ex again someone's going to need a therapist"), not one of danger from others or a
        # medical emergency, where a nervous "lol" is no reason to wait.
        guess = name if name in CRISIS_INTENTS.values() else sentence.get(INTENT_NAME_KEY)
        distanced = guess in CRISIS_INTENTS.values() and (
            crisis_phrases.distanced(text, phrases_checked=True) is not None
            or (guess in (CRISIS_INTENTS[crisis_phrases.SELF_HARM], CRISIS_INTENTS[crisis_phrases.HARM_OTHERS])
                and crisis_phrases.softening_context(text) is not None))
        only_ask = spanish or distanced
        bar = self._protocol_bar(text, spanish)
        if name in CRISIS_INTENTS.values():
            if confidence < self.check_in_floor:
                self._demote_crisis_guess(message)
            elif confidence < bar or only_ask:
                self._ask(message, name, confidence, spanish, only_ask=distanced or confidence < bar)
            return
        sentence_confidence = sentence.get(PREDICTED_CONFIDENCE_KEY) or 0.0
        if sentence_confidence >= bar and not only_ask:
            self._force_intent(message, sentence[INTENT_NAME_KEY])
            return
        behind = [entry for entry in ranking[:3] if entry.get(INTENT_NAME_KEY) in CRISIS_INTENTS.values()]
        sentence_risk = (sentence.get(PREDICTED_CONFIDENCE_KEY) or 0.0) >= self.sentence_check_in_threshold
        # A crisis intent behind a fallback counts for a sentence, not for a name, e-mail address or
        # phone number (one or two words), where the model's guesses are noise.
        words = len(text.split())
        if sentence_risk:
            self._ask(message, sentence.get(INTENT_NAME_KEY), sentence_confidence, spanish,
                      only_ask=distanced or sentence_confidence < bar)
        elif (name == DEFAULT_NLU_FALLBACK_INTENT_NAME and behind and words >= 3
              and behind[0].get(PREDICTED_CONFIDENCE_KEY, 0.0) >= self.check_in_threshold):
            self._ask(message, behind[0].get(INTENT_NAME_KEY), behind[0].get(PREDICTED_CONFIDENCE_KEY, 0.0), spanish,
                      only_ask=distanced)
        elif (clause.get(PREDICTED_CONFIDENCE_KEY) or 0.0) >= self.sentence_check_in_threshold:
            # a risk clause inside a run-on sentence: asked about, never the protocol on its own
            self._ask(message, clause[INTENT_NAME_KEY], clause[PREDICTED_CONFIDENCE_KEY], spanish, only_ask=True)

    def _protocol_bar(self, text: Text, spanish: bool) -> float:
        """How sure a model-only crisis guess must be to run the protocol. A message that also asks
        something ("If someone doubles their sertraline once, is that dangerous?") needs
        `question_protocol_threshold`: the person wants an answer, and a guess between the two
        thresholds gets the direct question (with the line to call in it) instead of the protocol.
        Most false alarms of the fresh sets were such messages: a worry, an injury or a medicine
        named beside a question."""
        if not spanish and crisis_phrases.asks_question(text):
            return max(self.protocol_threshold, self.question_protocol_threshold)
        return self.protocol_threshold

    def _ask(self, message: Message, guess: Text, confidence: float, spanish: bool, only_ask: bool) -> None:
        """Uncertain risk: the direct question, in the words of the kind of risk guessed (self-harm,
        harm to others, a medical emergency, danger from others). A guess of another kind than
        self-harm runs its own protocol (911, the hotlines) from the protocol threshold, unless
        `only_ask` (the risk words are kept at a distance, or a question was asked beside a guess
        below its bar). On Spanish text, where the model has learned mostly from crisis examples and
        an ordinary "me va a llevar" can look like a threat, that takes `spanish_other_kind_threshold`."""
        other_kind = guess in CRISIS_INTENTS.values() and guess != CRISIS_INTENTS[crisis_phrases.SELF_HARM]
        needed = self.spanish_other_kind_threshold if spanish else self.protocol_threshold
        if other_kind and not only_ask and confidence >= needed:
            self._force_intent(message, guess)
        else:
            self._force_intent(message, CHECK_IN_INTENT, about=crisis_phrases.CATEGORY_FOR_INTENT.get(guess))

    @staticmethod
    def _force_intent(message: Message, intent_name: Text, about: Optional[Text] = None) -> None:
        """Makes `intent_name` the intent; a check-in also records the kind of risk it asks about."""
        if intent_name == CHECK_IN_INTENT:
            message.set(crisis_phrases.CHECK_IN_ABOUT, about or crisis_phrases.SELF_HARM, add_to_output=True)
        forced = {INTENT_NAME_KEY: intent_name, PREDICTED_CONFIDENCE_KEY: 1.0}
        question = message.get(SENTENCE_QUESTION)
        ranking = ([question] if question else []) + [
            entry for entry in message.get(INTENT_RANKING_KEY) or []
            if entry.get(INTENT_NAME_KEY) not in (intent_name, (question or {}).get(INTENT_NAME_KEY))
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
