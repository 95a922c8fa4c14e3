"""Plug-ins loaded by the Rasa server: NLU pipeline components, the tracker store, the lock store,
the socket.io channel, and measured changes to Rasa itself, applied on import:
rasa_speedups.py (action replies validated without rebuilding the schema validator; action calls
encoded with orjson and carrying the current turn), dialogue_state_cache.py (dialogue states and
tracker copies not rebuilt from every event), fair_queue.py (messages answered in arrival
order, a few at a time) and direct_graph_runner.py (the prediction graph run without dask's
scheduler); and action_failsafe.py (a time limit on custom actions, and an answer from the Rasa
server itself, the crisis response included, when one fails); lock_store.py (a kind answer, never
silence, when a message cannot get its conversation's lock)."""

from components import action_failsafe, dialogue_state_cache, direct_graph_runner, fair_queue, lock_store, rasa_speedups

action_failsafe.apply()
lock_store.apply()

rasa_speedups.apply()
dialogue_state_cache.apply()
fair_queue.apply()
direct_graph_runner.apply()
