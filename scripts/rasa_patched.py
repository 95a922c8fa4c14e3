"""Runs a Rasa command with the Rasa server's patches (components/rasa_patches.py).

`make stories` runs `rasa test core` through this, so the conversation tests exercise the code the
server runs, with the dialogue state cache checked against Rasa's own computation
(CLINIC_VERIFY_STATE_CACHE=1). CLINIC_RASA_PATCHES=off runs them on Rasa's own code (the safety
patches stay on, as on the server). Every argument is passed to Rasa as given.
"""

from __future__ import annotations

import sys


def main() -> None:
    from rasa.__main__ import main as rasa_main

    from components import rasa_patches

    rasa_patches.apply_at_start()
    sys.argv = ["rasa", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
