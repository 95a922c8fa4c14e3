"""The objects loaded at start (Rasa, TensorFlow's modules, the model, the domain) kept out of
Python's full garbage collections.

Python's cyclic garbage collector now and then walks every object that has lived long enough: in
the Rasa server that is about 490,000 objects after the model is loaded, about 100 ms a walk here,
during which the server answers nobody. Such walks come more often as answered conversations pile
up in the tracker store's cache, and in load tests the later rounds of 20 visitors had twice the
p95 of the first ones. None of the objects loaded at start ever becomes garbage while the server
runs, so once the model is loaded they are collected once and then frozen (`gc.freeze()`, which
the standard library provides for this): later walks see only what came after. A model loaded
later (the HTTP API's model replacement) is not frozen; nothing else changes.

Applied from the server's start by components/rasa_patches.py (performance patch "gc_freeze").
"""

from __future__ import annotations

import gc
import logging
from typing import Any

import rasa.core.run

logger = logging.getLogger(__name__)

_rasa_load_agent_on_start = rasa.core.run.load_agent_on_start


async def load_agent_on_start(*args: Any, **kwargs: Any) -> Any:
    """Rasa's `load_agent_on_start`, then everything alive is frozen out of later collections."""
    agent = await _rasa_load_agent_on_start(*args, **kwargs)
    gc.collect()
    gc.freeze()
    logger.debug("Froze %d objects loaded at start out of garbage collection.", gc.get_freeze_count())
    return agent


def apply() -> None:
    rasa.core.run.load_agent_on_start = load_agent_on_start
