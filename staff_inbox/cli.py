"""`clinic-staff`: the staff command line (clinic/entrypoints/staff.py) plus `user` commands for inbox accounts.

  clinic-staff user add ana --role admin              # asks for the password twice
  printf '%s\n' "$PASSWORD" | clinic-staff user add ben --role clinician --password-stdin
  clinic-staff user list
  clinic-staff user disable ben                        # and every session of ben ends
  clinic-staff user reset-2fa ana                      # a lost phone: ana enrols again at sign-in
  clinic-staff user unlock ana                         # lift the sign-in pause after failed attempts

Every other command goes to clinic/entrypoints/staff.py unchanged (`python -m clinic.entrypoints.staff`
works as before).
Exit status: 0 done, 1 error (one line on stderr), 2 wrong usage.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Optional, Sequence

from clinic.adapters import intake_store
from staff_inbox.models import ROLES


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password (12 characters or more): ")
    if getpass.getpass("The same password again: ") != first:
        raise ValueError("the two passwords differ")
    return first


def user_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="clinic-staff user", description="Staff inbox accounts")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add = commands.add_parser("add", help="a new account (the second factor is set up at first sign-in)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    disable = commands.add_parser("disable", help="disable an account and end its sessions")
    disable.add_argument("name")
    reset = commands.add_parser("reset-2fa", help="forget the second factor; the user enrols again")
    reset.add_argument("name")
    unlock = commands.add_parser("unlock", help="lift the sign-in pause that failed attempts put on a name")
    unlock.add_argument("name")
    commands.add_parser("list", help="every account with its role and state")
    for sub in (add, disable, reset, unlock):
        sub.add_argument("--by", default="staff:cli", help="who does this, for the audit trail")
    return parser


def run_user(argv: Sequence[str]) -> int:
    from staff_inbox import accounts

    try:
        args = user_parser().parse_args(argv)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else 2
    try:
        intake_store.migrate()
        if args.command == "add":
            accounts.add_user(args.name, args.role, read_password(args.password_stdin), args.by)
            print(f"Added {args.name} ({args.role}). At the first sign-in they set up their authenticator app.")
        elif args.command == "disable":
            accounts.disable_user(args.name, args.by)
            print(f"{args.name} is disabled; their sessions have ended.")
        elif args.command == "unlock":
            accounts.unlock(args.name, args.by)
            print(f"{args.name} can sign in again.")
        elif args.command == "reset-2fa":
            accounts.reset_two_factor(args.name, args.by)
            print(f"{args.name} sets up a new second factor at the next sign-in.")
        else:
            users = accounts.list_users()
            print(f"{len(users)} user{'s' if len(users) != 1 else ''}")
            for user in users:
                state = "active" if user.active else "disabled"
                factor = "2FA set up" if user.totp_secret else "2FA not yet set up"
                print(f"{user.name:<32} {user.role:<10} {state:<8} {factor}")
        return 0
    except (LookupError, ValueError, OSError, intake_store.IntakeEncryptionError) as error:
        print(f"staff: {error}", file=sys.stderr)
        return 1


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "user":
        return run_user(argv[1:])
    from clinic.entrypoints import staff

    return staff.main(argv)


if __name__ == "__main__":
    sys.exit(main())
