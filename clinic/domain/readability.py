"""Flesch–Kincaid grade level of the assistant's answers, so plain language can be tested; no imports."""

from __future__ import annotations

import re

# A sentence ends at ., ! or ? followed by a space or the end, or at a line break (a list item).
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)|\n+")
# Words are runs of letters (with inner apostrophes or hyphens) or numbers ("988", "1-800-222-1222").
_WORD = re.compile(r"[A-Za-z]+(?:['’-][A-Za-z]+)*|\d+(?:[-.,/:]\d+)*")
_VOWEL_GROUP = re.compile(r"[aeiouy]+")


def syllables(word: str) -> int:
    """Syllables in one word by counting vowel groups, with the usual English corrections.

    A heuristic, not a dictionary: good enough to compare answers with one another. A number
    counts as one syllable; every word has at least one.
    """
    word = word.lower().replace("’", "'")
    if not word or word[0].isdigit():
        return 1
    parts = re.split(r"[-']", word)
    if len(parts) > 1:  # "well-being", "don't": each part on its own
        return sum(syllables(part) for part in parts if part and part not in ("s", "t", "d", "ll", "re", "ve", "m"))
    count = len(_VOWEL_GROUP.findall(word))
    if len(word) > 2:
        if word.endswith("e") and not word.endswith(("le", "ee", "ie", "ye")) and count > 1:
            count -= 1  # silent final e: "care", "take"
        elif word.endswith("ed") and not word.endswith(("ted", "ded")) and count > 1:
            count -= 1  # "used", "called"
        elif word.endswith("es") and not word.endswith(("ses", "zes", "ces", "ges", "ches", "shes", "xes")) \
                and count > 1:
            count -= 1  # "takes", "times"
        if word.endswith("le") and len(word) > 2 and word[-3] not in "aeiouy" and count < 2:
            count += 1  # "able", "little"
    return max(1, count)


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def sentence_count(text: str) -> int:
    pieces = [piece for piece in _SENTENCE_END.split(text) if _WORD.search(piece)]
    return max(1, len(pieces))


def flesch_kincaid_grade(text: str) -> float:
    """0.39 × words per sentence + 11.8 × syllables per word − 15.59 (US school grade)."""
    found = words(text)
    if not found:
        return 0.0
    total_syllables = sum(syllables(word) for word in found)
    return 0.39 * len(found) / sentence_count(text) + 11.8 * total_syllables / len(found) - 15.59
