"""End to end: only the Rasa server can run actions, and a submitted intake is scored from what was stored.

The real servers under scripts/run_all.py. An attacker who reaches the action server's port posts
action calls straight to /webhook: without the shared secret they get an empty 401 (no PHI, no
detail); the Rasa server, which sends the secret from endpoints.yml, keeps working. A caller that
forges the slots at the end of an intake cannot lower the scores, routing or priority staff see:
they come from the answers stored as the person gave them.
"""

import secrets
import uuid
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from tests.e2e_servers import Assistant, intake_environment

pytestmark = pytest.mark.e2e

SECRET = f"e2e-action-secret-{secrets.token_urlsafe(24)}"
NAME, EMAIL, PHONE, CONCERNS = "Ilse Marchetti-Quon", "ilse.mq@example.org", "(555) 301-7724", "nightmares since May"
PHI = (NAME, "Marchetti", EMAIL, "301-7724", CONCERNS)
# As the intake stores them while the person answers (PHQ-9 item 9 = 3, the ASQ skipped).
STORED = {"name": NAME, "email": EMAIL, "phone": PHONE, "preferred_contact_method": "phone",
          "best_time": "evenings", "adult": True, "state": "VA", "interest": "psychotherapy",
          "concerns": CONCERNS, **{f"phq9_{n}": 1 for n in range(1, 9)}, "phq9_9": 3,
          **{f"asq_{n}": "skipped" for n in range(1, 5)}, **{f"gad7_{n}": 1 for n in range(1, 8)},
          "trauma_exposure": False, "payment": "self-pay", "visit_type": "video", "availability": "evenings"}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("actionsecret")


@pytest.fixture(scope="module")
def intake_env(workdir):
    return intake_environment(workdir)


@pytest.fixture(scope="module")
def assistant(workdir, intake_env):
    running = Assistant(workdir, dict(intake_env, ACTION_SERVER_SECRET=SECRET, OUTBOX_WORKER="off",
                                      STAFF_WEBHOOK_URL="", STAFF_EMAIL_TO="", SMTP_HOST=""),
                        log_path=workdir / "servers.log").start()
    yield running
    running.stop()


def stored_intake(store, conversation_id):
    store.start_or_resume_intake(conversation_id)
    for field, value in STORED.items():
        store.save_answer(conversation_id, field, value)


def action_call(action, sender, slots):
    return {"next_action": action, "sender_id": sender, "version": "3.6.21", "domain": {},
            "tracker": {"sender_id": sender, "slots": slots, "events": [], "paused": False,
                        "followup_action": None, "active_loop": {}, "latest_action_name": "action_listen",
                        "latest_message": {"text": "/resume_intake", "intent": {"name": "resume_intake"},
                                           "entities": []}}}


def webhook(assistant, body, headers=None):
    return requests.post(f"http://127.0.0.1:{assistant.action_port}/webhook", json=body,
                         headers=headers or {}, timeout=30)


WRONG = [None, {"Authorization": "Bearer wrong-secret-9f2c"}, {"Authorization": f"Bearer {SECRET}x"},
         {"Authorization": f"Basic {SECRET}"}, {"Authorization": SECRET}, {"X-Action-Server-Secret": SECRET}]


@pytest.mark.parametrize("headers", WRONG, ids=["none", "wrong", "longer", "basic", "no-scheme", "other-header"])
def test_an_action_call_without_the_secret_is_refused_and_reveals_nothing(assistant, store, headers):
    sender = f"victim-{uuid.uuid4().hex}"
    stored_intake(store, sender)
    refused = webhook(assistant, action_call("action_resume_intake", sender, {}), headers)
    assert refused.status_code == 401
    assert refused.content == b""  # no PHI, no detail
    # Nor can it submit the intake or list the actions.
    assert webhook(assistant, action_call("action_finish_intake", sender, {}), headers).status_code == 401
    listing = requests.get(f"http://127.0.0.1:{assistant.action_port}/actions", headers=headers or {}, timeout=30)
    assert listing.status_code == 401 and listing.content == b""
    assert store.list_intakes(status="submitted") == []


def test_a_refused_call_is_logged_without_any_secret(assistant, workdir):
    webhook(assistant, action_call("action_resume_intake", "someone", {}), {"Authorization": "Bearer guess-7d41"})
    log = (workdir / "servers.log").read_text(errors="replace")
    assert "missing or wrong action server secret" in log
    assert "guess-7d41" not in log and SECRET not in log


def test_the_right_secret_runs_the_action(assistant, store):
    sender = f"owner-{uuid.uuid4().hex}"
    stored_intake(store, sender)
    answered = webhook(assistant, action_call("action_resume_intake", sender, {}),
                       {"Authorization": f"Bearer {SECRET}"})
    assert answered.status_code == 200
    # The action ran: it found the stored intake and asks for its e-mail before showing anything
    # (a resume in a new chat session; clinic/domain/resume_check.py).
    slots = {event["name"]: event["value"] for event in answered.json()["events"] if event["event"] == "slot"}
    assert slots == {"resume_check": "pending", "resume_email": None}
    assert NAME not in answered.text


def test_the_health_check_stays_open_for_the_supervisor_and_load_balancer(assistant):
    health = requests.get(f"http://127.0.0.1:{assistant.action_port}/health", timeout=10)
    assert health.status_code == 200 and health.json() == {"status": "ok"}


def test_the_rasa_server_still_runs_actions_over_the_secured_endpoint(assistant, store):
    sender = f"visitor-{uuid.uuid4().hex}"
    # The consent question, its validation (which opens the stored intake) and the next question
    # are custom actions: each one a call from the Rasa server to the secured /webhook.
    assert "Would you like to start?" in assistant.text(sender, "I'd like to book a consultation")
    assert "name" in assistant.text(sender, "yes please").lower()
    assert [intake.status for intake in store.list_intakes() if intake.conversation_id == sender] == ["in_progress"]


def test_the_secret_is_in_no_process_command_line(assistant):
    seen = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        seen += 1
        assert SECRET.encode() not in argv, f"the action server secret is visible in pid {entry.name}'s command line"
    assert seen > 3


def test_forged_slots_at_finish_cannot_lower_what_staff_see(assistant, store):
    from clinic.adapters.outbox import OutboxMessage
    from clinic.domain import screening

    sender = f"forger-{uuid.uuid4().hex}"
    stored_intake(store, sender)
    forged = dict(STORED, full_name=NAME, phq9_9=0, **{f"asq_{n}": False for n in range(1, 5)}, asq_5=None,
                  intake_consent=True, review_confirmed=True, safety_pause_done=False)
    forged.pop("name")
    answered = webhook(assistant, action_call("action_finish_intake", sender, forged),
                       {"Authorization": f"Bearer {SECRET}"})
    assert answered.status_code == 200
    [intake] = [i for i in store.list_intakes(status="submitted") if i.conversation_id == sender]
    assert intake.priority == "urgent"
    assert intake.routing == screening.ROUTE_URGENT
    assert intake.phq9_total == 11 and intake.asq_risk is None  # 8 x 1 + 3; the ASQ was skipped
    with store.session_scope() as session:
        queued = session.execute(select(OutboxMessage).where(OutboxMessage.type == "intake_summary")).scalars()
        [summary] = [m.payload["summary"] for m in queued if m.payload["conversation_id"] == sender]
    assert summary["priority"] == "urgent" and summary["routing"]["suggestion"] == screening.ROUTE_URGENT
    assert summary["screens"]["PHQ-9"]["items"][8]["value"] == 3
