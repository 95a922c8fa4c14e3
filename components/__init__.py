"""Plug-ins loaded by the Rasa server: NLU pipeline components, the tracker store, the lock store,
the socket.io channel, and measured changes to Rasa itself, applied on import:
rasa_speedups.py (action replies validated without rebuilding the schema validator; action calls
encoded with orjson and carrying the current turn), dialogue_state_cache.py (dialogue states and
tracker copies not rebuilt from every event), fair_queue.py (messages answered in arrival
order, a few at a time) and direct_graph_runner.py (the prediction graph run without dask's
scheduler)."""

from components import dialogue_state_cache, direct_graph_runner, fair_queue, rasa_speedups

rasa_speedups.apply()
dialogue_state_cache.apply()
fair_queue.apply()
direct_graph_runner.apply()
