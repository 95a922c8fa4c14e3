"""Every change this project makes to Rasa's own classes, applied in one place, on purpose.

Importing the components package changes nothing of Rasa: `rasa train`, `rasa data validate`,
`rasa test nlu` and the unit tests import it (config.yml names components.tfidf_classifier) and run
Rasa as released. The Rasa server applies the patches explicitly: scripts/serve_rasa.py calls
`apply()` before Rasa starts; scripts/rasa_patched.py does the same for `make stories`, so the
conversation tests run the code the server runs.

Two kinds of patch:
- safety: a person in crisis gets an answer when the action server is down or slow
  (action_failsafe), a message that cannot get its conversation's lock gets a kind reply instead
  of silence (lock_reply), and what visitors type stays out of the logs (log_privacy). They are
  ALWAYS applied by the server; no setting turns them off, because switching off a performance
  problem must never switch off a crisis answer.
- performance: measured speed-ups (bench/README.md). CLINIC_RASA_PATCHES selects them: "on"
  (default) all, "off" none, or a comma-separated list of names. Each keeps Rasa's results: the
  conversation and end-to-end tests pass with all of them off.

Every patch replaces members of Rasa 3.6.21, several of them private, checked against that
release's source. With any other Rasa version nothing is patched (one ERROR line says so, and
that the safety patches are missing): the pin in constraints.txt must be moved together with a
re-check of each patch (docs/architecture.md lists the private members each one relies on).
"""

from __future__ import annotations

import contextlib
import importlib
import logging
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from clinic import settings

logger = logging.getLogger(__name__)

# The release every patch was written and tested against: the pin in constraints.txt.
TESTED_RASA_VERSION = "3.6.21"
SWITCH = "CLINIC_RASA_PATCHES"
SAFETY, PERFORMANCE = "safety", "performance"


@dataclass(frozen=True)
class Patch:
    name: str
    kind: str
    # (module of the owner, owner's name in it or "" for the module itself, attribute replaced)
    replaces: Tuple[Tuple[str, str, str], ...]
    apply: Callable[[], None]
    summary: str


def _call(module: str, function: str = "apply") -> Callable[[], None]:
    return lambda: getattr(importlib.import_module(module), function)()


PATCHES: Tuple[Patch, ...] = (
    Patch("action_failsafe", SAFETY, (("rasa.core.actions.action", "RemoteAction", "run"),),
          _call("components.action_failsafe"),
          "custom actions time out; a failed crisis action is answered by the Rasa server"),
    Patch("lock_reply", SAFETY, (("rasa.core.agent", "Agent", "handle_message"),),
          _call("components.lock_store"),
          "a message that cannot get its conversation's lock gets a reply, never silence"),
    Patch("log_privacy", SAFETY, (("rasa.utils.log_utils", "", "_anonymizer"),),
          _call("components.log_privacy"),
          "message text and conversation ids kept out of Rasa's structured logs"),
    Patch("action_validator", PERFORMANCE,
          (("rasa.core.actions.action", "RemoteAction", "_validate_action_result"),),
          _call("components.rasa_speedups", "apply_validator"),
          "action replies checked with a validator built once"),
    Patch("action_json", PERFORMANCE, (("rasa.core.actions.action", "RemoteAction", "__init__"),),
          _call("components.rasa_speedups", "apply_encoder"),
          "calls to the action endpoint (only) encoded with orjson"),
    Patch("action_turn", PERFORMANCE,
          (("rasa.core.actions.action", "RemoteAction", "_action_call_format"),),
          _call("components.rasa_speedups", "apply_current_turn"),
          "the action server gets the current turn's events, not the whole conversation"),
    Patch("state_cache", PERFORMANCE,
          (("rasa.shared.core.trackers", "DialogueStateTracker", "applied_events"),
           ("rasa.shared.core.domain", "Domain", "states_for_tracker_history"),
           ("rasa.shared.core.trackers", "DialogueStateTracker", "copy"),
           ("rasa.core.policies.rule_policy", "RulePolicy", "predict_action_probabilities"),
           ("rasa.core.policies.rule_policy", "RulePolicy", "_find_action_from_rules")),
          _call("components.dialogue_state_cache"),
          "dialogue states and tracker copies continued, not rebuilt from every event"),
    Patch("rule_match_cache", PERFORMANCE,
          (("rasa.core.policies.rule_policy", "RulePolicy", "_get_possible_keys"),),
          _call("components.rule_match_cache"),
          "the rules that fit a dialogue state found once per state, not on every prediction"),
    Patch("gc_freeze", PERFORMANCE, (("rasa.core.run", "", "load_agent_on_start"),),
          _call("components.startup_gc"),
          "objects loaded at start frozen out of the garbage collector's full walks"),
    Patch("fair_queue", PERFORMANCE, (("rasa.core.processor", "MessageProcessor", "handle_message"),),
          _call("components.fair_queue"),
          "messages answered in arrival order, MESSAGE_CONCURRENCY at a time"),
    Patch("direct_graph", PERFORMANCE, (("rasa.engine.loader", "", "load_predict_graph_runner"),),
          _call("components.direct_graph_runner"),
          "the prediction graph run without dask's scheduler"),
)

BY_NAME: Dict[str, Patch] = {patch.name: patch for patch in PATCHES}
PERFORMANCE_NAMES = tuple(patch.name for patch in PATCHES if patch.kind == PERFORMANCE)
SAFETY_NAMES = tuple(patch.name for patch in PATCHES if patch.kind == SAFETY)

# What each replaced attribute was before the first patch, for `restore()`.
_originals: Dict[Tuple[str, str, str], Any] = {}


def _owner(target: Tuple[str, str, str]) -> Any:
    module = importlib.import_module(target[0])
    return getattr(module, target[1]) if target[1] else module


def current(target: Tuple[str, str, str]) -> Any:
    owner = _owner(target)
    return vars(owner).get(target[2]) if isinstance(owner, type) else getattr(owner, target[2])


def performance_selection(setting: Optional[str] = None) -> List[str]:
    """The performance patches CLINIC_RASA_PATCHES names; a wrong setting raises (the server
    stops at start instead of running with an unknown set)."""
    value = (settings.get(SWITCH) if setting is None else setting).strip().lower()
    if value in ("", "on"):
        return list(PERFORMANCE_NAMES)
    if value == "off":
        return []
    names = [name.strip() for name in value.split(",") if name.strip()]
    wrong = [name for name in names if name not in PERFORMANCE_NAMES]
    if wrong:
        safety = " (safety patches are always on)" if set(wrong) & set(SAFETY_NAMES) else ""
        raise ValueError(f"{SWITCH}={value!r}: unknown performance patch {', '.join(wrong)}{safety}; "
                         f"use on, off or names from {', '.join(PERFORMANCE_NAMES)}")
    return [name for name in PERFORMANCE_NAMES if name in names]


def apply(setting: Optional[str] = None, rasa_version: Optional[str] = None) -> List[str]:
    """Applies the safety patches and the performance patches selected by `setting` (default:
    CLINIC_RASA_PATCHES); returns the names applied. Nothing at all with an untested Rasa."""
    selected = performance_selection(setting)
    if rasa_version is None:
        import rasa

        rasa_version = rasa.__version__
    if rasa_version != TESTED_RASA_VERSION:
        logger.error("Rasa %s is not the tested %s: NO Rasa patches applied, so the server runs "
                     "WITHOUT its safety patches (%s) and without the speed-ups; install the "
                     "pinned Rasa (constraints.txt) or re-check every patch (docs/architecture.md).",
                     rasa_version, TESTED_RASA_VERSION, ", ".join(SAFETY_NAMES))
        return []
    names = list(SAFETY_NAMES) + selected
    for name in names:
        for target in BY_NAME[name].replaces:
            _originals.setdefault(target, current(target))
        BY_NAME[name].apply()
    off = [name for name in PERFORMANCE_NAMES if name not in selected]
    logger.log(logging.WARNING if off else logging.INFO,
               "Rasa %s patches: safety %s (always on); performance %s%s.", rasa_version,
               ", ".join(SAFETY_NAMES), ", ".join(selected) or "none",
               f" (off: {', '.join(off)}, by {SWITCH})" if off else "")
    return names


def restore() -> None:
    """Puts back every attribute a patch replaced (tests)."""
    for target, original in _originals.items():
        owner = _owner(target)
        if isinstance(owner, type) and original is None:
            with contextlib.suppress(AttributeError):
                delattr(owner, target[2])
        else:
            setattr(owner, target[2], original)
    _originals.clear()


@contextlib.contextmanager
def applied(names: Sequence[str]) -> Iterator[None]:
    """The named patches applied for the duration (tests of one patch), whatever else is on."""
    for name in names:
        for target in BY_NAME[name].replaces:
            _originals.setdefault(target, current(target))
        BY_NAME[name].apply()
    try:
        yield
    finally:
        restore()


def apply_at_start() -> List[str]:
    """`apply()` for a process that is about to hand over to Rasa's command line: its log line
    printed on stderr (Rasa has not configured logging yet, and must not get a second handler)."""
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-8s %(name)s - %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return apply()
