"""The staff command line (clinic/entrypoints/staff.py) on real intakes in SQLite and PostgreSQL, as staff use it."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from fhir.resources.bundle import Bundle
from fhir.resources.questionnaireresponse import QuestionnaireResponse
from sqlalchemy import select, update

from clinic.adapters import handoff
from clinic.adapters import intake_store as store
from clinic.adapters.intake_store import AuditEvent, Intake
from clinic.adapters.outbox import OutboxMessage
from clinic.domain import handoff_summary
from clinic.domain.practice_profile import load_profile
from clinic.entrypoints import staff
from tests.conftest import BACKENDS, migrated_database

ROOT = Path(__file__).resolve().parents[2]
PROFILE = load_profile()
JANE = "Jane Doe"
SAM = "Sam Lee"


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path, monkeypatch):
    """A migrated, empty intake database on each backend with its own key."""
    monkeypatch.setenv("INTAKE_ENCRYPTION_KEY", Fernet.generate_key().decode())
    with migrated_database(request, tmp_path, monkeypatch, tables=("intakes", "audit_events", "outbox")) as database:
        yield database


def items(prefix, values):
    return {f"{prefix}_{number}": value for number, value in enumerate(values, start=1)}


def answers_for(name, phq9, gad7, **extra):
    return {
        "name": name, "email": f"{name.split()[0].lower()}@example.com", "phone": "(555) 010-0100",
        "preferred_contact_method": "phone", "best_time": "mornings", "adult": True, "state": "VA",
        "interest": "kap", "concerns": "Low mood for a year", **items("phq9", phq9), **items("gad7", gad7), **extra,
    }


def submit(conversation_id, answers, crisis=False):
    """An intake built through the real API, as the chat builds it; returns its id."""
    store.start_or_resume_intake(conversation_id)
    for field, value in answers.items():
        store.save_answer(conversation_id, field, value)
    return handoff.submit_intake(conversation_id, PROFILE, crisis).id


def jane():
    """PHQ-9 11 (item 9 = 0), GAD-7 8: a routine KAP intake."""
    return submit("conv-jane", answers_for(JANE, [2, 2, 1, 2, 1, 1, 2, 0, 0], [1, 1, 2, 1, 1, 1, 1]))


def sam_urgent():
    """An urgent intake (after a crisis) with a skipped GAD-7 item, so GAD-7 cannot be exported."""
    return submit("conv-sam", answers_for(SAM, [1] * 9, [1, 1, "skipped", 1, 1, 1, 1]), crisis=True)


def run(capsys, *argv):
    code = staff.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def audit_actions(intake_id):
    with store.session_scope() as session:
        query = select(AuditEvent.actor, AuditEvent.action).where(AuditEvent.intake_id == intake_id)
        return set(session.execute(query).all())


def set_columns(model, row_id, **values):
    with store.session_scope() as session:
        session.execute(update(model).where(model.id == row_id).values(**values))


def notifications_of(intake_id):
    with store.session_scope() as session:
        rows = session.execute(select(OutboxMessage)).scalars().all()
        return [row for row in rows if row.payload.get("intake_id") == intake_id]


# --- Intakes --------------------------------------------------------------------------------------

def test_list_shows_intakes_urgent_first_and_filters_exclude_others(db, capsys):
    jane_id, sam_id = jane(), sam_urgent()
    code, out, _ = run(capsys, "list")
    assert code == 0 and out.startswith("2 intakes")
    lines = out.splitlines()
    assert lines[1].split()[:2] == ["ID", "CREATED"]
    assert lines[2].startswith(sam_id[:8]) and "URGENT" in lines[2] and SAM in lines[2]
    assert lines[3].startswith(jane_id[:8]) and JANE in lines[3]
    assert " 11 " in lines[3] and " 8 " in lines[3] and "submitted" in lines[3]

    code, out, _ = run(capsys, "list", "--priority", "urgent")
    assert code == 0 and out.startswith("1 intake,") and SAM in out and JANE not in out
    store.set_status(jane_id, "contacted", "staff:test")
    code, out, _ = run(capsys, "list", "--status", "contacted")
    assert JANE in out and SAM not in out

    # Days are the practice's (America/New_York) days, both ends inclusive.
    set_columns(Intake, jane_id, created_at=datetime(2024, 5, 1, 3, 30, tzinfo=timezone.utc))  # 30 April there
    code, out, _ = run(capsys, "list", "--since", "2024-04-30", "--until", "2024-04-30")
    assert out.startswith("1 intake,") and JANE in out and "2024-04-30 23:30" in out
    code, out, _ = run(capsys, "list", "--since", "2024-05-01")
    assert JANE not in out and SAM in out
    code, out, _ = run(capsys, "list", "--until", "2024-04-29")
    assert out.startswith("0 intakes") and JANE not in out


def test_show_prints_the_summary_and_records_the_view(db, capsys):
    jane_id = jane()
    code, out, _ = run(capsys, "show", jane_id[:8])
    assert code == 0
    assert out.startswith(f"# Intake {jane_id}: {JANE}")
    assert "**PHQ-9**: 11/27 (moderate)" in out and "**GAD-7**: 8/21 (mild)" in out
    assert ("staff:cli", "viewed") in audit_actions(jane_id)

    code, out, _ = run(capsys, "show", jane_id, "--format", "json", "--by", "dr.rivera")
    summary = json.loads(out)
    assert code == 0 and summary["contact"]["name"] == JANE and summary["screens"]["PHQ-9"]["total"] == 11
    assert ("dr.rivera", "viewed") in audit_actions(jane_id)


def test_show_makes_terminal_escape_sequences_inert(db, capsys):
    intake_id = submit("conv-esc", answers_for("Eve \x1b]8;;http://evil\x07Smith", [0] * 9, [0] * 7))
    code, out, _ = run(capsys, "show", intake_id)
    assert code == 0 and "\x1b" not in out and "\x07" not in out and "Eve ?" in out


def test_mark_changes_the_status_and_audits_the_actor(db, capsys):
    jane_id = jane()
    code, out, _ = run(capsys, "mark", jane_id[:6], "contacted", "--by", "dr.rivera")
    assert code == 0 and "now contacted (was submitted)" in out and "dr.rivera" in out
    code, out, _ = run(capsys, "mark", jane_id, "closed")
    with store.session_scope() as session:
        assert session.get(Intake, jane_id).status == "closed"
    assert {("dr.rivera", "status:contacted"), ("staff:cli", "status:closed")} <= audit_actions(jane_id)

    code, _, err = run(capsys, "mark", jane_id, "closed", "--by", "Dr Rivera; DROP")
    assert code == 1 and err.startswith("staff: --by must be") and len(err.splitlines()) == 1


# --- Notifications --------------------------------------------------------------------------------

def test_notifications_list_the_queue_and_failing_failed_and_retry_work(db, capsys):
    jane_id, sam_id = jane(), sam_urgent()
    (jane_note,), (sam_note,) = notifications_of(jane_id), notifications_of(sam_id)
    code, out, _ = run(capsys, "notifications")
    assert code == 0 and out.startswith("2 notifications")
    assert out.count("intake_summary") == 2 and jane_note.id[:8] in out and "pending" in out
    assert JANE not in out and SAM not in out  # metadata only, never the payload

    set_columns(OutboxMessage, jane_note.id, attempts=3, last_error="HTTP 503")
    set_columns(OutboxMessage, sam_note.id, status="failed", attempts=300, last_error="connection error")
    code, out, _ = run(capsys, "notifications", "--status", "failing")
    assert out.startswith("1 notification,") and jane_note.id[:8] in out and "HTTP 503" in out
    code, out, _ = run(capsys, "notifications", "--status", "failed", "--type", "intake_summary")
    assert out.startswith("1 notification,") and sam_note.id[:8] in out and "URGENT" in out
    code, out, _ = run(capsys, "notifications", "--type", "crisis_alert")
    assert out.startswith("0 notifications")

    code, out, _ = run(capsys, "retry", sam_note.id[:8], jane_note.id[:8])
    assert code == 0 and "Queued 1 failed notification" in out and "1 of the given ones had not failed" in out
    with store.session_scope() as session:
        retried = session.get(OutboxMessage, sam_note.id)
        assert (retried.status, retried.attempts) == ("pending", 0)
    code, out, _ = run(capsys, "retry")
    assert code == 0 and "Queued 0 failed notifications" in out


def test_notification_shows_its_text_for_staff_without_the_webhook(db, capsys):
    jane_id = jane()
    (note,) = notifications_of(jane_id)
    code, out, _ = run(capsys, "notification", note.id[:8], "--by", "frontdesk")
    assert code == 0
    assert f"Notification {note.id}" in out and "Type: intake_summary" in out and f"Intake: {jane_id}" in out
    assert f"# Intake {jane_id}: {JANE}" in out and "**PHQ-9**: 11/27" in out
    assert ("frontdesk", "viewed:notification") in audit_actions(jane_id)

    alert_id = handoff.queue_callback_request("conv-x", "(555) 010-0142", "after 3pm", "Ana", during_hours=True)[0]
    code, out, _ = run(capsys, "notification", alert_id)
    assert code == 0 and "Priority: URGENT" in out and "Ana at (555) 010-0142, after 3pm" in out


# --- Exports --------------------------------------------------------------------------------------

def test_export_csv_has_the_handoff_columns_and_neutralises_formulas(db, capsys, tmp_path):
    jane_id = jane()
    formula = submit("conv-f", answers_for("=HYPERLINK(\"http://x\")", [0] * 9, [0] * 7, concerns="+1 call me"))
    code, out, _ = run(capsys, "export-csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert code == 0 and tuple(rows[0]) == handoff_summary.CSV_COLUMNS and len(rows) == 3
    by_id = {row["intake_id"]: row for row in csv.DictReader(io.StringIO(out))}
    assert by_id[jane_id]["name"] == JANE and by_id[jane_id]["phq9_total"] == "11"
    assert by_id[jane_id]["gad7_total"] == "8" and by_id[jane_id]["status"] == "submitted"
    assert by_id[formula]["name"] == "'=HYPERLINK(\"http://x\")"
    assert "concerns" not in by_id[jane_id] and "Low mood" not in out
    assert ("staff:cli", "exported:csv") in audit_actions(jane_id)

    target = tmp_path / "export.csv"
    code, out, err = run(capsys, "export-csv", "--free-text", "--out", str(target), "--since", "2000-01-01")
    assert code == 0 and out == "" and f"Wrote 2 intakes to {target}" in err
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert list(rows[0]) == [*handoff_summary.CSV_COLUMNS, *handoff_summary.CSV_FREE_TEXT_COLUMNS]
    assert {row["concerns"] for row in rows} == {"Low mood for a year", "'+1 call me"}

    store.set_status(jane_id, "closed", "staff:test")
    code, out, _ = run(capsys, "export-csv", "--status", "closed")
    assert [row["intake_id"] for row in csv.DictReader(io.StringIO(out))] == [jane_id]


def test_export_fhir_validates_as_r4_with_the_loinc_panels(db, capsys, tmp_path):
    jane_id, sam_id = jane(), sam_urgent()
    code, out, _ = run(capsys, "export-fhir", jane_id, "--instrument", "PHQ-9")
    document = json.loads(out)
    assert code == 0 and document["questionnaire"] == "http://loinc.org/q/44249-1"
    response = QuestionnaireResponse.parse_obj(document)
    assert response.item[-1].answer[0].valueInteger == 11

    target = tmp_path / "fhir.json"
    code, _, err = run(capsys, "export-fhir", jane_id[:8], "--out", str(target))
    bundle = json.loads(target.read_text(encoding="utf-8"))
    assert code == 0 and stat.S_IMODE(os.stat(target).st_mode) == 0o600
    Bundle.parse_obj(bundle)
    assert bundle["type"] == "collection"
    assert [entry["resource"]["questionnaire"] for entry in bundle["entry"]] == [
        "http://loinc.org/q/44249-1", "http://loinc.org/q/69737-5"]
    assert ("staff:cli", "exported:fhir") in audit_actions(jane_id)

    code, _, err = run(capsys, "export-fhir", sam_id, "--instrument", "GAD-7")
    assert code == 1 and err == "staff: GAD-7 is incomplete: only a complete screen can be exported\n"
    code, out, err = run(capsys, "export-fhir", sam_id)
    bundle = json.loads(out)
    assert code == 0 and [entry["resource"]["questionnaire"] for entry in bundle["entry"]] == [
        "http://loinc.org/q/44249-1"]
    assert "GAD-7 is incomplete" in err and "leaves it out" in err


# --- Retention --------------------------------------------------------------------------------------

def test_purge_asks_first_and_deletes_only_old_intakes(db, capsys, monkeypatch):
    old_id, new_id = jane(), sam_urgent()
    set_columns(Intake, old_id, updated_at=datetime(2020, 1, 1, tzinfo=timezone.utc))
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    code, out, err = run(capsys, "purge", "--days", "365")
    assert code == 1 and "Delete 1 intake untouched for more than 365 days" in out and "nothing deleted" in err
    with store.session_scope() as session:
        assert session.get(Intake, old_id) is not None

    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    code, out, _ = run(capsys, "purge", "--days", "365")
    assert code == 0 and "Deleted 1 intake untouched" in out
    code, out, _ = run(capsys, "purge", "--days", "365", "--yes")
    assert code == 0 and out.startswith("Deleted 0 intakes untouched for more than 365 days and 0 chat transcripts")
    with store.session_scope() as session:
        assert session.get(Intake, old_id) is None and session.get(Intake, new_id) is not None


# --- Errors: one line, exit 1, never a traceback ------------------------------------------------

def add_bare_intake(intake_id):
    with store.session_scope() as session:
        session.add(Intake(id=intake_id, conversation_id=f"conv-{intake_id[:8]}", answers={}))


@pytest.mark.parametrize("argv, message", [
    (["show", "0000ffff"], "staff: no intake has an id starting with 0000ffff"),
    (["show", "abcd"], "staff: abcd matches more than one intake (abcd0000, abcd1111): give more characters"),
    (["show", "abc"], "staff: 'abc' is not a valid intake id: give it whole or its first 4 or more characters"),
    (["mark", "zzzz-not-an-id", "closed"], "staff: 'zzzz-not-an-id' is not a valid intake id"),
    (["notification", "0000ffff"], "staff: no notification has an id starting with 0000ffff"),
    (["retry", "0000ffff"], "staff: no notification has an id starting with 0000ffff"),
    (["list", "--since", "2024-13-01"], "staff: --since must be a date as YYYY-MM-DD, not '2024-13-01'"),
    (["list", "--until", "yesterday"], "staff: --until must be a date as YYYY-MM-DD, not 'yesterday'"),
    (["export-csv", "--since", "2024-5-1"], "staff: --since must be a date as YYYY-MM-DD, not '2024-5-1'"),
    (["list", "--since", "2024-05-02", "--until", "2024-05-01"], "staff: --since 2024-05-02 is after --until"),
    (["purge", "--days", "-1", "--yes"], "staff: --days must not be negative"),
    (["export-csv", "--out", "/nonexistent/dir/x.csv"], "staff: [Errno 2] No such file or directory"),
])
def test_errors_are_one_line_and_exit_1(capsys, argv, message):
    store.migrate()
    add_bare_intake("abcd0000-0000-4000-8000-000000000000")
    add_bare_intake("abcd1111-0000-4000-8000-000000000000")
    code, out, err = run(capsys, *argv)
    assert code == 1 and out == ""
    assert err.startswith(message) and err.count("\n") == 1 and "Traceback" not in err


def test_a_wrong_encryption_key_is_a_clear_error(db, capsys, monkeypatch):
    jane_id = jane()
    monkeypatch.setenv("INTAKE_ENCRYPTION_KEY", Fernet.generate_key().decode())
    code, out, err = run(capsys, "show", jane_id)
    assert code == 1 and out == "" and err.startswith("staff: Cannot decrypt stored intake data")
    assert ("staff:cli", "viewed") not in audit_actions(jane_id)


def test_usage_errors_exit_2_and_help_shows_examples(capsys):
    assert staff.main(["mark", "abcd", "deleted"]) == 2
    assert "invalid choice" in capsys.readouterr().err
    assert staff.main(["--help"]) == 0
    assert "clinic-staff export-fhir 3f1c2a9e --instrument both" in capsys.readouterr().out


def test_the_module_runs_as_a_command(tmp_path):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT),
           "INTAKE_DATABASE_URL": os.environ["INTAKE_DATABASE_URL"], "INTAKE_VAR_DIR": str(tmp_path),
           "INTAKE_ENCRYPTION_KEY": os.environ["INTAKE_ENCRYPTION_KEY"]}
    store.migrate()
    jane_id = jane()
    store.dispose_engines()
    result = subprocess.run([sys.executable, "-m", "clinic.entrypoints.staff", "list"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("1 intake,") and jane_id[:8] in result.stdout and JANE in result.stdout
