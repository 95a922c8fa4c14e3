"""The Rasa server's plug-ins and speed-ups keep Rasa's behaviour (bench/ measured why they exist)."""

import asyncio

import numpy as np
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.endpoints import EndpointConfig

from components import rasa_patches
from components.rasa_speedups import _validate_action_result
from components.tfidf_classifier import TfidfIntentClassifier
from components.tracker_store import EnvironmentSQLTrackerStore


@pytest.fixture(autouse=True, scope="module")
def action_patches():
    """The action-call speed-ups applied as the Rasa server applies them, and undone after."""
    with rasa_patches.applied(["action_validator", "action_json", "action_turn"]):
        yield


def remote_action():
    return RemoteAction("action_x", EndpointConfig("http://127.0.0.1:1/webhook"))


def test_action_replies_are_validated_with_the_cached_validator():
    assert RemoteAction._validate_action_result is _validate_action_result
    good = {"events": [{"event": "slot", "name": "phone", "value": "(555) 234-9876"}],
            "responses": [{"text": "hi"}]}
    assert remote_action()._validate_action_result(good) is True


@pytest.mark.parametrize("bad", [{"events": [{"event": "no_such_event"}]}, {"responses": "not a list"},
                                 {"events": {"event": "slot"}}])
def test_invalid_action_replies_are_still_refused_with_rasas_message(bad):
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        remote_action()._validate_action_result(bad)


def test_classifier_loads_column_ordered_coefficients_with_identical_predictions(tmp_path):
    examples = [("what are your hours", "ask_hours"), ("when are you open", "ask_hours"),
                ("opening times please", "ask_hours"), ("how much is a session", "ask_fees"),
                ("what does it cost", "ask_fees"), ("price of therapy", "ask_fees"),
                ("hello there", "greet"), ("hi", "greet"), ("good morning", "greet")]
    storage, resource = LocalModelStorage(tmp_path), Resource("tfidf")
    context = ExecutionContext(GraphSchema({}), "test")
    trained = TfidfIntentClassifier.create({}, storage, resource, context)
    trained.train(TrainingData([Message.build(text, intent) for text, intent in examples]))
    loaded = TfidfIntentClassifier.load({}, storage, resource, context)
    assert loaded.pipeline[-1].coef_.flags["F_CONTIGUOUS"]
    probe = ["when do you open on friday", "is it expensive", "hey"]
    assert np.allclose(loaded.pipeline.predict_proba(probe), trained.pipeline.predict_proba(probe))
    [message] = loaded.process([Message({"text": "what are the hours"})])
    assert message.get("intent")["name"] == "ask_hours"


def test_sqlite_tracker_store_uses_the_write_ahead_log_and_keeps_every_event(tmp_path):
    domain = Domain.from_dict({"intents": ["greet"], "slots": {"phone": {"type": "any", "mappings": [
        {"type": "custom"}]}}})
    store = EnvironmentSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "tracker.db"), domain=domain)
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    tracker = DialogueStateTracker("conv-1", domain.slots)
    for event in (ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet"}),
                  SlotSet("phone", "(555) 234-9876")):
        tracker.update(event)
    asyncio.run(store.save(tracker))
    again = EnvironmentSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "tracker.db"), domain=domain)
    restored = asyncio.run(again.retrieve("conv-1"))
    assert [e.as_dict()["event"] for e in restored.events] == ["action", "user", "slot"]
    assert restored.get_slot("phone") == "(555) 234-9876"


def _conversation(domain, sender="conv-cache"):
    tracker = DialogueStateTracker(sender, domain.slots)
    for event in (ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet"})):
        tracker.update(event)
    return tracker


def test_the_saved_tracker_is_handed_back_once_without_rebuilding(tmp_path):
    domain = Domain.from_dict({"intents": ["greet"]})
    store = EnvironmentSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "t.db"), domain=domain)
    tracker = _conversation(domain)
    asyncio.run(store.save(tracker))
    assert asyncio.run(store.retrieve("conv-cache")) is tracker  # no rebuild from the events
    again = asyncio.run(store.retrieve("conv-cache"))  # handed out already: read from the database
    assert again is not tracker and len(again.events) == len(tracker.events)


def test_events_saved_by_another_server_are_never_missed(tmp_path):
    domain = Domain.from_dict({"intents": ["greet"]})
    server_a = EnvironmentSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "t.db"), domain=domain)
    server_b = EnvironmentSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "t.db"), domain=domain)
    asyncio.run(server_a.save(_conversation(domain)))
    on_b = asyncio.run(server_b.retrieve("conv-cache"))
    on_b.update(UserUttered("what are your hours", {"name": "greet"}))
    asyncio.run(server_b.save(on_b))
    on_a = asyncio.run(server_a.retrieve("conv-cache"))
    assert [e.as_dict().get("text") for e in on_a.events][-1] == "what are your hours"


def test_a_tracker_changed_but_not_saved_is_not_handed_back(tmp_path):
    domain = Domain.from_dict({"intents": ["greet"]})
    store = EnvironmentSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "t.db"), domain=domain)
    tracker = _conversation(domain)
    asyncio.run(store.save(tracker))
    tracker.update(UserUttered("never saved", {"name": "greet"}))
    restored = asyncio.run(store.retrieve("conv-cache"))
    assert restored is not tracker and "never saved" not in [e.as_dict().get("text") for e in restored.events]


def _stored_texts(path, sender="conv-cache"):
    import sqlite3

    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,)).fetchall()
    from clinic.adapters.intake_store import key_ring

    # Stored encrypted (clinic/adapters/transcripts.py): decrypted here with the test's key.
    return [__import__("json").loads(key_ring().decrypt(data.encode())).get("text") for (data,) in rows]


def test_saving_again_stores_only_the_new_events_each_once(tmp_path):
    domain = Domain.from_dict({"intents": ["greet"]})
    store = EnvironmentSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "t.db"), domain=domain)
    tracker = _conversation(domain)
    asyncio.run(store.save(tracker))
    asyncio.run(store.save(tracker))  # nothing new: nothing stored twice
    handed = asyncio.run(store.retrieve("conv-cache"))
    handed.update(UserUttered("first", {"name": "greet"}))
    asyncio.run(store.save(handed))
    handed.update(UserUttered("second", {"name": "greet"}))
    asyncio.run(store.save(handed))
    assert _stored_texts(tmp_path / "t.db") == [None, "hi", "first", "second"]


def test_a_tracker_saved_after_another_server_wrote_falls_back_to_rasas_own_save(tmp_path):
    domain = Domain.from_dict({"intents": ["greet"]})
    server_a = EnvironmentSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "t.db"), domain=domain)
    server_b = EnvironmentSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "t.db"), domain=domain)
    tracker = _conversation(domain)
    asyncio.run(server_a.save(tracker))
    on_b = asyncio.run(server_b.retrieve("conv-cache"))
    on_b.update(UserUttered("on b", {"name": "greet"}))
    asyncio.run(server_b.save(on_b))
    # Server A still holds its object without B's event (no lock store in this test): its save
    # must not trust its own count, and Rasa's save counts what is stored instead.
    tracker.update(UserUttered("on a", {"name": "greet"}))
    tracker.update(UserUttered("on a again", {"name": "greet"}))
    asyncio.run(server_a.save(tracker))
    assert _stored_texts(tmp_path / "t.db") == [None, "hi", "on b", "on a again"]


def test_sqlite_connections_are_kept_open_between_messages(tmp_path):
    domain = Domain.from_dict({"intents": ["greet"]})
    store = EnvironmentSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "t.db"), domain=domain)
    opened = []
    from sqlalchemy import event as sa_event

    sa_event.listen(store.engine, "connect", lambda *_: opened.append(1))
    tracker = _conversation(domain)
    for text in ("one", "two", "three"):
        tracker.update(UserUttered(text, {"name": "greet"}))
        asyncio.run(store.save(tracker))
        tracker = asyncio.run(store.retrieve("conv-cache"))
    assert len(opened) <= 1


def _three_turns(domain):
    tracker = DialogueStateTracker("conv-turns", domain.slots)
    for event in (ActionExecuted("action_session_start"), ActionExecuted("action_listen"),
                  UserUttered("hi", {"name": "greet"}), ActionExecuted("utter_greet"),
                  ActionExecuted("action_listen"), UserUttered("my number is 555-234-9876", {"name": "greet"}),
                  SlotSet("phone", "(555) 234-9876"), ActionExecuted("action_listen"),
                  UserUttered("what are your hours", {"name": "greet"}), SlotSet("phone", "(555) 234-0000")):
        tracker.update(event)
    return tracker


def test_the_action_server_gets_the_current_turn_and_the_whole_state(monkeypatch):
    from components.rasa_speedups import current_turn

    monkeypatch.delenv("ACTION_TRACKER_EVENTS", raising=False)
    domain = Domain.from_dict({"intents": ["greet"], "actions": ["action_x"], "slots": {"phone": {
        "type": "any", "mappings": [{"type": "custom"}]}}})
    tracker = _three_turns(domain)
    assert [e.as_dict().get("text") or e.as_dict().get("name") for e in current_turn(tracker.events)] == [
        "action_listen", "what are your hours", "phone"]
    payload = remote_action()._action_call_format(tracker, domain)
    state = payload["tracker"]
    assert [e["event"] for e in state["events"]] == ["action", "user", "slot"]
    # everything else the action may read is the whole conversation's, as Rasa sends it
    assert state["slots"]["phone"] == "(555) 234-0000"
    assert state["latest_message"]["text"] == "what are your hours"
    assert state["latest_action_name"] == "action_listen" and payload["next_action"] == "action_x"
    assert payload["domain"]["slots"]["phone"]["type"] == "any"
    monkeypatch.setenv("ACTION_TRACKER_EVENTS", "all")
    everything = remote_action()._action_call_format(tracker, domain)["tracker"]["events"]
    assert len(everything) == len(tracker.events)


def test_a_conversation_before_its_first_message_is_sent_whole():
    from components.rasa_speedups import current_turn

    events = [ActionExecuted("action_session_start"), ActionExecuted("action_listen")]
    assert current_turn(events) == events


def test_action_calls_are_encoded_as_the_standard_library_would_read_them():
    import json

    from components.rasa_speedups import encode_json

    value = {"text": "Ça va? \u2028 \"quoted\"", "confidence": np.float32(0.5), "n": np.int64(3),
             "nested": [{"a": None, "b": True}], 7: "non-string key"}
    assert json.loads(encode_json(value)) == {"text": "Ça va? \u2028 \"quoted\"", "confidence": 0.5,
                                              "n": 3, "nested": [{"a": None, "b": True}], "7": "non-string key"}
    assert json.loads(encode_json({"big": 2 ** 70})) == {"big": 2 ** 70}  # orjson refuses: json encodes


def test_the_classifiers_direct_features_give_scikit_learns_probabilities(tmp_path):
    """process() computes the TF-IDF features itself; on the real training data and on odd input
    the probabilities must be scikit-learn's own."""
    from rasa.shared.importers.importer import TrainingDataImporter

    data = TrainingDataImporter.load_from_dict(training_data_paths=["data/nlu"]).get_nlu_data()
    storage, resource = LocalModelStorage(tmp_path), Resource("tfidf")
    context = ExecutionContext(GraphSchema({}), "test")
    trained = TfidfIntentClassifier.create({}, storage, resource, context)
    trained.train(data)
    loaded = TfidfIntentClassifier.load({}, storage, resource, context)
    texts = [m.get("text") for m in data.intent_examples][::7] + [
        "", "   ", "🙂🙂", "zzzz qqqq", "KETAMIN thrapy cost???", "I want to die", "x" * 5000,
        "what are your hours\nand do you take insurance"]
    for classifier in (trained, loaded):
        ours = classifier.pipeline[-1].predict_proba(classifier._features.transform(texts))
        assert np.allclose(ours, classifier.pipeline.predict_proba(texts), rtol=1e-9, atol=1e-12)
        messages = classifier.process([Message({"text": text}) for text in texts])
        expected = classifier.pipeline.classes_[classifier.pipeline.predict_proba(texts).argmax(axis=1)]
        # a remark with a question sentence is answered as the question (test below)
        expected = [m.get("sentence_question")["name"] if name == "everyday_remark" and m.get("sentence_question")
                    else name for m, name in zip(messages, expected, strict=True)]
        assert [m.get("intent")["name"] for m in messages] == expected


def test_a_new_conversation_is_stored_whole_once_and_a_competing_first_writer_wins(tmp_path):
    domain = Domain.from_dict({"intents": ["greet"]})
    store = EnvironmentSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "t.db"), domain=domain)
    assert asyncio.run(store.retrieve("conv-cache")) is None  # new: nothing stored yet
    tracker = _conversation(domain)
    asyncio.run(store.save(tracker))
    assert _stored_texts(tmp_path / "t.db") == [None, "hi"]

    other = EnvironmentSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "t.db"), domain=domain)
    assert asyncio.run(store.retrieve("conv-2")) is None
    first = DialogueStateTracker("conv-2", domain.slots)
    first.update(UserUttered("from the other server", {"name": "greet"}))
    asyncio.run(other.save(first))  # another server wrote the conversation meanwhile
    late = DialogueStateTracker("conv-2", domain.slots)
    late.update(UserUttered("stale", {"name": "greet"}))
    late.update(UserUttered("new", {"name": "greet"}))
    asyncio.run(store.save(late))  # not appended blindly: Rasa's save counts what is stored
    assert _stored_texts(tmp_path / "t.db", "conv-2") == ["from the other server", "new"]


def test_saving_a_conversation_with_no_events_yet_counts_nothing(tmp_path, monkeypatch):
    # Rasa creates some trackers empty and saves them at once; that must not cost Rasa's count.
    domain = Domain.from_dict({"intents": ["greet"]})
    store = EnvironmentSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "t.db"), domain=domain)

    def rasas_save(*_):
        raise AssertionError("Rasa's counting save ran")

    monkeypatch.setattr(EnvironmentSQLTrackerStore, "_save_additional_events", rasas_save)
    tracker = asyncio.run(store.get_or_create_tracker("conv-empty", append_action_listen=False))
    tracker.update(UserUttered("hi", {"name": "greet"}))
    asyncio.run(store.save(tracker))
    assert _stored_texts(tmp_path / "t.db", "conv-empty") == ["hi"]


def test_without_orjson_action_calls_are_still_encoded(monkeypatch):
    import json

    from components import rasa_speedups

    monkeypatch.setattr(rasa_speedups, "orjson", None)
    assert json.loads(rasa_speedups.encode_json({"text": "hi", "n": 1})) == {"text": "hi", "n": 1}


def test_only_the_action_endpoint_encodes_with_orjson():
    """The faster encoder is the action endpoint's; a model server, NLG or event broker endpoint
    keeps Rasa's own session (standard json)."""
    action_endpoint, other = EndpointConfig("http://127.0.0.1:1/webhook"), EndpointConfig("http://127.0.0.1:2/nlg")
    RemoteAction("action_x", action_endpoint)

    async def serializers():
        async with action_endpoint.session() as one, other.session() as two:
            return one._json_serialize, two._json_serialize

    import json

    from components.rasa_speedups import encode_json

    ours, rasas = asyncio.run(serializers())
    assert ours is encode_json
    assert rasas is json.dumps
    assert EndpointConfig.session.__module__ == "rasa.utils.endpoints"  # the class keeps Rasa's


def test_a_remark_with_a_question_is_answered_as_the_question():
    message = Message({"text": "my car died so I'm on the bus lol. How long is each session?"})
    message.set("intent", {"name": "everyday_remark", "confidence": 0.5})
    message.set("intent_ranking", [{"name": "everyday_remark", "confidence": 0.5},
                                   {"name": "ask_session_length", "confidence": 0.2}])
    message.set("sentence_question", {"name": "ask_session_length", "confidence": 0.7})
    TfidfIntentClassifier._question_over_remark(message)
    assert message.get("intent") == {"name": "ask_session_length", "confidence": 0.7}
    assert [e["name"] for e in message.get("intent_ranking")] == ["ask_session_length", "everyday_remark"]
    crisis = Message({"text": "x"})
    crisis.set("intent", {"name": "crisis", "confidence": 0.5})
    crisis.set("intent_ranking", [{"name": "crisis", "confidence": 0.5}])
    crisis.set("sentence_question", {"name": "ask_fees", "confidence": 0.7})
    TfidfIntentClassifier._question_over_remark(crisis)
    assert crisis.get("intent")["name"] == "crisis"  # only a remark gives way, never a crisis guess


def test_the_classifier_scores_sentences_and_the_clauses_of_a_run_on_sentence(tmp_path):
    examples = [("what are your hours", "ask_hours"), ("when are you open", "ask_hours"),
                ("do you take insurance", "ask_insurance"), ("is it covered by my plan", "ask_insurance"),
                ("I sat in the car with the gun", "crisis"), ("I want to end my life", "crisis"),
                ("I moved here last year for work", "everyday_remark"), ("the weather is nice", "everyday_remark")]
    storage, resource = LocalModelStorage(tmp_path), Resource("tfidf")
    context = ExecutionContext(GraphSchema({}), "test")
    classifier = TfidfIntentClassifier.create({}, storage, resource, context)
    classifier.train(TrainingData([Message.build(text, intent) for text, intent in examples]))
    run_on = ("I moved here last year for work and the weather is nice enough, my job is fine and my family is "
              "far away, and honestly last night I sat in the car with the gun, do you take insurance")
    [message] = classifier.process([Message({"text": run_on})])
    assert message.get("clause_crisis_risk")["name"] == "crisis"
    assert message.get("sentence_crisis_risk") is None  # one sentence: no sentence-level scoring
    [two] = classifier.process([Message({"text": "I want to end my life. When are you open?"})])
    assert two.get("sentence_crisis_risk")["name"] == "crisis"
    assert two.get("sentence_question")["name"] == "ask_hours"
    assert two.get("clause_crisis_risk") is None  # short sentences are not cut into clauses
