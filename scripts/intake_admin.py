"""Maintenance of the intake database and chat transcripts: migrate, rotate-key, purge.

Kept so the documented `python scripts/intake_admin.py ...` still works; the command itself is
clinic/entrypoints/intake_admin.py (installed as `clinic-admin`).
"""

import sys

from clinic.entrypoints.intake_admin import main

if __name__ == "__main__":
    sys.exit(main())
