"""Deterministic crisis phrase guard: finds risk phrases, handles negation and figures of speech.

Pure Python with no Rasa imports. The NLU component `components.crisis_guard` runs it on
every message, so a crisis message is caught in any state, whatever the model's confidence.
It leans towards safety: when a message could be either, it is treated as a crisis.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import List, Optional, Pattern, Tuple

SELF_HARM = "self_harm"
HARM_OTHERS = "harm_others"
MEDICAL_EMERGENCY = "medical_emergency"
DANGER_FROM_OTHERS = "danger_from_others"  # domestic violence, abuse, threats, a child at risk
CATEGORIES = (SELF_HARM, HARM_OTHERS, MEDICAL_EMERGENCY, DANGER_FROM_OTHERS)
# The NLU intent of each category (domain.yml), and back.
INTENT_FOR_CATEGORY = {SELF_HARM: "crisis", HARM_OTHERS: "crisis_harm_others",
                       MEDICAL_EMERGENCY: "crisis_medical_emergency",
                       DANGER_FROM_OTHERS: "crisis_danger_from_others"}
CATEGORY_FOR_INTENT = {intent: category for category, intent in INTENT_FOR_CATEGORY.items()}
# The kind of risk a direct question (the check-in) asks about: set on the parsed message by the NLU
# guard when it asks instead of acting, read by the check-in action. Absent: self-harm.
CHECK_IN_ABOUT = "risk_check_in_about"

# Verdicts
CRISIS = "crisis"
NEGATED = "negated"
FIGURE_OF_SPEECH = "figure_of_speech"
TOPIC_MENTION = "topic_mention"  # the subject comes up (history, research, "do you treat ..."), no present risk
UNCERTAIN = "uncertain"  # could be risk, could be ordinary: ask the person directly
NONE = "none"


@dataclass(frozen=True)
class GuardResult:
    verdict: str  # CRISIS, UNCERTAIN, NEGATED, FIGURE_OF_SPEECH, TOPIC_MENTION or NONE
    category: Optional[str] = None  # for CRISIS: one of CATEGORIES
    matched: Optional[str] = None  # the phrase that decided it (for staff alerts, never logged)
    language: str = "en"  # "es" when a Spanish phrase decided it: the answer is then in Spanish
    not_safe: bool = False  # a statement of not being safe ("I'm not safe"), whatever the topic
    # UNCERTAIN from a soft cue alone ("a burden", "posted a goodbye"): nothing softened a risk phrase, so a
    # sure crisis guess of the model may still run the protocol
    soft_cue: bool = False

    @property
    def is_crisis(self) -> bool:
        return self.verdict == CRISIS


# --- Normalisation ------------------------------------------------------------------------
# Spelling variants people type in a hurry; each maps to the form the patterns expect.
_REWRITES: List[Tuple[str, str]] = [
    (r"[\u2018\u2019\u02bc`´]", "'"),
    (r"\bi\s?m\b", "i'm"),
    (r"\b(don|can|won|didn|doesn|isn|wasn|wouldn|couldn|shouldn|haven|hasn|aren)t\b", r"\1't"),
    (r"\bwanna\b", "want to"),
    (r"\bgonna\b", "going to"),
    (r"\bgotta\b", "got to"),
    (r"\bkms\b", "kill myself"),
    (r"\bkys\b", "kill yourself"),
    (r"\bunaliv(?:e|ed)\b", "kill"),
    (r"\bunaliving\b", "killing"),
    (r"\b(he|she|it|that|what)s\b", r"\1's"),
    (r"\bill (?=be\b|make it\b|do it\b)", "i'll "),
    (r"\bive\b", "i've"),
    (r"\babt\b", "about"),
    (r"\bngl\b", ""),
    (r"\bkil+(ing|ed|s)?\b", r"kill\1"),
    (r"\bki+ll+\b", "kill"),
    (r"\bmy ?slef\b|\bmyslef\b|\bmysef\b|\bmyelf\b|\bmy self\b", "myself"),
    (r"\bsu+[ia]?c+[iy]?[dt]+[ie]?[ae]?l+\b|\bsuicidial\b|\bsucidal\b|\bsuisidal\b", "suicidal"),
    (r"\bsu+[ia]?c+[iy]?[dt]+e\b|\bsuiside\b|\bsucide\b", "suicide"),
    (r"\bod'd\b|\bo\.d\.'?d\b", "overdosed"),
    (r"\b(i|he|she|they) (just )?od\b", r"\1 \2overdosed"),
    (r"\bto od\b", "to overdose"),
    (r"\boding\b", "overdosing"),
    (r"\bpils\b", "pills"),
    (r"\bgona\b", "going to"),
    (r"\bwant too\b", "want to"),
    # "i want too dye" (a wish, typed by sound); "want to dye my hair" keeps its object.
    (r"\b(want to|going to|wish i could|ready to|about to|just) dye\b(?! (?:my|your|his|her|their|the|it|them|a|"
     r"some|this|that|these|those)\b)", r"\1 die"),
    (r"\b(?:sooiside|sewicide|suiscide|suecide|sooyside|suwicide)\b", "suicide"),
    (r"\b(?:ovrdose|overdoze|ovardose|overdos)\b", "overdose"),
    (r"\bfeelin\b", "feeling"),
    (r"\b(alive|live|living)anymore\b", r"\1 anymore"),
    (r"\s+", " "),
]
_REWRITES_COMPILED = [(re.compile(p), r) for p, r in _REWRITES]


def normalise(text: str) -> str:
    text = (text or "").lower()
    for pattern, replacement in _REWRITES_COMPILED:
        text = pattern.sub(replacement, text)
    return text.strip()


# A negation only reaches back to the start of its clause, so in "I'm not suicidal, but I
# don't want to live" the "not" does not cancel the second half.
_CLAUSE_BOUNDARY = re.compile(
    r"[.!?;:,\n]|\s-+\s|\b(?:but|though|although|however|yet|and|so|because|then)\b"
)

# --- Risk phrases ---------------------------------------------------------------------------
_ME = r"(?:myself|my self)"
_PERSON = (
    r"(?:him|her|them|someone|somebody|anyone|anybody|people|everyone|everybody|"
    r"my (?:\w+ )?(?:wife|husband|partner|boyfriend|girlfriend|kids?|children|child|son|daughter|"
    r"baby|mom|mother|dad|father|brother|sister|family|boss|coworkers?|co-workers?|neighbou?rs?|"
    r"roommate|ex|friend|teacher|classmates?|toddler|infant|newborn|stepson|stepdaughter|"
    r"grand(?:ma|mother|pa|father)|cousin|niece|nephew|students?|colleagues?|manager|landlord|"
    r"step(?:father|mother|dad|mom|sister|brother)|fianc[eé]e?|spouse|in-laws|ex-wife|ex-husband)(?:'s)?|"
    r"the (?:\w+ )?(?:kids?|baby|neighbou?rs?|people|guy|man|woman|boss|teacher))"
)
_HARM_VERB = (
    r"(?:kill(?:ing)?|murder(?:ing)?|hurt(?:ing)?|harm(?:ing)?|stab(?:bing)?|shoot(?:ing)?|"
    r"strangl(?:e|ing)|chok(?:e|ing)|beat(?:ing)?(?: up)?|attack(?:ing)?|poison(?:ing)?|"
    r"smother(?:ing)?|drown(?:ing)?|hit(?:ting)?|punch(?:ing)?|push(?:ing)?)"
)
# "hurt my partner's feelings" is not violence.
_NOT_FEELINGS = r"(?!'?s? (?:feelings|chances|career|reputation|pride|ego|business|image))"
_MED = (
    r"(?:pills|tablets|capsules|meds|medications?|medicine|prescription|ketamine|k|xanax|"
    r"sleeping pills|painkillers|tylenol|advil|ibuprofen|acetaminophen|paracetamol|aspirin|"
    r"benadryl|oxy\w*|percocet|vicodin|fentanyl|heroin|klonopin|ativan|valium|ambien|"
    r"seroquel|lithium|insulin|lamotrigine|lamictal|sertraline|zoloft|prozac|lexapro|dose|doses|"
    # other medicines people name by brand or generic name (not melatonin or vitamins)
    r"trazodone|amitriptyline|nortriptyline|wellbutrin|bupropion|effexor|venlafaxine|celexa|citalopram|"
    r"escitalopram|fluoxetine|paxil|paroxetine|cymbalta|duloxetine|remeron|mirtazapine|abilify|aripiprazole|"
    r"risperdal|risperidone|zyprexa|olanzapine|quetiapine|gabapentin|lyrica|pregabalin|tramadol|morphine|"
    r"codeine|hydrocodone|methadone|adderall|clonazepam|lorazepam|diazepam|alprazolam|zolpidem|depakote|"
    r"propranolol|warfarin|antidepressants?|benzos|opioids|opiates|painkillers?)"
)
_INTENT = (
    r"(?:want to|wanted to|going to|gonna|plan(?:ning)? to|will|might|could|may|feel like|"
    r"am about to|'m about to|thinking (?:about|of)|think about|thought about|urges? to|"
    r"keep thinking about|fantasi[sz]e about|can't stop thinking about|tempted to|"
    r"ready to|intend to|trying not to)"
)

# Someone who may be hurting the person writing, and a child who may be at risk.
_ABUSER = (
    r"(?:my|the) (?:[\w']+ )?(?:partner|husband|wife|boyfriend|girlfriend|bf|gf|ex|ex-husband|ex-wife|spouse|"
    r"dad|father|mom|mother|stepdad|stepfather|stepmom|stepmother|brother|sister|son|daughter|roommate|"
    r"fianc\w*|uncle|aunt|boss|neighbou?r|landlord|pimp|grandson|granddaughter|caregiver)"
)
_ABUSE_VERB = (
    r"(?:hits?|hit|hitting|beats?|beat|beating|chokes?|choked|choking|strangle[sd]?|strangling|punche[sd]|punches|"
    r"slaps?|slapped|kicks?|kicked|hurts|hurting|rapes?|raped|abuses?|abused|abusing|threaten(?:s|ed)?|shoved|"
    r"shoves|pushed|pushes|smacks?|smacked|attacked|attacks|locks?|locked|"
    # "my boss won't let me leave early" is a workplace rule
    r"won't let(?= me (?!(?:\w+ )?(?:early|on time|time off|from home|until|till|before|after)\b)))"
)
# After "take all my pills": a schedule or an errand, not an overdose ("with breakfast", "to the pharmacy").
_NOT_A_SCHEDULE = (
    r"(?! (?:with (?:food|breakfast|dinner|lunch|meals?|water)|at (?:breakfast|dinner|lunch|night|bedtime|once in "
    r"the morning|the same time)|in the (?:morning|evening)|each (?:day|morning|night)|every (?:day|morning|night)|"
    r"daily|together in|as prescribed|on time|before (?:bed|breakfast|work)|after (?:breakfast|dinner|meals?)|"
    r"to (?:the|a|my) (?:pharmacy|pharmacist|doctor|appointment|drop[- ]off)|back to|for disposal|in for))"
)
# A grievance and a reckoning on a day ("they'll all be sorry on Monday when I show up ... who laughed at me").
_GRIEVANCE = r"\b(?:laughed at|mocked|bullied|made fun of|humiliated|picked on|fired|wronged|disrespected) (?:me|us)\b"
_RECKONING = (
    r"\b(?:will|'ll|are|'re) (?:all )?(?:going to |gonna )?"
    r"(?:be sorry|pay|regret it|learn)\b.{0,50}\b(?:on (?:monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday)|tomorrow|tonight|when i (?:show up|walk in|come in|get there))\b"
    # showing them how well one is doing is no threat: "when I show up at the reunion looking amazing"
    r"(?!.{0,30}\b(?:looking|with a (?:date|new)|happy|successful|thriving|glowing|married|engaged)\b)"
)
_CHILD = (
    r"(?:my|a|the|his|her|our|their) (?:\w+ )?(?:kids?|child|children|son|daughter|baby|toddler|niece|nephew|"
    r"grandchild|grandson|granddaughter|little one|students?|stepson|stepdaughter|sister|brother)"
)

# The subject named on its own ("suicidal", "self-harm"): a crisis, unless the message is about
# treatment, research or a resolved past.
_BARE_SUICIDE = r"\bsuicid(?:e|al|ality)\b"
_BARE_SELF_HARM = r"\bself[- ]?harm(?:ing|ed)?\b|\bself[- ]?injur(?:y|ing)\b"
_BARE_TOPIC = {_BARE_SUICIDE, _BARE_SELF_HARM}

_CRISIS_PATTERNS: List[Tuple[str, Pattern[str]]] = [
    (MEDICAL_EMERGENCY, re.compile(p)) for p in [
        r"\b(?:i|i've|i have|she|he|they|my \w+) (?:just )?(?:overdosed|took an overdose)\b",
        r"\boverdosed\b",
        r"\b(?:i'm|i am|is|are|'s|'re) overdosing\b",
        r"\b(?:took|taken|swallowed|ate|downed|took in|popped) (?:like |about |around )?"
        r"(?:a (?:whole )?(?:bottle|handful|pack|box|bunch|lot|load|ton)|all|too many|too much|"
        r"loads|lots|way too many|way too much|double|twice|\d{2,}|(?:twenty|thirty|forty|fifty|"
        r"sixty|a dozen|dozens|handfuls|a few dozen)|(?:my|the) (?:whole|entire) "
        r"(?:prescription|bottle|supply|pack|box)|all (?:of )?(?:my|the) (?:pills|meds|tablets|prescription))"
        rf"(?: of)?(?: my| the| her| his| their)?(?: \w+)?(?: {_MED}| at once)?\b",
        rf"\bmixed (?:my |some )?{_MED} (?:and|with) (?:alcohol|booze|drinks|vodka|wine|beer|opioids|{_MED})\b",
        r"\b(?:can't|cannot|can not|couldn't|struggling to|hard to) (?:breathe|feel my (?:body|legs|arms)|"
        r"wake (?:him|her|them) up)\b",
        r"\b(?:isn't|is not|aren't|not|won't|will not|stopped) (?:breathing|waking up|responding|responsive)\b",
        r"\b(?:passed out|passing out|blacking out|is unconscious|went unconscious|unresponsive|"
        r"turning blue|lips are blue|(?:has|had|there's) no pulse)\b",
        r"\b(?:he|she|they|my \w+) (?:just )?collapsed\b",
        # found that way: "found my brother unconscious in the bathroom with a needle next to him"
        r"\bfound (?:\w+ ){1,3}(?:unconscious|unresponsive|not breathing|passed out|collapsed|on the floor "
        r"(?:and|not|with))\b",
        # an acute reaction to an injection or new medicine: "my jaw is locked to the side and my neck keeps
        # twisting, it started after the shot they gave me"
        r"\b(?:jaw|neck|tongue|eyes)\b.{0,25}\b(?:locked|locking|stuck|twisting|twisted|pulling|rolling back|"
        r"in spasm)\b.{0,80}\b(?:after|since|from) (?:the|a|my|this|that|they gave me (?:a|the)) (?:\w+ )?"
        r"(?:shot|injection|new med\w*|medicine|medication|pill|dose)\b|"
        r"\b(?:after|since) (?:the|a|my|this|that) (?:\w+ )?(?:shot|injection|new med\w*|medicine|medication|dose)\b"
        r".{0,60}\b(?:jaw|neck|tongue|eyes)\b.{0,25}\b(?:locked|locking|stuck|twisting|twisted|pulling|"
        r"rolling back|keep rolling|in spasm)\b",
        r"\b(?:did|done|had|used|took|snorted|drank) (?:way |far |much )?too much\b(?! (?:work|time|homework|"
        r"coffee|caffeine|sugar|screen|to drink|to eat|fun|on my plate|going on|of a|stuff|things|to do))",
        r"\b(?:i'm|i am|he's|she's|they're|is|are|started) choking\b",
        r"\b(?:won't|will not|can't|cannot|doesn't|does not|didn't) (?:wake up|respond|breathe)\b"
        r"(?! (?:early|on time|in the morning|at|before|for|until|till|when|if))",
        r"\bmixed\b.{0,40}\b(?:with|and)\b.{0,30}\b(?:alcohol|vodka|wine|beer|booze|oxy\w*|fentanyl|"
        r"heroin|xanax|benzos?|opioids?|pills)\b",
        rf"\b(?:drank|drunk|had|been drinking)\b.{{0,40}}\b(?:took|taken|popped)\b.{{0,20}}\b{_MED}\b|"
        rf"\b(?:took|taken|popped)\b.{{0,30}}\b{_MED}\b.{{0,40}}\b(?:drank|drinking|vodka|wine|beer|alcohol)\b",
        r"\b(?:took|taken|snorted|did|used|injected|smoked) (?:\w+ ){0,5}?(?:fentanyl|heroin)\b",
        r"\b(?:having|has|have|got) (?:bad |severe |really bad )?chest pains?\b|\bchest (?:hurts|is hurting)\b",
        r"\barm (?:is|went|feels) numb\b|\bface is drooping\b|\bslurred speech\b",
        r"\b(?:breathing|breath) (?:feels |is |seems )?(?:so )?(?:slow|shallow|labou?red)\b|"
        r"\bcan barely (?:stay awake|breathe)\b|\bcan't stop (?:shaking|vomiting|throwing up|seizing)\b",
        rf"\b(?:kid|child|toddler|baby|son|daughter|\d+ ?yo|\d+[- ]years?[- ]old|\d+ ?yrs? old)\b.{{0,40}}"
        rf"\b(?:ate|swallowed|got into|drank)\b"
        rf".{{0,40}}\b(?:pills?|meds|medication|organi[sz]er|bleach|detergent|pods?|{_MED})\b",
        r"\b(?:having|is having|'s having) (?:a )?(?:seizure|heart attack|stroke)\b",
        # A seizure described, not named: jerking or foaming with no answer ("his body is jerking and he won't
        # answer me, foam at his mouth"); "foaming at the mouth" alone is also an idiom for anger.
        r"\b(?:jerking|convuls\w*|seizing|shaking all over|twitching all over|foam\w* at (?:the|his|her|their) mouth)\b"
        r".{0,80}\b(?:won't|wont|doesn't|does not|isn't|is not|not|can't|cannot) (?:answer\w*|respond\w*|wake|"
        r"breath\w*)\b|\b(?:won't|wont|doesn't|isn't|not) (?:answer\w*|respond\w*|wake|breath\w*)\b.{0,80}"
        r"\b(?:jerking|convuls\w*|seizing|foam\w* at (?:the|his|her|their) mouth)\b",
        r"\bchest (?:pain|is tight)\b.{0,40}\b(?:now|right now|after|can't)\b",
        r"\bstiff neck\b.{0,60}\b(?:fever|light)\b|\bfever\b.{0,60}\bstiff neck\b",
        r"\bpoison(?:ed)? (?:myself|my self)\b|\bdrank (?:bleach|antifreeze)\b",
        # Signs that need 911 whatever caused them: bleeding in pregnancy, the worst headache of one's
        # life (a bleed in the brain), a heart beating 160 or more.
        r"\b(?:took|taken|take) (?:my |the )?(?:\w+ )?(?:dose|meds|pills|medications?|medicines?)s? (?:twice|two times|"
        r"double)\b"
        r".{0,60}\b(?:heart|pass out|passing out|faint|can't breathe|chest)\b|"
        r"\bpregnant\b.{0,60}\bbleeding\b|\bbleeding\b.{0,60}\bpregnant\b|\bworst headache of my life\b|"
        r"\bheart\b.{0,30}\b(?:1[6-9]\d|2\d\d)\b(?! (?:days|steps|calories|lbs|pounds))|"
        r"\b(?:pulse|heart rate) (?:is |of |at )?(?:1[6-9]\d|2\d\d)\b|"
        # an allergic reaction closing the airway; a dangerously low blood sugar
        r"\bthroat (?:is |feels )?(?:closing|swelling|tightening)(?: up)?\b|"
        # "face and tongue swelling after my new med, hives all over"
        r"\btongue (?:is |are |keeps )?(?:swelling|swollen|puffing up|getting (?:big|huge|thick))\b|"
        r"\b(?:face|lips?|tongue|eyes|mouth)\b(?: and (?:face|lips?|tongue|throat|eyes|mouth))? "
        r"(?:is |are |keep |keeps )?"
        r"(?:swelling|swollen|puffing up)\b.{0,60}\b(?:hives|new med\w*|after (?:taking|my|the|i took)|can't breathe|"
        r"hard to (?:breathe|swallow))\b|"
        r"\b(?:blood )?sugar (?:is |reads |of |at |was |dropped to )?(?:[1-4]\d|5[0-4])\b(?! (?:years|days|grams|g\b))",
        # An overdose already taken, said without a number: "swallowed everything in the cabinet",
        # "emptied the bottle", or pills followed by drowsiness.
        r"\b(?:swallowed|took|taken|downed|ate|popped) (?:everything|all of (?:it|them)|whatever (?:was|i could find))"
        r"(?: (?:that was )?(?:in|from) (?:the|my|our|her|his) (?:medicine |bathroom |pill )?"
        r"(?:cabinet|cupboard|drawer|bottles?|box|stash|organi[sz]er))\b|"
        r"\bemptied (?:the|my|a|her|his) (?:whole )?(?:pill |medicine )?(?:bottles?|cabinet)\b|"
        r"\b(?:vomiting|vomited|throwing up|threw up|puking|puked|coughing|coughed|spitting)(?: up)? "
        r"(?:blood|bloody|what looks like (?:blood|coffee grounds))\b|\bblood in (?:my|his|her) (?:vomit|puke)\b|"
        r"\b(?:vomit|puke) (?:is|has|with|full of) blood\b",
        r"\b(?:swallowed|took|taken|downed|popped) (?:everything|all|a bunch|a lot|a handful|handfuls|the whole|"
        r"the rest|every|loads|lots)\b.{0,60}\b(?:getting|feeling|feel|i'm|so|really|very) "
        r"(?:sleepy|drowsy|woozy|dizzy|numb|heavy|faint|out of it)\b",
]
] + [
    (DANGER_FROM_OTHERS, re.compile(p)) for p in [
        rf"\b(?:{_ABUSER}|he|she|they)(?:'s| is| has| keeps?| always| still| just)? (?:\w+ ){{0,2}}?{_ABUSE_VERB} "
        r"me\b(?! (?:at|in|to it|to the|with (?:a|the) (?:ball|pillow)))",
        rf"\b(?:{_ABUSER}|he|she|they) (?:\w+ ){{0,3}}?(?:threaten(?:s|ed|ing)?|says?|said|swore|told me) "
        r"(?:\w+ ){0,4}?(?:to |he'll |she'll |they'll |he will |she will |he'd |she'd |he's going to |she's going to )?"
        r"(?:kill|hurt|shoot|stab|beat|get) (?:me|us|my kids|the kids|my children)\b",
        r"\bthreat(?:en(?:s|ed|ing)?)? (?:to )?(?:kill|hurt|shoot|stab) (?:me|us|my)\b",
        # put out of home with nowhere warm to go: "im 17, my parents kicked me out, its 20 degrees and i'm
        # sleeping in my car"
        r"\b(?:kicked|threw|thrown|locked) (?:me )?out\b.{0,80}\b(?:sleeping in (?:my|a|the) (?:car|park|stairwell)|"
        r"on the street|nowhere to (?:go|sleep|stay)|freezing|[0-3]?\d degrees|no coat|no shoes)\b",
        # "someone is trying to kill me", "he's coming to take me out tonight" (not a toddler's lego)
        rf"\b(?:{_ABUSER}|someone|somebody|he|she|they|a guy|a man|some guy|people)(?:'s|'re| is| are)? "
        r"(?:trying|coming|going|gonna|planning|out) to (?:kill|hurt|shoot|stab|take me out|get me)\b"
        r"(?:(?<=kill)|(?<=hurt)|(?<=shoot)|(?<=stab)) (?:me|us|my kids|my children)\b(?! (?:for|if|when)\b)|"
        rf"\b(?:{_ABUSER}|someone|somebody|he|she|they|a guy|a man|some guy|people)(?:'s|'re| is| are)? "
        r"(?:trying|coming|going|gonna|planning|out) to take me out\b(?! (?:to|for|on|a|some|an)\b)|"
        # "out to get me" is a threat beside a weapon; "my boss is out to get me" alone is a grievance
        r"\bout to get me\b.{0,40}\b(?:gun|knife|weapon|kill|hurt|shoot|stab)\b",
        r"\bthreat(?:en)?(?:s|ed)? me with (?:a|his|her|their|the|my) (?:\w+ )?(?:gun|knife|weapon|bat|rifle|shotgun|"
        r"pistol|revolver|firearm)\b|\bwith a (?:gun|knife) (?:to|at) my\b|"
        r"\b(?:pointed|points|pointing|aimed|aims|aiming|waved|waves|waving) (?:a|his|her|their|the|one|it|them|"
        r"guns?|rifles?|pistols?|shotguns?|knives|a knife)(?: \w+)? (?:at me|at us|at my|in my face)\b|"
        r"\b(?:waves?|waving|waved) (?:them|it|the guns?|his guns?|a gun|the rifles?|his rifles?) around\b"
        r".{0,60}\b(?:scared|afraid|terrified|threaten\w*)\b",
        r"\b(?:not|never|don't|do not) (?:feel )?safe (?:at home|in my (?:own )?(?:home|house|apartment|room)|"
        r"around (?:him|her|them|my \w+)|with (?:him|her|them|my \w+)|going home)\b",
        r"\b(?:scared|afraid|terrified) (?:to go|of going) home\b|\b(?:hiding|locked myself) (?:in|from)\b"
        r".{0,40}\b(?:he|she|him|her|partner|husband|wife|boyfriend|girlfriend)\b",
        rf"\b(?:stalking|following|watching) me\b|\bbeing stalked\b|\b(?:{_ABUSER}) (?:\w+ )?(?:keeps? )?"
        r"(?:showing up|parked outside|waiting outside)\b",
        r"\b(?:protective|restraining) order\b.{0,60}\b(?:outside|here|showed up|violat\w*|right now|again)\b",
        rf"\b(?:{_CHILD})(?:'s)? (?:is |was |being |gets |got )?(?:being )?(?:abused|molested|beaten|hit|hurt|"
        r"touched|groomed)\b",
        rf"\b(?:he|she|they|someone|somebody|{_ABUSER}|(?:the )?(?:man|woman|guy|lady|people) next door)"
        r"(?: is| keeps| has been| was| just)? (?:\w+ )?"
        rf"(?:abus\w*|molest\w*|touch\w*|groom\w*|beat\w*|hit\w*|whip\w*|burn\w*) (?:\w+ )?(?:{_CHILD})\b"
        r"(?! (?:by accident|accidentally))",
        # Marks on a child and the child naming who did it ("burns on her arms and said her mom did it").
        r"\b(?:burns?|bruises|welts|belt marks|cigarette burns|marks|cuts|black eye)\b.{0,60}"
        r"\b(?:said|says|told me|tells me) (?:her|his|their|that (?:her|his|their)) (?:\w+ )?(?:mom|mother|dad|father|"
        r"stepdad|stepmom|stepfather|stepmother|parents?|uncle|aunt|grandpa|grandma|boyfriend|girlfriend|brother|"
        r"sister|babysitter|teacher|coach) (?:did (?:it|that|this)|hurt|hit|burned|burnt|beat|hits|burns)\b",
        # A child shut out or in for hours, in the cold, with no food ("the little girl next door has been
        # locked out on the balcony for hours"); "my son locked himself out" is an everyday mishap.
        r"\b(?:kids?|child|children|little (?:girl|boy|one|kid)s?|baby|toddler|daughter|son|niece|nephew)\b"
        r".{0,60}\b(?:locked (?:out|in|outside)|left (?:outside|alone|out)|shut (?:out|in)|kept in (?:a|the) "
        r"(?:closet|basement|room|cage))\b.{0,60}\b(?:for hours|all night|all day|overnight|in the cold|no food|"
        r"no coat|freezing|crying|screaming|again|every (?:day|night|week)|this happens|happens a lot)\b",
        rf"\b(?:{_CHILD})\b.{{0,60}}\b(?:welts|bruises|scared of (?:him|her)|afraid of (?:him|her)|"
        r"meet (?:him|her) alone|sending (?:her|him) (?:pics|pictures|photos))\b",
        r"\b(?:grand(?:son|daughter)|son|daughter|caregiver|brother|sister|nephew|niece)\b.{0,60}\b"
        r"(?:shoved|pushed|hit|hits|takes my (?:money|check|social security)|steals? my|locks? me)\b"
        r"(?=.{0,80}\b(?:i'm \d{2}|i am \d{2}|elderly|my (?:dad|mom|father|mother|grandma|grandpa)|\d{2} years old)\b)",
        r"\b(?:domestic violence|being abused|abusive (?:relationship|partner|husband|wife|boyfriend|girlfriend))\b"
        r"(?=.{0,60}\b(?:right now|tonight|still (?:with|living|there|in it|together|hits|hurts|hurting|"
        r"threaten\w*|scared|afraid)|help me|scared|afraid|what do i do)\b)",
        # A threat that punishes leaving or telling ("if I talk to the police he'll kill me and my kids").
        r"\b(?:he'?ll|she'?ll|they'?ll|he will|she will|they will|he'd|she'd|they'd) (?:\w+ ){0,2}?(?:kill|hurt|"
        r"shoot|stab) "
        r"(?:me|us|my (?:\w+ )?(?:kids|family|children|son|daughter|mom|dad|parents))\b"
        r"(?=.{0,60}\bif i (?:leave|tell|talk|go to|call|report|don't|show up|testify|come (?:back|home)|"
        r"go (?:back|home))\b)|"
        r"\bif i (?:leave|tell anyone|tell someone|talk to (?:the police|anyone|someone)|go to (?:the police|therapy)|"
        r"call (?:the police|the cops|911)|report (?:him|her|them|it))\b.{0,40}\b(?:he'll|she'll|they'll|he will|"
        r"she will|"
        r"they will|he'd|she'd|they'd) (?:\w+ ){0,2}?(?:kill|hurt|shoot|stab)\b|"
        r"\bthreaten(?:s|ed|ing)? (?:me|us) with (?:a|his|her|their|the) (?:\w+ )?(?:knife|gun|bat|rifle|pistol|"
        r"weapon)\b|"
        r"\bforce[ds]? (?:himself|herself|themselves) on me\b|\btried to (?:rape|force himself on|"
        r"force herself on) me\b|"
        r"\b(?:being kept|being held|held captive|kept prisoner|keeping me) (?:at|in|prisoner|locked)\b|"
        r"\btook my (?:phone|passport|keys|car keys|id)\b.{0,40}\b(?:keys|phone|won't let|can't leave|locked|kept)\b|"
        r"\b(?:coach|teacher|tutor|babysitter|priest|pastor|uncle|stepdad|stepfather|boyfriend|neighbou?r)(?:'s)? "
        r"(?:is |has been |keeps |was )?(?:abusing|molesting|touching|grooming) (?:her|him|them)\b|"
        r"\b(?:ex|ex-\w+|stalker)\b.{0,40}\b(?:parked outside|waiting outside|outside my (?:house|apartment|place|work|"
        r"door))"
        r"\b.{0,20}\b(?:all night|again|right now|now|tonight|every night)\b|"
        # Someone getting in now, and a drink or food drugged by someone else.
        r"\b(?:trying to|tries to|tried to|about to|is|are|'s|'re) (?:break|breaking|force|forcing|kick|kicking)"
        r" (?:in(?:to)?|(?:the|my|our) (?:\w+ )?(?:door|window) (?:in|open)|(?:their|his|her) way in(?:to)?)"
        r"(?: (?:my|our|the) (?:apartment|house|home|place|room|door|window|building))?\b"
        r"(?=.{0,40}\b(?:right now|now|tonight|scared|afraid|terrified|hiding|help|what do i do)\b|"
        r" (?:my|our|the) (?:apartment|house|home|place|room|door|window))|"
        r"\b(?:trying to|tries to|is|are|'s|'re) (?:get|getting) (?:in|into) (?:my|our|the) (?:apartment|house|home|"
        r"place|room)\b(?=.{0,40}\b(?:right now|now|tonight|scared|afraid|terrified|hiding|help|what do i do)\b)|"
        r"\b(?:someone|somebody|a (?:man|guy|stranger|person)|there's someone|there is someone) "
        r"(?:is )?(?:in|inside) (?:my|our|the) (?:house|apartment|home|room)\b(?=.{0,30}\b(?:right now|now|hiding)\b)|"
        r"\b(?:drugged|spiked|roofied) (?:my|her|his|our) (?:drink|glass|coffee|soda|beer|wine|food|cup)\b|"
        r"\b(?:put|slipped|dropped) (?:something|a drug|drugs|pills?|a pill) in(?:to)? (?:my|her|his) "
        r"(?:drink|glass|coffee|soda|beer|wine|food|cup)\b|"
        r"\b(?:i was|i got|i've been|got|been|think i was|he|she|they|someone|somebody) (?:\w+ )?(?:drugged|roofied)"
        r"(?: me)?\b(?! (?:up|for|before|during|by (?:the|my) (?:dentist|doctor|surgeon|vet|anesthesi\w*)))|"
        r"\bcomes? into my (?:room|bed)\b.{0,20}\bat night\b|\bknows? where i live\b|\bbeing followed\b|"
        r"\bfollow(?:s|ed|ing) me home\b|"
        r"\b(?:raped|sexually assaulted) me\b|\b(?:i was|i've been|i got) (?:just )?(?:raped|sexually assaulted)\b",
        # Coercive control: kept from leaving, papers or money taken by the person one lives with.
        r"\b(?:won't|will not|doesn't|does not|never) lets? me (?:leave|out of (?:the|his|her|their|our) "
        r"(?:house|apartment|flat|room|sight))\b(?! (?:early|work|class|school|before|until|till|at|on|for|to|"
        r"without|after)\b)",
        r"\b(?:took|takes|taken|taking|kept|keeps|keeping|hid|hides|hiding|hidden|confiscated|withholds?|"
        r"withholding|holds?|holding|locked up) (?:away )?(?:my|all my) (?:passport|documents|papers|"
        r"immigration papers|visa|green card|birth certificate|id card|id)\b(?=.{0,120}\b(?:won't let|can't leave|"
        r"cannot leave|locks?|locked|get out|escape|scared|afraid|threat\w*|hits?|money|trapped|won't give)\b)|"
        r"\b(?:takes|took|taking|keeps|controls) (?:all )?my (?:money|paycheck|wages|salary|cards)\b"
        r"(?=.{0,120}\b(?:won't let me|passport|documents|papers|can't leave|locks? me|locked me)\b)",
    ]
] + [
    (HARM_OTHERS, re.compile(p)) for p in [
        # a veiled warning to a school or workplace: "ppl at school better not show up friday. just saying"
        r"\b(?:ppl|people|everyone|some people|certain people|kids|guys)(?: at| from| in) (?:school|work|class|"
        r"the office|my job|church)\b.{0,15}\b(?:better not|had better not|shouldn't|should not) (?:show up|come in|"
        r"be there)\b(?! (?:late|early|on time|without|sick|hungover|drunk|unprepared|dressed|empty)\b)|"
        # a reckoning promised with their addresses known: "ppl from that party are gonna learn. i know where all
        # of them live"
        r"\b(?:gonna|going to|are going to|will|'ll) (?:learn|pay|regret it|be sorry)\b.{0,60}\bi know where "
        r"(?:he|she|they|all of them|each of them|every one of them|you|u) lives?\b|"
        r"\bi know where (?:he|she|they|all of them|each of them|every one of them) lives?\b.{0,60}\b(?:gonna|"
        r"going to|are going to|will|'ll) (?:learn|pay|regret it|be sorry)\b",
        # "scared to be alone with my toddler today, the rage is too much and I don't trust my hands"
        r"\b(?:scared|afraid|terrified|frightened|don't want) (?:to be|of being) (?:left )?alone with (?:my|the|our) "
        r"(?:baby|toddler|newborn|infant|kids?|son|daughter|children|little one)\b.{0,80}\b(?:rage|anger|angry|"
        r"snap|hurt|hands|temper|lose it|losing it|shake|shaking (?:him|her|them))\b|"
        r"\b(?:don't|do not|can't) trust (?:my hands|myself|my temper) (?:around|with|near) (?:my|the|our) "
        r"(?:baby|toddler|newborn|infant|kids?|son|daughter|children|little one)\b",
        # "thinking seriously about how I'd kill him on my next shift": working out how is a plan
        r"\b(?:thinking|thought|think|fantasi[sz]ing|planning|figuring out)(?: \w+){0,2} about how (?:i'd|i would|"
        r"i could|i'll|i will|to) (?:kill|murder|hurt|poison|strangle|shoot|stab) (?:him|her|them|my \w+)\b"
        + _NOT_FEELINGS,
        rf"\b{_INTENT} (?:(?:really|actually|just|totally|seriously) )?{_HARM_VERB} {_PERSON}\b{_NOT_FEELINGS}",
        rf"\b(?:thoughts|urges|fantasies|images) (?:of|about) (?:\w+ )?"
        rf"(?:killing|hurting|harming|stabbing|shooting|drowning|smothering|strangling|choking|beating|poisoning|"
        rf"attacking|running over) {_PERSON}\b",
        # Holding back from harming someone ("I don't know if I can hold back", "I can't stop myself").
        rf"\b{_HARM_VERB} {_PERSON}\b.{{0,80}}\b(?:can't|cannot|can not|don't know if i can|not sure i can|"
        r"might not be able to) (?:hold (?:back|it in|myself back)|stop myself|control myself|control it)\b",
        # A weapon taken to settle things with someone ("walk next door with my rifle and settle things").
        r"\b(?:with|grab|grabbing|get|getting|take|taking|bring|bringing|load|loading|loaded) (?:my|a|the|his) "
        r"(?:rifle|gun|shotgun|pistol|handgun|revolver|knife|machete|bat|crowbar|ar|ar-15)\b.{0,80}"
        r"\b(?:settle (?:things|this|it|the score)|deal with|take care of|finish (?:this|it|him|her|them)|"
        r"teach (?:him|her|them))\b",
        rf"\bsettle (?:things|this|it|the score) with (?:{_PERSON}|(?:that|this|the) (?:guy|man|woman|dude|jerk|"
        r"bastard|neighbou?r|family)) (?:for good|once and for all|permanently|tonight)\b",
        # Veiled threats: "he better watch his back", "not responsible for what happens next time he comes".
        r"\b(?:better|should) watch (?:his|her|their|your) back\b(?!.{0,40}\b(?:game|league|fantasy|match|lol|"
        r"haha|lmao|jk)\b)|\b(?:i'm|i am|i won't be|i will not be) (?:not )?responsible for what (?:happens|i do|"
        r"i might do)\b",
        # Snapping at a child ("when my toddler has tantrums I feel like I'm about to snap and do something I
        # can't take back").
        rf"\b(?:{_CHILD}|toddler|baby|kids?)\b.{{0,80}}\b(?:snap|lose it|lose control)\b.{{0,40}}"
        r"\b(?:do something (?:i|i'll|i will|i'd) (?:can't|cannot|couldn't|won't be able to) take back|"
        r"do something (?:i'll|i will|i'd) regret|hurt (?:him|her|them)|shake (?:him|her|them))\b",
        # A grievance that others will "understand soon enough", "everybody will know my name".
        r"\b(?:what (?:they|he|she|you|everyone) did to me|for what (?:they|he|she) did)\b.{0,80}"
        r"\b(?:soon enough|will (?:understand|know|see|learn|pay|regret)|(?:everybody|everyone|the world|they all) "
        r"will know my name)\b|\b(?:soon enough|will (?:understand|pay|regret))\b.{0,60}\b(?:everybody|everyone|"
        r"the world|they all) will know my name\b",
        # A reckoning named for a day ("everyone who laughed at me is going to learn a lesson on Monday",
        # "they'll all be sorry on Monday when I show up at the office").
        rf"{_GRIEVANCE}.{{0,120}}{_RECKONING}|{_RECKONING}.{{0,120}}{_GRIEVANCE}",
        # "everyone at that office is going to regret how they treated me. they'll see on friday"
        r"\b(?:regret|be sorry|pay for)\b.{0,80}\b(?:they'll|they will|you'll|you will|everyone will|he'll|she'll|"
        r"all of them will) (?:all )?(?:see|find out|learn)\b.{0,12}\b(?:on (?:monday|tuesday|wednesday|thursday|"
        r"friday|saturday|sunday)|tomorrow|tonight|next week|this week)\b",
        # A threat with preparations made ("she's about to find out what happens when you cheat on me").
        r"\b(?:about to|going to|gonna|will) find out what happens when (?:you|she|he|they|people|someone) "
        r"(?:cheat on|cheats on|betray|betrays|lie to|lies to|leave|leaves|mess with|messes with|cross|crosses) me\b",
        r"\b(?:everyone|everybody|all of them|they|those people|the people|the ones|people) (?:who|that) "
        r"(?:\w+ ){1,3}(?:me|us)\b.{0,40}\b(?:is|are|will be)? ?(?:going to|gonna|will) (?:pay(?! (?:for|the|my|me|"
        r"you|us|it|a|an|back|attention|off|cash|upfront|out))|learn (?:a|their) lesson|be sorry|get what's coming)\b"
        r".{0,40}\b(?:on|by|this|next|tomorrow|tonight|soon|remember i said)\b",
        rf"\bi'?(?:m| am) (?:going to|gonna|about to) (?:snap|lose it) (?:and|&) {_HARM_VERB}\b",
        rf"\b(?:snap|lose it) (?:and|&) {_HARM_VERB} {_PERSON}\b",
        r"\b(?:shoot|shoots|shooting|shot) up (?:the|my|a|our|that|his|her|their) (?:\w+ )?(?:school|office|work|"
        r"workplace|job|company|class|classroom|place|church|mosque|synagogue|temple|mall|store|party|building|campus|"
        r"concert|gym|restaurant|bar|club)\b"
        r"(?!.{0,30}\b(?:fortnite|minecraft|roblox|game|gta|call of duty|cod|video)\b)",
        # Picturing or wanting an attack on a place full of people.
        rf"\b(?:{_INTENT}|picturing|imagining|imagine|picture|dreaming about|daydreaming about|fantasi[sz]ing about)"
        r" (?:\w+ ){0,2}?(?:bombing|bomb|blowing up|blow up|burning down|burn down|setting fire to|set fire to|"
        r"torching|torch|attacking|attack|gunning down|(?:attacking|shooting|stabbing|killing|hurting) "
        r"(?:people|everyone|kids|students|coworkers|classmates) (?:at|in)) (?:the|my|our|that|a|his|her|their) "
        r"(?:[\w']+ )?(?:school|office|workplace|church|mosque|synagogue|mall|store|building|campus|class|classroom|"
        r"house|home|apartment)\b",
        # An act already begun on someone: smothering, a hand on a throat.
        r"\b(?:held|hold|holding|put|putting|pressed|pressing|pushed|pushing) (?:a |the |my |his |her )?"
        r"(?:pillow|cushion|blanket|towel|plastic bag|bag|hand|hands) (?:over|on|against|onto) "
        r"(?:his|her|their|the baby's|my (?:\w+ )?(?:dad|father|mom|mother|baby|son|daughter|wife|husband|partner|"
        r"grand\w+|kid|child)'s) (?:face|mouth|nose|mouth and nose)\b|"
        r"\b(?:put|had|got|wrapped|kept) my hands? (?:on|around|round) (?:his|her|their|my \w+'s) (?:throat|neck)\b",
        r"\b(?:bring|bringing|take|taking|brought|took) (?:a|my|the|his|her|my \w+'s) (?:gun|knife|rifle|pistol) "
        r"to (?:school|work|the office|class|church)\b",
        r"\b(?:choked|strangled|hit|beat|punched|slapped) my (?:\w+ )?(?:girlfriend|boyfriend|wife|husband|partner|"
        r"kids?|son|daughter)\b",
        rf"\bi(?: could| will|'ll| would| might) (?:(?:really|actually|just|totally|seriously) )?"
        rf"{_HARM_VERB} {_PERSON}\b{_NOT_FEELINGS}",
        rf"\b(?:picture|picturing|imagine|imagining|fantasi[sz]e|fantasi[sz]ing|urges? to|thoughts? of)"
        rf" (?:\w+ ){{0,2}}{_HARM_VERB} {_PERSON}",
        rf"\b(?:he|she|they|my \w+)(?:'s| is| are)? (?:says?|said|told me|wants?|going|plans?|threatened|"
        rf"threatening) (?:\w+ ){{0,3}}?(?:to )?{_HARM_VERB} (?:his|her|their|him|them|someone|somebody|my)\b",
        r"\bmake (?:them|him|her|everyone|you) (?:all )?pay\b",
        r"\bwant (?:him|her|them|my (?:\w+ )?(?:ex|boss|stepdad|stepfather|husband|wife|neighbou?r|coworker)) dead\b",
        # A grudge beside a weapon ("going to regret it ... going over there tonight with my dad's pistol").
        r"\b(?:regret it|make (?:\w+ )?\w+ pay|teach (?:him|her|them) a lesson|going over there|his address|"
        r"her address|"
        r"where (?:he|she|they) lives?)\b.{0,80}\b(?:gun|pistol|rifle|shotgun|knife|bat|gasoline|lighter fluid)\b|"
        r"\b(?:gun|pistol|rifle|shotgun|knife|bat|gasoline|lighter fluid)\b.{0,60}\b(?:make (?:him|her|them) pay|"
        r"regret it|teach (?:him|her|them) a lesson)\b",
        r"\b(?:i'm|i am|i'll|i will|going to|gonna) (?:\w+ )?(?:run|running) (?:him|her|them|that \w+) over\b"
        r"(?! (?:to|there|for|the|at))",
        r"\b(?:taking|take) (?:the kids|my kids|them all|everyone) with me,? (?:all of us|to the grave|when i go)\b",
        r"\bdeserves? to die\b|\bdeserve what'?s coming\b|\b(?:i have|i've got|got) the (?:means|weapons)\b",
        r"\btaking out\b.{0,40}\b(?:the guys|people|them all|everyone|the office)\b",
        r"\b(?:getting|get|got|gets) what'?s coming to (?:them|him|her)\b",
        r"\bafraid of what i'?(?:ll| will| might) do\b.{0,80}\b(?:him|her|them|toddler|baby|kid|son|daughter)\b|"
        r"\b(?:toddler|baby|kid|son|daughter)\b.{0,80}\bafraid of what i'?(?:ll| will| might) do\b",
        r"\b(?:threw|thrown|shook|shaken|slammed) (?:him|her|the baby|my baby|my toddler|my son|my daughter)\b",
        r"\bthoughts of (?:harming|hurting|killing) (?:others|someone|anyone|people)\W{0,3}(?:a:|answer:)?\s*"
        r"(?:yes|yeah|yep|daily|often|sometimes|every day)\b",
        r"\b(?:hit|hurt|shook|shake|shaking|beat|choked|slapped|kicked) (?:my|the) (?:toddler|baby|kids?|child|"
        r"children|son|daughter|infant|newborn)\b(?! (?:by accident|accidentally))",
        r"\b(?:scared|afraid|worried) (?:that )?i(?:'ll| will| might) (?:do it again|hurt (?:him|her|them|someone))\b",
        rf"\b(?:use|using) (?:it|them|this|that|a gun|a knife|the gun|the knife) on {_PERSON}\b",
        rf"\ba (?:gun|knife|weapon|rifle|pistol|bat) to {_HARM_VERB}\b",
        r"\bwith (?:them|him|her|everyone|people|the family|my family|the kids)(?: still)? (?:inside|in it|in there)\b",
        r"\b(?:ran|run|tried to run|almost ran|nearly ran|rammed|swerved at|drove at|hit|pushed|shoved|tripped|"
        r"punched|stabbed|attacked|hurt) (?:someone|somebody|him|her|them|a (?:guy|man|woman|kid|cyclist|pedestrian|"
        r"stranger|driver)|that (?:guy|man|woman|driver))"
        r"(?: (?:over|down|off the road|with my car|with the car|today|yesterday|last night|again))?"
        r" (?:on purpose|deliberately|intentionally)\b",
        r"\b(?:on purpose|deliberately|intentionally)\b.{0,80}\b(?:find|finding|track|tracking|hunt|hunting|go after|"
        r"going after) (?:him|her|them|that \w+|the (?:guy|man|woman|driver))(?: down)?(?: again)?\b",
    ]
] + [
    (SELF_HARM, re.compile(p)) for p in [
        rf"\b(?:kill|killing|killed|hurt|hurting|harm|harming|harmed|cut|cutting|burn|burning|burned|burnt|"
        rf"hang|hanging|shoot|shooting|drown|drowning|poison|poisoning|starve|starving|"
        rf"punish|punishing|injure|injuring|hit|hitting|punch|punching|scratch|scratching) "
        rf"{_ME}\b(?! (?:shaving|cooking|by accident|accidentally|on (?:the|a|an|some)\b|while|"
        rf"a (?:slice|piece|break)|some slack|up))",
        r"\b(?:end|ending|take|taking|took) (?:my|my own) (?:own )?life\b",
        _BARE_SUICIDE,
        _BARE_SELF_HARM,
        r"\b(?:end|ending|finish) it all\b|\bend it (?:tonight|today|now|soon|for good)\b",
        r"\b(?:want|wanted|wanting|wish|ready|plan|planning) to die\b",
        r"\b(?:thinking (?:about|of)|want to|plan(?:ning)? to|going to) (?:take an |taking an )?overdos(?:e|ing)\b",
        r"\bi (?:just )?want to be dead\b|\bwish (?:i|i'd|i had) (?:was|were|been) (?:dead|never born)\b",
        r"\b(?:better off|be better) (?:dead|without me|if i (?:was|were)n't (?:here|around|alive))\b",
        r"\b(?:world|everyone|everybody|they|my family) (?:would be|'d be) better (?:off )?without me\b",
        r"\b(?:don't|do not|no longer|didn't|dont|never) (?:really )?(?:want|wish) to "
        r"(?:live(?! in| with| at| near| there| here| on| by| alone| somewhere| close)|be alive|"
        r"exist|be here anymore|wake up|go on|be around anymore|keep going)\b",
        r"\b(?:not sure|unsure|don't know|not certain) (?:if |whether |that )?(?:i )?(?:want to|can) "
        r"(?:live|be alive|go on|keep going|be here)\b",
        r"\b(?:can't|cannot|can not) (?:go on(?! (?:mondays?|tuesdays?|wednesdays?|thursdays?|fridays?|"
        r"saturdays?|sundays?|the|a|an|that|this|vacation|holiday|trips?|weekends?|weekdays?|at|in|to|"
        r"with|from|until|till|\d|medication|meds|ketamine|it))|keep going|do this anymore|"
        r"take it anymore|live like this)\b",
        r"\b(?:no|nothing|no point|no reason) "
        r"(?:to live for|(?:in |to )?living|to (?:go on|live|stay alive|be alive))\b",
        r"\b(?:life|living)(?: is| isn't| is not|'s not| feels| feels not)? worth (?:living|it anymore)\b",
        r"\bnot worth living\b",
        r"\b(?:want|wish|need) to (?:stop|cease) (?:existing|living|being alive)\b|\bstop existing\b",
        r"\b(?:sleep|go to sleep|fall asleep) and never wake up\b|\bnever wake up again\b",
        r"\b(?:jump|jumping|throw myself|step) (?:off|from|in front of) (?:a|the|my) (?:\w+ )?"
        r"(?:bridge|building|roof|train|car|bus|cliff|balcony|window|truck|ledge)\b",
        r"\b(?:slit|slitting|cut|cutting) (?:my )?(?:wrists?|throat)\b",
        r"\b(?:suicide|goodbye) (?:note|letter)s?\b|\bwrote (?:my|a) (?:will|goodbye)\b",
        r"\b(?:plan|planning|planned|method|ways?) (?:for|of|to|how to) "
        r"(?:kill(?:ing)?|end(?:ing)?) (?:myself|my life|it\b(?! (?:with|between|before|at work)\b))\b",
        r"\bhow (?:to|do i|can i|many \w+ (?:would|does it take to)) (?:kill myself|end my life|die|overdose)\b",
        r"\b(?:disappear|be gone) forever\b|\bnobody would (?:miss|care) if i (?:died|was gone|were gone)\b",
        r"\b(?:i|i've|i have) (?:been )?(?:stockpiling|saving up|hoarding) (?:my )?(?:pills|meds|medication)\b",
        r"\bwant (?:someone|somebody|something|it) to kill me\b|\bwish (?:someone|something) would kill me\b",
        r"\bdeath (?:would be|is) (?:a )?(?:relief|better|the answer|the only way)\b",
        r"\b(?:want|wanting|need|ready|going|plan(?:ning)?|decided|made up my mind|time) to end "
        r"(?:it|things|everything|it all)\b(?! (?:with|between))",
        r"\bwant (?:it|everything|this|things) (?:all )?to (?:end|stop) (?:permanently|forever|for good)\b|"
        r"\bwant it all to end\b",
        r"\b(?:nobody|no one) would (?:even )?(?:miss me|notice if i(?:'m| was| were)? (?:gone|dead)|"
        r"care if i (?:died|was gone|were gone|disappeared))\b",
        r"\b(?:tired|sick|done) (?:of|with) (?:living|being alive|life|existing|it all)\b|\bdone living\b",
        r"\b(?:(?:don't|do not|can't|cannot) see (?:the|any) )?point (?:of|in|to) "
        r"(?:living|being alive|going on|life|existing|staying alive)\b",
        r"\bno (?:will|desire|wish|energy|motivation|reason) to (?:live|go on|keep going|be alive|stay alive)\b",
        rf"\b(?:going to|want to|plan(?:ning)? to|thinking (?:about|of)|about to|ready to|will) "
        rf"(?:take|swallow|down) (?:all|every one|a (?:whole )?bottle|a handful|the whole bottle)"
        rf"(?: of)?(?: my| the)? {_MED}\b{_NOT_A_SCHEDULE}",
        r"\b(?:going to|want to|about to|ready to|gonna) jump\b(?! (?:in|into|on|at|right|through|"
        r"the gun|ahead|back|start|ship|to conclusions))",
        rf"\b(?:use|using) (?:it|them|this|a gun|a knife|the gun|the knife|the pills) on {_ME}\b",
        r"\b(?:won't|will not|don't think i'll|don't think i will|not going to|may not|might not) "
        r"(?:still )?be (?:alive|around much longer|here much longer|here for long|around for long)\b",
        r"\bnot (?:being|be) (?:alive|here anymore|around anymore)\b",
        r"\bsleep forever\b|\b(?:disappear|be gone|vanish) (?:for good|permanently)\b|"
        r"\b(?:disappear|vanish) and never come back\b",
        r"\b(?:sleep|wish|want|hope|pray|take|enough)\b.{0,30}\b(?:not|never) (?:to )?wake up\b"
        r"(?! (?:early|late|on time|in time|at|before|for|until|till|in the))",
        r"\b(?:won't|will not|don't think i'll|don't think i will|not going to|may not|might not) "
        r"(?:still )?be (?:able to (?:\w+ ){1,4})?(?:alive|around|here)?\s?(?:much longer|for long)\b",
        r"\b(?:won't|will not) be (?:here|around|alive)(?:[.!,?]|$| anyway| anymore| by then)",
        r"\bdon't think i'll make it\b(?! (?:to|in|on|for|by|at|there|through the))",
        r"\bwon't (?:need|be needing) (?:any of )?(?:it|this|them|my \w+) (?:after|anymore|much longer)\b",
        rf"\b(?:stockpiling|saving up|saving|hoarding|collecting|stashing|counting) (?:up )?(?:my |the |all )?"
        rf"(?:\w+ )?{_MED}\b|\b{_MED}\b.{{0,40}}\bcounting them\b",
        r"\bnoose\b|\brope\b.{0,60}\b(?:garage|tree|beam|closet|rafter|look at it|neck|hang)\b",
        r"\b(?:drive|driving|crash|crashing|steer|steering) (?:my car |the car |myself )?(?:into|off) (?:a|the) "
        r"(?:tree|wall|bridge|truck|river|cliff|pole|oncoming|lake)\b",
        r"\b(?:knife|razor|blade|glass|gun) (?:against|to|on|into) my (?:wrists?|arms?|throat|skin|neck|head|temple)\b",
        r"\b(?:bath|bathtub|tub)\b.{0,30}\b(?:razor|blade|knife)\b|"
        r"\b(?:took|take|taking) a (?:razor|blade|knife) to my\b",
        r"\b(?:scratched|scratching|cut|cutting|burned|burning|hit|hitting|carved|carving|bit|biting|bang|banging) "
        r"my (?:arms?|legs?|thighs?|wrists?|skin|stomach|head) (?:until|till|against|on the wall|into the wall|open)\b",
        # "my wife picks at her skin until it bleeds" is someone else's habit, not the writer's act
        "".join(rf"(?<!{who} {part} )" for who in ("her", "his", "their") for part in ("skin", "nails", "lips",
                                                                                       "cuticles", "arms", "face"))
        + r"\buntil (?:they|it|i) (?:bled|bleed|bleeds|bruise|bruised)\b",
        r"\b(?:gun|pistol|rifle|revolver|firearm)\b.{0,80}\b(?:sitting with it|holding it|look(?:ing)? at it|"
        r"in my mouth|to my head)\b",
        r"\b(?:gun|pistol|rifle|knife|rope)\b.{0,40}\bnot for (?:protection|hunting|self[- ]defen[cs]e)\b",
        r"\b(?:stepping|step|jumping|jump|falling|fall|throw myself) (?:off|in front of|onto the tracks|from|out of)"
        r" (?:a|the|my)? ?(?:\w+ )?(?:platform|tracks|edge|ledge|floor|window|balcony|bridge|roof|building|train)\b",
        r"\b(?:whether|if) (?:or not )?(?:to|i should) jump\b|\bthought about (?:stepping|jumping) off\b",
        r"\b(?:don't|do not|can't) see (?:much|any|a) (?:reason|point) to (?:keep going|go on|live|be here|stay)\b|"
        r"\b(?:much|any|no) reason to (?:keep going|go on|live|be here|stay alive)\b",
        # "I couldn't be with her" when she died is grief, not a wish to join her.
        r"\b(?:passed|died|late|heaven|grave)\b.{0,80}\b(?<!couldn't )(?<!could not )(?<!didn't get to )"
        r"(?<!never got to )(?<!wasn't allowed to )(?<!wasn't there to )(?:join|joining|be with) (?:him|her|them)\b",
        r"\b(?:ways?|how) to die\b|\bpainless (?:way|ways|death|method)\b|"
        r"\b(?:best|easiest|quickest|painless|fastest|surest) (?:way|ways|method) to (?:die|overdose|kill|end)\b|"
        r"\bhow (?:much|many)\b.{0,40}\b"
        r"(?:to die|to overdose|would it take to (?:die|not wake up|kill|overdose|end))\b|"
        r"\bbleed(?:ing)? out\b",
        r"\b(?:better off|happier|easier|better) (?:if i (?:was|were|wasn't|weren't) (?:dead|gone|here|around|alive)"
        r"|without me)\b",
        r"\bwaste away\b|\bstarve myself\b|\bstopped eating on purpose\b",
        # an injury done on purpose ("burned my arm on the stove again on purpose")
        r"\b(?:burn(?:ed|t)?|cut|sliced|scratched|scraped|bruised|punched|hit|smashed) (?:myself|my (?:\w+ )?"
        r"(?:hand|hands|finger|arm|arms|forearm|wrist|wrists|thigh|thighs|leg|legs|skin|stomach|head|face|fist))\b"
        r".{0,40}\b(?:on purpose|deliberately|intentionally)\b",
        r"\b(?:make it|make it all|end it|it to|this to) (?:stop|end) (?:permanently|forever|for good)\b",
        r"\btonight's the night\b.{0,40}\b(?:ready|everything|goodbye)\b|\bhave everything ready\b.{0,20}$",
        r"\b(?:do|doing) something (?:\w+ )?to myself\b",
        r"\bnever been suicidal before\b",
        # "planning my funeral playlist 😂" is dark humour, unless it says it is meant ("for real this time")
    r"\bplanning my (?:own )?funeral\b(?! (?:playlist|songs|music|outfit|menu|theme)\b"
    r"(?!.*\b(?:for real|this time|not (?:joking|kidding)|serious|seriously)\b))",
        r"\b(?:wrote|written|writing) (?:goodbye |final |last )?(?:letters|notes) (?:to|for) "
        r"(?:my \w+|everyone|everybody|my family)\b",
        r"\bthis is (?:my )?goodbye\b",
        r"\bwant (?:it|everything|this|it all|all of this|my life) to (?:be over|end|stop)\b"
        r"(?! (?:soon |quickly )?(?:so|and|because))",
        r"\bpoint (?:of|in) (?:any of this|anything|it all)\b",
        r"\b(?:say|saying|said) (?:my )?(?:final |last )?goodbyes?(?: to \w+)? (?:for good|forever|one last time)\b|"
        r"\bfinal goodbye\b",
        r"\bwritten (?:my|a) will and (?:a )?(?:note|letter)\b",
        r"\b(?:can't|cannot|can not|don't think i can|not sure i can|unable to) (?:keep|stay) (?:myself )?safe\b",
        r"\b(?:been|started|am|i'm|began|keep) cutting again\b",
        r"\bonly way out\b|\bno way out\b",
        r"\b(?:end|ending|take|taking) (?:my|my own) (?:lfie|lief|liffe|lif|lifr)\b",
        r"\bcut (?:myself )?(?:too|so|really) deep\b",
        # "i cut pretty deep last night": the writer as subject ("his words cut pretty deep" is not)
        r"\bi (?:\w+ )?cut (?:myself )?(?:pretty|very|way|kinda|kind of) deep\b",
    ]
]

# Spanish, matched on normalise_es(text) (lower case, no accents): the crisis answer is then in
# Spanish, even before the rest of the assistant speaks it.
_ES_MED = r"(?:pastillas|pildoras|medicinas?|medicamentos?|clonazepam|tafil|rivotril|alprazolam)"
_SPANISH_PATTERNS: List[Tuple[str, Pattern[str]]] = [
    (MEDICAL_EMERGENCY, re.compile(p)) for p in [
        r"\bsobredosis\b",
        rf"\b(?:me |se )?(?:tome|tomo|trague|trago|tomamos)\b.{{0,30}}\b(?:muchas|demasiad[oa]s|todas|un frasco|"
        rf"un monton|como \d+|\d{{2,}}|el frasco)\b.{{0,30}}\b{_ES_MED}",
        r"\bno (?:puede|puedo|podia|logra) respirar\b|\bno (?:responde|despierta|reacciona)\b|"
        r"\bno respira(?: bien)?\b|"
        r"\brespirando (?:muy )?(?:raro|mal|lento)\b",
        r"\bdolor (?:muy )?(?:fuerte )?(?:en el|de|del) pecho\b|\bme duele (?:mucho )?el pecho\b",
        r"\benvenen\w+\b|\b(?:tomo|tome|bebio|bebi) (?:cloro|veneno)\b",
        rf"\b(?:acabo de|ya me|me acabo de) (?:tomar|tome|trague)(?:me)? (?:todas|todo|un frasco|el frasco|"
        rf"muchas)\b.{{0,20}}"
        rf"\b(?:{_ES_MED}|frasco)\b",
        rf"\b{_ES_MED}\b.{{0,20}}\b(?:dos veces|doble)\b.{{0,60}}\b(?:muy mal|corazon|mareado|mareada)\b|"
        rf"\b(?:el doble|demasiad[oa]s?|de mas)\b.{{0,30}}\b{_ES_MED}\b.{{0,60}}"
        r"\b(?:muy mal|corazon|mareado|mareada)\b|"
        r"\bcorazon me late muy rapido\b",
        r"\b(?:esta|estan|sigue|siguen|empezo a|comenzo a) convulsion\w*|\bconvulsionando\b|"
        r"\b(?:le (?:dio|esta dando)|tiene) (?:un |una )?(?:ataque|convulsion|convulsiones)\b(?! de (?:risa|panico|"
        r"ansiedad|tos))",
    ]
] + [
    (DANGER_FROM_OTHERS, re.compile(p)) for p in [
        r"\bme (?:pega|golpea|pego|golpeo|maltrata|amenaza|amenazo|ahorca|ahorco|empuja|empujo|viola|violo)\b",
        r"\b(?:me quiere|amenazo con|amenaza con|dice que me va a|dijo que me iba a) "
        r"(?:matar|lastimar|pegar|hacer dano)",
        r"\bno (?:estoy|me siento) (?:a salvo|segur[oa]) en (?:mi )?casa\b|"
        r"\bmiedo de (?:volver|regresar|ir) a (?:mi )?casa\b",
        r"\b(?:escondid[oa]|encerrad[oa])\b.{0,60}\b(?:mi (?:pareja|esposo|esposa|novio|novia|marido)|el|ella)\b",
        r"\babus(?:a|an|aba|o|aron|ando) de (?:mi|mis|la|el) \w+|\b(?:nin[oa]|hij[oa]|sobrin\w*|niet[oa])\b.{0,60}"
        r"\b(?:abus\w*|le pega|la golpea|lo golpea|moretones|miedo)\b",
        r"\bme quito (?:el|mi) pasaporte\b|\bno me deja salir\b|\bno me paga y me amenaza\b",
        r"\b(?:intenta|intentan|quiere|quieren|esta tratando de|estan tratando de) (?:entrar|meterse)\b.{0,40}"
        r"\b(?:miedo|casa|ahora|ayuda)\b|\b(?:afuera|fuera) de mi casa\b.{0,40}\b(?:entrar|miedo)\b",
        r"\b(?:le quita|se queda con) (?:el|mi|su) (?:dinero|cheque)\b.{0,60}\b(?:empuja|pega|golpea|moretones)\b",
    ]
] + [
    (HARM_OTHERS, re.compile(p)) for p in [
        # "me voy a matar" is about oneself (the self-harm patterns below)
        r"(?<!\bme )\b(?:quiero|voy a|ganas de|pienso|podria|quisiera) (?:\w+ )?(?:matar|lastimar|golpear|pegarle|"
        r"apunalar|"
        r"hacerle dano)(?:lo|la|los|las|le)?\b(?! (?:el tiempo|la sed|el hambre))",
        r"\b(?:matarlo|matarla|matarlos|matarlas)\b",
        # "el que le hizo eso a mi hermana va a pagar, y muy pronto" (not "el seguro va a pagar")
        r"\b(?:el|la|los|las) que (?:me |le |les |nos )?(?:hizo|hicieron|lastimo|lastimaron|toco)\b.{0,60}"
        r"\bva(?:n)? a pagar\b|\bva(?:n)? a pagar\b,? (?:y )?(?:muy )?pronto\b|\bme las va(?:n)? a pagar\b",
    ]
] + [
    (SELF_HARM, re.compile(p)) for p in [
        r"\b(?:matarme|suicid(?:arme|arse|ar|io|a)|quitarme la vida|me quiero morir|quiero morir\w*|morirme|"
        r"me (?:quito|quitare|voy a quitar) la vida|me (?:voy a|quiero|dan ganas de) matar|(?:voy|vamos) a saltar|"
        r"desaparecer para siempre)\b",
        r"\b(?:acabar|terminar) con (?:mi vida|todo|esto)\b|\bse acabe todo\b",
        r"\bno quiero (?:seguir )?(?:vivir|viviendo|estar aqui|despertar|existir)\b|\bno despertar\b",
        r"\b(?:ya )?no (?:aguanto|puedo) mas\b|\bcansad[oa] de vivir\b|\bya no quiero seguir\b",
        r"\b(?:cortarme|me corte|me estoy cortando|volvi a cortarme|hacerme dano|me hago dano|lastimarme|me lastimo)\b",
        r"\bmejor (?:muert[oa])\b|\b(?:estarian|estaria|estan) mejor sin mi\b",
        r"\b(?:no vale la pena|sin (?:razon|sentido) para) vivir\b|\bno tengo (?:razon|razones|motivo|motivos|ganas) "
        r"(?:para|de) vivir\b|\bno le veo sentido a (?:nada|la vida|vivir)\b",
        r"\bme (?:quiero|voy a) (?:tirar|aventar|lanzar)\b",
        r"\bno (?:estoy|me siento) a salvo\b|\bno me siento segur[oa]\b",
        r"\b(?:cartas?|notas?) de despedida\b|\bescribi cartas\b|\bregale (?:mis|todas mis) cosas\b",
        rf"\b(?:juntando|guardando|acumulando|guardadas|tengo las) (?:mis |las )?{_ES_MED}|\b{_ES_MED}\b.{{0,40}}"
        r"\b(?:tomarmelas todas|todas esta noche)\b",
        r"\bya (?:no )?voy a estar(?: aqui)?\b|\bya no voy a estar\b|\bpara entonces ya no\b",
        r"\b(?:ojala|quisiera que) me (?:atropelle|mate|muera)\b|\bpido a dios no despertar\b",
        r"\b(?:cuantas|cuantos|que cantidad de) \w+\b.{0,30}\b(?:para (?:no despertar|morir|matarme)|es letal)\b",
        r"\b(?:ya decidi|tengo un plan|ya tengo (?:el|un) plan)\b",
        # Means kept "just in case" ("ya compré veneno y lo tengo guardado por si acaso").
        r"\b(?:veneno|raticida|matarratas|una soga|una cuerda|una pistola|un arma)\b"
        r"(?! para (?:las |los |el |la )?(?:ratas|ratones|cucarachas|hormigas|insectos|plagas|bichos|jardin|plantas|"
        r"maleza|caza|trabajo))"
        r".{0,60}\b(?:por si acaso|"
        r"por si las dudas|para cuando ya no aguante|para mi)\b(?! (?:casa|familia|perro|gato|jardin))",
        r"\bojala no despert\w*\b|\bme volvi a cortar\b|\bquitar(?:me)? la vida\b|"
        r"\bno creo que (?:siga|este|estare) (?:aqui|viv[oa])\b|\b(?:colgarme|ahorcarme|tirarme|aventarme)\b",
        r"\b(?:navaja|cuchillo|pistola|soga)\b.{0,30}\b(?:aqui|en la mano|conmigo)\b",
    ]
]

# Statements of not being safe: a crisis anywhere except as the answer to "are you safe right now?"
# (the crisis action tells the two apart).
_NOT_SAFE = re.compile(
    r"\b(?:i'm|i am|i feel|i'm feeling|i am feeling|im) (?:not|un) ?safe\b|"
    r"\bi (?:don't|do not|dont) feel safe\b|\bnot safe (?:right now|rn|tonight|anymore|with myself)\b|"
    r"\bno (?:estoy|me siento) (?:a salvo|segur[oa])\b"
)

# Further self-harm phrasing: current danger, plans with means or a date, goodbyes, research into
# a method, self-harm in slang, passive wishes, a treatment as the last try, doubts about being
# around later.
# Ways of dying, as named when methods are compared (not "pills": "pills or therapy?" is ordinary).
_METHOD = (r"(?:hanging|hanging myself|hanging yourself|carbon monoxide|co poisoning|car exhaust|jumping|"
           r"jumping off \w+|drowning|shooting myself|"
           r"a gun|gun|bleeding out|slitting \w+ \w+|helium|overdos(?:e|ing)|an overdose|train|the tracks|exhaust|"
           r"suffocat\w+|a bridge|the bridge)")
# Ways of dying, beside "painless" or "quick"; narrower than _METHOD ("jumping" alone is a sport).
_LETHAL_METHOD = (r"(?:hanging|hanging myself|carbon monoxide|co poisoning|car exhaust|exhaust fumes|helium|"
                  r"drowning|bleeding out|slitting (?:my|your) wrists|an overdose|overdosing|overdose|"
                  r"jumping (?:off|from) \w+|shooting (?:myself|yourself)|suffocat\w+|freezing to death)")
_SELF_HARM_MORE = [
    # a lethal amount asked for oneself: "you just stop breathing in your sleep? how much would i need",
    # "can you die from it if you take enough at once? I'd rather go peacefully"
    r"\b(?:stop (?:your |my )?breathing|die|dying|kill you|killed|lethal|fatal|never wake up|not wake up|od|"
    r"overdose)\b.{0,80}"
    r"\bhow (?:much|many)(?: \w+)? (?:would|do|will|should) (?:i|it|that) (?:need|take)\b|"
    r"\bhow (?:much|many)(?: \w+)? (?:would|do|will|should) i (?:need|take) (?:\w+ ){0,2}to (?:die|not wake up|"
    r"stop breathing|never wake up|end it)\b",
    r"\b(?:i'd|i would) (?:rather|prefer to) (?:just )?(?:go|die|pass|slip away) (?:peacefully|quietly|in my sleep)\b",
    # supplies kept for a day of one's choosing: "taking meds home from work and keeping them for when I decide
    # I'm done"
    r"\bfor when i (?:finally )?(?:decide|make up my mind)(?: that)? (?:i'?m|i am) (?:done|ready|finished)\b|"
    r"\bfor when i'?m (?:ready|done) to (?:die|end it|end things|check out(?! (?:the|your|a|some|other)\b))\b",
    # a lethal amount looked up: "I looked up how much tylenol it takes, is 50 enough", "looking up how much of
    # my meds it would take"
    rf"\b(?:look(?:ed|ing)? up|googl\w*|search\w*|research\w*|figur\w* out|calculat\w*|check(?:ed|ing)|"
    rf"read(?:ing)? (?:up )?(?:about|on))\b.{{0,15}}\bhow (?:much|many) (?:of )?(?:my |the |her |his |our )?"
    rf"{_MED}\b.{{0,25}}\b(?:it (?:would )?takes?|would (?:it )?take|(?:it )?would be enough|is enough|"
    rf"(?:i'd|i would|i) need)\b",
    r"\b(?:driv\w*|steer\w*) (?:my car |the car |it )?off (?:the|a|that) "
    r"(?:overlook|cliff|bridge|pier|edge|embankment|mountain road)\b",
    _NOT_SAFE.pattern,
    r"\b(?:pills|meds|knife|blade|razor|gun|rope|noose)\b.{0,25}\b(?:in my hand|next to me|beside me|on my lap|"
    r"on the bed next|in front of me|right here)\b|\bcan't stop looking at (?:it|the (?:knife|blade|gun|pills|rope))\b",
    r"\b(?:standing|sitting|i'm|i am|right now)\b.{0,25}\b(?:on the (?:roof|ledge|edge)|on (?:the|a) bridge|"
    r"edge of (?:the|a) (?:bridge|roof|cliff|building))\b",
    r"\b(?:stood|stand|standing|sat|sit|sitting|was|went|climbed|walked|been)(?: up| out)? (?:on|at|to|onto|along) "
    r"(?:the )?(?:edge|ledge|railing|rail) of (?:the|a|my|our|that) (?:\w+ )?(?:roof|rooftop|bridge|building|balcony|"
    r"overpass|parking garage|parking deck|tower)\b|"
    r"\b(?:stood|sat|was standing|was sitting|been standing|been sitting|climbed) (?:on|onto|over) (?:the|a) "
    r"(?:ledge|railing)\b(?! of)|\bon the (?:edge|ledge|railing|rail) of (?:the|a|my|our|that) (?:\w+ )?"
    r"(?:roof|rooftop|bridge|building|balcony|overpass|parking garage|parking deck|tower)\b|"
    r"\b(?:in (?:my|the) car in the garage|engine running)\b.{0,40}\b(?:garage|engine running|closed)\b|"
    r"\bclosed garage\b",
    r"\b(?:took|take|taking|got) (?:the|my) gun out\b|\bloaded (?:the|my) gun\b",
    r"\b(?:i've|i have|ive) (?:decided|made (?:my|the) decision|a plan and a date|a plan)\b|"
    r"\b(?:have|got) (?:a|the) (?:plan|date)\b.{0,40}\b(?:sunday|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|tonight|tomorrow|weekend|birthday|after)\b",
    r"\b(?:i'm|im|i am) (?:ending|going to end|gonna end) (?:it|things|everything)\b(?! (?:with|between))|"
    r"\bending it\b(?! (?:with|between))",
    r"\b(?:enough|all (?:my|the)) (?:oxy\w*|pills|meds|insulin|sleeping pills)\b.{0,20}\b(?:put away|saved|stashed|"
    r"hidden|ready|once (?:she's|he's|they're) asleep)\b|\btake all (?:my|the|my \w+'s) \w+ (?:pills|meds)\b",
    r"\b(?:bought|got|buying) (?:new |a )?(?:blades?|razors?|rope|a gun)\b.{0,40}\b(?:tonight|deep|this time|"
    r"for myself|bathtub)\b|\bgoing deep(?:er)? this time\b",
    r"\b(?:gave|giving|given) (?:away )?(?:my|all my)\b.{0,40}\b(?:to my|away)\b.{0,60}\b(?:doesn't know why|i do|"
    r"won't need|last thing|wrapping things up|ready now)\b|\bgave away my\b",
    r"\b(?:rehome[d]?|new home for|take care of) my (?:dog|cat|cats|dogs|pets?|bird)\b.{0,60}\b(?:won't|after|"
    r"gone|last thing|this week|able to)\b|\bsomeone will take care of my (?:cat|dog|kids|pets?)\b",
    r"\b(?:after|once) i'm gone\b|\bwhen i'm gone\b|\bso nobody gets stuck with\b",
    r"\b(?:updated|wrote|finished|made) (?:my )?(?:will|the notes|notes|letters)\b.{0,60}\b(?:passwords|each of|"
    r"one for|peaceful|done finally|wasn't their fault|all done)\b|\bwrote down all my passwords\b",
    r"\b(?:said|say|saying) (?:sorry|goodbye) (?:for|to) everything\b|"
    r"\bwrapping things up\b|\bfinished writing the notes\b|\bit wasn'?t their fault\b",
    r"\blast thing keeping me here\b|\bonly thing keeping me (?:here|alive|going)\b",
    r"\b(?:which|what) (?:bridge|building|height|floor)\b.{0,40}\b(?:high enough|to be sure|would kill|fatal)\b|"
    r"\bhigh enough to be sure\b",
    r"\b(?:lethal|fatal|deadly) (?:dose|amount)\b(?! of (?:caffeine|coffee|energy drinks?|red bull|water|salt|"
    r"sugar|vitamin \w+|chocolate|nutmeg)\b)|"
    r"\bhow much \w+ (?:would be|is) (?:lethal|fatal|deadly|enough to)\b|"
    r"\b(?:would|will|does) (?:still )?(?:work|kill)\b.{0,40}\b(?:garage|carbon monoxide|converters?)\b",
    r"\bknots? (?:that )?hold (?:body )?weight\b|\bi know why i'm reading\b",
    r"\b(?:relapsed|relapse)\b.{0,40}\b(?:sh|self[- ]?harm|cutting|clean from)\b|\bclean from sh\b|"
    r"\bi sh'?d\b|\bsh'?d again\b|\b(?:bad|strong|really bad) urges\b|\burges (?:to|are) (?:cut|sh|hurt)\b|"
    r"\bbutterfly strips\b|\b(?:blade|razor)\b.{0,20}\bnext to me\b",
    r"\bhope (?:a|the) (?:truck|car|bus|train) (?:hits|takes) me\b|"
    # not a person "trying to take me out" (a threat, below) or a toddler's legos, not "take me out to dinner"
    r"\b(?<!trying to )(?<!out to )(?<!coming to )(?:hit|take) me out\b(?! with (?:\w+ )?(?:legos?|toys?|"
    r"kindness|a cold|kisses|questions|paperwork|work)| (?:to|for|on)\b)|\btakes me out\b(?! (?:to|for|on))|"
    r"\bhope i (?:just )?(?:don't|dont|do not) make it\b|\bdon't make it to (?:the )?morning\b|"
    r"\bwouldn't mind if (?:my heart|i) (?:just )?(?:stopped|died|didn't wake)\b|\bwouldn't fight it\b|"
    r"\bdon't look on purpose\b|\bsee what happens\b.{0,20}$|"
    r"\b(?:cancer|crash|illness)\b.{0,50}\b(?:relieved|relief)\b|"
    r"\bfelt calm,? like finally\b",
    r"\b(?:last (?:shot|resort|thing|chance|option|try))\b.{0,60}\b(?:before|if|fails?|done|give up|plan|"
    r"check out|living|sticking around|out of options)\b|\b(?:if|when) (?:it|this|ketamine|kap|the ketamine|"
    r"treatment) (?:fails|doesn't work|does not work|doesn't make)\b.{0,60}\b(?:plan|done|what i'm going to do|"
    r"out|end|give up|over)\b",
    # Leaving for good in other words, and affairs put in order "before I go".
    r"\b(?:check|checking|clock|clocking|bow|bowing|tap|tapping|log|logging|sign|signing) out "
    r"(?:for good|permanently|forever|of (?:this|life)(?: for good)?)\b|"
    r"\b(?:loose ends|my affairs in order|say(?:ing)? my goodbyes|goodbyes)\b.{0,40}"
    r"\bbefore i (?:go|leave|'m gone|check out)\b(?! (?:to|on|in|into|for|back|home|out|away|ahead|there|"
    r"with|through|under|and))|"
    r"\b(?:final|last) (?:attempt|try|go|shot) at (?:therapy|treatment|this|life|getting (?:help|better))\b"
    r".{0,40}\bbefore i\b|"
    # Possessions given away beside a will, or a will beside a sudden calm: warning signs together.
    r"\b(?:gave|giving|given|rehomed|handed) (?:away )?(?:my|all my) (?:\w+ )?(?:dog|cat|pets?|guitar|things|stuff|"
    r"belongings|books|plants|car|bike|jewelry|collection)\b.{0,80}\b(?:updated|wrote|made|finished|signed|"
    r"redid) (?:my |a )?(?:will|note|letters)\b|"
    r"\b(?:updated|wrote|made|finished|signed|redid) (?:my |a )?will\b.{0,80}\b(?:calm|at peace|made my peace|"
    r"relieved|ready|gave (?:away )?my|giving (?:away )?my)\b|"
    # A suicide note someone found or read ("my wife found my note").
    r"\b(?:found|find|read|saw|discovered|came across|finds) my (?:suicide |goodbye |last |final )?note\b"
    r"(?!s| ?book| ?pad)|"
    # Comparing methods ("which is faster, hanging or carbon monoxide?").
    rf"\b(?:which|what)(?:'s| is| would be| will be| one is)? (?:faster|quicker|less painful|more painless|surer|"
    rf"more (?:certain|reliable|effective|lethal)|less messy|the (?:fastest|quickest|least painful|surest|"
    rf"most reliable|most lethal))\b.{{0,60}}\b{_METHOD}\b|\b{_METHOD} (?:or|vs\.?|versus) {_METHOD}\b|"
    r"\b(?:is it|would it be) (?:quicker|faster|less painful|more painless|surer|more reliable|easier) to "
    r"(?:(?:hang|shoot|drown|gas|suffocate) (?:myself|yourself|oneself)|jump (?:off|from|in front)|"
    r"overdose|od|bleed out|slit)\b",
    r"\bnot sticking around\b|\bcheck out permanently\b|\bgive up on (?:living|life)\b|\bi'm done for good\b|"
    r"\bdone for good\b",
    r"\b(?:won't|wont|will not) (?:need|be needing) (?:it|the appointment|that)\b.{0,20}\b(?:by then|anyway)\b|"
    r"\bprobably won't need it\b|\b(?:won't|wont) be (?:here|around|alive) (?:next|by|after|much)\b|"
    r"\b(?:don't|do not) plan on being (?:around|here|alive)\b|\btoo late for me\b|"
    r"\bknow how this ends for me\b|\bdisappear\.? permanently\b",
    # "i want to dye" typed by sound; "i want to dye my hair" has an object.
    r"\bi (?:wanna|want to) dye\b(?! (?:my|your|his|her|their|the|it|them|a|some|this|that|these|those)\b)|"
    r"\bending my (?:life|lyfe)\b|\b(?:end|ending) my lyfe\b",
    r"\bnot sure (?:if )?(?:i'll|i will|ill|that i'll) (?:still )?be (?:alive|around|here)\b",
    # Doubts about lasting until help comes ("not sure I'll make it that long", "I don't think I'll survive
    # until she's back"); "make it to the appointment" and "make it in time" stay ordinary.
    r"\b(?:don't think|do not think|not sure|unsure|doubt|don't know (?:if|whether)|no idea (?:if|whether)|"
    r"can't promise)"
    r" (?:that |if |whether )?i(?:'ll| will| can| could|'m going to| am going to| would)? (?:even )?"
    r"(?:(?:survive|last|hold on|hang on|make it|stay alive|hold out|keep myself alive)"
    r" (?:that long|so long|till then|until then|that far|much longer|"
    r"another (?:\w+ )?(?:day|days|week|weeks|month|months)|"
    r"(?:until|till|til) (?:she|he|they|you|my \w+)(?:'s|'re| is| are| gets?| comes?) (?:back|returns?)|"
    r"(?:\d+|two|three|four|five|six) (?:more )?(?:days|weeks|months))\b|"
    # "make it until my appointment at 3" is a time; lasting or surviving until it is not
    r"(?:survive|last|hold on|hang on|stay alive|hold out|keep myself alive) (?:until|till|til) (?:the|my) "
    r"(?:first |next |next available )?(?:appointment|session|consult\w*|intake|visit)\b)|"
    # Warning someone not to be surprised by one's absence.
    r"\b(?:not to be|don't be|do not be|won't be|wouldn't be|shouldn't be) surprised if i(?:'m| am)? "
    r"(?:not|no longer|gone|dead)(?: (?:around|here|alive|there))?\b(?! (?:on time|in time|because|since|due|at work))",
    r"\b(?:gets? rehomed|rehome (?:her|him|them|my))\b",
    # "planning how to end it with him" is a breakup.
    r"\bhow i'?d end things\b(?! (?:with|between))|\bplanning how\b.{0,20}\b(?:end|die)\b"
    r"(?!(?: it| things| that| this)? (?:with|between|before|at work))",
    r"\bstop being (?:a |their |everyone's |my family's )?(?:problem|burden)\b",
    # "my dad keeps a handgun in his nightstand ... When everyone leaves for the lake Saturday I'm doing it"
    r"\b(?:hand ?guns?|guns?|pistol|rifle|pills|rope|insulin|blades?)\b.{0,120}\b(?:when|once|after) (?:everyone|"
    r"everybody|they all|my (?:parents|family|roommates?|wife|husband|partner)) (?:leaves?|goes|go|is gone|are gone|"
    r"is out|are out|'s gone)\b.{0,60}\bi'?m (?:doing|gonna do|going to do) it\b|"
    r"\b(?:rope|pills|gun|blade|razor|hose|insulin|noose)\b.{0,40}\b(?:tonight|tomorrow|this weekend|after my shift|"
    r"once the house|when everyone|when the kids|before anyone)\b",
    # Means at hand and a day chosen ("got enough insulin. Thursday is the day").
    rf"\b(?:enough|all (?:my|the)|stash of|saved up|stockpiled|my hands on|bought|got)\b.{{0,15}}"
    rf"\b(?:{_MED}|pill|rope|gun|"
    r"rifle|pistol|blades?|razors?|noose|hose|charcoal|helium)\b.{0,80}\b(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day"
    r"(?: night| morning)?|tonight|tomorrow|the weekend|this weekend|the \d+(?:st|nd|rd|th))"
    r" is the (?:day|night|date)\b"
    r"(?! (?:i|we|my|that|of|for|when|after|before|to|the))|"
    rf"\b(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day(?: night| morning)?|tonight|tomorrow) is the (?:day|night)\b"
    rf"(?! (?:i|we|my|that|of|for|when|after|before|to|the))\b.{{0,80}}\b(?:{_MED}|"
    r"pills?|rope|gun|rifle|pistol|blades?|noose)\b|"
    r"\b(?:the|a) (?:day|date) (?:is )?(?:circled|marked|set|picked|chosen)\b.{0,60}\b(?:enough|pills|insulin|rope|gun|"
    r"it's decided|goodbye)\b|"
    r"\b(?:car|engine) (?:is )?running\b.{0,30}\bgarage\b|\bgarage\b.{0,30}\b(?:car|engine) (?:is )?running\b|"
    r"\b(?:car|engine)\b.{0,40}\bgarage door (?:shut|closed|down)\b|\bgarage door (?:shut|closed|down)\b.{0,40}"
    r"\b(?:car|engine)\b|"
    r"\beverything i need (?:laid out|ready|lined up|set out|in front of me)\b|"
    rf"\b(?:{_MED}|pills|gun|rope|blade)\b.{{0,60}}\b(?:gonna|going to|i'll|will) do it\b|"
    r"\b(?:gun|pistol|rifle|pills|rope)\b(?:(?!locked|safe).){0,60}\b(?:after|once|when) everyone(?:'s| is)? "
    r"(?:asleep|gone|in bed)\b|"
    r"\b(?:doubt|don't know if|do not know if|don't think|not sure if) i'?(?:ll| will) (?:still )?be alive\b|"
    r"\bknow how much it takes\b|\b(?:pills|pens|insulin|meds)\b.{0,20}\blined up\b|"
    r"\blined up\b.{0,30}\b(?:pills|pens|insulin)\b",
    r"\b(?:planning|plan|going|want|ready) to jump (?:from|off)\b",
    r"\bhose\b.{0,30}\b(?:bought|exhaust|car|garage)\b|\bgarage with the engine running\b|"
    r"\bengine running\b.{0,30}\bgarage\b|\bgarage\b.{0,40}\bengine running\b",
    r"\bgiving away my\b|\bgiving (?:all )?my (?:stuff|things) away\b",
    r"\bcarbon monoxide\b.{0,40}\b(?:work|kill|enough|how long)\b|"
    # how long a way of dying takes: "how long does it take to pass out from carbon monoxide in a closed car"
    r"\bhow (?:long|quickly|fast) (?:does it take|would it take|until|before) (?:\w+ )?(?:to )?(?:pass out|die|"
    r"lose consciousness|black out|stop breathing)\b.{0,40}\b(?:carbon monoxide|exhaust|closed car|garage|helium|"
    r"hanging|bleed\w*|pills|overdose|drowning|a bag)\b",
    # a supply saved up and a day to take it: "saved up 3 months of my seroquel. taking all of it friday night"
    rf"\b(?:sav(?:ed|ing) up|stockpil\w*|been saving|hoard\w*|stash\w*)\b.{{0,40}}\b(?:{_MED}|pills|meds|tablets)\b"
    r".{0,60}"
    r"\b(?:taking|take|swallow\w*|down\w*) (?:all of (?:it|them)|them all|it all|every (?:one|last one|pill))\b",
    r"\b(?:how deep|how much|how many)\b.{0,50}\b(?:fatal|lethal|deadly|to die|kill you|stop breathing)\b",
    r"\bsh\b.{0,30}\b(?:relapse|urges?|again|clean|cuts?|bleeding)\b|\b(?:relapse|wagon) with sh\b|"
    r"\bcuts? (?:won't|wont|will not) stop bleeding\b",
    r"\b(?:hoping|praying|wishing)\b.{0,20}\b(?:don't|do not|never|not) wake up\b",
    r"\bhope (?:a|the|some) \w+ (?:hits|swerves|crashes|runs me)\b",
    r"\bwouldn'?t mind if\b.{0,40}\b(?:went down|crash\w*|died|hit me|stopped|didn't wake)\b",
    r"\bno more mornings\b|\bgo to sleep and that'?s it\b",
    r"\b(?:if|when)\b.{0,80}\b(?:still feel|doesn't work|fails|didn't work)\b.{0,40}"
    r"\b(?:i'?m out|i'?m gone|i'?m going|i'?m done)\b",
    r"\b(?:final|last) (?:one|treatment|try|thing|shot)\b.{0,40}\b(?:i'?m going|i'?m gone|i'?m out|i'?m done)\b",
    r"\bfinish my life\b|\b(?:walk|walking) into (?:the|a) (?:lake|river|ocean|sea|water)\b",
    r"\btried to (?:overdose|kill myself|end (?:it|my life))\b",
    r"\b(?:don't|do not|can't) trust myself\b(?! (?:around|with|near) (?:my|the|our) (?:baby|toddler|newborn|"
    r"infant|kids?|son|daughter|children|little one)\b)",
    r"\bwon'?t be (?:reading|needing|using|checking)\b.{0,30}\bafter (?:this|next|tonight|tomorrow)\b",
    r"\b(?:cut|cutting)\b.{0,40}\b(?:a lot of blood|so much blood|won't stop bleeding|can't stop the bleeding)\b",
    r"\btired of live\b|\bnot (?:be )?here next (?:week|month)\b|"
    # a way of dying asked about "for myself": "which cleaning products mixed together would be deadly in a
    # closed room. asking for myself, not for safety"
    r"\b(?:deadly|lethal|fatal|kill (?:me|you|someone))\b.{0,80}\basking for (?:myself|me)\b|"
    # a number of pills weighed as enough: "would 40 of my amitriptyline be enough?"; "don't want to survive it"
    rf"\b(?:would|will|is|are) (?:\d{{2,}}|\w+ (?:hundred|dozen)) (?:of (?:my|these|the|his|her) )?(?:{_MED}|pills)\b"
    r"(?: \w+)?,? (?:be )?enough\b(?! (?:for|to (?:help|treat|stop|sleep|get|calm|last)))|"
    r"\b(?:don't|do not) want to (?:survive it|wake up damaged|end up damaged)\b|"
    # "worked out how much of my husband's oxycodone would be enough"
    rf"\bhow much\b.{{0,40}}\b{_MED}\b.{{0,10}}\bwould (?:be enough|do it|kill)\b|"
    # "I keep wanting to cut" (not "cut my hair", "cut carbs", "cut class")
    r"\b(?:keep|kept|been|i'm|am|always) (?:wanting|needing|itching|dying) to cut\b(?! (?:my hair|class|carbs|back|"
    r"ties|people|off|down|out|the|it|sugar|costs?|my losses))|"
    # someone else's stated intent ("my son texted me that he wants to kill himself tonight")
    r"\b(?:he|she|they)(?:'s| is| are|'re)? (?:\w+ )?(?:wants?|wanted|going|gonna|planning|plans|tried|trying|"
    r"threatening|threatened) to (?:kill (?:himself|herself|themselves)|end (?:his|her|their) (?:life|lives)|"
    r"take (?:his|her|their) (?:own )?life)\b|"
    r"\b(?:he|she|they) (?:\w+ )?(?:wants?|wanted|is planning|plans|tried|is trying|keeps? trying) to die\b|"
    # "I take out my service weapon and hold it against my head for a while"
    r"\b(?:gun|pistol|weapon|rifle|revolver|barrel)\b.{0,40}\b(?:against|to|under) my (?:head|temple|chin)\b|"
    # "sat in my car with my husband's gun for an hour trying to work up the nerve"
    r"\b(?:gun|pistol|rifle|pills|rope|noose|knife|blade|razor|bridge|edge|ledge|tracks|roof|balcony|overpass|cliff|"
    r"platform|window|parking garage)\b.{0,80}"
    r"\b(?:work(?:ing)? up the (?:nerve|courage)|get(?:ting)? up the (?:nerve|courage)|build(?:ing)? up the nerve|"
    r"(?:find|finding) the (?:nerve|courage) to)\b|"
    # "drove to the reservoir twice intending not to come back"
    r"\b(?:intending|meaning|planning|going|wanting|intended|meant|planned) (?:not|never) to come (?:back|home)\b|"
    r"\bnot sure i(?:'ll| will) turn (?:around|back)\b|"
    r"\bwon'?t be (?:around|here|alive) to see (?:the|my|next|another|christmas|spring|summer)\b",
    r"\brope (?:is )?(?:tied|ready|up)\b|\bbought (?:a |some )?rope\b|"
    r"\b(?:train )?tracks\b.{0,40}\b(?:staying|next train|lying down|standing on)\b|"
    r"\bstaying on (?:the|them)\b.{0,20}\btracks\b",
    r"\bnever come back from it\b|\bsleep and (?:simply |just )?never (?:come back|return)\b",
    r"\b(?:fine|okay|ok|at peace|totally fine) with dying\b|\bwouldn't mind dying\b|\bend it painlessly\b|"
    r"\bfor my own reasons\b|\bwhen i'?m dead\b",
    r"\bset the date\b|\bdo (?:this|it) cleanly\b|"
    # a service weapon with a sign of use ("I carry a service weapon" on duty is not one)
    r"\bservice (?:pistol|weapon|rifle)\b.{0,80}\b(?:loaded|out on|hold\w*|in my mouth|using it|on myself|"
    r"against my head|to my head|"
    r"tonight|nightstand|lately|at night|more nights)\b",
    r"\bthere'?ll be a me\b|\bdon'?t have (?:\w+ ){0,2}(?:weeks?|days?|months?) (?:left )?in me\b|"
    r"\bnot that i (?:expect|plan) to (?:see|make it to|be around)\b",
    r"\bthought about going further\b|\bcutting (?:pretty )?(?:regularly|again|a lot)\b",
    r"\b(?:driving|drive) off the road\b",
    r"\b(?:gun|pistol)\b.{0,60}\b(?:taken it out|take it out|think about it)\b",
    # A dose that would stop one's own heart ("what amount of my insulin would stop my heart"); "stop my
    # heart racing" is a side effect asked about.
    r"\b(?:what|which|how much|how many)\b(?: \w+){0,6}? (?:would|will|could|to|does it take to) "
    r"(?:stop|shut down) my (?:heart|breathing)\b(?! (?:from |racing|pounding|skipping|fluttering|beating so))|"
    r"\b(?:make|making) my heart stop\b",
    # A method question, then "I need to know for me / asking for myself": the asker is the one at risk.
    r"^(?=.*\b(?:need to know|want to know|asking|it's|this is|question is|i'm asking) for (?:me|myself)\b)"
    r"(?=.*\b(?:painless|lethal|fatal|to die|kill (?:you|me|a person|someone)|stop (?:my|your|a) heart|"
    r"(?:not|never) wake up|bleed out|surest|how (?:much|many) would)\b).*",
    # "quick and painless" beside a way of dying ("is carbon monoxide quick and painless", "a painless
    # overdose"); "is the ketamine injection quick and painless" names no way of dying.
    rf"\b{_LETHAL_METHOD}\b.{{0,40}}\b(?:(?:quick|fast|peaceful|easy)(?: and| &|,)? )?painless\b|"
    rf"\b(?:is|would|does|will) {_LETHAL_METHOD}\b.{{0,30}}\b(?:quick|fast|peaceful|hurt)\b|"
    rf"\bpainless\b.{{0,30}}\b{_LETHAL_METHOD}\b",
    # A relapse told in a cover story or with stitches or depth, and wanting more ("'cat scratches'
    # again, except they're not, deep enough for stitches and I still want more").
    r"\b(?:need(?:s|ed)? stitches|need(?:s|ed)? stiches|pretty deep|so deep|too deep|really deep|deep this time|"
    r"deeper|deepest)\b.{0,60}\b(?:(?:still |i )?want(?:ed)? (?:more|to do more|to go deeper|to keep going|"
    r"it to be worse)(?! (?:info|information|details|sessions|time|than))|(?:didn't|did not|don't) want to stop)\b|"
    r"\b(?:scratches|an accident|the cat|just clumsy|clumsy)\b.{0,30}\bexcept (?:they're|they are|theyre|it's|"
    r"its|it was|they were) not\b|"
    r"\b(?:tell|told) (?:people|everyone|them|my \w+) (?:it's|it was|they're|they were|that it's) "
    r"(?:from )?(?:the cat|cat scratches|an accident)\b",
    # Working out how: "lately I've been planning out how I'd end it" ("how to end it with him" is a breakup).
    r"\b(?:plan|plans|planning|planned|figur\w+|work\w*|map\w*|think\w*|thought)(?: it)?(?: out)? how (?:i'd|i would|"
    r"i'll|i will|i could|i can|i'm going to|to)(?: finally)? "
    r"(?:end it|end it all|end my life|kill myself|do it for good)\b(?! (?:with|between|before|at work))",
    # Depth slang for a cut ("hit styro last night", "down to beans"); a styrofoam cup or board is not.
    r"\b(?:hit|hitting|reached|reaching|got to|down to|into|to) (?:styro|styrofoam|beans)\b"
    r"(?! (?:cup|cups|box|boxes|container|board|ball|balls|cooler|salad|soup))|"
    r"\b(?:styro|beans)[- ](?:cuts?|deep|level)\b",
    # At a place of means, with the time it comes: on the tracks, at the platform's edge as a train is due.
    r"\b(?:standing|sitting|lying|walking|i'm|i am|right now)\b.{0,25}\b(?:on|onto|by|beside|next to|along|at the "
    r"edge of) (?:the )?(?:train |subway |railway |rail )?(?:tracks|rails)\b(?! (?:with|of|at the (?:museum|park)))|"
    r"\b(?:on|at) the (?:edge of the )?platform\b.{0,40}\b(?:next train|train (?:comes|coming|is due|due|in \d+)|"
    r"express (?:comes|coming|doesn't stop))\b.{0,60}\b(?:why (?:i'm|im|am i|i am) (?:texting|writing|messaging|"
    r"telling)|don't know why|idk why|last|goodbye|bye)\b",
    # Heights looked for ("tallest building with roof access", "where to go" after the highest bridge).
    r"\b(?:tallest|highest) (?:building|bridge|parking (?:garage|deck|structure)|cliff|tower|overpass)\b.{0,60}"
    r"\b(?:roof access|access to the roof|unlocked roof|where to go|to jump|high enough|won't be stopped|"
    r"no fence|no railing|(?:get|go|get up|go up) (?:onto|on|to) the roof|without a (?:key ?card|key|badge|code))\b",
    # A roof reached unseen ("which building lets you get onto the roof without a badge").
    r"\broof\b.{0,30}\bwithout (?:a |an |any )?(?:key ?card|key|badge|code|alarm|"
    r"anyone (?:seeing|noticing|stopping))\b",
    # A height that makes a fall certain ("what height do you need to fall from for it to be certain").
    r"\b(?:height|how high|how many (?:floors|stories|storeys)|what floor)\b.{0,50}\b(?:fall|jump|drop)\b.{0,40}"
    r"\b(?:certain|guaranteed|for sure|fatal|lethal|not survive|wouldn't survive|to die|kill)\b",
    # How a way of dying feels or how long it takes, asked for oneself ("is a tylenol overdose painful? asking
    # for me"); a way of dying that stops the heart ("how much insulin stops your heart").
    rf"\b(?:is|would|does|will|how long does|how long would) (?:an? |the )?(?:\w+ )?{_LETHAL_METHOD}\b.{{0,30}}"
    r"\b(?:painful|hurt|take long|how long|quick|fast)\b.{0,60}\b(?:asking for (?:me|myself)|for me\b|for myself|"
    r"i need to know|need to know how long)\b",
    rf"\b(?:how much|how many|what dose of|what amount of|enough)\b.{{0,30}}\b(?:{_MED})?\b.{{0,20}}"
    r"\b(?:stops?|stopping|would stop|to stop) (?:your|my|a|the|someone's) heart\b",
    # The first session or treatment as the last try, said of life too ("not going to keep going. with
    # therapy or with life").
    r"\b(?:not going to|won't|wont|not gonna|going to stop|gonna stop|i'll stop|i will stop|give up|giving up|"
    r"quit|done)\b.{0,60}\b(?:therapy|treatment|ketamine|kap|meds|medication|trying) or (?:with |on |in )?"
    r"(?:life|living|my life|being alive)\b(?! (?:coach\w*|skills|insurance|style|goals|changes|advice|stuff|lessons))",
    # Thinking of swallowing every pill ("I keep thinking about taking them all", "the whole bottle"); taking
    # all one's pills with breakfast or as prescribed is a schedule.
    r"\b(?:thinking (?:about|of)|thought about|thoughts of|urges? to|tempted to|want to|wanting to|going to|"
    r"gonna|planning to|might) (?:take|taking|swallow|swallowing|down|downing) (?:them all|(?:all|every one) of "
    r"(?:them|my (?:pills|meds|tablets))|all (?:my|the|of my|of the) (?:pills|meds|tablets|sleeping pills)|"
    rf"the (?:whole|entire) (?:bottle|pack|packet|box|supply)|every (?:pill|tablet) i have)\b{_NOT_A_SCHEDULE}",
    # Knowing the dose that would be lethal ("I know exactly what dose would kill me"); "how much coffee
    # would kill me" names no dose.
    r"\b(?:what|which|the|a) (?:\w+ )?(?:dose|amount)\b.{0,30}\b(?:would|will|could) kill me\b",
    # The least painful way asked about ("which meds cause the least painful death? asking for me").
    r"\b(?:least|less|most|not) painful (?:death|way to (?:die|go|end it)|method|suicide)\b|"
    r"\bpainless (?:death|way to (?:die|go))\b|\b(?:to|i) die (?:painlessly|peacefully|without pain)\b",
    # A vehicle wished on oneself ("wish a truck would flatten me").
    r"\b(?:wish|hope|pray|praying|hoping)\b.{0,20}\b(?:truck|car|bus|train|semi|drunk driver)\b.{0,20}"
    r"\b(?:flatten|hit|hits|crush|crushes|run me over|runs me over|take me out|takes me out|end me|kill me)\b",
    # Doubting one lasts until a date, said to be meant literally.
    r"\b(?:don't|do not) think i(?:'ll| will| can| could)? (?:make it|last|hold on|survive) (?:to|until|till|til) "
    r".{0,30}\b(?:i mean (?:that|it) literally|literally|not being dramatic|not exaggerating|not joking|i mean it)\b",
    # A passive wish at the wheel: not turning at a curve, drifting into oncoming traffic.
    r"\bjust (?:not|never) (?:turn|turning|steer|steering)(?: the wheel)?\b|"
    r"\b(?:not|stop|never) turning the wheel\b|\blet(?:ting)? go of the (?:steering )?wheel\b(?! to)|"
    r"\b(?:think(?:ing)? about|thought about|imagine|imagining|tempted to|want to|urges? to|picture|picturing|"
    r"hop(?:e|ing) (?:i|to)|wish i could|could just)\b.{0,30}\b(?:drift\w*|swerv\w*|veer\w*|steer\w*|driv\w*|"
    r"pull\w*)\b.{0,25}\b(?:oncoming|into (?:a|the) (?:semi|truck|median|wall|guardrail|pillar))\b",
]
_CRISIS_PATTERNS += [(SELF_HARM, re.compile(p)) for p in _SELF_HARM_MORE]

# The subject comes up without present risk: a resolved past, a question about treatment or
# research. Like a figure of speech, this only ever lowers the *model's* crisis guess.
_PAST_CONTEXT = (
    r"\b(?:years? ago|in (?:high school|college|my teens|my twenties)|as a (?:teen|teenager|kid)|back in|"
    r"long time ago|a long time|(?<!be )(?<!is )(?<!are )(?<!get )(?<!got )(?<!getting )(?<!been )used to|"
    r"haven't (?:in|since)|nothing since|been stable|stable since|not now|history (?:of|section)|in the past)\b"
)
_TOPIC_CONTEXT = re.compile(
    _PAST_CONTEXT + r"|"
    r"\b(?:do you|does anyone|is (?:dbt|there)|are you|clinicians?|therapists?|someone who) "
    r"(?:\w+ ){0,3}(?:treat|help|work with|specialize|experienced|available|handle)\b|"
    r"\b(?:psych class|project|novel|paper|homework|research|school counselor|asking for|percentage|how common|"
    r"statistics|more likely|presentation|teacher|pastor|curious|for my class|nursing class|research\w*|"
    r"professor|actor|youth group|awareness|protocol|grad student|students?|dissertation|thesis|journalist|"
    r"article|interview|workshop|training|handout|practicum|literature|"
    r"(?:refer|referring|refers) (?:out )?(?:patients|clients)|(?:patients|clients) (?:with|who)|"
    r"(?:a|my|our) (?:patient|client) (?:who|with|that)|i'm an? (?:psychiatrist|psychologist|physician|pharmacist|"
    r"nurse practitioner|social worker|clinician|psych np|pcp))\b"
)
# Words that may carry risk without saying it: never a crisis on their own, always worth asking.
_SOFT_CUES = re.compile(
    # "if I'm still here by Tuesday I'll come to the consult": doubting one is around later
    r"\bif i'?m still (?:here|around|alive|breathing) (?:by|on|next|then|at|after|come|in)\b|"
    # "thank you for trying, none of this was your fault. I won't be needing Thursday's appointment"
    r"\bnone of (?:this|it) (?:was|is) (?:your|their|his|her) fault\b|\bthank (?:you|them|her|him) for trying\b(?! to)|"
    r"\bwon'?t be needing (?:\w+'s |the |my |next |any )?(?:appointment|session|sessions|intake|consult\w*)\b|"
    # "I'll fill out the intake forms but someone else might have to cancel the appointment for me"
    r"\bsomeone (?:else )?(?:might|will|may|would|could) (?:have|need) to (?:cancel|call off|go to|show up to) "
    r"(?:it|that|the (?:appointment|consult\w*|session|intake)) (?:for|instead of) me\b|"
    # a lethal dose of an everyday drink ("whats the lethal dose of caffeine lol") is asked about
    r"\b(?:lethal|fatal|deadly) (?:dose|amount) of\b|"
    r"\bsomeone else (?:might|will|may|would|could) (?:have|need) to (?:deal with|handle|take|answer|pick up) "
    r"(?:it|that|the (?:appointment|consult\w*|session|intake|callback|call))\b|"
    # affairs put in order, a goodbye posted, silence read as an answer: warning signs, asked about
    r"\b(?:putting|put|getting|get) (?:everything|my affairs|my things|it all|my stuff) in order\b|"
    r"\b(?:posted|sent|wrote|left) (?:a |my )?goodbyes?\b(?! (?:to|card|party|lunch) (?:my )?(?:old |former )?"
    r"(?:job|apartment|coworkers?|team|house|office|school|class))|\bguess that'?s my answer\b|"
    r"\b(?:hopeless|hopelessness|worthless|a burden|such a burden|trapped|numb inside|empty inside|"
    r"give up on everything|giving up on everything|"
    # "what's the point of therapy?" asks what therapy is for
    r"what'?s the point(?! of (?:therapy|counseling|counselling|seeing a|going to (?:a )?therapy|talking to a|"
    r"a therapist|sessions?|ketamine|kap|the (?:session|intake|form|waitlist))\b)|no point anymore|"
    r"can't take (?:it|this) anymore|can't do this anymore|dark thoughts|scary thoughts|thoughts i can't tell|"
    r"not okay|falling apart|don't care what happens to me|nothing matters|"
    r"tired of everything|exhausted of everything|want (?:it|everything) to stop|want to disappear|"
    r"wish i could disappear|don't want to wake up|can't keep going|at the end of my rope|"
    r"don't see a future|no future|nobody cares|no one cares|everyone hates me|i hate myself|"
    r"don't think i'll make it to|understand them more than i want|"
    r"done waiting (?:it out|for (?:it|things|life|anything) to get better)|"
    r"hurt myself|hurting myself)\b"
)
# A past that is over, and words that bring it into the present.
_RESOLVED = re.compile(
    r"\b(?:years? ago|long time ago|a long time ago|nothing since|haven't (?:in|since)|stable since|been stable|"
    # "in the past two weeks" is the screening window, the present
    r"in the past(?! (?:two|2|few|couple|several|\d+|week|weeks|month|months|days?|fortnight|24))|"
    r"as a (?:teen|teenager|kid)|in (?:high school|college|my teens)|i left (?:him|her|them)|"
    r"not now at all|in my (?:teens|twenties|thirties)|\d+ years? (?:sober|clean)|sober \d+ years|"
    r"in (?:19|20)\d\d|\b(?:was|were|back) (?:in )?(?:19|20)\d\d\b(?! (?:and|&) (?:again|now|today|this))|"
    r"when i was (?:a kid|a teen|a teenager|\d{1,2})|long gone|went away|got treatment|"
    r"in a good place|processed a lot|over the years|(?:fully |long )?recovered|in recovery|in remission|"
    r"stable for (?:\d+|a few|several|many|over \w+) (?:years?|months)|"
    r"haven't (?:had|felt) (?:those|these|any|that|them|such)(?: \w+)? since|before my (?:\w+ ){0,2}diagnosis|"
    r"in (?:my|her|his|their) (?:early |late |mid[- ]?)?(?:teens|twenties|thirties|20s|30s)|"
    r"(?:sober|clean|stable|well|free of (?:it|that|them)) for (?:over |more than |almost |nearly |about )?"
    r"(?:\d+|a|one|two|three|four|five|six|seven|eight|nine|ten|a few|several|many) (?:years?|decades?)|"
    r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|many|several) years? (?:free (?:from|of)|clean from|"
    r"without|(?:self[- ]?harm|sh|cutting|suicide attempt|relapse)[- ]free)|"
    r"(?:my )?scars are (?:old|faded|healed)|(?:went through|had) a (?:phase|period|stretch) of|"
    r"at (?:[5-9]|1\d)(?=[^.]{0,20}\bi'?m (?:[2-9]\d)(?: now)?\b)|"
    r"(?:over|more than) a decade)\b|"
    r"\((?:19|20)\d\d\)"
)
# A time that places an event in the past ("a friend overdosed over the summer", "two months ago").
_PAST_EVENT = re.compile(
    r"\b(?:over|during|last|this past) (?:the )?(?:summer|spring|fall|autumn|winter|year|month|semester|christmas|"
    r"holidays|new year)\b|\b(?:\d+|a|one|two|three|four|five|six|a few|a couple of|couple|several) "
    r"(?:weeks?|months?|years?) ago\b|\b(?:in|back in|last) (?:january|february|march|april|may|june|july|august|"
    r"september|october|november|december)\b")
# Loss and grief named ("I never really dealt with it", "I still have her number", "lost", "funeral").
_BEREAVED = re.compile(
    r"\b(?:died|passed|passed away|lost (?:him|her|them|my \w+)|loss|grief|griev\w*|funeral|memorial|"
    r"miss (?:him|her|them)|never (?:really )?(?:dealt with|processed|got over)|still have (?:his|her|their) number|"
    r"last conversation|anniversary|bereave\w*)\b")
# Someone else's words, just before the phrase ("my son yelled i wanna die").
_REPORTED_SPEECH = re.compile(
    r"\b(?:he|she|they|my (?:\w+ )?(?:son|daughter|kid|child|teen|teenager|brother|sister|friend|partner|husband|"
    r"wife|mom|mother|dad|father|student|roommate|coworker)|my \d+[- ]?(?:year[- ]old|yo|yr old))(?: \w+)? "
    r"(?:yelled|said|says|screamed|shouted|texted|"
    r"joked|posted|wrote|told me|tells me|keeps saying)\b,?:? ['\"]?(?:that )?(?:i )?$")
# Nothing was taken after all ("I counted and every pill is there").
_ACCOUNTED_FOR = re.compile(
    r"\b(?:every (?:pill|tablet|one)|all (?:the |of the )?(?:pills|tablets|gummies)|all of them) (?:is|are|was|were) "
    r"(?:there|accounted for|still there)\b|\b(?:none|nothing|no pills?) (?:is |are |was |were )?missing\b|"
    r"\bdidn't (?:actually )?(?:swallow|take|eat) any\b")
# A question asked ahead of time ("how would I know if", "what should I do if"), not an event now.
_HYPOTHETICAL = re.compile(
    r"\b(?:for (?:the )?future|for next time|so i know (?:for|in case|what)|what signs|which signs|"
    r"signs (?:would|that)|"
    r"if (?:he|she|they|my \w+) (?:ever )?(?:accidentally )?(?:took|takes|take|had|has|swallowed|swallows)|"
    r"how (?:would|will|do|can|could) (?:i|we|you) (?:know|tell)|what (?:should|do|would) (?:i|we) do if|"
    r"what if|what are the (?:signs|symptoms)|(?:signs|symptoms) (?:that|of)|in case|how can (?:i|we|you) tell|"
    r"if (?:she|he|they|someone|my \w+) ever|what happens if|is it possible to)\b")
_PRESENT = re.compile(
    # "can I still do KAP" asks about eligibility, it says nothing about the present
    # "starting therapy again" is about therapy, not the risk coming back
    r"\b(?:(?<!therapy )(?<!counseling )(?<!counselling )(?<!treatment )(?<!a therapist )again|"
    r"(?<!can i )(?<!could i )(?<!would i )(?<!am i )(?<!do i )still(?! (?:there|visible|show|"
    # the after-effects of a past that is over: "intimacy is still hard", asked about rather than paged
    r"hard|difficult|tough|affects|affecting|struggl\w*|haunts|impacts|painful|"
    # grief keeps someone in mind: "I still think about it every day", "still miss her"
    r"think about (?:it|him|her|them)|miss|grieve|grieving|remember|love|have (?:the )?scars|"
    r"have (?:his|her|their) (?:number|phone number|voicemail|texts|things|stuff|clothes|photos|room)))|"
    r"lately|recently|these days|tonight|today|right now|this week|"
    r"currently|started|back(?! (?:in|when|then))|worse|"
    r"(?<!relevant )(?<!an issue )(?<!a problem )(?<!do that )(?<!do it )(?<!of them )(?<!of it )anymore)\b"
)
# A past that has come back ("started again", "relapsed"; "therapy again" is about therapy).
_RETURNED_WORDS = (r"\b(?:(?<!therapy )(?<!counseling )(?<!counselling )(?<!treatment )(?<!a therapist )again|"
                   r"relapsed|slipped|back at it|came back|coming back|returned)\b")
# Self-harm named with its return ("cutting ... started again").
_SELF_HARM_RELAPSE = re.compile(
    r"\b(?:cut|cutting|self[- ]?harm\w*|hurting myself|burning myself|suicidal (?:thoughts|urges))\b[^.!?]{0,60}"
    + _RETURNED_WORDS)
_RISK_WORDS = re.compile(r"\b(?:suicid\w*|self[- ]?harm\w*|cut myself|cutting|kill|die|dying|alive|overdose|jump|"
                         r"abus\w*|violen\w*)\b")

# Figures of speech and ordinary uses of risk words. They only ever lower a *model's*
# crisis guess; a real risk phrase elsewhere in the message still wins.
_FIGURES_OF_SPEECH = re.compile(
    r"\b(?:is|are|was|were|'s|'re|be|been) (?:literally |absolutely |really |just |slowly )?killing me\b|"
    r"\bdying (?:to|for|of laughter|of embarrassment|laughing)\b|\bto die for\b|\bplay(?:s|ed|ing)? dead\b|"
    r"\b(?:killing|killed|kill) it\b|\bkill(?:ing)? (?:some |the )?time\b|"
    r"\bkill (?:for|two birds)\b|\bdead (?:tired|serious|end|line|on|set|beat|wrong|quiet)\b|"
    r"\bdeadline|\bto death\b|\bdied (?:laughing|of embarrassment)\b|"
    r"\b(?:phone|battery|laptop|car|computer|plant|plants|conversation|party) (?:is |has |just )?died\b|"
    r"\bwill kill me if\b|\bgoing to kill me if\b|"
    r"\bkiller\b|\bover my dead body\b|\bdrop dead\b|\bcould die (?:of|from) (?:embarrassment|shame|happiness)\b|"
    r"\bdying (?:here|over here)\b|\bpainkillers?\b|\b(?:be|die|died|dead) of old age\b|"
    r"\b(?:nobody|no one|none of us) gets out (?:of (?:\w+ )?)?alive\b|"
    r"\b(?:near|near-)death experience\b|\b(?:to|into) an early grave\b|"
    # "this heat wave is going to be the end of me": a thing, not the writer, is the subject
    r"\b(?:this|that|these|those|the|my|your|our) (?:\w+ ){0,3}(?:is|are|was|will be|'ll be|'s going to be|"
    r"is going to be|are going to be|is gonna be|gonna be) (?:the )?(?:end|death) of me\b"
)

# Mentions of the topic that are not a personal risk statement: blanked before matching,
# so a risk phrase elsewhere in the same message still counts.
_TOPIC_MENTIONS = re.compile(
    # the idiom "I'll sleep when I'm dead" (a motto about overwork, not a thought of death)
    r"\b(?:i'll|i will|you can|can|gonna|going to) (?:sleep|rest) when (?:i'm|i am|you're|you are|we're) dead\b|"
    r"\b(?:died|dies|die|dying|death|deaths|(?:lost|losing|lose|loses) \w+(?: \w+){0,3}) (?:by|to|from) suicide\b|"
    # a comfort joked about: "my coffee maker is the only thing keeping me alive before 9am" (not "my cat is")
    r"\b(?:coffee|caffeine|espresso|coffee maker|energy drinks?|red bull|snacks?|chocolate|naps?|memes|spite|tea|"
    r"iced coffee|sugar|diet coke|cold brew)\b(?: \w+){0,3} (?:is|are|'s) (?:\w+ )?the only thing keeping me "
    r"(?:alive|going|sane|upright|awake)\b|"
    # ... or told the other way round: "the only thing keeping me going is spite and iced coffee"
    r"\bthe only thing keeping me (?:alive|going|sane|upright|awake)(?: \w+){0,2} (?:is|are|=) (?:\w+ )?(?:coffee|"
    r"caffeine|espresso|energy drinks?|red bull|snacks?|chocolate|naps?|memes|spite|tea|iced coffee|sugar|diet coke|"
    r"cold brew|pettiness|gossip)\b|"
    r"\b(?:character|protagonist|villain|hero|narrator)s?\b.{0,40}\b"
    r"(?:suicide|kills? (?:himself|herself|themselves))\b|"
    r"\b(?:asks?|asking|questions?|screens?|screening|research|statistics|rates?) (?:about|for|on|of) "
    r"(?:suicid\w*|self[- ]?harm\w*)|"
    r"\b(?:history|past) of (?:self[- ]?harm\w*|suicid\w*(?: attempts?)?)\b|"
    r"\b(?:old |past |previous )?(?:self[- ]?harm|suicid\w*(?: attempts?)?) (?:history|past)\b|"
    # idioms of embarrassment and overwork: "I want to die of embarrassment", "killing myself trying to please
    # everyone"; and a simile ("my coach says I hit like I want to murder someone")
    r"\b(?:want to|wanted to|could|going to|about to|i'll|i will|gonna|i'd|would) (?:literally )?die of "
    r"(?:embarrassment|cringe|boredom|laughter|cuteness|secondhand embarrassment)\b|"
    r"\bkill(?:ing)? myself (?:trying to|to) (?:please|keep up|make ends meet|impress|finish|meet|get everything|"
    r"be perfect|be everything|hold everything|keep everyone)\b|"
    r"\b(?:hit|hits|punch|punches|play|plays|swing|swings|look|looks) like (?:i|you|he|she|they) "
    r"(?:want|wants|wanted) to (?:murder|kill) (?:someone|somebody|the ball|it)\b|"
    # a show's or book's handling of the subject: "how it portrays suicide"
    r"\b(?:portray\w*|depict\w*|romanticiz\w*|glamoriz\w*) (?:of )?suicide\b|"
    # "my sister is going to strangle me for telling you this"; "if tax season doesn't take me out, nothing will"
    r"\b(?:is|are|'s|'re|will|'ll) (?:going to |gonna )?(?:kill|strangle|murder|skin) me for (?:telling|saying|"
    r"sharing|spilling|posting|showing|admitting)\b|"
    r"\bif (?:\w+ ){1,4}(?:doesn't|does not|didn't|won't|don't) (?:take me out|kill me|finish me off),? nothing "
    r"will\b|"
    # a joke about neglected things: "my houseplants are on suicide watch"
    r"\b(?:plants?|houseplants?|succulents?|cactus|fern|orchids?|garden|fish|goldfish|sourdough|starter|"
    r"tamagotchi|phone|laptop|battery|car|wallet|bank account|budget|gpa|grades?|fantasy team)\b"
    r"(?: \w+){0,3} on suicide watch\b|"
    r"\bsuicide (?:rates?|statistics|prevention|awareness|scenes?|hotline|risk|research)\b|"
    r"\b(?:article|movie|film|show|series|book|novel|news|podcast|documentary|episode|song|story|play|anime|"
    r"game|memoir|biography|screenplay|essay|poem|docuseries|audiobook|headline)\b.{0,50}\bsuicide\b|"
    r"\b(?:my|his|her|their|a) (?:\w+ )?(?:attempted|committed|tried) suicide\b|"
    r"\bused to (?:self[- ]?harm|cut(?: myself)?|hurt myself)\b(?=.{0,60}\b(?:years? ago|in (?:high school|"
    r"college|my teens))\b)|"
    r"\brisk of overdose\b|\boverdose risk\b|"
    r"\bsuicide (?:loss|survivors?|bereavement|grief|squad|attempt survivors?)\b|\brisk of suicide\b|"
    r"\bwarning signs of (?:suicide|self[- ]?harm)\b|"
    r"\b(?:caffeine|coffee|sugar|chocolate|netflix|carb|cookie) overdose\b|"
    r"\boverdos(?:e|ed|ing) on (?:coffee|caffeine|sugar|chocolate|netflix|tv|carbs|cookies|work)\b|"
    r"\b(?:took|taken|taking) (?:a bunch of|some|lots of|a few|a lot of) (?:shots to the head|hits|punches|"
    r"shots at|photos|pictures|selfies|"
    r"notes|breaks|classes)\b"
)

_NEGATORS = re.compile(
    r"\b(?:not|never|no|don't|do not|didn't|did not|won't|will not|wouldn't|would not|"
    r"haven't|have not|hasn't|isn't|aren't|wasn't|am not|'m not|nor|without|denies?|deny)\b"
)
# Phrases that contain a negator but do not negate what follows them.
_PSEUDO_NEGATIONS = re.compile(
    r"\b(?:can't|cannot|can not|couldn't|could not) (?:stop|help|shake|get rid of|escape)\b|"
    r"\bnot sure\b|\bno longer\b|\bnot anymore\b|\bno (?:more|mor|moar)\b|\bno one\b|\bnot just\b|\bnot only\b|"
    r"\bno matter\b|\bnever stop\b|\bnever go away\b|\bdon't know\b|\bno idea\b|"
    r"\b(?:won't|will not|doesn't|does not|didn't|did not|never) (?:stop|leave me alone)\b|"
    r"\b(?:didn't|did not|don't|do not|haven't|have not) (?:mention|tell|say|put|write|include)\b|"
    r"\bnot (?:okay|ok|fine|safe|well|doing well|good)\b|"
    # fillers that announce candour: "not gonna lie I want to be dead"
    r"\bnot (?:gonna|going to|gunna) (?:lie|pretend|sugarcoat it)\b|\bnot to be dramatic\b|\bno lie\b"
)
_NEGATION_WINDOW = 5  # words before a risk phrase that a negator may stand in


def _negated(text: str, match: "re.Match[str]") -> bool:
    if _NEGATORS.match(match.group(0)) or _NOT_SAFE.fullmatch(match.group(0)):
        return False  # the phrase carries its own negation: "don't want to live", "no, I'm not safe"
    before = text[: match.start()]
    boundaries = list(_CLAUSE_BOUNDARY.finditer(before))
    if boundaries:
        before = before[boundaries[-1].end():]
    before = _PSEUDO_NEGATIONS.sub(" ", before)
    window = " ".join(before.split()[-_NEGATION_WINDOW:])
    return bool(_NEGATORS.search(window))


_SENTENCE_END = re.compile(r"(?<=[.!?;\n])\s+|\s+(?:anyway|anyways|but|also|btw|ps)[,:]?\s+", re.IGNORECASE)


def sentences(text: str) -> List[str]:
    """The sentences and clauses of a message that are worth judging on their own (3+ words)."""
    parts = [part.strip() for part in _SENTENCE_END.split(text or "") if part and part.strip()]
    return [part for part in parts if len(part.split()) >= 3]


# A run-on sentence ("..., I'm a teacher and this year has been rough, and honestly last week I sat in my car
# with my husband's gun for an hour trying to work up the nerve, anyway do you take Blue Cross?") hides a risk
# clause among its commas: a sentence this long is also judged clause by clause.
LONG_SENTENCE_WORDS = 20
_CLAUSE_BREAK = re.compile(r",\s+|\s+-{1,2}\s+|\s+\u2014\s*|\s+(?:and (?:then|honestly|tbh|now)|so now)\s+",
                           re.IGNORECASE)


def clauses(text: str) -> List[str]:
    """The clauses (4+ words) of each sentence of 20 words or more; none for shorter sentences."""
    found: List[str] = []
    for sentence in _SENTENCE_END.split(text or ""):
        sentence = (sentence or "").strip()
        if len(sentence.split()) < LONG_SENTENCE_WORDS:
            continue
        found.extend(clause.strip().rstrip(",;:") for clause in _CLAUSE_BREAK.split(sentence)
                     if clause and len(clause.split()) >= 4 and clause.strip() != sentence)
    return found


_PLAIN_ANSWER_WORDS = re.compile(
    r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?s?|weekdays?|weekends?|week|"
    r"mornings?|afternoons?|evenings?|nights?|noon|midday|lunch(?:time)?|early|late|after|before|"
    r"around|between|from|to|till|until|and|or|&|any|anytime|time|times|day|days|most|best|is|are|"
    r"works?|work|good|fine|free|available|only|usually|also|the|in|on|at|a|an|pm|am|p\.m\.|a\.m\.|"
    r"\d{1,2}(?::\d{2})?(?:am|pm)?|o'clock|ish|next|this|please|thanks|maybe|probably|either|"
    r"except|but|not|no|yes|ok|okay|i'm|im|i|can|do|generally|tomorrow|today|tonight|"
    r"several|more|than|half|nearly|almost|every|all|of|never|sometimes|often|rarely|always|lot|"
    r"little|bit|somewhat|quite|very|really|hardly|ever|once|twice|couple|"
    r"so|would|be|ideal|great|perfect|better|easiest|easier|prefer|preferably|shift|shifts|"
    r"guess|think|say|i'd|id|prob|probs|tbh|honestly|roughly|about|like|hmm|um|"
    # the same in Spanish (accents removed): "cualquier dia por la tarde", "los lunes en la manana"
    r"(?:lunes|martes|miercoles|jueves|viernes|sabados?|domingos?|dias?|semanas?|fines?|mananas?|tardes?|noches?|"
    r"mediodia|cualquier|cualquiera|por|la|las|el|los|en|de|y|o|entre|despues|antes|solo|mejor|todos?|todas?|horas?)"
)
_PLAIN_ANSWER_ANCHORS = re.compile(
    r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?s?|weekdays?|weekends?|mornings?|"
    r"afternoons?|evenings?|nights?|noon|\d{1,2}(?::\d{2})?(?:am|pm)?|days|several|half|nearly|never|"
    r"sometimes|often|rarely|always|all|lunes|martes|miercoles|jueves|viernes|sabados?|domingos?|mananas?|tardes?|"
    r"noches?|mediodia"
)


def looks_like_plain_answer(text: str) -> bool:
    """Only days, times, frequencies and joining words ("Tuesday and Thursday afternoons", "more than
    half the days"): an availability or questionnaire answer, which carries no risk whatever a
    model makes of it (the questionnaires ask about risk themselves)."""
    text = "".join(ch for ch in unicodedata.normalize("NFKD", (text or "").lower()) if not unicodedata.combining(ch))
    words = [word.strip(".,!") for word in re.findall(r"[a-z0-9:.'&,!]+", text)]
    words = [word for word in words if word]
    return bool(words) and all(_PLAIN_ANSWER_WORDS.fullmatch(word) for word in words) and any(
        _PLAIN_ANSWER_ANCHORS.fullmatch(word) for word in words)


# A questionnaire item quoted and answered no ("thoughts of hurting myself: no, not at all", "the one
# about being better off dead? not at all"): the words of the item are not the person's own.
_SCREEN_ITEM = re.compile(
    r"\b(?:thoughts? (?:of|about|that)|the (?:one|question|item) (?:about|on|where)|question (?:\d|nine)|"
    r"item (?:\d|nine)|number (?:\d|nine)|have you|do you|did you|were you|in the (?:past|last) (?:two|2) weeks)\b")
_NO_ANSWER = re.compile(
    r"(?:[?:]|\s-+)\s*(?:no|nope|never|none|not at all|not once|zero|0)"
    r"(?:[,.!]* +(?:not at all|never|none|not once|not really|thankfully|thank god))*[.!]*\s*$")
_OWN_INTENT = re.compile(r"\bi (?:want|will|'m going|am going|plan|wanna|'ll|'m gonna)\b")


def negative_screen_answer(normalised: str) -> Optional[int]:
    """Where a quoted questionnaire item ends and its "no" begins, or None."""
    answer = _NO_ANSWER.search(normalised)
    if not answer or len(normalised.split()) > 16:
        return None
    item = normalised[: answer.start()]
    if not _SCREEN_ITEM.search(item) or _OWN_INTENT.search(item):
        return None
    return answer.start()


# A name typed as an answer ("Samantha Hurt", "Mark Killmer"): two or three capitalised words with
# nothing that could make a sentence of them.
_NOT_IN_NAMES = re.compile(r"(?:i|me|my|myself|you|him|her|them|us|it|to|want|wanna|will|going|gonna|now|"
                           r"help|please|tonight|today|yourself|everyone|someone|all)", re.IGNORECASE)


def looks_like_name(text: str) -> bool:
    words = (text or "").strip().rstrip(".").split()
    return 2 <= len(words) <= 3 and all(
        re.fullmatch(r"[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?", word) and not _NOT_IN_NAMES.fullmatch(word)
        for word in words)


# One's own body as what might be hurt ("I don't want to hurt my heart", "will it damage my liver"):
# a worry about a medicine's safety, not harm to anyone.
_OWN_BODY = re.compile(
    r"\b(?:hurt|hurting|harm|harming|damage|damaging|wreck|wrecking|mess up|kill|killing|fry|frying) "
    r"(?:my|your|the) (?:heart|liver|kidneys?|body|brain|stomach|gut|health|back|knees?|teeth|blood pressure|"
    r"bladder|lungs?|memory|sleep|voice|eyes|skin)\b|"
    # an injury ("my partner hurt his back", "hurt my knee at soccer"): a body part, not a person
    r"\b(?:hurt|hurts|hurting|injured|injures|pulled|tore|sprained|twisted|broke|bruised) (?:my|his|her|their|your) "
    r"(?:back|lower back|knees?|shoulders?|ankles?|neck|hamstrings?|hips?|foot|feet|toes?|elbows?|ribs?|acl|"
    r"groin|calf|achilles)\b")
# A question about medicines in general ("harmful interactions between lithium and ibuprofen?",
# "is it safe to take X with Y?"): the risk words name what is asked about, not an intention.
_MEDICATION_SAFETY = re.compile(
    r"\b(?:harmful|dangerous|bad|serious|unsafe|risky|deadly|fatal)? ?(?:drug |medication |medicine )?"
    r"interact(?:ions?|s)?\b|"
    r"\b(?:is it|is that|are they|would it be|it's|it is)? ?(?:harmful|dangerous|unsafe|safe|ok|okay|risky|bad) "
    r"(?:to (?:take|mix|combine|use|drink|stop|have)|together|with)\b|"
    r"\b(?:mix|mixing|combine|combining)\b|"
    # "is there such a thing as too much melatonin? my kid takes 3mg"
    r"\b(?:such a thing as too much|how much is too much|overdo it|max(?:imum)? (?:dose|amount)|safe (?:dose|amount)|"
    r"the most \w+ (?:per day |a day |at once )?(?:that's|that is|i can|you can|she can|he can|someone can)|"
    r"upper limit|safely take|safe to take)\b")
_MEDICINE_NAMED = re.compile(
    rf"\b(?:{_MED}|ssris?|snris?|maois?|benzos?|antidepressants?|supplements?|alcohol|wine|beer|melatonin|"
    r"tramadol|adderall|wellbutrin|bupropion|buspirone|gabapentin|st\.? john'?s wort|cold medicine|"
    r"antibiotics?|birth control|tylenol|naproxen|aleve|motrin|suboxone|naltrexone|propranolol)\b")
# Words that can carry risk in a question: with none of them, a question about services is a question.
_RISK_VOCABULARY = re.compile(
    r"\b(?:die|died|dies|dying|dead|death|kill\w*|suicid\w*|hurt\w*|harm\w*|self[- ]?harm|end (?:it|my|things)|"
    r"ending (?:it|my|things)|overdos\w*|pills?|gun|guns|knife|knives|blade|razor|rope|noose|bridge|roof|ledge|"
    r"jump(?!y\b)\w*|cut|cuts|cutting|bleed\w*|blood|hit|hits|hitting|beat|beats|beating|abus\w*|rape\w*|assault\w*|"
    r"threat\w*|unsafe|not safe|danger\w*|scared|afraid|terrified|alive|living|gone|goodbye|bye|hopeless|"
    r"burden|point|emergency|911|988|ambulance|poison\w*|swallow\w*|breath\w*|lethal|fatal|enough to|too much|"
    r"how much would|peaceful\w*|forever|seizure|unconscious|passed out|faint\w*|chest|touch\w*|lock\w*|"
    r"chok\w*|strangl\w*|swell\w*|swollen|hives|stalk\w*|follow\w*|hid\w*|escape|police|weapon|bat|hammer|"
    r"burn myself|burning myself|"
    r"punish\w*|revenge|pay for|regret|disappear|sleep forever|wake up|weight of|nothing left|last|final|"
    r"notes?|letters?|do it|be here|(?:won't|not|no longer) be around|be around (?:much longer|by|in|for long)|"
    r"still here|revolver|pistol|rifle|firearm|shotgun|how high|high enough|drown\w*|hang\w*|tracks|train|"
    r"garage|exhaust|tonight|weekend|ready|"
    r"(?<!parents' )(?<!parent's )(?<!insurance )(?<!health )(?<!payment )(?<!treatment )(?<!family )(?<!dental )"
    r"plan\w*(?! (?:financially|ahead|around|my (?:budget|schedule|finances|week|time)|for (?:the|my) (?:cost|costs|"
    r"budget|schedule|time|sessions?|appointments?)))|"
    r"anymore|tired of|give up|giving up|can't go on|can't do this|worthless|numb|trapped|no way out|"
    r"without me|better off|deserve|soon|won't need|miss me|sorry for everything|take care of my|rehom\w*|"
    r"bottles?|whole|at once|all of them|all my|"
    r"(?:shoot|shot|stab|stabbed) (?:me|him|her|them|myself|you)|stabb\w*|\d+ (?:\w+ )?(?:would be |be |is )?enough|"
    r"enough (?:of (?:them|my|the|her|his)|to (?:die|kill|not wake|end|stop))|would be enough|(?:it )?would take|"
    r"decide i'?m done|i'?m done with (?:life|living|it all|everything))\b")


QUESTION_WITHOUT_RISK = "question without a risk word"


def unfounded_model_guess(text: str) -> Optional[str]:
    """Why a crisis guess of the model alone (no risk phrase matched) should be dropped, or None.
    A plain answer (a time, a frequency), a name, a questionnaire item answered no, or an English
    question about services or treatment with no word that could carry risk: the model learned crisis
    words from many crisis examples and takes ordinary questions for them."""
    if looks_like_plain_answer(text):
        return "plain answer"
    # "More than half the days. It's been like this since the fall.": the answer, then a remark with no
    # word that could carry risk
    parts = re.split(r"(?<=[.,;!])\s+", (text or "").strip(), maxsplit=1)
    if len(parts) == 2 and looks_like_plain_answer(parts[0]) and not _RISK_VOCABULARY.search(normalise(parts[1])):
        return "plain answer"
    if looks_like_name(text):
        return "name"
    # a short yes or no with a word or two ("no thanks, I'll call myself")
    if re.fullmatch(r"(?:no|nope|nah|yes|yeah|yep|sure|ok|okay)\b.{0,40}", normalise(text)) and len(
            text.split()) <= 8 and not _RISK_VOCABULARY.search(normalise(text)):
        return "plain answer"
    normalised = normalise(text)
    if negative_screen_answer(normalised) is not None:
        return "screening item answered no"
    if looks_spanish(normalise_es(text)):
        return None
    # (a question opened by "anyway, ..." is not enough here: dropping the guess needs a plain question)
    if _has_question(normalised, lead_in=False) and not _RISK_VOCABULARY.search(_plain_question_text(normalised)):
        return QUESTION_WITHOUT_RISK
    return None


def asks_question(text: str) -> bool:
    """Whether an English message asks something: a sentence ending in "?" or opening like a question
    ("how long is a session", "anyway, is that dangerous")."""
    return _has_question(normalise(text), lead_in=True)


def _has_question(normalised: str, lead_in: bool) -> bool:
    """A "?" or a sentence opening like a question; with `lead_in`, also after "anyway, ..." or a comma
    ("she might double up, how risky is that")."""
    boundary = r"(?<=[.!?,;])\s+" if lead_in else r"(?<=[.!?])\s+"
    return normalised.rstrip().endswith("?") or any(
        part.rstrip().endswith("?") or _INTERROGATIVE.match(_LEAD_IN.sub("", part) if lead_in else part)
        for part in re.split(boundary, normalised))


# "anyway, do you do evening sessions", "ok so how long is a session"
_LEAD_IN = re.compile(
    r"^(?:(?:anyway|anyways|so|also|and|but|btw|ok|okay|well|quick question|oh|hi|hey|um|uh)\b[,:]? ?)+")


def _plain_question_text(normalised: str) -> str:
    """The message less the words of an injury or of a medicine question, which name what is asked about."""
    text = _OWN_BODY.sub(" ", normalised)
    if _MEDICINE_NAMED.search(text):
        text = _MEDICATION_SAFETY.sub(" ", text)
    return text


def resolved_past(text: str) -> bool:
    """A past that is over and nothing bringing it into the present."""
    normalised = normalise(text)
    return bool(_RESOLVED.search(normalised)) and not _PRESENT.search(normalised)


# "can't stop" and "won't" open no question
_INTERROGATIVE = re.compile(r"^(?:do|does|can|could|is|are|what|how|when|why|who|which|would|will|should|"
                            r"have|has|any)\b(?!'t)")
_FIRST_PERSON_NOW = re.compile(r"\b(?:i'm|i am)\b(?! (?:a|an|the)\b)|\b(?:i feel|i've been|i have been|i keep|"
                               r"i want|i think about|i can't|i have|my own|for me)\b")


# The writer's own state named with the subject word ("I'm suicidal", "I've been self harming again").
_OWN_STATE = re.compile(
    r"(?:\b(?:i'm|i am|im|i feel|i've been|i have been|i've|i was|i keep|i get|i started|i'm still|i am still|"
    r"i'm currently|i am currently)|(?:^|[.!?,;] ?)(?:been|feeling|getting))(?: \w+){0,2} (?:suicidal|"
    r"self[- ]?harm(?:ing)?|"
    r"self[- ]?injur(?:ing|y))\b(?! (?:clients|patients|students|people|teens|kids|youth|awareness|training|"
    r"prevention|history|research|cases|topics?|content|policy|protocol))")


def _asked_about(normalised: str, matched: str) -> Optional["re.Match[str]"]:
    """The subject word sits in a question about services or information ("Do you see people after
    a suicide attempt?"), and the message says nothing about the writer's own present."""
    if _FIRST_PERSON_NOW.search(normalised) or _PRESENT.search(normalised):
        return None
    for sentence in re.split(r"(?<=[.!?])\s+", normalised):
        if matched in sentence and (sentence.rstrip().endswith("?") or _INTERROGATIVE.match(sentence)):
            return re.match(r".+", sentence)
    return None


def normalise_es(text: str) -> str:
    """Lower case without accents, with a few spellings people type in a hurry."""
    text = unicodedata.normalize("NFKD", (text or "").lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"\bkiero\b", "quiero", text)
    text = re.sub(r"\baki\b", "aqui", text)
    # b and v sound alike, and the h is silent: "ya no kiero bibir ... oy"
    text = re.sub(r"\b(?:bibir|vibir|bivir)\b", "vivir", text)
    text = re.sub(r"\bbida\b", "vida", text)
    text = re.sub(r"\boy\b", "hoy", text)
    return re.sub(r"\s+", " ", text).strip()


_ES_NEGATORS = re.compile(r"\b(?:no|nunca|ni|sin|jamas)\b")
_RESOLVED_ES = re.compile(r"\bhace (?:\w+ )?anos\b|\bcuando era (?:nin[oa]|joven|adolescente|chic[oa])\b|"
                          r"\bahora estoy bien\b|\bya lo supere\b")
_PRESENT_ES = re.compile(r"\b(?:otra vez|de nuevo|todavia|aun|ahorita|hoy|esta noche|esta semana|ultimamente)\b")
_ES_WORDS = re.compile(r"\b(?:que|de|no|me|mi|la|el|y|estoy|quiero|ya|por|con|para|es|lo|se|yo|una?|"
                       r"mas|todo|esta|tengo|pero|mis|los|las|le|del|muy|hoy|ahorita|porque)\b")
_EN_WORDS = re.compile(r"\b(?:the|i|my|to|and|is|you|it|of|a|not|i'm|im|am|me|in|this|that|just|have|for|with|"
                       r"do|what|how|so|but|be|are|was|don't|dont)\b")


def looks_spanish(normalised: str) -> bool:
    """At least as many common Spanish words as English ones (and at least one)."""
    spanish = len(_ES_WORDS.findall(normalised))
    return spanish > 0 and spanish >= len(_EN_WORDS.findall(normalised))


# A severe reaction to a medicine (serotonin syndrome, neuroleptic malignant syndrome) shows as a cluster
# of body signs, each ordinary on its own: sweating or a tremor after a new SSRI is a common side
# effect, fever with twitching and confusion after one is an emergency. So it counts groups of signs.
_SYMPTOM_GROUPS = {
    "fever": re.compile(r"\b(?:fever|feverish|(?:high|very high) temperature|temp(?:erature)? (?:is |of )?"
                        r"(?:10[2-9]|39|40|41)|burning up)\b"),
    "muscles": re.compile(r"\b(?:twitch\w*|jerk\w*|spasms?|muscles? (?:are |is |feel |feels )?(?:stiff|rigid|locked)|"
                          r"stiff muscles|rigid|rigidity|tremors?|shaking|shaky|shivering|clonus)\b"),
    "sweating": re.compile(r"\b(?:sweat\w*|drenched|soaked)\b"),
    "mind": re.compile(r"\b(?:confus\w*|disoriented|agitated|agitation|hallucinat\w*|can't think straight|"
                       r"don't know where i am|delirious|not making (?:any )?sense|making no sense|talking nonsense|"
                       r"out of it|"
                       r"doesn't (?:know|recognize) (?:me|us|where)|does not (?:know|recognize) (?:me|us|where))\b"),
    "heart": re.compile(r"\b(?:heart (?:is )?(?:racing|pounding)|racing heart|pounding heart|heart rate (?:is )?"
                        r"(?:through the roof|really high|1[3-9]\d))\b"),
}
_NEW_MEDICINE = re.compile(
    r"\b(?:started|starting|new|increased|increasing|upped|raised|switched|added|doubled|began|combined|mixed)\b"
    r".{0,40}\b(?:antidepressants?|ssris?|snris?|maois?|meds?|medications?|medicines?|pills?|prescriptions?|"
    rf"doses?|tramadol|triptans?|st\.? john'?s wort|{_MED})\b|"
    rf"\b(?:since|after) (?:increasing|starting|raising|upping|switching|adding)\b"
)


def _reaction_cluster(normalised: str) -> Optional[str]:
    """Three groups of signs after a new or higher medicine, or four without one, not negated."""
    groups = []
    for name, pattern in _SYMPTOM_GROUPS.items():
        if any(not _negated(normalised, match) for match in pattern.finditer(normalised)):
            groups.append(name)
    needed = 3 if _NEW_MEDICINE.search(normalised) else 4
    return "reaction: " + ", ".join(groups) if len(groups) >= needed else None


# The same signs in Spanish ("fiebre muy alta, temblores y el corazón bien acelerado desde que me subieron la
# dosis del antidepresivo"), on text from normalise_es.
_SYMPTOM_GROUPS_ES = {
    "fever": re.compile(r"\b(?:fiebre|calentura|temperatura (?:muy )?alta|ardiendo)\b"),
    "muscles": re.compile(r"\b(?:temblores|temblando|tiemblo|espasmos?|rigid[oa]s?|tiesos?|tiesas?|"
                          r"musculos (?:duros|rigidos|tiesos)|sacudidas|contracciones)\b"),
    "sweating": re.compile(r"\b(?:sudando|sudor|sudo mucho|empapad[oa])\b"),
    "mind": re.compile(r"\b(?:confundid[oa]|desorientad[oa]|no se donde estoy|alucin\w*|no (?:me )?reconoce|"
                       r"no tiene sentido lo que dice|agitad[oa])\b"),
    "heart": re.compile(r"\bcorazon (?:\w+ )?(?:acelerado|muy rapido|a mil|latiendo (?:muy )?(?:rapido|fuerte))\b|"
                        r"\btaquicardia\b"),
}
_NEW_MEDICINE_ES = re.compile(
    r"\b(?:me (?:subieron|aumentaron|cambiaron|dieron)|empece|empezo|nuev[oa]|desde que (?:tomo|tome|empece))\b"
    r".{0,40}\b(?:dosis|medicina|medicamento|pastillas?|antidepresivos?|tratamiento|receta)\b")


def _reaction_cluster_es(spanish: str) -> Optional[str]:
    """_reaction_cluster for Spanish text."""
    groups = [name for name, pattern in _SYMPTOM_GROUPS_ES.items() if pattern.search(spanish)
              and not re.search(r"\b(?:no|sin|ni)\s+(?:\w+\s+)?" + pattern.pattern, spanish)]
    needed = 3 if _NEW_MEDICINE_ES.search(spanish) else 4
    return "reaction: " + ", ".join(groups) if len(groups) >= needed else None


# Hyperbole: a wish to die pinned on an everyday nuisance, with humour markers ("my commute is so bad
# I want to die every morning haha") is likely a joke but not certainly: the person is asked (the
# check-in shows 988) instead of getting the full protocol. Only a wish is softened this way, and
# only with both the nuisance and the laugh: "wish i was dead lol" stays a crisis (a laugh alone
# often masks distress), and so do intent, a plan, means, an act already done, and a message that
# says it is serious.
_HUMOUR = re.compile(r"\b(?:ha(?:ha)+h?|hah|lo+l+|lmf?ao+|rofl|jk|j/k|just (?:kidding|joking)|kidding|joking)\b|"
                     r"[\U0001F602\U0001F923\U0001F605\U0001F606\U0001F61C\U0001F643\U0001F480]|"
                     r"(?<!\w):\)|(?<!\w)/s\b")
_SERIOUS = re.compile(r"\bnot (?:joking|kidding|a joke)\b|\bno joke\b|\b(?:i'm|i am) serious\b|\bseriously though\b|"
                      r"\b(?:for|asking for) real\b|\bfr\b|\bnot really (?:lol|haha|jk)\b|\bhalf joking\b|"
                      r"\bonly half\b")
_WISH_ONLY = re.compile(r"(?:i )?(?:just )?(?:want|wanted|wanting|wish|wishing) to (?:die|be dead)|"
                        r"i (?:just )?want to be dead|wish (?:i|i'd|i had) (?:was|were|been) dead|"
                        # the same joke told with a way of dying: "this paperwork makes me want to jump out a
                        # window haha", "one more form and I'll shoot myself, jk"; asked about, not ignored
                        r"(?:i )?(?:just )?(?:want|wanted|wanting) to jump|shoot myself|"
                        r"(?:walk|walking) into the (?:sea|ocean)")


# Means, a plan or a time next to the wish: then it is not softened, whatever the tone.
_PLAN_OR_MEANS = re.compile(
    rf"\b(?:{_MED}|pill|rope|noose|gun|rifle|pistol|knife|blade|razor|bridge|roof|ledge|tracks|plan|planned|"
    r"planning|ready|tonight|tomorrow|note|letters?|goodbye|decided|method|how to|soon|date|"
    # marks of an act already done
    r"cuts?|scratch\w*|scars?|bleed\w*|stitches|burns?|bruises?|relapse\w*|sh)\b"
)


_NUISANCE = re.compile(
    r"\b(?:commute|traffic|meetings?|zoom|emails?|inbox|paperwork|forms?|taxes|tax season|dmv|hold music|"
    r"on hold|waitlist|wait list|queue|line at|insurance|deductible|homework|exams?|finals|midterms|deadline|"
    r"presentation|hangover|cramps|weather|heat|humidity|mondays?|alarm|gym|leg day|group chat|customer service|"
    r"phone calls?|small talk|spreadsheets?|budget|bills|in-laws|team building|retreat|airport|layover|"
    r"dentist|karaoke|my playlist|spoilers?|season finale|cringe|embarrass\w*)\b|"
    # the exasperation frame: "if one more person asks if I've tried yoga ...", "one more email and I'll ..."
    r"\bif (?:\w+ ){0,3}one more\b|\bone more (?:\w+ ){0,2}(?:and|&) i'?ll\b"
)


def light_tone(text: str) -> bool:
    """Humour markers, and nothing that says the message is meant seriously or names means or a plan."""
    normalised = normalise(text)
    return (bool(_HUMOUR.search(normalised)) and not _SERIOUS.search(normalised)
            and not _PLAN_OR_MEANS.search(normalised))


# Context that makes a model's self-harm guess (no risk phrase matched) less likely to be a present
# risk, though not impossible: a laugh, a story in a show or book. Such a guess gets the direct
# question, never the full protocol on the model's word alone. (A firearm, however it is kept,
# never softens anything: beside a guess of any kind of crisis it is means or a threat.)
# Nouns only: "book me for the 20th", "show up" and "play it" are not media.
_MEDIA = re.compile(
    r"\b(?:a|the|this|that|my|his|her|their|our|tv|new|sad|last|favou?rite|horror|crime) "
    r"(?:show|movie|film|series|book|novel|episode|podcast|documentary|game|video game|anime|manga|song|play|"
    r"memoir|biography|screenplay|docuseries|audiobook)s?\b|"
    r"\b(?:characters?|protagonist|narrator|lyrics|netflix|hbo|hulu|book club|season finale|true crime|tv show|"
    r"memoir|biography|screenplay)\b")
# "I'm reading a novel where ...", "I'm watching a documentary": the story is the subject, not the writer.
_MEDIA_ACTIVITY = re.compile(r"\b(?:i'm|i am|i've been|we're|we are) (?:\w+ )?(?:reading|watching|rewatching|"
                             r"listening to|writing|discussing|studying|finishing|in)\b")


def softening_context(text: str) -> Optional[str]:
    """Why a model-only guess of self-harm or of harm to others should be asked about rather than acted on,
    or None."""
    normalised = normalise(text)
    if light_tone(text):
        return "humour"
    if _MEDIA.search(normalised) and not _FIRST_PERSON_NOW.search(_MEDIA_ACTIVITY.sub(" ", normalised)):
        return "media"
    return None


def hyperbole(text: str) -> bool:
    """A light tone and an everyday nuisance the feeling is pinned on."""
    return light_tone(text) and bool(_NUISANCE.search(normalise(text)))


# The writer says outright there is no danger: a soft cue beside it ("hopeless about the job market,
# but I'm not in danger") is not asked about. Risk phrases are judged before this and still win.
_SAYS_SAFE = re.compile(
    r"\b(?:i'm|i am|im) not in (?:any )?danger\b|"
    r"\bnot (?:thinking|thinking about|thinking of) (?:hurting|harming|killing)"
    r" (?:myself|my self)\b|\bno thoughts of (?:hurting|harming|killing|suicide|ending)\b|"
    r"\bnot suicidal\b|\bnot about (?:living|life|wanting to die|dying|ending (?:it|things|my life)|hurting myself)\b|"
    r"\b(?:i'm|i am|im) (?:totally |completely |perfectly )?safe\b(?! for now| i think| i guess| enough)"
)


# --- Present danger, and risk words kept at a distance ----------------------------------------
# An emergency now, whoever it is about.
_EMERGENCY_NOW = re.compile(
    r"\b(?:not breathing|isn't breathing|is not breathing|stopped breathing|barely breathing|can't breathe|"
    r"won't wake(?: up)?|can't wake (?:him|her|them|it) up|unconscious|unresponsive|not responding|passed out|"
    r"seizure|seizing|overdosing|took too much|taken too much|turning blue|lips are blue|no pulse|collapsed|"
    r"won't stop bleeding|bleeding (?:a lot|heavily|everywhere)|choking|throat (?:is )?(?:closing|swelling))\b")
# The writer in danger or at risk in the present: an intention, means at hand, thoughts that go on.
_FIRST_PERSON_RISK = re.compile(
    r"\bi(?:'m| am|'ve| have|'ll| will)? (?:\w+ ){0,3}?(?:want|wanna|plan|planning|going|gonna|ready|about|"
    r"thinking (?:about|of)|think about|keep thinking|can't stop thinking|tempted|decided)\b.{0,30}"
    r"\b(?:die|dying|dead|kill\w*|end (?:it|things|my life|everything)|suicid\w*|overdos\w*|hurt\w*|harm\w*|"
    r"cut\w*|jump\w*|shoot\w*|stab\w*|pills|do it|doing it|the same)\b|"
    r"\b(?:i have|i've got|i got|i bought|i'm holding|i am holding|have the|got the) (?:a |the |my |some )?"
    r"(?:plan|pills|gun|rope|noose|blades?|razors?|knife)\b|"
    r"\bi(?:'ve| have)? (?:been )?(?:thinking|think) (?:about|of) (?:doing )?(?:it|that|the same)\b|"
    # a farewell: "this is my last message to anyone", "thanks for everything, goodbye"
    r"\b(?:last|final) (?:message|words|time you'll hear)\b|\bgoodbye\b|\bsay(?:ing)? goodbye\b|"
    r"\bwon't be (?:here|around|alive)\b")
# Someone hurting or threatening the writer or a child now (present or habitual, or just now).
_HURTING_NOW = re.compile(
    r"\b(?:hits|hitting|beats|beating|hurts|hurting|threatens|threatening|chokes|choking|abuses|abusing|"
    r"touches|touching|kicks|kicking|slaps|slapping|locks|won't let)\b (?:\w+ )?(?:me|us|her|him|them|my \w+)\b|"
    r"\b(?:hit|beat|hurt|threatened|choked|kicked|slapped|attacked|pushed|shoved|raped|strangled) (?:me|us|my \w+)\b"
    r".{0,40}\b(?:again|last night|yesterday|today|tonight|this morning|right now|just now)\b|"
    r"\b(?:again|last night|yesterday|today|tonight|this morning|right now|just now)\b.{0,40}\b(?:hit|beat|hurt|"
    r"threatened|choked|kicked|slapped|attacked|pushed|shoved|raped|strangled) (?:me|us|my \w+)\b|"
    r"\b(?:said|says|swore) (?:he'd|she'd|they'd|he will|she will|he'll|she'll|they'll|he would|she would) "
    r"(?:kill|hurt|shoot|stab|beat)\b")
# Risk words beside a word that brings them into the present.
_RISK_NOW = re.compile(
    r"^(?=.*\b(?:tonight|right now|rn|today|this week|lately|these days|currently|anymore|again|at the moment)\b)"
    r"(?=.*\b(?:die|dying|dead|kill\w*|suicid\w*|overdos\w*|hurt (?:myself|me)|cut\w*|pills|end (?:it|things|my life)|"
    r"self[- ]?harm\w*)\b)")
# The message is about someone else's wellbeing and says there is no danger ("I don't think she's
# unsafe", "not dangerous, just down", "she's not in any danger").
_OTHERS_NO_DANGER = re.compile(
    r"\b(?:(?:she's|he's|they're|she is|he is|they are) (?:not|never)|(?:she|he|they) (?:isn't|aren't|is not|"
    r"are not)) (?:\w+ )?(?:unsafe|dangerous|in (?:any )?danger|violent|suicidal|a danger)\b|"
    r"\bi (?:don't|do not) think (?:she|he|they|my \w+|our \w+)(?:'s|'re| is| are) (?:\w+ )?"
    r"(?:unsafe|dangerous|in (?:any )?danger|suicidal|"
    r"violent)\b|"
    r"\b(?:not|never) (?:dangerous|violent|unsafe|suicidal|in (?:any )?danger)(?:,| or anything| at all)?"
    r"(?: (?:just|only|but|really))?\b|\bno (?:talk of|sign of|signs of)? ?(?:danger|hurting (?:himself|herself|"
    r"themselves)|self[- ]?harm)\b|\bno danger\b|"
    r"\b(?:she's|he's|they're|she is|he is|they are|(?:he|she) says (?:he's|she's)|they say they're) "
    r"(?:fine|ok|okay|all right|alright|safe)\b|"
    r"\bnot worried (?:that )?(?:she|he|they)(?:'ll| will| would|'d) (?:do anything|hurt)\b|"
    # "he said he felt low last month but he's doing better and already seeing someone"
    r"\b(?:she's|he's|they're|she is|he is|they are) (?:doing (?:much |a lot |way )?(?:better|okay|ok|fine|well)|"
    r"already (?:seeing|in therapy with|working with) (?:someone|a therapist|a counselor|a psychiatrist))\b")
_SOMEONE_ELSE = re.compile(
    r"\b(?:my|our|a) (?:\w+ )?(?:friend|partner|husband|wife|boyfriend|girlfriend|son|daughter|kid|child|teen|"
    r"teenager|mom|mother|dad|father|brother|sister|sibling|roommate|coworker|colleague|cousin|grandma|"
    r"grandmother|grandpa|grandfather|aunt|uncle|niece|nephew|neighbou?r|student|client|patient|fianc\w*)\b")
# Nobody hurts the writer ("No one at home has ever hurt me or threatened me"); "except my husband" is not.
_NOBODY_HURTS_ME = re.compile(
    r"\b(?:no one|nobody|no-one|noone)(?: at home| here| in my (?:home|house|life|family))? (?:has |is |ever )*"
    r"(?:hurt|hurts|hurting|threaten\w*|hit|hits|hitting|abus\w*|harm\w*)"
    r"(?: (?:me|us))?(?: or (?:hurt|hurts|threaten\w*|hit|hits|abus\w*|harm\w*)(?: (?:me|us))?)?\b"
    r"(?!.{0,40}\b(?:except|but|besides|apart from|other than|until|anymore|like)\b)")
# A questionnaire item scored zero ("0 for the one about being better off dead, 2 for feeling down",
# "the dead one: 0"): the words of the item are not the person's own.
_ZERO_SCORED_ITEM = re.compile(
    r"\b(?:0|zero|none|never|not at all)\s*(?:for|on|to)\s+(?:the\s+)?(?:one|question|item|q\d*)\s+"
    r"(?:about|on|where|asking about)\s+[^,;.!?]+|"
    r"\b(?:the\s+)?(?:one|question|item|q\d*)\s+(?:about|on|where|asking about)\s+[^,;.!?:]+?\s*[:=-]?\s*"
    r"(?:0|zero|none|never|not at all)\b")
_GENERAL_INFORMATION = re.compile(
    r"\b(?:i'm|i am|as) an? (?:\w+ ){0,2}(?:counselor|counsellor|nurse|teacher|social worker|pharmacist|paramedic|"
    r"resident|student|researcher|journalist|pastor|chaplain|therapist|psychologist|doctor|physician|emt|"
    r"first responder|coach)\b|\b(?:my|a|for) (?:psych(?:ology)? )?(?:class|paper|thesis|dissertation|project|"
    r"presentation|research|article)\b|\b(?:statistics|rates?) (?:of|on|for)\b|\bresearching\b")


def _present_danger_words(normalised: str) -> bool:
    """_present_danger without the phrase guard (check() itself asks)."""
    normalised = _NOBODY_HURTS_ME.sub(" ", normalised)
    return bool(_EMERGENCY_NOW.search(normalised) or _FIRST_PERSON_RISK.search(normalised)
                or any(not _negated(normalised, match) for match in _HURTING_NOW.finditer(normalised))
                or _RISK_NOW.search(normalised))


def _present_danger(text: str) -> bool:
    """A crisis phrase, an emergency now, someone hurting the writer or a child now, or the writer's own
    present risk (an intention, means at hand, risk words beside "tonight" or "again")."""
    return check(text).is_crisis or _present_danger_words(normalise(text))


def distanced(text: str, phrases_checked: bool = False) -> Optional[str]:
    """Why the risk words of a message are kept at a distance, or None: a story or media, a past that is
    over, a general question about medicines or the topic, someone else's wellbeing with no danger now, or
    grief.
    None whenever there is present danger (see _present_danger), however the message frames it. Used to
    ask rather than act on a crisis guess of the model alone. `phrases_checked`: check(text) has already
    found no crisis phrase (the NLU guard asks only then), so it is not run again."""
    normalised = normalise(text)
    if not normalised:
        return None
    if _present_danger_words(normalised) if phrases_checked else _present_danger(text):
        return None
    if _MEDIA.search(normalised) or _TOPIC_MENTIONS.search(normalised) and _MEDIA_WORDS.search(normalised):
        return "story or media"
    if _RESOLVED.search(normalised) and not _PRESENT.search(normalised):
        return "resolved past"
    question = "?" in normalised or any(_INTERROGATIVE.match(part.strip())
                                        for part in re.split(r"(?<=[.!?])\s+", normalised))
    if question and _MEDICINE_NAMED.search(normalised) and _MEDICATION_SAFETY.search(normalised):
        return "general medication question"
    if question and _MEDICINE_STORED_FROM_OTHERS.search(normalised):
        return "general medication question"
    if _SOMEONE_ELSE.search(normalised) and (_OTHERS_NO_DANGER.search(normalised) or re.search(
            r"\b(?:hurt|hurts|injured|pulled|tore|sprained|twisted|broke|bruised) (?:his|her|their) ", normalised)):
        return "someone else's wellbeing, no danger now"
    if _GENERAL_INFORMATION.search(normalised) and not _FIRST_PERSON_NOW.search(
            re.sub(r"\bi'm (?:a|an|researching|writing|studying)\b", " ", normalised)):
        return "general information"
    if question and _HYPOTHETICAL.search(normalised) and _SOMEONE_ELSE.search(normalised):
        return "a question asked ahead about someone else"
    if _BOOKING_REQUEST.search(normalised):
        return "a request to book"
    if _ACCIDENT.search(normalised) and not _SELF_INFLICTED.search(normalised):
        return "an accident"
    # "my husband's funeral was last week and everyone keeps asking how i'm doing": grief is a reason to ask
    # (a recent loss raises risk), not to run the protocol on the model's word alone; a wish to join the
    # person who died is not grief at a distance
    if _SOMEONES_DEATH.search(normalised) and not _REUNION.search(normalised):
        return "grief"
    return None


_KIN = (r"(?:husband|wife|partner|fianc\w*|boyfriend|girlfriend|mom|mother|mum|dad|father|son|daughter|baby|child|"
        r"brother|sister|friend|best friend|grandma|grandmother|grandpa|grandfather|aunt|uncle|cousin|"
        r"dog|cat|coworker|colleague)")
_SOMEONES_DEATH = re.compile(
    rf"\b(?:my|our|his|her) (?:\w+ )?{_KIN}(?:'s)? (?:funeral|memorial|wake|death|passing)\b|"
    rf"\b(?:my|our) (?:\w+ )?{_KIN} (?:died|passed away|passed)\b")
_REUNION = re.compile(
    r"\b(?:be|go|going) (?:with|to) (?:him|her|them|my \w+)\b|\bjoin (?:him|her|them)\b|\bmy turn\b|"
    r"\bsee (?:him|her|them) again\b|\bfollow (?:him|her|them)\b|\bmy (?:own )?funeral\b")


# "I'd like to book a consultation. I've been putting this off for a year and finally decided"
_BOOKING_REQUEST = re.compile(
    r"\b(?:i'd like to|i would like to|i want to|i wanna|can i|could i|please) (?:book|schedule|set up|sign up for|"
    r"start) (?:a |an |my |the )?(?:free )?(?:consult\w*|appointment|intake|session|call|therapy)\b|"
    r"\bsign me up\b")


# Keeping medicines from others at home ("should I lock up my medications when my teenager has friends
# over?"): household safety asked about, not a plan. Someone else must be named, so "lock up my pills
# from myself" is not covered.
_MEDICINE_STORED_FROM_OTHERS = re.compile(
    r"\b(?:lock(?:ed|ing)? (?:up|away)|lockbox|lock box|store|storing|keep|hide|hiding|safe storage|dispose of)\b"
    r".{0,30}\b(?:medications?|medicines?|meds|pills|prescriptions?|painkillers|opioids)\b.{0,60}"
    r"\b(?:teens?|teenagers?|kids?|children|grandkids|grandchildren|toddlers?|guests|visitors|friends over|"
    r"roommates?|dogs?|cats?|pets?)\b")


# An injury with how it happened ("burned my forearm on the oven rack making cookies", "cut my hand on a
# mandoline"): a kitchen, workshop or sports accident. Blades and razors are never an accident here.
_ACCIDENT = re.compile(
    r"\b(?:burn(?:ed|t)?|cut|sliced|nicked|scraped|scalded|gashed|split|smashed|jammed|sprained|twisted) "
    r"(?:my|his|her|their) "
    r"(?:\w+ )?(?:hand|finger|thumb|arm|forearm|palm|wrist|knuckles?|lip|chin|shin|knee|leg|foot|toe|forehead)\b"
    r".{0,40}\b(?:on (?:the|a|an|my) (?:oven|stove|pan|grill|iron|kettle|mandoline|grater|can|glass|saw|drill|"
    r"fence|rack|tray|counter|door|table|rocks?|ice|court|trail|bike|skateboard|curling iron)|chopping|cooking|"
    r"baking|making|slicing|opening|building|fixing|gardening|playing|climbing|rock climbing|hiking|running|skiing|"
    r"snowboarding|skating|lifting|training|at (?:work|practice|the gym|soccer|hockey|gymnastics|rugby)|"
    r"by accident|accidentally)\b")
_SELF_INFLICTED = re.compile(r"\b(?:on purpose|myself|deliberately|wanted to|again|relaps\w*|razor|blade|"
                             r"to feel|punish\w*|hide|hiding)\b")


_MEDIA_WORDS = re.compile(r"\b(?:article|movie|film|show|series|book|novel|podcast|documentary|episode|song|story|"
                          r"memoir|biography|screenplay|essay|poem|headline|news)\b")


# "what actually happens in therapy? like what's the point of it": what therapy is for, asked.
_POINT_OF_THERAPY = re.compile(r"^(?=.*\?)(?=.*\b(?:therapy|therapist|counsel\w*|sessions?|ketamine|kap)\b)"
                               r"(?:.*\bwhat'?s the point of it\W*$|"
                               # "What happens in it, like what's the point exactly?"
                               r"(?=.*\bwhat (?:happens|do (?:you|they|therapists) (?:\w+ )?do|does (?:it|therapy) "
                               r"(?:do|involve))\b).*\bwhat'?s the point(?: of it)?"
                               r"(?:,? (?:exactly|really|even|anyway))?\W*$)")


def check(text: str) -> GuardResult:
    """Judges one message. Crisis wins over everything (a message is a crisis if any part of it is);
    then negation; then figures of speech and mentions of the topic without present risk."""
    raw = normalise(text)
    normalised = _TOPIC_MENTIONS.sub(" ", raw)
    if not normalised.strip():
        return GuardResult(NONE)
    negated_match: Optional[str] = None
    bare: Optional[Tuple[str, str]] = None  # the first crisis found only by naming the subject
    joking = hyperbole(text)
    wish: Optional[Tuple[str, str]] = None  # a bare wish to die pinned on a nuisance, with a laugh
    answered_no = negative_screen_answer(normalised)
    zero_items = [item.span() for item in _ZERO_SCORED_ITEM.finditer(normalised)]
    # A phrase softened by what is around it (asked about) or kept as grief (a mention) does not end the
    # search: a crisis phrase later in the message still wins ("my friend overdosed last year and I want to
    # kill myself").
    softened: Optional[GuardResult] = None
    grief: Optional[str] = None
    for category, pattern in _CRISIS_PATTERNS:
        for match in pattern.finditer(normalised):
            if _negated(normalised, match) or (answered_no is not None and match.end() <= answered_no) or any(
                    start <= match.start() and match.end() <= end for start, end in zero_items):
                negated_match = negated_match or match.group(0)
                continue
            if pattern.pattern in _BARE_TOPIC:
                bare = bare or (category, match.group(0))
                continue
            rest = normalised[:match.start()] + " " + normalised[match.end():]
            if (category == SELF_HARM and _REPORTED_SPEECH.search(normalised[:match.start()])
                    and not re.match(r"(?:he|she|they)\b", match.group(0))
                    and not _present_danger_words(rest) and not _PLAN_OR_MEANS.search(rest)):
                # "my teenage son yelled i wanna die after losing a video game, then laughed": someone else's
                # words, reported by a worried writer; asked about, not paged
                softened = softened or GuardResult(UNCERTAIN, category, match.group(0))
                continue
            if joking and category == SELF_HARM and _WISH_ONLY.fullmatch(match.group(0)):
                wish = wish or (category, match.group(0))
                continue
            if (category == MEDICAL_EMERGENCY and _HYPOTHETICAL.search(normalised[:match.start()])
                    and not _present_danger_words(" ".join(
                        part for part in re.split(r"(?<=[.!?])\s+", normalised) if match.group(0) not in part))):
                # "how would I know if she accidentally had too much?": a caregiver asking ahead; asked
                # about (the question names 911 and Poison Control), not the protocol.
                softened = softened or GuardResult(UNCERTAIN, category, match.group(0))
                continue
            if category == MEDICAL_EMERGENCY and _ACCOUNTED_FOR.search(normalised) and not _EMERGENCY_NOW.search(
                    normalised):
                # "my kid got into my Benadryl, I counted and every pill is there": nothing was taken; asked
                # about (the question names 911 and Poison Control), not paged
                softened = softened or GuardResult(UNCERTAIN, category, match.group(0))
                continue
            someone_elses_past = (
                category == MEDICAL_EMERGENCY and _SOMEONE_ELSE.search(normalised)
                and (_PAST_EVENT.search(normalised) or _RESOLVED.search(normalised))
                and not _PRESENT.search(normalised) and not _EMERGENCY_NOW.search(normalised))
            if someone_elses_past and _BEREAVED.search(normalised):
                # "my best friend overdosed three years ago and I never really dealt with it": grief for someone
                # else's past emergency, not an emergency now
                grief = grief or match.group(0)
                continue
            if someone_elses_past:
                # "a friend from college overdosed over the summer": someone else's emergency placed in the past;
                # asked about (911 is in the question), not paged.
                softened = softened or GuardResult(UNCERTAIN, category, match.group(0))
                continue
            if category != HARM_OTHERS and _RESOLVED.search(normalised) and not _PRESENT.search(normalised):
                # A resolved past ("years ago, nothing since"): ask rather than run the protocol.
                softened = softened or GuardResult(UNCERTAIN, category, match.group(0))
                continue
            return GuardResult(CRISIS, category, match.group(0), not_safe=bool(_NOT_SAFE.search(normalised)))
    reaction = _reaction_cluster(normalised)
    if reaction:
        return GuardResult(CRISIS, MEDICAL_EMERGENCY, reaction)
    if bare:
        context = _TOPIC_CONTEXT.search(normalised) or (
            _RESOLVED.search(normalised) if not _PRESENT.search(normalised) else None) or _asked_about(
            normalised, bare[1])
        if context and _OWN_STATE.search(normalised) and not (
                _RESOLVED.search(normalised) and not _PRESENT.search(normalised)):
            # "I'm a teacher and I'm suicidal": the writer's own state now, whatever the context
            return GuardResult(CRISIS, bare[0], bare[1])
        if context and re.fullmatch(_PAST_CONTEXT, context.group(0)) and _SELF_HARM_RELAPSE.search(normalised):
            # "stopped cutting years ago but started again this week": a past named beside the present is
            # no reason to look away; ask.
            return GuardResult(UNCERTAIN, bare[0], bare[1])
        if (not context and _RESOLVED.search(normalised) and not _OWN_STATE.search(normalised)
                and not _present_danger_words(normalised)):
            # "8 years self harm free, still get the odd urge under big stress": a past that is over, with
            # something of it still here; asked about
            return GuardResult(UNCERTAIN, bare[0], bare[1])
        if context and not wish:
            return softened or GuardResult(TOPIC_MENTION, matched=context.group(0))
        if not context:
            return GuardResult(CRISIS, bare[0], bare[1])
    if softened:
        return softened
    if wish:
        return GuardResult(UNCERTAIN, wish[0], wish[1])
    spanish = normalise_es(text)
    for category, pattern in (_SPANISH_PATTERNS if looks_spanish(spanish) else []):
        for match in pattern.finditer(spanish):
            clause = re.split(r"[.,;!?]|\bpero\b", spanish[: match.start()])[-1]
            clause = re.sub(r"\bsi no \w+", " ", clause)  # "si no funciona, me quito la vida" is a condition
            before = " ".join(clause.split()[-4:])
            # "ya no quiero vivir, me quiero matar": the "no" belongs to a wish of its own, it negates nothing
            if _ES_NEGATORS.search(before) and not match.group(0).startswith("no ") and not re.search(
                    r"\bno (?:quiero (?:vivir|seguir|estar|existir)|aguanto|puedo mas|soporto)\b", before):
                negated_match = negated_match or match.group(0)
                continue
            if _RESOLVED_ES.search(spanish) and not _PRESENT_ES.search(spanish):
                return GuardResult(UNCERTAIN, category, match.group(0), language="es")
            return GuardResult(CRISIS, category, match.group(0), language="es",
                               not_safe=bool(_NOT_SAFE.search(spanish)))
    reaction_es = _reaction_cluster_es(spanish) if looks_spanish(spanish) else None
    if reaction_es:
        return GuardResult(CRISIS, MEDICAL_EMERGENCY, reaction_es, language="es")
    if grief:
        return GuardResult(TOPIC_MENTION, matched=grief)
    if negated_match:
        return GuardResult(NEGATED, matched=negated_match)
    if answered_no is not None:
        return GuardResult(NEGATED, matched=normalised[answered_no:].strip())
    if re.search(r"\bi (?:feel|am|'m|am feeling) (?:totally |completely )?safe\b|\bnobody is hurting me\b",
                 normalised):
        return GuardResult(NEGATED, matched="feels safe")
    if re.search(r"\b(?:not|isn't|is not|it's not|no) (?:an )?emergency\b|\bnothing urgent\b", normalised) and not (
            _present_danger_words(normalised)):
        # "Jammed my finger rock climbing and it's purple. Not an emergency."
        return GuardResult(NEGATED, matched="says it is no emergency")
    if zero_items:
        return GuardResult(NEGATED, matched="screening item scored zero")
    # "No one at home has ever hurt me", "my partner hurt his back ... not dangerous, just down": said
    # without anything that brings danger into the present (then the model's guess is weighed as usual).
    nobody = _NOBODY_HURTS_ME.search(normalised)
    others_safe = _SOMEONE_ELSE.search(normalised) and _OTHERS_NO_DANGER.search(normalised)
    if (nobody or others_safe) and not _present_danger_words(normalised):
        return GuardResult(NEGATED, matched=(nobody or others_safe).group(0))
    figure = _FIGURES_OF_SPEECH.search(normalised)
    if figure:
        return GuardResult(FIGURE_OF_SPEECH, matched=figure.group(0))
    context = _TOPIC_CONTEXT.search(normalised)
    if context and _RISK_WORDS.search(normalised):
        relapse = _SELF_HARM_RELAPSE.search(normalised)
        if relapse and re.fullmatch(_PAST_CONTEXT, context.group(0)):
            # "I stopped cutting years ago but started again this week": the past is named, and so is
            # its return; ask.
            return GuardResult(UNCERTAIN, SELF_HARM, relapse.group(0))
        return GuardResult(TOPIC_MENTION, matched=context.group(0))
    mention = _TOPIC_MENTIONS.search(raw)
    if mention:
        return GuardResult(TOPIC_MENTION, matched=mention.group(0))
    cue = _SOFT_CUES.search(normalised)
    if cue and cue.group(0).startswith("what") and _POINT_OF_THERAPY.search(normalised):
        cue = None
    if cue and not _negated(normalised, cue) and not _SAYS_SAFE.search(normalised):
        return GuardResult(UNCERTAIN, SELF_HARM, cue.group(0), soft_cue=True)
    return GuardResult(NONE)
