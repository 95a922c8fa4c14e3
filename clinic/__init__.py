"""The clinic assistant apart from Rasa: pure domain rules, storage and notification adapters, commands."""
