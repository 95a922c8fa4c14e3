"""Plug-ins loaded by the Rasa server: NLU pipeline components (tfidf_classifier, crisis_guard),
the tracker store, the lock store, the REST and socket.io channels, and changes to Rasa itself.

Importing this package changes nothing of Rasa: `rasa train`, `rasa data validate` and
`rasa test nlu` import it (config.yml names components.tfidf_classifier) and must run Rasa as
released. The changes to Rasa's classes (safety patches, always on, and measured speed-ups,
switched by CLINIC_RASA_PATCHES) are applied explicitly when the Rasa server starts, by
components/rasa_patches.py (called from scripts/serve_rasa.py and scripts/rasa_patched.py)."""
