"""Maintenance of the intake database: migrate, rotate the encryption key, purge old records.

  python scripts/intake_admin.py migrate
  python scripts/intake_admin.py rotate-key      # after putting the new key first in INTAKE_ENCRYPTION_KEY
  python scripts/intake_admin.py purge --days 365
Settings come from the environment (INTAKE_DATABASE_URL, INTAKE_ENCRYPTION_KEY), as for the assistant.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from actions import intake_store  # noqa: E402 - after the path is set


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="bring the schema up to date")
    commands.add_parser("rotate-key", help="re-encrypt every record with the newest key")
    purge = commands.add_parser("purge", help="delete intakes untouched for more than --days days")
    purge.add_argument("--days", type=int, required=True)
    args = parser.parse_args()
    try:
        intake_store.migrate()
        if args.command == "rotate-key":
            with intake_store.session_scope() as session:
                print(f"Re-encrypted {intake_store.rotate_keys(session)} rows with the newest key.")
        elif args.command == "purge":
            print(f"Deleted {intake_store.purge_older_than(args.days, actor='staff:intake_admin')} intakes "
                  f"untouched for more than {args.days} days.")
        else:
            print("The intake database schema is up to date.")
    except (intake_store.IntakeEncryptionError, ValueError) as error:
        print(f"intake_admin: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
