"""Starts the Rasa server (`rasa run ...`) with the API token read from the environment, not the command line.

`rasa run --auth-token TOKEN` would show the token to anyone who can list processes; here the
token comes from RASA_API_TOKEN (set by scripts/run_all.py from the 0600 file in var/) and is
added to Rasa's arguments inside this process only. Every other argument is passed as given.
Rasa's structured logs lose message text and show conversation ids only as keyed hashes
(components/log_privacy.py).

The changes this project makes to Rasa's classes are applied here, explicitly, before Rasa starts
(components/rasa_patches.py): the safety patches always, the speed-ups as CLINIC_RASA_PATCHES
selects (on, off or a list of names). Nothing is patched on a Rasa version other than the tested
one; one log line says so.
"""

from __future__ import annotations

import sys


def main() -> None:
    from clinic import settings

    token = settings.raw("RASA_API_TOKEN") or ""
    if not token:
        sys.exit("serve_rasa: RASA_API_TOKEN is not set; the HTTP API must not run without a token")
    from rasa.__main__ import main as rasa_main

    from components import rasa_patches

    rasa_patches.apply_at_start()

    sys.argv = ["rasa", *sys.argv[1:], "--auth-token", token]
    rasa_main()


if __name__ == "__main__":
    main()
