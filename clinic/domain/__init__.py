"""Pure rules of the practice: crisis phrases, intake, screening, summaries, the profile; no Rasa, SQL or network."""
