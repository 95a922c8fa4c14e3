"""The staff command line: read, mark and export intakes, check and retry notifications, purge old
records, erase one person's data.

Installed as `clinic-staff` by `make install` (`python -m clinic.entrypoints.staff` from the project
root is the same); it needs the assistant's settings (INTAKE_DATABASE_URL, INTAKE_ENCRYPTION_KEY):

  clinic-staff list --status submitted --since 2024-05-01
  clinic-staff show 3f1c2a9e                          # a unique id prefix (4+ characters) will do
  clinic-staff show 3f1c2a9e --format json --by dr.rivera
  clinic-staff mark 3f1c2a9e contacted --by dr.rivera
  clinic-staff notifications --status failing         # pending, already tried: the receiver is down
  clinic-staff notification 9b0e77d1                  # the alert or callback text behind a PHI-free e-mail
  clinic-staff notifications --status held            # alerts recorded but not paged one by one (a burst)
  clinic-staff handled 9b0e77d1 --by dr.rivera        # close an open alert: the next trigger pages again
  clinic-staff retry                                  # every failed notification (or give ids)
  clinic-staff export-csv --status submitted --out intakes.csv
  clinic-staff export-fhir 3f1c2a9e --instrument both --out 3f1c2a9e.fhir.json
  clinic-staff purge --days 365 --yes                 # intakes, transcripts, old notifications
  clinic-staff erase --email ana@example.com          # one person everywhere (or --intake ID)

Dates are days in the practice's time zone (practice_profile.yml), inclusive; times are shown in it too.
Reading or exporting an intake is recorded in its audit trail (actor from --by, default staff:cli).
Files written with --out hold PHI and are created readable by their owner only (mode 0600).
Exit status: 0 done, 1 error (one line on stderr), 2 wrong usage.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import sys
import unicodedata
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from clinic.adapters import alert_limits, handoff, intake_store, outbox, retention
from clinic.adapters.intake_store import Intake
from clinic.adapters.outbox import OutboxMessage
from clinic.domain import handoff_summary
from clinic.domain.practice_profile import current_profile

DEFAULT_ACTOR = "staff:cli"
SHORT_ID = 8
ID_PREFIX = re.compile(r"[0-9a-f-]{4,36}")
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
NAME_WIDTH = 30
FHIR_CHOICES = (*handoff_summary.FHIR_INSTRUMENTS, "both")
NOTIFICATION_STATUSES = (*outbox.STATUSES, "failing")
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


# --- Small pure helpers ---------------------------------------------------------------------------

def parse_day(value: str, option: str) -> date:
    """A YYYY-MM-DD date, strictly: "2024-5-1" or "yesterday" are refused, not guessed."""
    try:
        if not DAY.fullmatch(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{option} must be a date as YYYY-MM-DD, not {value!r}") from None


Window = Tuple[Optional[datetime], Optional[datetime]]


def day_range(since: Optional[str], until: Optional[str], tz: ZoneInfo) -> Window:
    """[start, end) in UTC covering the local days since..until, both inclusive; None when open."""
    start = parse_day(since, "--since") if since else None
    end = parse_day(until, "--until") if until else None
    if start and end and start > end:
        raise ValueError(f"--since {since} is after --until {until}")

    def utc(day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=tz).astimezone(timezone.utc)

    return (utc(start) if start else None, utc(end + timedelta(days=1)) if end else None)


def check_actor(actor: str) -> str:
    # The actor lands in the unencrypted audit trail: an identifier, never free text.
    if not intake_store.ACTOR_PATTERN.fullmatch(actor):
        raise ValueError("--by must be 1-64 characters of letters, digits and _.:@- (e.g. dr.rivera)")
    return actor


def printable(text: Any) -> str:
    """Client-supplied text safe for a terminal: control characters (escape sequences) and
    bidirectional overrides (text that displays reversed) become "?"."""
    return "".join("?" if char in BIDI_CONTROLS or (unicodedata.category(char) == "Cc" and char not in "\n\t")
                   else char for char in str(text))


def when(moment: Optional[datetime], tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment else "-"


def cell(value: Any, width: Optional[int] = None) -> str:
    text = "-" if value is None or value == "" else " ".join(printable(value).split())
    return text if width is None or len(text) <= width else text[:width - 1] + "…"


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """Left-aligned columns separated by two spaces."""
    rows = [list(headers), *map(list, rows)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(headers))]
    lines = ("  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)) for row in rows)
    return "\n".join(line.rstrip() for line in lines)


def fhir_bundle(resources: Sequence[Dict[str, Any]]) -> Dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection",
            "timestamp": intake_store.utcnow().replace(microsecond=0).isoformat(),
            "entry": [{"resource": resource} for resource in resources]}


def priority_label(priority: str) -> str:
    return priority.upper() if priority == "urgent" else priority


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


# --- Database helpers -----------------------------------------------------------------------------

def resolve(session: Session, column, ref: str, what: str) -> str:
    """The full id that `ref` (a full id or a unique prefix of 4+ characters) stands for."""
    prefix = ref.strip().lower()
    if not ID_PREFIX.fullmatch(prefix):
        raise ValueError(f"{ref!r} is not a valid {what} id: give it whole or its first 4 or more characters")
    query = select(column).where(column.startswith(prefix, autoescape=True)).order_by(column).limit(3)
    matches = session.execute(query).scalars().all()
    if not matches:
        raise intake_store.IntakeNotFound(f"no {what} has an id starting with {prefix}")
    if len(matches) > 1:
        shown = ", ".join(match[:len(prefix) + 4] for match in matches)
        raise ValueError(f"{prefix} matches more than one {what} ({shown}): give more characters")
    return matches[0]


def intake_filters(args: argparse.Namespace, tz: ZoneInfo) -> List[Any]:
    start, end = day_range(args.since, args.until, tz)
    filters = []
    if args.status:
        filters.append(Intake.status == args.status)
    if getattr(args, "priority", None):
        filters.append(Intake.priority == args.priority)
    if start:
        filters.append(Intake.created_at >= start)
    if end:
        filters.append(Intake.created_at < end)
    return filters


def write_private(path: str, text: str) -> None:
    """Writes a file only its owner can read (it holds PHI), also when it already existed."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(text)


def emit(text: str, out: Optional[str], what: str) -> None:
    if out:
        write_private(out, text)
        print(f"Wrote {what} to {out} (holds PHI; readable by you only).", file=sys.stderr)
    else:
        sys.stdout.write(text)


# --- Intakes --------------------------------------------------------------------------------------

def cmd_list(args: argparse.Namespace) -> int:
    tz = current_profile().tz
    columns = (Intake.id, Intake.created_at, Intake.submitted_at, Intake.status, Intake.priority,
               Intake.phq9_total, Intake.gad7_total, Intake.routing, Intake.name)
    urgent_first = case((Intake.priority == "urgent", 0), else_=1)
    query = (select(*columns).where(*intake_filters(args, tz))
             .order_by(urgent_first, Intake.created_at.desc(), Intake.id))
    with intake_store.session_scope() as session:
        rows = session.execute(query).all()
    print(f"{plural(len(rows), 'intake')}, urgent first, then newest; times in {tz.key}")
    if rows:
        print(table(
            ("ID", "CREATED", "SUBMITTED", "STATUS", "PRIORITY", "PHQ-9", "GAD-7", "ROUTING", "NAME"),
            [(row.id[:SHORT_ID], when(row.created_at, tz), when(row.submitted_at, tz), row.status,
              priority_label(row.priority), cell(row.phq9_total),
              cell(row.gad7_total), cell(row.routing), cell(row.name, NAME_WIDTH)) for row in rows]))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    actor, profile = check_actor(args.by), current_profile()
    # The view is recorded (committed) before anything is shown.
    with intake_store.session_scope() as session:
        intake = session.get(Intake, resolve(session, Intake.id, args.id, "intake"))
        summary = handoff.summary_of(intake, profile)
        intake_store.audit(session, intake.id, actor, "viewed")
    if args.format == "json":
        print(handoff_summary.render_json(summary))
    else:
        sys.stdout.write(printable(handoff_summary.render_markdown(summary)))
    return 0


def cmd_mark(args: argparse.Namespace) -> int:
    actor = check_actor(args.by)
    with intake_store.session_scope() as session:
        intake_id = resolve(session, Intake.id, args.id, "intake")
        before = session.get(Intake, intake_id).status
    intake_store.set_status(intake_id, args.status, actor)
    print(f"Intake {intake_id[:SHORT_ID]} is now {args.status} (was {before}); recorded as {actor}.")
    return 0


def cmd_export_csv(args: argparse.Namespace) -> int:
    actor, profile = check_actor(args.by), current_profile()
    query = select(Intake).where(*intake_filters(args, profile.tz)).order_by(Intake.created_at, Intake.id)
    columns = handoff_summary.CSV_COLUMNS + (handoff_summary.CSV_FREE_TEXT_COLUMNS if args.free_text else ())
    with intake_store.session_scope() as session:
        intakes = session.execute(query).scalars().all()
        rows = [handoff_summary.csv_row(handoff.summary_of(intake, profile), args.free_text) for intake in intakes]
        for intake in intakes:
            intake_store.audit(session, intake.id, actor, "exported:csv")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    emit(buffer.getvalue(), args.out, plural(len(rows), "intake"))
    return 0


def cmd_export_fhir(args: argparse.Namespace) -> int:
    actor, profile = check_actor(args.by), current_profile()
    problems: List[str] = []
    with intake_store.session_scope() as session:
        intake = session.get(Intake, resolve(session, Intake.id, args.id, "intake"))
        summary = handoff.summary_of(intake, profile)
        if args.instrument != "both":
            document = handoff_summary.fhir_questionnaire_response(summary, args.instrument)
        else:
            resources = []
            for instrument in handoff_summary.FHIR_INSTRUMENTS:
                try:
                    resources.append(handoff_summary.fhir_questionnaire_response(summary, instrument))
                except ValueError as error:
                    problems.append(str(error))
            if not resources:
                raise ValueError("; ".join(problems))
            document = fhir_bundle(resources)
        intake_store.audit(session, intake.id, actor, "exported:fhir")
    for problem in problems:
        print(f"staff: {problem}; the bundle leaves it out", file=sys.stderr)
    emit(json.dumps(document, ensure_ascii=False, indent=2) + "\n", args.out, "the FHIR export")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    actor = check_actor(args.by)
    if args.days < 0:
        raise ValueError("--days must not be negative")
    cutoff = intake_store.utcnow() - timedelta(days=args.days)
    with intake_store.session_scope() as session:
        due = session.execute(select(func.count()).select_from(Intake).where(Intake.updated_at < cutoff)).scalar()
    if not args.yes:
        try:
            answer = input(f"Delete {plural(due, 'intake')} untouched for more than {args.days} days, with "
                           f"their answers and audit trail, and every chat transcript whose last message is "
                           f"older than that? This cannot be undone. [y/N] ")
        except EOFError:  # no terminal (cron without --yes): that is a no
            print()
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            print("Cancelled: nothing deleted.", file=sys.stderr)
            return 1
    result = retention.purge(args.days, actor=actor)
    print(f"Deleted {plural(result.intakes, 'intake')} untouched for more than {args.days} days and "
          f"{plural(result.conversations, 'chat transcript')} ({plural(result.events, 'event')}) "
          f"in {result.tracker}.")
    return 0


def confirmed(question: str) -> bool:
    try:
        answer = input(f"{question} This cannot be undone. [y/N] ")
    except EOFError:  # no terminal without --yes: that is a no
        print()
        answer = ""
    return answer.strip().lower() in ("y", "yes")


def cmd_erase(args: argparse.Namespace) -> int:
    actor = check_actor(args.by)
    with intake_store.session_scope() as session:
        if args.intake:
            intake_ids = [resolve(session, Intake.id, args.intake, "intake")]
        elif args.email:
            intake_ids = retention.intakes_with_email(session, args.email)
        else:
            intake_ids = []
        conversations = [args.conversation] if args.conversation else []
        plan = retention.plan_erasure(session, intake_ids, conversations)
    if plan.empty:
        raise intake_store.IntakeNotFound("nothing stored matches: no intake, transcript or notification")
    ids = ", ".join(intake_id[:SHORT_ID] for intake_id in plan.intake_ids) or "none"
    summary = (f"{plural(len(plan.intake_ids), 'intake')} ({ids}), "
               f"{plural(len(plan.conversation_ids), 'conversation')} with {plural(plan.events, 'transcript event')}, "
               f"{plural(plan.notifications, 'staff notification')}")
    if plan.undelivered:
        summary += f" ({plan.undelivered} not delivered yet: staff will never receive them)"
    if not args.yes and not confirmed(f"Erase {summary}?"):
        print("Cancelled: nothing deleted.", file=sys.stderr)
        return 1
    done = retention.erase(plan, actor)
    print(f"Erased {plural(len(done.intake_ids), 'intake')} ({ids}), {plural(done.events, 'transcript event')} "
          f"and {plural(done.notifications, 'staff notification')}; recorded as {actor}.")
    return 0


# --- Notifications --------------------------------------------------------------------------------

def cmd_notifications(args: argparse.Namespace) -> int:
    tz = current_profile().tz
    # Metadata columns only: the payload (PHI) is neither decrypted nor shown here.
    columns = (OutboxMessage.id, OutboxMessage.type, OutboxMessage.priority, OutboxMessage.channel,
               OutboxMessage.status, OutboxMessage.attempts, OutboxMessage.last_error,
               OutboxMessage.created_at, OutboxMessage.delivered_at, OutboxMessage.occurrences,
               OutboxMessage.last_seen_at, OutboxMessage.dedup_key)
    query = select(*columns).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id)
    if args.status == "failing":
        query = query.where(OutboxMessage.status == "pending", OutboxMessage.attempts > 0)
    elif args.status:
        query = query.where(OutboxMessage.status == args.status)
    if args.type:
        query = query.where(OutboxMessage.type == args.type)
    if args.open:
        query = query.where(OutboxMessage.dedup_key.is_not(None))
    with intake_store.session_scope() as session:
        rows = session.execute(query).all()
    print(f"{plural(len(rows), 'notification')}, newest first; times in {tz.key}. COUNT: triggers merged into "
          "it; OPEN: a repeat is counted, not paged; held: recorded, not paged on its own")
    if rows:
        print(table(
            ("ID", "TYPE", "PRIORITY", "CHANNEL", "STATUS", "ATTEMPTS", "LAST ERROR", "CREATED", "DELIVERED",
             "COUNT", "LAST SEEN", "OPEN"),
            [(row.id[:SHORT_ID], row.type, priority_label(row.priority),
              row.channel, row.status, str(row.attempts), cell(row.last_error, 40), when(row.created_at, tz),
              when(row.delivered_at, tz), str(row.occurrences), when(row.last_seen_at, tz),
              "open" if row.dedup_key else "-") for row in rows]))
    return 0


def cmd_notification(args: argparse.Namespace) -> int:
    actor, tz = check_actor(args.by), current_profile().tz
    with intake_store.session_scope() as session:
        message = session.get(OutboxMessage, resolve(session, OutboxMessage.id, args.id, "notification"))
        payload = message.payload or {}
        intake_id = payload.get("intake_id")
        # Its text may repeat an intake's PHI: the intake's audit trail records the reading when it still exists.
        if intake_id and session.get(Intake, intake_id) is not None:
            intake_store.audit(session, intake_id, actor, "viewed:notification")
    attempts = f"{plural(message.attempts, 'attempt')}" + (f", last error: {message.last_error}"
                                                          if message.last_error else "")
    print("\n".join([
        f"Notification {message.id}",
        f"Type: {message.type}",
        f"Priority: {message.priority.upper() if message.priority == 'urgent' else message.priority}",
        f"Channel: {message.channel}",
        f"Status: {message.status} ({attempts})",
        f"Created: {when(message.created_at, tz)} {tz.key}",
        f"Delivered: {when(message.delivered_at, tz)}",
        f"Intake: {intake_id or '-'}",
        f"Triggers: {message.occurrences}, last {when(message.last_seen_at or message.created_at, tz)}"
        + (f", highest risk: {alert_limits.RISK_LABELS.get(message.risk_level, message.risk_level)}"
           if message.risk_level else ""),
        "Open: yes (repeats are counted into it; mark it handled to close it)" if message.dedup_key else
        f"Open: no (closed {when(message.closed_at, tz)} by {message.closed_by})" if message.closed_at else "Open: -",
        "",
        printable(payload.get("text") or "(no text in this notification)"),
    ]))
    return 0


def cmd_handled(args: argparse.Namespace) -> int:
    actor = check_actor(args.by)
    with intake_store.session_scope() as session:
        message_id = resolve(session, OutboxMessage.id, args.id, "notification")
        closed = alert_limits.close_alert(session, message_id, actor)
    if closed:
        print(f"Notification {message_id[:SHORT_ID]} marked handled by {actor}: closed "
              f"{plural(closed, 'row')}; the next trigger from that chat pages staff again.")
    else:
        print(f"Notification {message_id[:SHORT_ID]} was not open (already closed, or not an alert).")
    return 0


def cmd_retry(args: argparse.Namespace) -> int:
    ids = None
    if args.ids:
        with intake_store.session_scope() as session:
            ids = [resolve(session, OutboxMessage.id, ref, "notification") for ref in args.ids]
    count = outbox.retry_failed(ids)
    skipped = f" ({len(ids) - count} of the given ones had not failed)" if ids and count < len(ids) else ""
    print(f"Queued {plural(count, 'failed notification')} for delivery again{skipped}.")
    return 0


# --- Command line ---------------------------------------------------------------------------------

def add_actor(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--by", default=DEFAULT_ACTOR, metavar="NAME",
                        help=f"who you are, for the audit trail (default {DEFAULT_ACTOR})")


def add_intake_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--status", choices=intake_store.STATUSES)
    parser.add_argument("--since", metavar="YYYY-MM-DD", help="created on or after this day")
    parser.add_argument("--until", metavar="YYYY-MM-DD", help="created on or before this day")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m clinic.entrypoints.staff", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    listing = commands.add_parser("list", help="a table of intakes")
    add_intake_filters(listing)
    listing.add_argument("--priority", choices=intake_store.INTAKE_PRIORITIES)
    listing.set_defaults(run=cmd_list)

    show = commands.add_parser("show", help="one intake's handoff summary (audited)")
    show.add_argument("id", help="intake id or its first 4+ characters")
    show.add_argument("--format", choices=("markdown", "json"), default="markdown")
    add_actor(show)
    show.set_defaults(run=cmd_show)

    mark = commands.add_parser("mark", help="mark an intake contacted or closed (audited)")
    mark.add_argument("id", help="intake id or its first 4+ characters")
    mark.add_argument("status", choices=("contacted", "closed"))
    add_actor(mark)
    mark.set_defaults(run=cmd_mark)

    notifications = commands.add_parser("notifications", help="a table of staff notifications (no content)")
    notifications.add_argument("--status", choices=NOTIFICATION_STATUSES,
                               help="failing = pending after at least one failed attempt")
    notifications.add_argument("--type", choices=outbox.TYPES)
    notifications.add_argument("--open", action="store_true", help="only open alerts and callback requests")
    notifications.set_defaults(run=cmd_notifications)

    handled = commands.add_parser("handled", help="mark an open alert or callback request handled (closes it)")
    handled.add_argument("id", help="notification id or its first 4+ characters")
    add_actor(handled)
    handled.set_defaults(run=cmd_handled)

    notification = commands.add_parser("notification", help="one notification with its text (PHI)")
    notification.add_argument("id", help="notification id or its first 4+ characters")
    add_actor(notification)
    notification.set_defaults(run=cmd_notification)

    retry = commands.add_parser("retry", help="queue failed notifications for delivery again")
    retry.add_argument("ids", nargs="*", metavar="ID", help="notification ids (default: every failed one)")
    retry.set_defaults(run=cmd_retry)

    export_csv = commands.add_parser("export-csv", help="one CSV row per intake (PHI)")
    add_intake_filters(export_csv)
    export_csv.add_argument("--free-text", action="store_true",
                            help="add the client's own words (concerns, medications)")
    export_csv.add_argument("--out", metavar="FILE", help="write to FILE (mode 0600) instead of stdout")
    add_actor(export_csv)
    export_csv.set_defaults(run=cmd_export_csv)

    export_fhir = commands.add_parser("export-fhir", help="FHIR R4 QuestionnaireResponse of PHQ-9/GAD-7")
    export_fhir.add_argument("id", help="intake id or its first 4+ characters")
    export_fhir.add_argument("--instrument", choices=FHIR_CHOICES, default="both",
                             help="one screen, or both in a FHIR Bundle (default)")
    export_fhir.add_argument("--out", metavar="FILE", help="write to FILE (mode 0600) instead of stdout")
    add_actor(export_fhir)
    export_fhir.set_defaults(run=cmd_export_fhir)

    purge = commands.add_parser("purge", help="delete intakes and chat transcripts older than --days days")
    purge.add_argument("--days", type=int, required=True)
    purge.add_argument("--yes", action="store_true", help="do not ask for confirmation (cron)")
    add_actor(purge)
    purge.set_defaults(run=cmd_purge)

    erase = commands.add_parser("erase", help="erase one person's intakes, chat transcript and notifications")
    who = erase.add_mutually_exclusive_group(required=True)
    who.add_argument("--intake", metavar="ID", help="intake id or its first 4+ characters")
    who.add_argument("--email", metavar="ADDRESS", help="every intake with this e-mail (case ignored)")
    who.add_argument("--conversation", metavar="ID", help="a chat conversation id (also without an intake)")
    erase.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    add_actor(erase)
    erase.set_defaults(run=cmd_erase)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:  # --help, or a usage error already explained by argparse
        return stop.code if isinstance(stop.code, int) else 2
    try:
        intake_store.migrate()
        return args.run(args)
    except (LookupError, intake_store.IntakeEncryptionError, ValueError, OSError) as error:
        message = str(error)
    except SQLAlchemyError as error:
        # The first line only: further lines may quote stored values.
        detail = str(getattr(error, "orig", None) or error).strip().splitlines()
        message = f"database error ({type(error).__name__}): {detail[0] if detail else 'no detail'}"
    print(f"staff: {message}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
