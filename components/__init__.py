"""Plug-ins loaded by the Rasa server: NLU pipeline components, the tracker store, the socket.io
channel, and one measured speed-up of Rasa itself (rasa_speedups.py), applied on import."""

from components import rasa_speedups

rasa_speedups.apply()
