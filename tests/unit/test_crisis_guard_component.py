"""The CrisisPhraseGuard NLU component overrides the model's intent when the guard is sure."""

import pytest
from rasa.shared.nlu.training_data.message import Message

from clinic.domain.crisis_phrases import CATEGORY_FOR_INTENT
from components.crisis_guard import CrisisPhraseGuard


def message(text, ranking):
    msg = Message(data={"text": text})
    msg.set("intent", ranking[0])
    msg.set("intent_ranking", ranking)
    return msg


def process(text, ranking):
    guard = CrisisPhraseGuard({"demoted_threshold": 0.3})
    return guard.process([message(text, ranking)])[0]


@pytest.mark.parametrize("text, forced", [
    ("My name is Jane and I've been planning how to kill myself", "crisis"),
    ("I'm going to hurt someone", "crisis_harm_others"),
    ("I took a whole bottle of pills", "crisis_medical_emergency"),
])
def test_a_crisis_phrase_wins_over_any_prediction(text, forced):
    result = process(text, [{"name": "nlu_fallback", "confidence": 0.3},
                            {"name": "ask_fees", "confidence": 0.2}])
    assert result.get("intent") == {"name": forced, "confidence": 1.0}
    assert result.get("intent_ranking")[0]["name"] == forced


def test_a_figure_of_speech_demotes_a_crisis_guess_to_the_next_intent():
    result = process("I'm dying to know the price", [{"name": "crisis", "confidence": 0.5},
                                                     {"name": "ask_fees", "confidence": 0.4}])
    assert result.get("intent")["name"] == "ask_fees"
    assert all(entry["name"] != "crisis" for entry in result.get("intent_ranking"))


def test_a_negation_with_no_good_alternative_becomes_fallback():
    result = process("I'm not suicidal", [{"name": "crisis", "confidence": 0.8},
                                          {"name": "greet", "confidence": 0.1}])
    assert result.get("intent")["name"] == "nlu_fallback"


def test_a_sure_model_crisis_guess_stands():
    ranking = [{"name": "crisis", "confidence": 0.9}, {"name": "ask_fees", "confidence": 0.05}]
    result = process("everything is grey and heavy", ranking)
    assert result.get("intent")["name"] == "crisis"


@pytest.mark.parametrize("ranking", [
    [{"name": "crisis", "confidence": 0.42}, {"name": "ask_hours", "confidence": 0.2}],
    [{"name": "nlu_fallback", "confidence": 0.25}, {"name": "crisis", "confidence": 0.32}],
], ids=["moderate-model-guess", "crisis-behind-a-fallback"])
def test_an_unsure_model_crisis_guess_becomes_a_direct_question(ranking):
    result = process("everything is grey and heavy lately", ranking)
    assert result.get("intent") == {"name": "risk_check_in", "confidence": 1.0}
    # The question that came with the message stays in the ranking, for after the check-in.
    assert [entry["name"] for entry in result.get("intent_ranking")[1:]] == [e["name"] for e in ranking]


def test_an_availability_answer_is_a_time_not_a_risk_whatever_the_model_says():
    ranking = [{"name": "crisis_medical_emergency", "confidence": 0.52}, {"name": "ask_hours", "confidence": 0.3}]
    assert process("Tuesday and Thursday afternoons", ranking).get("intent")["name"] == "ask_hours"


def test_a_soft_cue_gets_a_direct_question_whatever_the_model_says():
    result = process("I feel like such a burden to my family", [{"name": "share_feelings", "confidence": 0.9}])
    assert result.get("intent")["name"] == "risk_check_in"


def test_one_crisis_sentence_is_not_averaged_away_by_the_rest_of_the_message():
    msg = message("Nothing left for me. Whatever. How much is a session?", [{"name": "ask_fees", "confidence": 0.8}])
    msg.set("sentence_crisis_risk", {"name": "crisis", "confidence": 0.9})
    assert CrisisPhraseGuard({}).process([msg])[0].get("intent")["name"] == "crisis"
    unsure = message("Nothing left for me. Whatever. How much is a session?", [{"name": "ask_fees", "confidence": 0.8}])
    unsure.set("sentence_crisis_risk", {"name": "crisis", "confidence": 0.47})
    assert CrisisPhraseGuard({}).process([unsure])[0].get("intent")["name"] == "risk_check_in"


def test_a_name_is_not_asked_about_whatever_the_model_guesses_behind_a_fallback():
    ranking = [{"name": "nlu_fallback", "confidence": 0.25}, {"name": "crisis_harm_others", "confidence": 0.3}]
    assert process("Kim Lo", ranking).get("intent")["name"] == "nlu_fallback"


def test_a_faint_model_crisis_guess_is_noise_not_a_question():
    ranking = [{"name": "crisis", "confidence": 0.29}, {"name": "ask_hours", "confidence": 0.2}]
    assert process("My inbox looks like a crime scene, sorry for the slow reply", ranking).get(
        "intent")["name"] != "risk_check_in"


def test_an_ordinary_message_is_left_alone():
    ranking = [{"name": "ask_fees", "confidence": 0.9}, {"name": "crisis", "confidence": 0.01}]
    assert process("how much is a session", ranking).get("intent")["name"] == "ask_fees"


def test_button_payloads_are_left_alone():
    ranking = [{"name": "deny", "confidence": 1.0}]
    assert process("/deny", ranking).get("intent")["name"] == "deny"


@pytest.mark.parametrize("text", [
    "if the wait is that long I'll be ancient by then lol, put me on the list anyway",
    "that documentary about the bridge left me shaken for days",
])
def test_a_sure_model_self_harm_guess_on_a_softened_message_is_asked_about_not_acted_on(text):
    ranking = [{"name": "crisis", "confidence": 0.8}, {"name": "everyday_remark", "confidence": 0.1}]
    assert process(text, ranking).get("intent") == {"name": "risk_check_in", "confidence": 1.0}


def test_a_sure_self_harm_sentence_in_a_softened_message_is_asked_about():
    msg = message("Nothing left for me lol. Whatever haha. How much is a session?",
                  [{"name": "ask_fees", "confidence": 0.6}])
    msg.set("sentence_crisis_risk", {"name": "crisis", "confidence": 0.7})
    assert CrisisPhraseGuard({}).process([msg])[0].get("intent")["name"] == "risk_check_in"


@pytest.mark.parametrize("guess", ["crisis_danger_from_others", "crisis_harm_others", "crisis_medical_emergency"])
def test_softening_never_turns_other_kinds_of_crisis_into_the_self_harm_question(guess):
    # The self-harm check-in asks about ending one's life; someone in danger from a partner must not
    # be asked that, whatever laugh or show the message mentions: their own protocol, or at most the
    # question about their own kind of risk (with 911 and their hotline in it).
    text = "my husband gets really scary when he drinks lol, the last episode of his show set him off"
    ranking = [{"name": guess, "confidence": 0.8}, {"name": "everyday_remark", "confidence": 0.1}]
    result = process(text, ranking)
    assert result.get("intent")["name"] == guess or (
        result.get("intent")["name"] == "risk_check_in"
        and result.get("risk_check_in_about") == CATEGORY_FOR_INTENT[guess])


@pytest.mark.parametrize("text, forced", [
    ("the commute is awful lol, I'm going to kill myself tonight", "crisis"),
    ("haha I took all my pills", "crisis_medical_emergency"),
    ("he hunts, but he said he'll shoot me if I leave", "crisis_danger_from_others"),
])
def test_a_risk_phrase_wins_over_any_softening(text, forced):
    ranking = [{"name": "everyday_remark", "confidence": 0.9}, {"name": "crisis", "confidence": 0.05}]
    assert process(text, ranking).get("intent") == {"name": forced, "confidence": 1.0}


# The self-harm check-in is the wrong question for someone in danger from another person, afraid of
# hurting someone or in a medical emergency: an unsure guess of those kinds is asked about in its
# own words, and a sure one runs its own protocol.
@pytest.mark.parametrize("guess", ["crisis_danger_from_others", "crisis_harm_others", "crisis_medical_emergency"])
def test_an_unsure_guess_of_another_kind_is_asked_about_in_its_own_words(guess):
    for ranking in ([{"name": guess, "confidence": 0.42}, {"name": "ask_hours", "confidence": 0.2}],
                    [{"name": "nlu_fallback", "confidence": 0.25}, {"name": guess, "confidence": 0.36}]):
        result = process("everything is grey and heavy lately", ranking)
        assert result.get("intent") == {"name": "risk_check_in", "confidence": 1.0}
        assert result.get("risk_check_in_about") == CATEGORY_FOR_INTENT[guess]
    sure = [{"name": guess, "confidence": 0.55}, {"name": "ask_hours", "confidence": 0.2}]
    assert process("everything is grey and heavy lately", sure).get("intent")["name"] == guess


@pytest.mark.parametrize("text, guess", [
    ("I overdosed once in college, ten years ago, and have been stable and sober since", "crisis_medical_emergency"),
    ("back in 2015 my ex used to hit me, I've been out and safe for years now", "crisis_danger_from_others"),
])
def test_a_sure_guess_of_another_kind_about_a_past_that_is_over_is_asked_about(text, guess):
    result = process(text, [{"name": guess, "confidence": 0.9}, {"name": "ask_kap_candidacy", "confidence": 0.05}])
    assert result.get("intent")["name"] == "risk_check_in"
    assert result.get("risk_check_in_about") == CATEGORY_FOR_INTENT[guess]


def test_a_self_harm_check_in_says_so():
    result = process("everything is grey and heavy lately", [{"name": "crisis", "confidence": 0.4},
                                                            {"name": "ask_hours", "confidence": 0.2}])
    assert result.get("intent")["name"] == "risk_check_in"
    assert result.get("risk_check_in_about") == "self_harm"


def test_a_faint_guess_of_another_kind_behind_a_fallback_is_still_asked_about():
    ranking = [{"name": "nlu_fallback", "confidence": 0.25}, {"name": "crisis_danger_from_others", "confidence": 0.31}]
    assert process("everything is grey and heavy lately", ranking).get("intent")["name"] == "risk_check_in"


def test_one_sentence_of_another_kind_needs_the_protocol_threshold_to_run_its_protocol():
    def judged(confidence):
        msg = message("Nothing left for me. Whatever. How much is a session?",
                      [{"name": "ask_fees", "confidence": 0.8}])
        msg.set("sentence_crisis_risk", {"name": "crisis_danger_from_others", "confidence": confidence})
        return CrisisPhraseGuard({}).process([msg])[0].get("intent")["name"]
    assert judged(0.75) == "crisis_danger_from_others"
    assert judged(0.6) == "risk_check_in"  # asked, not acted on: the message also asks a question
    assert judged(0.47) == "risk_check_in"


@pytest.mark.parametrize("confidence, expected", [(0.9, "crisis_danger_from_others"), (0.6, "risk_check_in")])
def test_on_spanish_text_only_a_sure_guess_of_another_kind_runs_its_protocol(confidence, expected):
    ranking = [{"name": "crisis_danger_from_others", "confidence": confidence}, {"name": "greet", "confidence": 0.05}]
    assert process("mi ex me sigue a todos lados y hoy estaba afuera de mi trabajo", ranking).get(
        "intent")["name"] == expected


def test_on_spanish_text_a_sure_self_harm_guess_is_still_only_asked_about():
    ranking = [{"name": "crisis", "confidence": 0.9}, {"name": "greet", "confidence": 0.05}]
    assert process("ya no puedo con todo esto, estoy muy cansada", ranking).get("intent")["name"] == "risk_check_in"


# Set G's first run: the model took names, answers and plain questions about services for crisis.
@pytest.mark.parametrize("text, guess, expected", [
    ("Samantha Hurt", "crisis_harm_others", "nlu_fallback"),
    ("thoughts of hurting myself: no, not at all", "crisis", "nlu_fallback"),
    ("Is mindfulness therapy religious at all? I'm Catholic", "crisis", "ask_approach_mindfulness"),
    ("Can Adderall and ketamine interact badly? I don't want to hurt my heart", "crisis_harm_others",
     "ask_approach_mindfulness"),
])
def test_a_sure_model_guess_on_a_name_an_answer_or_a_plain_question_is_dropped(text, guess, expected):
    ranking = [{"name": guess, "confidence": 0.6}, {"name": "ask_approach_mindfulness", "confidence": 0.35}]
    if expected == "nlu_fallback":
        ranking = ranking[:1]
    assert process(text, ranking).get("intent")["name"] == expected


def test_a_plain_question_drops_a_sentence_guess_too():
    msg = message("Rough week. Whatever. How much is a session?", [{"name": "ask_fees", "confidence": 0.8}])
    msg.set("sentence_crisis_risk", {"name": "crisis", "confidence": 0.9})
    assert CrisisPhraseGuard({}).process([msg])[0].get("intent")["name"] == "ask_fees"


def test_a_question_beside_a_word_that_can_carry_risk_keeps_the_guess():
    ranking = [{"name": "crisis", "confidence": 0.9}, {"name": "ask_fees", "confidence": 0.05}]
    text = "Do you offer a sliding scale? I've had my dad's revolver out on the table most nights."
    assert process(text, ranking).get("intent")["name"] == "crisis"


def test_a_resolved_past_makes_a_sure_self_harm_guess_a_question_not_the_protocol():
    ranking = [{"name": "crisis", "confidence": 0.9}, {"name": "ask_kap_candidacy", "confidence": 0.05}]
    text = "Had a very dark time in 2012, fully recovered since, did DBT for two years"
    assert process(text, ranking).get("intent")["name"] == "risk_check_in"
    assert process("Had a very dark time in 2012 and it is back again", ranking).get("intent")["name"] == "crisis"


@pytest.mark.parametrize("text, guess", [
    ("the main character in the book I am reading wants to die and it hit close to home. do you see teens?", "crisis"),
    ("that new show where the guy plans to kill his boss is wild lol, anyway are you open saturdays",
     "crisis_harm_others"),
    ("as a school nurse how should I talk to students who hurt themselves?", "crisis"),
])
def test_a_sure_model_guess_on_risk_words_kept_at_a_distance_is_asked_about(text, guess):
    result = process(text, [{"name": guess, "confidence": 0.9}, {"name": "everyday_remark", "confidence": 0.05}])
    assert result.get("intent")["name"] == "risk_check_in"
    assert result.get("risk_check_in_about") == CATEGORY_FOR_INTENT[guess]


@pytest.mark.parametrize("text, guess", [
    ("Our book club picked a memoir about a father's suicide. Do you run grief groups?", "crisis"),
    ("Is it risky to take lithium with naproxen? My doctor said to ask someone.", "crisis"),
    ("My wife twisted her ankle and has been so low since. Not dangerous, just down. Tips?",
     "crisis_danger_from_others"),
])
def test_a_sure_model_guess_on_a_mention_a_question_or_a_negation_is_not_acted_on(text, guess):
    result = process(text, [{"name": guess, "confidence": 0.9}, {"name": "everyday_remark", "confidence": 0.05}])
    assert result.get("intent")["name"] not in CATEGORY_FOR_INTENT


@pytest.mark.parametrize("text, guess", [
    ("my roommate is on the floor and I can't get him to respond", "crisis_medical_emergency"),
    ("my stepdad gets drunk and comes after me and my brother at night", "crisis_danger_from_others"),
])
def test_a_sure_model_guess_about_someone_else_in_danger_now_runs_the_protocol(text, guess):
    result = process(text, [{"name": guess, "confidence": 0.9}, {"name": "everyday_remark", "confidence": 0.05}])
    assert result.get("intent")["name"] == guess


@pytest.mark.parametrize("guess", ["crisis", "crisis_medical_emergency", "crisis_harm_others"])
def test_a_risk_clause_of_a_run_on_sentence_is_asked_about_never_the_protocol(guess):
    text = ("so my doctor said to look into therapy for the work stuff, this year has been rough, and honestly "
            "last week things got really dark for an hour, anyway do you take Blue Cross?")
    msg = message(text, [{"name": "ask_insurance", "confidence": 0.8}])
    msg.set("clause_crisis_risk", {"name": guess, "confidence": 0.9})
    result = CrisisPhraseGuard({}).process([msg])[0]
    assert result.get("intent")["name"] == "risk_check_in"
    assert result.get("risk_check_in_about") == CATEGORY_FOR_INTENT[guess]


def test_a_faint_risk_clause_changes_nothing():
    msg = message("I moved here in spring, started a new job in summer, the commute is long, do you have evening "
                  "hours on Thursdays?", [{"name": "ask_hours", "confidence": 0.8}])
    msg.set("clause_crisis_risk", {"name": "crisis", "confidence": 0.3})
    assert CrisisPhraseGuard({}).process([msg])[0].get("intent")["name"] == "ask_hours"


def test_a_soft_cue_with_a_sure_model_crisis_guess_runs_the_protocol():
    text = "Posted a goodbye on my story an hour ago. Nobody said anything. Guess that's my answer"
    sure = process(text, [{"name": "crisis", "confidence": 0.8}, {"name": "ask_fees", "confidence": 0.1}])
    assert sure.get("intent")["name"] == "crisis"
    unsure = process(text, [{"name": "crisis", "confidence": 0.4}, {"name": "ask_fees", "confidence": 0.3}])
    assert unsure.get("intent")["name"] == "risk_check_in"


def test_a_softened_phrase_stays_a_question_whatever_the_model_guesses():
    # a way of dying joked about over a nuisance is asked about, even when the model is sure
    text = "one more zoom meeting and I'll shoot myself, jk. do you have evening slots?"
    result = process(text, [{"name": "crisis", "confidence": 0.95}, {"name": "ask_hours", "confidence": 0.03}])
    assert result.get("intent")["name"] == "risk_check_in"


# Invented examples of a worry, an injury or a medicine named beside a question: with no risk phrase, a
# moderate model guess gets the direct question (the line to call is in it), not the protocol and the
# staff alert. A statement with the same guess still runs the protocol, and so does a sure guess.
@pytest.mark.parametrize("text, guess, kind", [
    ("I think I took my lithium twice this morning and I'm a bit dizzy, is that dangerous?",
     "crisis_medical_emergency", "medical_emergency"),
    ("My cousin hasn't answered since Sunday and her ex has threatened her before. Is it normal to feel this scared?",
     "crisis_danger_from_others", "danger_from_others"),
    ("everything feels pointless this week. anyway, do you do evening sessions",
     "crisis", "self_harm"),
])
def test_a_moderate_model_guess_beside_a_question_is_asked_about_not_acted_on(text, guess, kind):
    result = process(text, [{"name": guess, "confidence": 0.62}, {"name": "ask_hours", "confidence": 0.2}])
    assert result.get("intent") == {"name": "risk_check_in", "confidence": 1.0}
    assert result.get("risk_check_in_about") == kind


@pytest.mark.parametrize("text, confidence, expected", [
    ("the scrape on my shin from the skate park won't quit", 0.62, "crisis_medical_emergency"),
    ("I think I took my lithium twice this morning and I'm a bit dizzy, is that dangerous?", 0.85,
     "crisis_medical_emergency"),
])
def test_a_statement_or_a_sure_guess_still_runs_the_protocol(text, confidence, expected):
    result = process(text, [{"name": "crisis_medical_emergency", "confidence": confidence},
                            {"name": "ask_hours", "confidence": 0.1}])
    assert result.get("intent")["name"] == expected


def test_a_moderate_sentence_guess_beside_a_question_is_asked_about():
    msg = message("Everything is piling up at once. How long is a first session?",
                  [{"name": "ask_session_length", "confidence": 0.5}, {"name": "crisis", "confidence": 0.3}])
    msg.set("sentence_crisis_risk", {"name": "crisis_harm_others", "confidence": 0.6})
    result = CrisisPhraseGuard({}).process([msg])[0]
    assert result.get("intent") == {"name": "risk_check_in", "confidence": 1.0}
    assert result.get("risk_check_in_about") == "harm_others"


def test_a_joke_beside_a_guess_of_harm_to_others_is_asked_about():
    ranking = [{"name": "crisis_harm_others", "confidence": 0.8}, {"name": "everyday_remark", "confidence": 0.1}]
    text = "jk but if my cousin brings up politics at dinner again someone is going to need a lawyer lol"
    assert process(text, ranking).get("intent")["name"] == "risk_check_in"
    # the same guess without the joke stands
    assert process("if my cousin brings up politics at dinner again someone is going to need a lawyer",
                   ranking).get("intent")["name"] == "crisis_harm_others"


def test_a_sure_model_guess_beside_a_recent_loss_is_asked_about():
    ranking = [{"name": "crisis", "confidence": 0.9}, {"name": "everyday_remark", "confidence": 0.05}]
    result = process("my mom's memorial was on sunday and i keep going numb. when could i start?", ranking)
    assert result.get("intent") == {"name": "risk_check_in", "confidence": 1.0}
