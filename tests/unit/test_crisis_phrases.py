"""The crisis phrase guard against its labelled tables: every crisis sentence must be caught.

crisis_guard_cases.tsv was written with the guard; crisis_guard_fresh_cases.tsv was written
later by someone who had not seen the guard (its first-run figures are in bench/README.md).
"""

import pytest

from clinic.domain import crisis_phrases
from tests.conftest import read_guard_cases

CASES = read_guard_cases("crisis_guard_cases.tsv") + read_guard_cases("crisis_guard_fresh_cases.tsv")
CRISIS_ROWS = [row for row in CASES if row["label"] == "crisis"]
OK_ROWS = [row for row in CASES if row["label"] == "ok"]
MAX_FALSE_ALARM_RATE = 0.02


def test_table_is_big_enough_to_mean_something():
    assert len(CRISIS_ROWS) >= 60 and len(OK_ROWS) >= 60
    assert {row["category"] for row in CRISIS_ROWS} == set(crisis_phrases.CATEGORIES)


@pytest.mark.parametrize("row", CRISIS_ROWS, ids=lambda row: row["text"][:60])
def test_every_crisis_sentence_is_caught_with_its_category(row):
    result = crisis_phrases.check(row["text"])
    assert result.is_crisis, f"missed: {row['text']!r} ({result.verdict})"
    assert result.category == row["category"]


def test_false_alarm_rate_on_ordinary_sentences():
    alarms = [row["text"] for row in OK_ROWS if crisis_phrases.check(row["text"]).is_crisis]
    assert len(alarms) / len(OK_ROWS) <= MAX_FALSE_ALARM_RATE, alarms


@pytest.mark.parametrize("text", [
    "this traffic is killing me",
    "I'm dying to know the price",
    "my feet are killing me after that walk",
    "I nearly died laughing",
])
def test_figures_of_speech_are_recognised(text):
    assert crisis_phrases.check(text).verdict == crisis_phrases.FIGURE_OF_SPEECH


@pytest.mark.parametrize("text", [
    "I'm not suicidal, just anxious",
    "I have never wanted to hurt myself",
    "no thoughts of self-harm",
])
def test_negated_mentions_are_not_a_crisis(text):
    assert crisis_phrases.check(text).verdict == crisis_phrases.NEGATED


@pytest.mark.parametrize("text", [
    "I'm not suicidal, but I don't want to be alive anymore",  # negation stops at "but"
    "I'm not sure I want to live anymore",  # a negation that is itself the risk
    "I don't know why I want to die",
    "I CANT GO ON",
    "kms",
    "my name is Jane. I've been planning how to kill myself",
])
def test_negation_and_spelling_do_not_hide_a_crisis(text):
    assert crisis_phrases.check(text).is_crisis


@pytest.mark.parametrize("text", ["", "   ", "😀😀", "<script>alert(1)</script>",
                                  "'; DROP TABLE users; --", "a" * 5000])
def test_odd_input_is_judged_without_error(text):
    assert crisis_phrases.check(text).verdict == crisis_phrases.NONE


@pytest.mark.parametrize("text, category", [
    ("I don't feel safe at home, my partner hits me", crisis_phrases.DANGER_FROM_OTHERS),
    ("my boyfriend says he'll kill me if I leave", crisis_phrases.DANGER_FROM_OTHERS),
    ("my husband hits the kids when he drinks", crisis_phrases.DANGER_FROM_OTHERS),
    ("I hit my toddler and I'm scared I'll do it again", crisis_phrases.HARM_OTHERS),
    ("my husband hunts and he threatened me with his rifle last night", crisis_phrases.DANGER_FROM_OTHERS),
    ("he keeps his guns in a safe but last night he pointed one at me", crisis_phrases.DANGER_FROM_OTHERS),
    ("when he drinks he waves the rifles around and I'm terrified", crisis_phrases.DANGER_FROM_OTHERS),
    ("I'm not safe right now", crisis_phrases.SELF_HARM),
    ("no im not safe", crisis_phrases.SELF_HARM),
])
def test_danger_from_others_and_not_safe_are_each_their_own_crisis(text, category):
    result = crisis_phrases.check(text)
    assert result.is_crisis and result.category == category


@pytest.mark.parametrize("text, category", [
    ("ya no quiero vivir", crisis_phrases.SELF_HARM),
    ("kiero matarme, ya no aguanto", crisis_phrases.SELF_HARM),
    ("mi esposo me pega", crisis_phrases.DANGER_FROM_OTHERS),
    ("me tomé un frasco de pastillas", crisis_phrases.MEDICAL_EMERGENCY),
])
def test_spanish_crisis_messages_are_caught_and_answered_in_spanish(text, category):
    result = crisis_phrases.check(text)
    assert result.is_crisis and result.category == category and result.language == "es"


@pytest.mark.parametrize("text", [
    "I feel like such a burden to everyone",
    "long time ago I didn't want to be alive, nothing since",
])
def test_uncertain_risk_is_its_own_verdict(text):
    assert crisis_phrases.check(text).verdict == crisis_phrases.UNCERTAIN


@pytest.mark.parametrize("text", ["I'm not suicidal, just anxious", "is ketamine safe?", "I feel safe now",
                                  "do you treat self-harm in teens?", "we went to a suicide prevention walk"])
def test_ordinary_mentions_are_not_a_crisis_or_uncertain(text):
    assert crisis_phrases.check(text).verdict not in (crisis_phrases.CRISIS, crisis_phrases.UNCERTAIN)


def test_a_message_is_judged_sentence_by_sentence():
    assert crisis_phrases.sentences("Rough week. I want to end it all. Anyway how much is a session?") == [
        "I want to end it all.", "Anyway how much is a session?"]


def test_a_run_on_sentence_is_also_judged_clause_by_clause():
    text = ("so my doctor said to look into therapy because of the work stuff, this year has been rough, "
            "and honestly last week I sat in my car with the gun for an hour, anyway do you take Blue Cross?")
    assert "and honestly last week I sat in my car with the gun for an hour" in crisis_phrases.clauses(text)
    assert crisis_phrases.sentences(text)[-1] == "do you take Blue Cross?"
    # a short sentence is not cut at its commas
    assert crisis_phrases.clauses("Hi, I'm Sam, I work nights, how long is a session?") == []


@pytest.mark.parametrize("text, expected", [("Tuesday and Thursday afternoons", True), ("mornings before 10", True),
                                            ("I want to die on Tuesday", False), ("anytime", False)])
def test_availability_answers_are_recognised(text, expected):
    assert crisis_phrases.looks_like_plain_answer(text) is expected


@pytest.mark.parametrize("text, category", [
    # goodbyes and affairs put in order before leaving for good
    ("getting my affairs in order before I go, so please cancel my appointments", crisis_phrases.SELF_HARM),
    ("my therapist was my last shot at this before I tap out for good", crisis_phrases.SELF_HARM),
    ("I'm signing out of life for good after this week", crisis_phrases.SELF_HARM),
    # a note someone found
    ("my sister found my goodbye note and called me", crisis_phrases.SELF_HARM),
    ("my dad read my note this morning, he doesn't know what to do", crisis_phrases.SELF_HARM),
    # methods compared
    ("what's more reliable, jumping off a bridge or a gun", crisis_phrases.SELF_HARM),
    ("drowning vs carbon monoxide, which one", crisis_phrases.SELF_HARM),
    ("is it quicker to hang yourself or use a car exhaust", crisis_phrases.SELF_HARM),
    # an overdose already taken, said without a number
    ("I emptied the pill bottle and now I'm really drowsy", crisis_phrases.MEDICAL_EMERGENCY),
    ("took everything from my medicine cabinet", crisis_phrases.MEDICAL_EMERGENCY),
    ("swallowed a bunch of my mom's pills and I'm feeling woozy", crisis_phrases.MEDICAL_EMERGENCY),
    # a severe reaction to a new or higher medicine: a cluster of signs
    ("since they raised my sertraline I'm shivering, soaked in sweat and my heart is pounding",
     crisis_phrases.MEDICAL_EMERGENCY),
    ("fever, jerking muscles, sweating buckets and so confused", crisis_phrases.MEDICAL_EMERGENCY),
    # signs that need 911 whatever caused them
    ("I'm pregnant and bleeding a lot", crisis_phrases.MEDICAL_EMERGENCY),
    ("sudden worst headache of my life after the session", crisis_phrases.MEDICAL_EMERGENCY),
    ("my pulse is 190 and won't come down", crisis_phrases.MEDICAL_EMERGENCY),
    ("ate a peanut by mistake and my throat is swelling", crisis_phrases.MEDICAL_EMERGENCY),
    ("my dad's blood sugar is 35 and he's confused", crisis_phrases.MEDICAL_EMERGENCY),
    # warning signs together: possessions given away and a will, a will and a sudden calm
    ("gave my cat to my brother and finally signed my will", crisis_phrases.SELF_HARM),
    ("made my will last night and I feel at peace now", crisis_phrases.SELF_HARM),
])
def test_newer_kinds_of_risk_are_caught(text, category):
    result = crisis_phrases.check(text)
    assert result.is_crisis and result.category == category, result


@pytest.mark.parametrize("text", [
    "tying up loose ends at work before I go on vacation",
    "I need to check out of the hotel before I go to my appointment",
    "which is faster for depression, pills or therapy?",
    "would it be easier to jump straight into KAP or start with talk therapy?",
    "is it faster to hang out on the portal or call the office?",
    "my teacher found my notes from class",
    "took my allergy pill and now I'm getting sleepy, is that normal?",
    "started zoloft last week and I've been sweating a lot and a bit shaky, is that normal?",
    "no fever, no twitching and no confusion since starting prozac, so far so good",
    "what's the risk of serotonin syndrome with two antidepressants?",
    "we updated our wills after the baby was born, a big relief",
    "I'm bleeding heavily on my period, can I still do ketamine?",
    "my heart rate was 120 on the treadmill",
    "my blood sugar is usually around 100",
])
def test_ordinary_look_alikes_of_the_newer_kinds_are_not_a_crisis(text):
    assert crisis_phrases.check(text).verdict != crisis_phrases.CRISIS


@pytest.mark.parametrize("text", [
    "my commute is so bad I want to die every morning haha. anyway do you have evening slots?",
    "this paperwork makes me want to die lol",
])
def test_a_wish_to_die_pinned_on_a_nuisance_with_a_laugh_is_asked_about(text):
    # Likely hyperbole, not certainly: the check-in (with 988) instead of the full protocol.
    result = crisis_phrases.check(text)
    assert result.verdict == crisis_phrases.UNCERTAIN and result.category == crisis_phrases.SELF_HARM


@pytest.mark.parametrize("text", [
    "wish i was dead lol",  # a laugh alone often masks distress
    "I want to die lol",
    "my commute is so bad I want to die haha, not joking",  # says it is serious
    "this paperwork makes me want to die lol. I have the pills ready",  # means
    "traffic makes me want to die lol, tonight's the night",  # a time
    "the commute is awful, I'm going to kill myself lol",  # intent, not a wish
    "work is so bad lol I took all my pills",  # an act already done
    "my boss makes me want to die haha but honestly I've been planning how to end my life",  # a plan
])
def test_humour_never_softens_intent_plan_means_or_an_act(text):
    assert crisis_phrases.check(text).is_crisis


@pytest.mark.parametrize("text", [
    "I just finished a series where a character dies by suicide and I want to talk about my own stuff",
    "in the novel the protagonist kills herself and it reminded me of my aunt",
    "I'll be dead of old age before my insurance approves it 😂",
    "tax season is my annual near-death experience",
])
def test_media_stories_and_old_age_jokes_are_not_a_crisis(text):
    assert crisis_phrases.check(text).verdict not in (crisis_phrases.CRISIS, crisis_phrases.UNCERTAIN)


@pytest.mark.parametrize("text, reason", [
    ("I'll be ancient by the time you call back lol", "humour"),
    ("the episode where the character drowns wrecked everyone", "media"),
    ("lol jk I'm not serious, I'm fine", "humour"),
])
def test_softening_context_is_named(text, reason):
    assert crisis_phrases.softening_context(text) == reason


@pytest.mark.parametrize("text", ["lol for real I can't go on", "haha not joking, it's bad", "i feel so empty",
                                  "the gun is loaded lol", "cat scratches lol. we don't have a cat",
                                  "you can book me for the 20th but I might not show up",
                                  "gave my guitar away, won't be around to play it",
                                  "my husband hunts and keeps his rifles in a gun safe"])
def test_no_softening_when_the_message_says_it_is_serious_or_names_means(text):
    assert crisis_phrases.softening_context(text) is None


# The kinds set E's first run missed, in new words: means with a day chosen, an edge already stood
# on, doubts about lasting until help comes, an attack on a place pictured, an act begun on someone,
# someone getting in now, a drugged drink.
@pytest.mark.parametrize("text, category", [
    ("I finally have enough of my sleeping pills saved. Saturday is the day.", crisis_phrases.SELF_HARM),
    ("bought the rope last week, friday night is the night", crisis_phrases.SELF_HARM),
    ("Tomorrow is the day. I have the pills counted out on the dresser", crisis_phrases.SELF_HARM),
    ("what time do you open? I sat on the ledge of the parking garage for a while last night",
     crisis_phrases.SELF_HARM),
    ("spent an hour on the railing of my balcony last night, anyway do you take BCBS", crisis_phrases.SELF_HARM),
    ("three weeks is too long, I don't think I'll last that long", crisis_phrases.SELF_HARM),
    ("honestly not sure I can hold on until the first session", crisis_phrases.SELF_HARM),
    ("I doubt I'll make it another week like this", crisis_phrases.SELF_HARM),
    ("I don't know if I'll survive until my psychiatrist is back", crisis_phrases.SELF_HARM),
    ("don't be surprised if I'm gone before the intake", crisis_phrases.SELF_HARM),
    ("I can't stop imagining shooting up the office where I got fired", crisis_phrases.HARM_OTHERS),
    ("sometimes I picture blowing up my old school and it feels good", crisis_phrases.HARM_OTHERS),
    ("I've been thinking about setting fire to my ex's house", crisis_phrases.HARM_OTHERS),
    ("I put a pillow over my baby's face when she wouldn't stop crying, only for a moment",
     crisis_phrases.HARM_OTHERS),
    ("during the fight I had my hands around his throat", crisis_phrases.HARM_OTHERS),
    ("someone is kicking my door in right now", crisis_phrases.DANGER_FROM_OTHERS),
    ("a man is trying to get into my house, I'm hiding in the closet", crisis_phrases.DANGER_FROM_OTHERS),
    ("there's somebody inside my house right now and I'm locked in the bathroom", crisis_phrases.DANGER_FROM_OTHERS),
    ("I think someone put something in my drink at the bar, I can't stand up", crisis_phrases.DANGER_FROM_OTHERS),
    ("i was roofied last weekend and I don't remember anything", crisis_phrases.DANGER_FROM_OTHERS),
])
def test_kinds_set_e_missed_are_caught_in_new_words(text, category):
    result = crisis_phrases.check(text)
    assert result.is_crisis and result.category == category, result


@pytest.mark.parametrize("text", [
    "Thursday is the day I'm free, does 3pm work?",
    "Friday is the day my refill comes in, I have enough pills until then",
    "we stood on the edge of the cliff on our hike, gorgeous view",
    "I sat on the edge of the bed and cried",
    "I'm not sure I'll make it to the appointment on time, traffic",
    "I doubt I can make it until my appointment at 3, can we move it?",
    "not sure I'll last until 5 without coffee lol",
    "don't be surprised if I'm not on time, the bus is slow",
    "my son kept shooting up the school in Fortnite, is that a concern?",
    "I put my hand on her forehead, she had a fever",
    "the dentist drugged me up pretty good for the extraction",
    "someone broke into my car last year and I still get anxious",
    "the plumber is in my house right now fixing the sink",
    "we're trying to get into the apartment we applied for",
])
def test_look_alikes_of_the_kinds_set_e_missed_are_not_a_crisis(text):
    assert crisis_phrases.check(text).verdict not in (crisis_phrases.CRISIS, crisis_phrases.UNCERTAIN)


@pytest.mark.parametrize("text", [
    "This heat wave is going to be the end of me. Is your waiting room air conditioned?",
    "my teenager is going to be the death of me",
    "I'm writing my dissertation on self-harm in adolescents, could I interview a clinician?",
    "I'm a youth pastor and want training on what to do if a teen tells me they've been cutting",
    "Do you treat domestic violence survivors? I'm out and safe but still struggling.",
    "I'm feeling hopeless about the job market but I'm not in danger, just discouraged.",
    "Planning my funeral playlist is my favourite hobby 😂",
])
def test_ordinary_messages_set_e_flagged_are_neither_crisis_nor_asked_about(text):
    assert crisis_phrases.check(text).verdict not in (crisis_phrases.CRISIS, crisis_phrases.UNCERTAIN)


@pytest.mark.parametrize("text", [
    "Back in 2015 I overdosed and was hospitalized. I've been in recovery since and I'm very stable.",
    "I used to burn myself as a teenager, the scars are still there but I haven't done it in a decade.",
])
def test_a_resolved_past_told_with_back_in_or_old_scars_is_asked_about_not_a_protocol(text):
    assert crisis_phrases.check(text).verdict == crisis_phrases.UNCERTAIN


@pytest.mark.parametrize("text", [
    "I feel hopeless, I'm safe for now",  # "safe for now" is not a plain statement of safety
    "I'm such a burden, honestly",
])
def test_a_soft_cue_without_a_plain_statement_of_safety_is_still_asked_about(text):
    assert crisis_phrases.check(text).verdict == crisis_phrases.UNCERTAIN


@pytest.mark.parametrize("text", ["Cualquier día por la tarde", "los martes por la mañana", "sábados"])
def test_spanish_availability_answers_are_recognised(text):
    assert crisis_phrases.looks_like_plain_answer(text)


# Kinds of E's and F's crisis rows that only the model (trained on them) caught, in new words.
@pytest.mark.parametrize("text, category", [
    ("Me quiero suicidar", crisis_phrases.SELF_HARM),
    ("esta noche me voy a matar", crisis_phrases.SELF_HARM),  # about oneself, not harm to others
    ("la terapia es lo último, si no sirve me quito la vida", crisis_phrases.SELF_HARM),  # a condition
    ("I'm going to end my lfie", crisis_phrases.SELF_HARM),
    ("i cut too deep this time", crisis_phrases.SELF_HARM),
    ("the car is running and the garage door is shut", crisis_phrases.SELF_HARM),
    ("I have everything I need laid out on the bed", crisis_phrases.SELF_HARM),
    ("got a bottle of oxy, gonna do it tonight", crisis_phrases.SELF_HARM),
    ("I doubt I'll be alive by christmas", crisis_phrases.SELF_HARM),
    ("my partner said if I leave he will kill me", crisis_phrases.DANGER_FROM_OTHERS),
    ("they said they'll hurt my mom if I tell anyone", crisis_phrases.DANGER_FROM_OTHERS),
    ("my roommate is threatening me with a bat", crisis_phrases.DANGER_FROM_OTHERS),
    ("he tried to force himself on me at the party", crisis_phrases.DANGER_FROM_OTHERS),
    ("my boyfriend took my phone and my keys and won't let me leave", crisis_phrases.DANGER_FROM_OTHERS),
    ("my son's tutor has been touching him", crisis_phrases.DANGER_FROM_OTHERS),
    ("my ex has been parked outside my house again tonight", crisis_phrases.DANGER_FROM_OTHERS),
    ("hay alguien que intenta entrar a mi casa, tengo miedo", crisis_phrases.DANGER_FROM_OTHERS),
    ("I want my stepdad dead", crisis_phrases.HARM_OTHERS),
    ("he's going to regret it, I know where he lives and I have my brother's rifle", crisis_phrases.HARM_OTHERS),
    ("I'm going to run him over next time I see him", crisis_phrases.HARM_OTHERS),
    ("took my meds twice by mistake and my heart is racing and I feel faint", crisis_phrases.MEDICAL_EMERGENCY),
])
def test_kinds_only_the_model_caught_are_guard_phrases(text, category):
    result = crisis_phrases.check(text)
    assert result.is_crisis and result.category == category, result


@pytest.mark.parametrize("text", [
    "I have everything I need for the intake, thanks",
    "I'm running him over to the vet after work",
    "he took my keys by accident so I'm stuck at work",
    "my tutor has been helping him with math",
    "my ex keeps parking outside my work, it's annoying but harmless",
    "I want that spider dead lol",
    "I found his address on the intake form, should I mail it",
    "I took my dose twice last week but I'm fine",
    "my insurance should make my landlord pay for the repairs",
    "the gun is locked in the safe after everyone's asleep",
    "no me quiero matar, solo estoy triste",
    "intenta entrar a la página y no puede",
])
def test_look_alikes_of_those_kinds_are_not_a_crisis(text):
    assert crisis_phrases.check(text).verdict != crisis_phrases.CRISIS


# Set G's first run: the lethal amount asked for oneself, in new words, and its look-alikes.
@pytest.mark.parametrize("text", [
    "if you mix vodka and your sleeping pills do you just not wake up? how many would i need",
    "can benadryl kill you if you take a lot? how much would it take",
    "how many pills would i need to take to never wake up",
    "is it painless if you take enough at once? i'd rather just go quietly",
])
def test_a_lethal_amount_asked_for_oneself_is_a_crisis(text):
    assert crisis_phrases.check(text).category == crisis_phrases.SELF_HARM
    assert crisis_phrases.check(text).is_crisis


@pytest.mark.parametrize("text", [
    "how much ketamine do you give in a session?",
    "how many sessions would I need?",
    "my grandma died peacefully in her sleep last spring",
    "Can you overdose on melatonin? My teen takes it and I want to know a safe amount",
])
def test_dose_and_session_questions_are_not_a_lethal_amount(text):
    assert not crisis_phrases.check(text).is_crisis


@pytest.mark.parametrize("text", [
    "thoughts of hurting myself: no, not at all",
    "the one about being better off dead? not at all",
    "have you thought about killing yourself? no, never",
    "question 9 about suicide: none",
])
def test_a_screening_item_answered_no_is_negated(text):
    assert crisis_phrases.check(text).verdict == crisis_phrases.NEGATED


@pytest.mark.parametrize("text", [
    "thoughts of killing myself: yes, most days",
    "any reason to keep going? no",  # a hopeless answer to one's own question, not a screening item
    "I want to kill myself? no one would even notice",
    "do I want to die? i think so",
])
def test_only_a_no_to_a_screening_item_is_negated(text):
    assert crisis_phrases.check(text).verdict == crisis_phrases.CRISIS


@pytest.mark.parametrize("text, reason", [
    ("Samantha Hurt", "name"),
    ("Nathan Graves", "name"),
    ("I work nights so around 2 or 3pm would be ideal", "plain answer"),
    ("thoughts of hurting myself: no, not at all", "screening item answered no"),
    ("Is mindfulness therapy religious? I'm Catholic, want to be sure it fits", crisis_phrases.QUESTION_WITHOUT_RISK),
    ("I feel stuck in life and want to understand myself. Is therapy for that?", crisis_phrases.QUESTION_WITHOUT_RISK),
    ("Can Adderall and ketamine interact badly? I don't want to hurt my heart", crisis_phrases.QUESTION_WITHOUT_RISK),
])
def test_a_model_guess_on_names_answers_and_plain_questions_is_unfounded(text, reason):
    assert crisis_phrases.unfounded_model_guess(text) == reason


@pytest.mark.parametrize("text", [
    "Kill Myself",
    "Help Me Now",
    "Can the appointment be sooner? I don't think I'll still be here by next month.",
    "Do you take Aetna? I've written a note and this weekend is when I'll do it.",
    "Do you offer a sliding scale? I've had my dad's revolver out on the table most nights.",
    "Do you see kids? Mine deserve a mom who isn't me, soon they'll have that.",
    "Can I come tomorrow? I don't want to hurt my wife but I'm scared I will.",
    "how high does a building need to be to make sure",
    "¿Atienden hoy? Ya no quiero vivir.",
])
def test_a_model_guess_is_never_dropped_beside_a_word_that_can_carry_risk(text):
    assert crisis_phrases.unfounded_model_guess(text) is None


@pytest.mark.parametrize("text", [
    "past suicide attempt (2012), fully recovered. Do I need to disclose that for ketamine screening?",
    "Years ago I wanted to die, before my diagnosis. Stable for 6 years. Can I still do KAP?",
    "I tried once, 20 years ago. I haven't had those thoughts since. Is that a problem?",
])
def test_a_resolved_past_with_a_practical_question_is_never_the_protocol(text):
    assert crisis_phrases.check(text).verdict != crisis_phrases.CRISIS
    assert crisis_phrases.resolved_past(text)


@pytest.mark.parametrize("text", [
    "I attempted in 2012 and the thoughts are back again this week. Can I still get in?",
    "Years ago I cut, and I started again last night. Do you take Cigna?",
    "I was stable for 6 years but I want to die again. Can I still do KAP?",
])
def test_a_present_cue_keeps_a_past_from_being_resolved(text):
    assert not crisis_phrases.resolved_past(text)


def test_a_wish_to_die_again_after_stable_years_is_still_a_crisis():
    verdict = crisis_phrases.check("I was stable for 6 years but I want to die again. Can I still do KAP?").verdict
    assert verdict == crisis_phrases.CRISIS


def test_someone_elses_skin_picked_until_it_bleeds_is_not_a_self_harm_act():
    assert not crisis_phrases.check("My wife picks at her skin until it bleeds when she's stressed").is_crisis
    assert crisis_phrases.check("I pick at my skin until it bleeds").is_crisis


@pytest.mark.parametrize("text, category", [
    ("quick q about parking. also i cut pretty deep last night and it keeps opening up", crisis_phrases.SELF_HARM),
    ("I've been thinking seriously about how I'd kill him on my next shift", crisis_phrases.HARM_OTHERS),
    ("keep thinking about how to poison my stepdad without anyone noticing", crisis_phrases.HARM_OTHERS),
])
def test_kinds_only_the_model_caught_in_earlier_sets_are_guard_phrases(text, category):
    assert crisis_phrases.check(text).is_crisis
    assert crisis_phrases.check(text).category == category


@pytest.mark.parametrize("text", [
    "his words cut pretty deep, we haven't spoken since",
    "I'm thinking about how to kill time before my appointment",
    "thinking about how I'd hurt her feelings if I cancelled again",
])
def test_look_alikes_of_a_deep_cut_and_working_out_how_are_not_a_crisis(text):
    assert not crisis_phrases.check(text).is_crisis


# The kinds set H's first run missed, in new words: a dose that would stop one's own heart, a method
# question "for me", "quick and painless" beside a way of dying, a relapse behind a cover story or
# deep enough for stitches, a passive wish at the wheel, someone run at on purpose, blood vomited or
# coughed up, being kept from leaving with papers or pay taken.
@pytest.mark.parametrize("text, category", [
    ("what amount of my metformin would stop my heart, I can't keep going", crisis_phrases.SELF_HARM),
    ("how many of my propranolol would it take to stop my heart", crisis_phrases.SELF_HARM),
    ("is helium quick and painless? need to know for me", crisis_phrases.SELF_HARM),
    ("which pills are lethal if you take a bunch? i'm asking for myself", crisis_phrases.SELF_HARM),
    ("would an overdose of tylenol be painless", crisis_phrases.SELF_HARM),
    ("told everyone they're cat scratches. they're not. went deep enough for stitches and i want more",
     crisis_phrases.SELF_HARM),
    ("it was an accident, except it wasn't. cut deeper than ever and i didn't want to stop", crisis_phrases.SELF_HARM),
    ("on the drive home I keep thinking about drifting into the oncoming lane", crisis_phrases.SELF_HARM),
    ("sometimes on the freeway I imagine just letting go of the wheel", crisis_phrases.SELF_HARM),
    ("I almost ran him over on purpose in the parking lot and I want to find him again", crisis_phrases.HARM_OTHERS),
    ("I pushed that guy down on purpose and I'm going after him again tomorrow", crisis_phrases.HARM_OTHERS),
    ("I've been throwing up blood for an hour", crisis_phrases.MEDICAL_EMERGENCY),
    ("my dad is coughing up blood and looks gray", crisis_phrases.MEDICAL_EMERGENCY),
    ("she keeps my passport locked up and says I can't leave", crisis_phrases.DANGER_FROM_OTHERS),
    ("he takes all my paycheck and won't let me leave the house", crisis_phrases.DANGER_FROM_OTHERS),
    ("my boyfriend hid my green card so I can't get out", crisis_phrases.DANGER_FROM_OTHERS),
])
def test_kinds_set_h_missed_are_caught_in_new_words(text, category):
    result = crisis_phrases.check(text)
    assert result.is_crisis and result.category == category, result


@pytest.mark.parametrize("text", [
    "is the ketamine injection quick and painless?",
    "is the blood draw quick and painless?",
    "I have a fast heartbeat, what would stop my heart racing at night?",
    "is ketamine safe for me? asking for myself, not my mom",
    "the splinter was pretty deep and I want more info about tetanus shots",
    "I'm scared of driving since my accident, do you treat that?",
    "my boss won't let me leave early for appointments, do you have evenings?",
    "the embassy has my passport for my visa renewal, can we do video next week?",
    "I hurt my knee on purpose? no, it was a soccer tackle",
    "I threw up after my ketamine session, is that normal?",
    "I deliberately hit the gym hard today and now I'm sore",
])
def test_look_alikes_of_the_kinds_set_h_missed_are_not_a_crisis(text):
    assert not crisis_phrases.check(text).is_crisis


# Ordinary look-alikes set H's model took for crisis, in new words: a story, a resolved past, a worried
# relative who says there is no danger, nobody hurting the writer, a screening item scored zero.
@pytest.mark.parametrize("text", [
    "We're discussing a memoir about losing a brother to suicide at book club, any grief groups?",
    "My girlfriend says she feels dead inside at work. I don't think she's unsafe, just burnt out",
    "My dad hurt his knee and hasn't left the couch in weeks. He's not dangerous, just grumpy",
    "No one in my house has ever hurt me or threatened me",
    "zero for the question about hurting myself, 3 for sleep",
    "Some days I felt hopeless this month, but about money, not about living",
    "what do you actually do in a therapy session? like what's the point of it",
])
def test_ordinary_look_alikes_set_h_flagged_are_not_a_crisis_nor_asked_about(text):
    assert crisis_phrases.check(text).verdict not in (crisis_phrases.CRISIS, crisis_phrases.UNCERTAIN)


def test_a_past_overdose_with_years_clean_is_asked_about_at_most():
    text = "My cousin overdosed once in her early twenties; she's been clean for nine years now"
    assert crisis_phrases.check(text).verdict != crisis_phrases.CRISIS
    assert crisis_phrases.resolved_past(text) and crisis_phrases.distanced(text) == "resolved past"


@pytest.mark.parametrize("text", [
    "No one at home hurts me except my stepdad when he drinks",
    "my friend is not dangerous, but my husband hit me again last night",
    "she's not in danger, I am: I have the pills ready tonight",
    "0 for the one about sleep, but I want to die every day",
    "I felt hopeless most days, and about living too",
])
def test_a_no_danger_statement_does_not_hide_a_present_danger(text):
    result = crisis_phrases.check(text)
    assert result.verdict != crisis_phrases.NEGATED or crisis_phrases.distanced(text) is None
    assert crisis_phrases.distanced(text) is None


@pytest.mark.parametrize("text", [
    "Are there harmful interactions between sertraline and tramadol? Just checking",
    "Is it dangerous to mix melatonin and ketamine?",
    "My son hurt his shoulder at practice and now he's moping, should he talk to someone?",
])
def test_a_general_medicine_question_or_an_injury_is_no_reason_for_a_model_crisis_guess(text):
    assert crisis_phrases.unfounded_model_guess(text) == crisis_phrases.QUESTION_WITHOUT_RISK


@pytest.mark.parametrize("text", [
    "is it safe to mix all my pills with vodka? I want it over tonight",
    "Is it dangerous to mix xanax and alcohol if I take the whole bottle?",
])
def test_a_medicine_question_beside_intent_or_means_is_never_unfounded(text):
    assert crisis_phrases.unfounded_model_guess(text) is None


@pytest.mark.parametrize("text, reason", [
    ("We're discussing a memoir about a teenager's suicide in my book club next week.", "story or media"),
    ("I just finished a documentary on overdose deaths, does your clinic work with families affected?",
     "story or media"),
    ("Our podcast episode this month covers suicide prevention, could a therapist be a guest?", "story or media"),
    ("I'm reading a novel where the narrator attempts suicide, pretty heavy stuff", "story or media"),
    ("the film we saw had a character who shoots himself, my teen has questions about it", "story or media"),
    ("My wife's brother overdosed in 2009; he's been clean for over ten years", "resolved past"),
    ("I cut myself a lot in high school, but I've been fine for a decade and want help with work stress",
     "resolved past"),
    ("My mom overdosed once when I was a kid, she's been sober for 20 years", "resolved past"),
    ("I attempted suicide in 2014 and have been stable since; I'd like maintenance therapy", "resolved past"),
    ("Is it safe to take ibuprofen with lithium?", "general medication question"),
    ("Can sertraline and tramadol interact in a dangerous way?", "general medication question"),
    ("what are the risks of mixing alcohol with xanax in general?", "general medication question"),
    ("My roommate is really low since her breakup, she's not in any danger, just sad",
     "someone else's wellbeing, no danger now"),
    ("My husband hurt his shoulder at work and he's been grumpy, not dangerous at all",
     "someone else's wellbeing, no danger now"),
    ("I don't think my son is unsafe, he's just withdrawn since changing schools",
     "someone else's wellbeing, no danger now"),
    ("My brother sprained his ankle and feels down about missing the season, can he see someone?",
     "someone else's wellbeing, no danger now"),
    ("For my psychology class I'm researching suicide rates among teens, can I interview a therapist?",
     "general information"),
    ("I'm a school nurse; what should I do if a student talks about self-harm?", "general information"),
])
def test_distanced_names_why_risk_words_are_kept_at_a_distance(text, reason):
    assert crisis_phrases.distanced(text) == reason
    assert crisis_phrases.distanced(text, phrases_checked=True) == reason


# Real crises of every kind told with third persons, past tense or a story around them.
@pytest.mark.parametrize("text", [
    "my boyfriend hit me again last night and said he'd kill me",
    "my friend took a whole bottle of pills and won't wake up",
    "I read a book about suicide and now I have a plan",
    "years ago I tried, and tonight I have the pills ready",
    "we watched a documentary about overdoses and now my brother is unconscious on the couch",
    "in the podcast they talked about suicide and I keep thinking I want to die too",
    "my sister is fine, but I'm going to hurt her boyfriend when I see him",
    "the character in my novel overdoses, and honestly I've been thinking of doing the same",
    "my friend isn't in danger, but her dad beats her every night",
    "My mom has been sober for years but she's passed out on the floor right now",
    "is it safe to mix all my pills with vodka? I want it to be over",
    "I overdosed in my twenties and I'm thinking about doing it again",
    "my partner hurt his back, and when he drinks he hits me",
    "the memoir made me realise I want to die",
    "my dad is having a seizure after the movie, what do I do",
    "this is my last message to anyone. thanks for the help over the years",
    "my uncle used to touch me years ago and he's moving back in with us tonight, he threatens me",
    "my husband is not dangerous, he only hits me when he's drunk",
])
def test_distanced_is_none_whenever_there_is_present_danger(text):
    assert crisis_phrases.distanced(text) is None
    if not crisis_phrases.check(text).is_crisis:  # the NLU guard's shortcut gives the same answer
        assert crisis_phrases.distanced(text, phrases_checked=True) is None


# Kinds the re-runs of earlier sets showed only the model had caught, written for the kind.
@pytest.mark.parametrize("text", [
    "been working out how I'd end it, I think I know now",
    "I keep thinking out how to end my life when everyone's asleep",
    "cut again last night, hit styro this time",
    "got down to beans on my thigh, it won't stop bleeding",
    "i cant do this no more i want too dye",
])
def test_working_out_how_depth_slang_and_a_wish_typed_by_sound_are_a_crisis(text):
    assert crisis_phrases.check(text).is_crisis


@pytest.mark.parametrize("text", [
    "I want to dye my hair purple before the first session, is that weird",
    "I've been planning how to end it with my girlfriend, can therapy help me do it kindly?",
    "we keep styrofoam cups in the waiting room?",
    "beans soup for dinner again lol",
])
def test_hair_dye_a_breakup_and_beans_are_not(text):
    assert not crisis_phrases.check(text).is_crisis


def test_done_waiting_for_it_to_get_better_is_asked_about():
    result = crisis_phrases.check("everyone says it gets better, I'm 50 and I'm done waiting for it to get better")
    assert result.verdict == crisis_phrases.UNCERTAIN and result.category == crisis_phrases.SELF_HARM


# Kinds set I missed, written for the kind (its own rows are in crisis_guard_fresh_cases.tsv).
@pytest.mark.parametrize("text, category", [
    ("i'm sitting on the train tracks behind my house", "self_harm"),
    ("what's the highest bridge around here, need one high enough", "self_harm"),
    ("would an overdose of my sleeping pills hurt? need to know for me", "self_harm"),
    ("how many of my pills would stop my heart", "self_harm"),
    ("if ketamine doesn't work I'm done, with treatment or with life", "self_harm"),
    ("i keep wanting to punch my roommate and i'm not sure i can stop myself tonight", "harm_others"),
    ("I have urges of choking my brother when he mocks me, getting harder to hold back", "harm_others"),
    ("the people who bullied me at work are going to pay tomorrow", "harm_others"),
    ("my neighbors leave their toddler locked outside all night, she's crying again", "danger_from_others"),
    ("tengo una soga en el carro por si las dudas", "self_harm"),
])
def test_means_at_hand_a_last_try_held_back_harm_and_a_child_shut_out_are_a_crisis(text, category):
    result = crisis_phrases.check(text)
    assert result.is_crisis and result.category == category


@pytest.mark.parametrize("text", [
    "standing on the platform, next train in 4 min, will I make it to my 3pm appointment?",
    "what's the tallest building downtown? is your office in it?",
    "Is the ketamine injection painful? how long does it take",
    "I can't decide between therapy or life coaching, what's the difference",
    "my son locked himself out of the house again lol, anyway are you open saturday",
    "we took the kids to see the train tracks at the railway museum",
    "I hit my head and can't stop myself from worrying about it",
    "the people who hired me are going to pay for my therapy on Monday",
    "compré veneno para las cucarachas, por si acaso, jaja. ¿a qué hora abren?",
    "I'll sleep when I'm dead was basically my motto in my 20s, now I want help with burnout",
    "my last panic attack was 2019 and my last suicidal episode was 2015, stable since",
])
def test_their_everyday_look_alikes_are_not(text):
    assert not crisis_phrases.check(text).is_crisis


# Kinds set J missed, written for the kind (its own rows are in crisis_guard_fresh_cases.tsv).
@pytest.mark.parametrize("text, category", [
    ("what's the least painful way to go, I'm asking about myself", "self_harm"),
    ("every morning I hope a bus will hit me on the crossing", "self_harm"),
    ("I don't think I'll last until the holidays, and I mean that literally", "self_harm"),
    ("thinking about taking my shotgun over to his place to settle this", "harm_others"),
    ("my landlord better watch his back, I'm not responsible for what happens", "harm_others"),
    ("when the baby screams all night I'm scared I'll snap and shake her", "harm_others"),
    ("after what they did to me at that company, soon everybody will know my name", "harm_others"),
    ("my nephew has bruises on his back and told me that his stepdad did it", "danger_from_others"),
])
def test_kinds_set_j_missed_are_caught_in_new_words(text, category):
    result = crisis_phrases.check(text)
    assert result.is_crisis and result.category == category


@pytest.mark.parametrize("text", [
    "I don't think I can make it to the 20th, can we do the 22nd?",
    "my succulents are on suicide watch since I started working nights",
    "my old self-harm history came up with my doctor, will the therapist need to know?",
    "I had an eating disorder and self harm, both in remission for 4 years, is KAP ok for me?",
    "a friend died of an overdose years ago and I still think about it, do you do grief work?",
    "that's not an issue anymore, I sorted out my insurance",
    "my team better watch their back in the fantasy league lol",
    "we need to settle things with the insurance company once and for all",
    "which anesthesia is least painful for a tattoo removal? asking for my sister",
])
def test_look_alikes_of_the_kinds_set_j_missed_are_not_a_crisis(text):
    assert not crisis_phrases.check(text).is_crisis


def test_a_caregiver_asking_ahead_about_too_much_medicine_is_asked_about_not_paged():
    result = crisis_phrases.check("my mom takes lithium, how would I know if she accidentally had too much?")
    assert result.verdict == crisis_phrases.UNCERTAIN and result.category == crisis_phrases.MEDICAL_EMERGENCY


def test_a_caregiver_question_does_not_hide_an_overdose_happening_now():
    result = crisis_phrases.check("how would I know if she had too much? she took the whole bottle and won't wake up")
    assert result.is_crisis and result.category == crisis_phrases.MEDICAL_EMERGENCY


@pytest.mark.parametrize("text", [
    "I keep thinking about taking all my pills",
    "honestly tempted to swallow the whole bottle tonight",
    "should I lock up my pills from myself? I keep thinking about taking them all",
])
def test_thinking_of_swallowing_every_pill_is_a_crisis(text):
    assert crisis_phrases.check(text).is_crisis


@pytest.mark.parametrize("text", [
    "I'm going to take all my meds with breakfast from now on, is that fine?",
    "I was thinking about taking all of them to the pharmacy for disposal",
])
def test_a_pill_schedule_or_an_errand_is_not(text):
    assert not crisis_phrases.check(text).is_crisis


def test_keeping_medicines_from_teenagers_is_a_general_medication_question():
    text = "Should I lock up my medications when my teenager has friends over? just want to be safe"
    assert crisis_phrases.distanced(text) == "general medication question"
    assert crisis_phrases.distanced("should I lock my pills away from myself? I keep thinking about it") is None


@pytest.mark.parametrize("text", [
    "I could die of embarrassment, I replied-all to the whole office",
    "how do I stop killing myself trying to please my in-laws?",
    "my tennis coach says I swing like I want to kill the ball",
    "does the show romanticize suicide? my son wants to watch it and I'm not sure",
    "I self-harmed at 16, nothing since, and I'm starting therapy again after a move",
])
def test_idioms_a_simile_a_show_and_therapy_again_are_not_a_crisis(text):
    assert not crisis_phrases.check(text).is_crisis


@pytest.mark.parametrize("text", [
    "I stopped cutting years ago but I started again this week",
    "I self-harmed in high school and I did it again today",
])
def test_a_past_named_beside_its_return_is_at_least_asked_about(text):
    assert crisis_phrases.check(text).verdict in (crisis_phrases.CRISIS, crisis_phrases.UNCERTAIN)


def test_after_effects_of_a_past_assault_are_asked_about_not_paged():
    result = crisis_phrases.check(
        "I was sexually assaulted at a party in college; I've processed a lot of it, but trust is still hard")
    assert result.verdict == crisis_phrases.UNCERTAIN


# Kinds set K missed, written for the kind (its own rows are in crisis_guard_fresh_cases.tsv).
@pytest.mark.parametrize("text, category", [
    ("how many floors would I need to jump from so it's fatal, asking for myself", "self_harm"),
    ("is there a drug that lets you die peacefully? I want to die painlessly", "self_harm"),
    ("which building around here lets you get onto the roof without a badge", "self_harm"),
    ("ya no kiero bibir, me boy a matar oy", "self_harm"),
    ("the guys who humiliated me at the plant will be sorry tomorrow when I walk in", "harm_others"),
    ("he's about to find out what happens when you lie to me. it's all planned", "harm_others"),
    ("my wife upped her antidepressant, now she's shaking, burning up and not making any sense", "medical_emergency"),
    ("my daughter is convulsing on the floor and won't respond to me", "medical_emergency"),
    ("I know the exact amount that would kill me and I keep it in the car", "self_harm"),
])
def test_kinds_set_k_missed_are_caught_in_new_words(text, category):
    result = crisis_phrases.check(text)
    assert result.is_crisis and result.category == category


def test_doubting_one_is_still_here_by_a_day_is_asked_about():
    result = crisis_phrases.check("if I'm still around by Friday maybe I'll do the intake")
    assert result.verdict == crisis_phrases.UNCERTAIN and result.category == crisis_phrases.SELF_HARM


@pytest.mark.parametrize("text", [
    "my mom is going to kill me for telling you this but she's the one who found you. do you do telehealth?",
    "if finals week doesn't take me out, nothing will lol. do you see students?",
    "my dad's motto is 'rest when you're dead', he's 70 and still working. do you do family sessions?",
    "nobody gets out alive anyway, so I'd like to enjoy the ride a bit more. Do you do mindfulness?",
    "my dad died of cancer during lockdown and I couldn't be with him. can therapy help with that guilt?",
    "I'm a school counselor and I refer students with suicidal thoughts to outside therapists. How do referrals work?",
    "my boss was foaming at the mouth in the meeting and wouldn't answer a single question lol",
    "the girls who made fun of me in school will be sorry when I show up at the reunion looking amazing",
    "how much coffee would kill me lol, I'm on my fifth cup",
    "me siento triste pero no tengo pensamientos de hacerme daño",
])
def test_look_alikes_of_the_kinds_set_k_missed_are_not_a_crisis(text):
    assert not crisis_phrases.check(text).is_crisis


@pytest.mark.parametrize("text", [
    "these insurance forms make me want to jump out the window lol. what's the copay?",
    "one more zoom meeting and I'll shoot myself, jk. do you have evening slots?",
])
def test_a_way_of_dying_joked_about_over_a_nuisance_is_asked_about_not_paged(text):
    assert crisis_phrases.check(text).verdict == crisis_phrases.UNCERTAIN


@pytest.mark.parametrize("text", [
    "i want to jump lol",
    "this commute makes me want to jump off the bridge haha",
    "I'm going to shoot myself tonight lol, the paperwork is too much",
    "I'm a nurse and I'm suicidal",
])
def test_a_laugh_without_a_nuisance_or_with_means_or_a_time_is_still_a_crisis(text):
    assert crisis_phrases.check(text).is_crisis


def test_how_much_of_a_medicine_is_too_much_is_a_general_medication_question():
    assert crisis_phrases.distanced(
        "is there such a thing as too much melatonin? my kid takes 3mg and i dont want to overdo it"
    ) == "general medication question"


# Kinds set L missed, written for the kind (its own rows are in crisis_guard_fresh_cases.tsv).
@pytest.mark.parametrize("text, category", [
    ("been stockpiling my trazodone for weeks, swallowing every one of them on saturday", "self_harm"),
    ("how quickly would it take someone to lose consciousness from exhaust in a garage", "self_harm"),
    ("the people at my old job will regret what they did to me. they'll find out tomorrow", "harm_others"),
    ("since the injection at urgent care my tongue is stuck out and my eyes keep rolling back", "medical_emergency"),
    ("found my roommate passed out on the kitchen floor and I can't wake her", "medical_emergency"),
    ("mi esposa está convulsionando en el piso", "medical_emergency"),
    ("someone is trying to kill me, he's outside my window", "danger_from_others"),
    ("my ex is out to get me, he said he bought a gun", "danger_from_others"),
])
def test_kinds_set_l_missed_are_caught_in_new_words(text, category):
    result = crisis_phrases.check(text)
    assert result.is_crisis and result.category == category


def test_someone_else_cancelling_for_me_is_asked_about():
    result = crisis_phrases.check("book me in, but someone else may need to cancel the session for me")
    assert result.verdict == crisis_phrases.UNCERTAIN and result.category == crisis_phrases.SELF_HARM


@pytest.mark.parametrize("text", [
    "my cat is trying to take me out by sleeping on the stairs lol. do you do evening sessions?",
    "my husband takes me out to dinner every friday, it's our thing. can we do couples therapy?",
    "my mom is coming to get me after the session, is there parking?",
    "my boss is out to get me, I swear. can therapy help with work stress?",
    "my sister was down in the spring but she's doing much better now. how do I bring up therapy?",
    "9 years free of self-harm and proud of it. do you offer maintenance sessions?",
])
def test_look_alikes_of_the_kinds_set_l_missed_are_not_a_crisis(text):
    assert not crisis_phrases.check(text).is_crisis


def test_a_way_of_dying_in_the_one_more_frame_is_asked_about_not_paged():
    text = "if one more relative asks when I'm getting married I'm walking into the ocean 🙃 not really. group therapy?"
    assert crisis_phrases.check(text).verdict == crisis_phrases.UNCERTAIN


# Kinds set M missed, written for the kind (its own rows are in crisis_guard_fresh_cases.tsv).
@pytest.mark.parametrize("text, category", [
    ("there's a rifle in my uncle's closet. once my family goes to church sunday i'm going to do it", "self_harm"),
    ("I'm afraid of being alone with my newborn tonight, I keep losing my temper and the anger scares me",
     "harm_others"),
    ("I don't trust myself around my son right now", "harm_others"),
    ("me subieron la dosis de la medicina y ahora tengo fiebre, estoy sudando mucho y el corazón a mil",
     "medical_emergency"),
    ("I won't be around to see next spring, so don't bother holding a spot for me", "self_harm"),
    ("burned my arm on the stove on purpose again last night", "self_harm"),
])
def test_kinds_set_m_missed_are_caught_in_new_words(text, category):
    result = crisis_phrases.check(text)
    assert result.is_crisis and result.category == category


@pytest.mark.parametrize("text", [
    "getting my affairs in order, can you send my records to my sister?",
    "I sent a goodbye to everyone on my story. guess that's my answer",
])
def test_affairs_in_order_and_a_goodbye_posted_are_asked_about(text):
    result = crisis_phrases.check(text)
    assert result.verdict == crisis_phrases.UNCERTAIN and result.category == crisis_phrases.SELF_HARM


@pytest.mark.parametrize("text", [
    "honestly cold brew is the only thing keeping me going this semester lol. do you see grad students?",
    "I'm a sheriff's deputy and carry a service pistol on duty. Is therapy confidential from my employer?",
    "our team lost a longtime coworker to suicide in the spring. do you run groups for workplaces?",
    "I cut my hair short on purpose for a fresh start. anyway, how do I book?",
    "my dad takes me out for lunch after my sessions, is there parking?",
])
def test_look_alikes_of_the_kinds_set_m_missed_are_not_a_crisis(text):
    assert not crisis_phrases.check(text).is_crisis


def test_someone_elses_overdose_placed_in_the_past_is_asked_about_not_paged():
    text = "my cousin overdosed a few months ago, how do I bring it up with him without upsetting him?"
    result = crisis_phrases.check(text)
    assert result.verdict == crisis_phrases.UNCERTAIN and result.category == crisis_phrases.MEDICAL_EMERGENCY
    assert crisis_phrases.check("my cousin overdosed a few months ago and now he isn't breathing").is_crisis


def test_grief_for_someone_elses_past_overdose_is_a_mention_but_never_hides_a_crisis_after_it():
    grief = "my cousin overdosed a few months ago and I never really dealt with it. is grief therapy a thing?"
    assert crisis_phrases.check(grief).verdict == crisis_phrases.TOPIC_MENTION
    result = crisis_phrases.check("my friend overdosed last year and I want to kill myself")
    assert result.is_crisis and result.category == crisis_phrases.SELF_HARM


@pytest.mark.parametrize("text, reason", [
    ("My grandpa takes a lot of pills. How would I know if he's taking too much of his heart medicine?",
     "a question asked ahead about someone else"),
    ("sliced my thumb chopping onions, it's bandaged and fine. any openings friday?", "an accident"),
    ("burned my hand on the oven rack baking bread, aloe helped. do you have weekend hours?", "an accident"),
])
def test_a_caregiver_asking_ahead_and_an_accident_are_kept_at_a_distance(text, reason):
    assert crisis_phrases.distanced(text, phrases_checked=True) == reason


@pytest.mark.parametrize("text", [
    "cut my wrist on purpose while cooking",
    "sliced my arm with a razor making dinner",
])
def test_an_injury_done_on_purpose_or_with_a_blade_is_no_accident(text):
    assert crisis_phrases.distanced(text, phrases_checked=True) != "an accident"


@pytest.mark.parametrize("text", [
    "More than half the days. It's been like this since the fall.",
    "nearly every day, the tiredness is the worst part",
])
def test_a_screening_answer_with_a_plain_remark_is_a_plain_answer(text):
    assert crisis_phrases.unfounded_model_guess(text) == "plain answer"


def test_a_screening_answer_with_risk_words_after_it_is_not_a_plain_answer():
    assert crisis_phrases.unfounded_model_guess("nearly every day. I want to die") is None


def test_asking_what_therapy_is_for_is_no_risk_cue():
    assert crisis_phrases.check(
        "Never been to therapy. What happens in a session, like what's the point exactly?").verdict != (
        crisis_phrases.UNCERTAIN)
    assert crisis_phrases.check("I've been in therapy for years. what's the point?").verdict == (
        crisis_phrases.UNCERTAIN)


@pytest.mark.parametrize("text", [
    "I'm a teacher and I'm suicidal",
    "Student here. feeling suicidal tonight",
    "do you have therapists who help with self-harm? i've been self harming",
])
def test_the_writers_own_state_beats_a_professional_or_service_context(text):
    result = crisis_phrases.check(text)
    assert result.is_crisis and result.category == crisis_phrases.SELF_HARM


@pytest.mark.parametrize("text", [
    "High school counselor here. What's your process if I refer a student who's been self-harming?",
    "I was suicidal in college, I'm fine now. Do you see students?",
])
def test_someone_elses_state_or_a_past_that_is_over_keeps_its_context(text):
    assert not crisis_phrases.check(text).is_crisis


# Kinds set N missed, written for the kind (its own rows are in crisis_guard_fresh_cases.tsv).
@pytest.mark.parametrize("text", [
    "kept the pills on the counter all evening trying to find the courage to take them",
    "went out to the bridge meaning never to come home, and I'm not sure I'll turn back next time",
    "I stopped self harming years ago but I'm self harming again tonight",
])
def test_kinds_set_n_missed_are_caught_in_new_words(text):
    result = crisis_phrases.check(text)
    assert result.is_crisis and result.category == crisis_phrases.SELF_HARM


def test_years_free_with_something_of_it_still_here_is_asked_about():
    result = crisis_phrases.check("6 years self-harm free, I still get the odd urge when stressed. Maintenance?")
    assert result.verdict == crisis_phrases.UNCERTAIN


@pytest.mark.parametrize("text, reason", [
    ("what's the maximum dose of melatonin for an adult? I want to stay safe", crisis_phrases.QUESTION_WITHOUT_RISK),
    ("Is therapy a months thing or a years thing? Just trying to plan financially",
     crisis_phrases.QUESTION_WITHOUT_RISK),
])
def test_a_question_that_starts_whats_or_plans_a_budget_has_no_risk_word(text, reason):
    assert crisis_phrases.unfounded_model_guess(text) == reason


def test_old_scars_one_is_no_longer_ashamed_of_are_a_resolved_past():
    assert crisis_phrases.distanced(
        "My scars are old and I'm not ashamed of them anymore. Looking for a DBT therapist") == "resolved past"


# Kinds set O missed, written for the kind (its own rows are in crisis_guard_fresh_cases.tsv).
@pytest.mark.parametrize("text, category", [
    ("some nights I sit on the bed holding the revolver to my temple for a while", "self_harm"),
    ("my son texted me that he wants to kill himself tonight", "self_harm"),
    ("my daughter said 'i want to die' and she has pills in her room", "self_harm"),
    ("my tongue is swelling up and it's getting hard to swallow", "medical_emergency"),
    ("my lips and face are swollen after taking the new antibiotic, hives everywhere", "medical_emergency"),
    ("los que me hicieron esto me las van a pagar", "harm_others"),
])
def test_kinds_set_o_missed_are_caught_in_new_words(text, category):
    result = crisis_phrases.check(text)
    assert result.is_crisis and result.category == category


@pytest.mark.parametrize("text", [
    "my 15 year old screamed 'i want to die' when I took his phone, then laughed. when should I worry?",
    "my toddler got into my pills but I counted and none are missing. what should I watch for?",
])
def test_someone_elses_quoted_words_and_nothing_taken_are_asked_about(text):
    assert crisis_phrases.check(text).verdict == crisis_phrases.UNCERTAIN


@pytest.mark.parametrize("text", [
    "My son broke his wrist skateboarding, he's fine, but he's nervous to go back. Do you see teens?",
    "my husband came home from his deployment quieter than before. he says he's fine. can he do telehealth?",
    "My girlfriend has panic attacks where she feels like she's going to die. She knows it's panic.",
    "el seguro va a pagar la mitad de la sesión?",
    "Sprained my ankle hiking and it's swollen. Not an emergency, I just might be late.",
])
def test_look_alikes_of_the_kinds_set_o_missed_are_not_a_crisis(text):
    assert not crisis_phrases.check(text).is_crisis


@pytest.mark.parametrize("text", ["no thanks, I'll call myself", "more than half the days I guess"])
def test_short_answers_are_plain_answers(text):
    assert crisis_phrases.unfounded_model_guess(text) == "plain answer"


@pytest.mark.parametrize("text", [
    "Who can see my records? I'm 20 and still on my parents' plan and I don't want them to know.",
])
def test_an_insurance_plan_is_no_plan(text):
    assert crisis_phrases.unfounded_model_guess(text) == crisis_phrases.QUESTION_WITHOUT_RISK


def test_swelling_after_a_medicine_is_never_a_question_without_risk():
    assert crisis_phrases.unfounded_model_guess("my face is swelling after the new pill, what should I do?") is None


def test_wanting_to_cut_is_self_harm_but_cutting_carbs_is_not():
    assert crisis_phrases.check("I keep wanting to cut").is_crisis
    assert not crisis_phrases.check("I keep wanting to cut carbs but I love bread").is_crisis


# Kinds set P missed, written for the kind (its own rows are in crisis_guard_fresh_cases.tsv).
@pytest.mark.parametrize("text, category", [
    ("what household chemicals would be lethal to breathe in a closed bathroom, asking for me", "self_harm"),
    ("are 60 of my sleeping pills enough? I don't want to survive it", "self_harm"),
    ("I figured out how much of my mom's oxycodone would be enough", "self_harm"),
    ("sat at the edge of the parking garage for an hour trying to find the courage to", "self_harm"),
    ("i'm 16 and my stepdad threw me out, i'm sleeping in the park and it's freezing", "danger_from_others"),
])
def test_kinds_set_p_missed_are_caught_in_new_words(text, category):
    result = crisis_phrases.check(text)
    assert result.is_crisis and result.category == category


@pytest.mark.parametrize("text", [
    "please tell my therapist thank you for trying, none of this was her fault. I won't be needing next week's session",
    "if I'm still around in the spring maybe we can talk about KAP",
])
def test_a_goodbye_to_the_therapist_and_doubting_a_month_ahead_are_asked_about(text):
    result = crisis_phrases.check(text)
    assert result.verdict == crisis_phrases.UNCERTAIN and result.soft_cue


@pytest.mark.parametrize("text", [
    "would 5 of my ibuprofen be enough for a migraine?",
    "thank you for trying to help my mom find a therapist",
    "I always play dead at networking events lol. is that social anxiety?",
])
def test_look_alikes_of_the_kinds_set_p_missed_are_not_a_crisis(text):
    assert not crisis_phrases.check(text).is_crisis


def test_a_caregiver_asking_for_signs_is_asked_about_but_an_emergency_now_is_not():
    ahead = "I look after my mom. What signs would tell me if she accidentally took too much of her sleeping pills?"
    assert crisis_phrases.check(ahead).verdict == crisis_phrases.UNCERTAIN
    assert crisis_phrases.check("what should I do if my dad took too much of his meds? he's not breathing").is_crisis


def test_a_request_to_book_keeps_a_model_guess_at_a_distance():
    text = "I'd like to book a consultation. I've been putting this off for a year and finally decided"
    assert crisis_phrases.distanced(text, phrases_checked=True) == "a request to book"


@pytest.mark.parametrize("text, asks", [
    ("is it dangerous to double a dose once?", True),
    ("I doubled my dose last month. Is that dangerous", True),
    ("rough week. anyway, do you do evening sessions", True),
    ("ok so how long is a first session", True),
    ("my grandma might double up on her pills, how risky is that", True),
    ("I doubled my dose last month and nothing happened", False),
    ("anyway I wanted to say thanks", False),
    ("can't stop thinking about it", False),
])
def test_a_question_is_recognised_with_or_without_its_mark(text, asks):
    assert crisis_phrases.asks_question(text) is asks


@pytest.mark.parametrize("text, reason", [
    ("my wife's memorial was on saturday and i feel hollow. when can i start?", "grief"),
    ("My brother passed away in June and I keep replaying our last call", "grief"),
    ("my dad passed in may and i want to go be with him", None),  # a wish to join him: no distance
    ("made a list of songs for my own funeral. tired of all of it", None),
    ("lost my streak again last night", None),
])
def test_someone_elses_death_keeps_a_model_guess_at_a_distance_but_a_wish_to_join_them_does_not(text, reason):
    assert crisis_phrases.distanced(text, phrases_checked=True) == reason


@pytest.mark.parametrize("text, verdict", [
    ("lol the only thing keeping me going is spite and iced coffee. anyway do you have afternoon openings",
     crisis_phrases.TOPIC_MENTION),
    ("whats the lethal dose of caffeine lol, i drink like 5 energy drinks a day", crisis_phrases.UNCERTAIN),
    ("what's the lethal dose of my sleeping pills", crisis_phrases.CRISIS),
    ("my kids are the only thing keeping me going right now", crisis_phrases.CRISIS),
])
def test_set_s_look_alikes_are_told_apart_from_risk(text, verdict):
    assert crisis_phrases.check(text).verdict == verdict


@pytest.mark.parametrize("text", [
    "got a text that theyll shoot me at the hearing. what do i do?",
    "would 40 ambien be enough for me?",
    "i'm keeping them in a drawer until i decide i'm done. do you take aetna?",
])
def test_a_question_with_a_word_that_can_carry_risk_is_not_dropped_as_riskless(text):
    assert crisis_phrases.unfounded_model_guess(text) is None
