"""Maintenance of the intake database and chat transcripts: migrate, rotate the encryption key, purge.

  clinic-admin migrate
  clinic-admin rotate-key      # after putting the new key first in INTAKE_ENCRYPTION_KEY
  clinic-admin purge --days 365
(`python scripts/intake_admin.py ...` and `python -m clinic.entrypoints.intake_admin ...` run the same.)
rotate-key re-encrypts intakes, notifications and chat transcripts (transcripts stored before they
were encrypted are encrypted now). purge runs the same purge as `python -m clinic.entrypoints.staff purge --yes`.
Settings come from the environment (INTAKE_DATABASE_URL, INTAKE_ENCRYPTION_KEY, TRACKER_STORE_*), as
for the assistant.
"""

import argparse
import sys

from clinic.adapters import intake_store, retention, transcripts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="bring the schema up to date")
    commands.add_parser("rotate-key", help="re-encrypt every record with the newest key")
    purge = commands.add_parser("purge", help="delete intakes and chat transcripts older than --days days")
    purge.add_argument("--days", type=int, required=True)
    args = parser.parse_args()
    try:
        intake_store.migrate()
        if args.command == "rotate-key":
            with intake_store.session_scope() as session:
                print(f"Re-encrypted {intake_store.rotate_keys(session)} rows with the newest key.")
            engine = transcripts.tracker_engine()
            if engine is not None:
                try:
                    print(f"Re-encrypted {transcripts.encrypt_and_rotate(engine)} chat transcript events.")
                finally:
                    engine.dispose()
        elif args.command == "purge":
            result = retention.purge(args.days, actor="staff:intake_admin")
            print(f"Deleted {result.intakes} intakes untouched for more than {args.days} days and "
                  f"{result.conversations} chat transcripts ({result.events} events) in {result.tracker}.")
        else:
            print("The intake database schema is up to date.")
    except (intake_store.IntakeEncryptionError, ValueError) as error:
        print(f"intake_admin: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
