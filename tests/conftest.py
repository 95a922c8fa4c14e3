"""Shared fixtures: a profile with fixed values, and Rasa SDK trackers for action tests."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent


def read_guard_cases(name: str) -> List[Dict[str, str]]:
    with open(TESTS / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@pytest.fixture
def make_tracker():
    """Builds a real rasa_sdk Tracker whose latest message has the given text and intent."""
    from rasa_sdk import Tracker

    def build(text: str = "", intent: Optional[str] = None, slots: Optional[Dict[str, Any]] = None,
              ranking: Optional[List[Dict[str, Any]]] = None, sender: str = "test-user") -> Tracker:
        latest = {"text": text, "intent": {"name": intent, "confidence": 1.0},
                  "intent_ranking": ranking or [], "entities": []}
        return Tracker(sender, slots or {}, latest, [], False, None, None, "action_listen")

    return build
