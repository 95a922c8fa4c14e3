"""Plug-ins loaded by the Rasa server: NLU pipeline components and the tracker store."""
