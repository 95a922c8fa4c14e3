"""Plug-ins loaded by the Rasa server: NLU pipeline components, the tracker store, the lock store,
the socket.io channel, and measured speed-ups of Rasa itself, applied on import:
rasa_speedups.py (action replies validated without rebuilding the schema validator) and
dialogue_state_cache.py (dialogue states not rebuilt from every event before each prediction)."""

from components import dialogue_state_cache, rasa_speedups

rasa_speedups.apply()
dialogue_state_cache.apply()
