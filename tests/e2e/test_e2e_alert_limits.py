"""End to end: the running assistant does not flood staff. Repeats, bursts and repeated callback
requests page a bounded number of times at a real webhook receiver on loopback, every visitor still
gets the crisis answer at once, and staff can still read every alert with the staff command line.

The tests share one assistant and run in file order: the burst comes last, so the alerts before it
count toward its limit exactly as they would in production."""

import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml
from cryptography.fernet import Fernet

from tests.e2e.test_e2e_handoff import ALL_DAY
from tests.e2e_servers import ROOT, Assistant
from tests.staff_receiver import running, signature_ok
from tests.waiting import stays_true, wait_until

pytestmark = pytest.mark.e2e

SECRET = "e2e-alert-limits-secret"
BURST_LIMIT = 5
DELIVERY_SECONDS = 30
SETTLE_SECONDS = 3  # a further page, were one coming, arrives within this (the worker polls every 0.5 s)


@pytest.fixture(scope="module")
def receiver():
    with running() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, receiver):
    workdir = tmp_path_factory.mktemp("alert-limits")
    profile = yaml.safe_load((ROOT / "practice_profile.yml").read_text())
    profile["hours"] = ALL_DAY  # during office hours: a callback is asked for by number only
    (workdir / "practice_profile.yml").write_text(yaml.safe_dump(profile))
    running = Assistant(workdir, extra_env={
        "INTAKE_DATABASE_URL": f"sqlite:///{workdir / 'intake.db'}",
        "INTAKE_VAR_DIR": str(workdir / "var"),
        "INTAKE_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "PRACTICE_PROFILE": str(workdir / "practice_profile.yml"),
        "STAFF_WEBHOOK_URL": receiver.url,
        "STAFF_WEBHOOK_SECRET": SECRET,
        "STAFF_EMAIL_TO": "",
        "OUTBOX_POLL_SECONDS": "0.5",
        "OUTBOX_WORKER": "on",
        "ALERT_BURST_LIMIT": str(BURST_LIMIT),
        "ALERT_BURST_MINUTES": "10",
        "ALERT_REPEAT_WINDOW_MINUTES": "60",
    }).start()
    yield running
    running.stop()


def documents_for(receiver, predicate):
    return [document for document in receiver.documents() if predicate(document)]


def wait_for(receiver, predicate, count=1, seconds=DELIVERY_SECONDS):
    """Polls until at least `count` documents match, then watches for a further one for SETTLE_SECONDS."""
    wait_until(lambda: len(documents_for(receiver, predicate)) >= count, seconds,
               f"{count} matching page(s) reached staff", interval=0.2)
    found = documents_for(receiver, predicate)
    stays_true(lambda: len(documents_for(receiver, predicate)) == len(found), SETTLE_SECONDS,
               f"no page beyond these {len(found)}: one, were it coming, would arrive by then")
    return found


def staff_cli(assistant, *args):
    result = subprocess.run([sys.executable, "-m", "clinic.entrypoints.staff", *args], cwd=ROOT, env=assistant.env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def listed(output):
    """The count on the first line of `staff notifications`: "31 notifications, newest first ..."."""
    first = output.splitlines()[0].split()[0]
    return int(first)


def test_ten_times_not_safe_is_one_alert_and_one_risk_update(assistant, receiver):
    sender = f"unsafe-{uuid.uuid4()}"
    assert "988" in assistant.text(sender, "I want to kill myself")
    for _ in range(10):
        reply = assistant.text(sender, "no")
        assert "911" in reply or "988" in reply  # the crisis answer every time, whatever the paging does
    alerts = wait_for(receiver, lambda d: d.get("conversation_id") == sender, count=2)
    assert len(alerts) == 2, [a.get("trigger") for a in alerts]
    first, update = alerts
    assert first["type"] == update["type"] == "crisis_alert" and first["priority"] == update["priority"] == "urgent"
    assert update["risk_raised"] is True and update["update_of"] == first["id"]
    assert first["risk_level"] < update["risk_level"]
    for request in receiver.received:
        assert signature_ok(request.body, request.headers["X-Signature"], SECRET)


def test_five_callback_requests_for_one_number_page_once_and_answer_kindly(assistant, receiver):
    sender = f"callback-{uuid.uuid4()}"
    replies = []
    for _ in range(5):
        assert "What number should we call?" in assistant.text(sender, "can I talk to a real person?")
        replies.append(assistant.text(sender, "555 410 7788"))
    assert "(555) 410-7788" in replies[0] and "within two hours" in replies[0]
    for reply in replies[1:]:
        assert "already passed your request on" in reply and "988" in reply
    requests = wait_for(receiver, lambda d: d["type"] == "callback_request" and d.get("conversation_id") == sender)
    assert len(requests) == 1 and requests[0]["phone"] == "(555) 410-7788"


def test_a_burst_from_30_senders_answers_everyone_and_pages_a_bounded_number(assistant, receiver):
    before = listed(staff_cli(assistant, "notifications", "--type", "crisis_alert"))
    senders = [f"burst-{number}-{uuid.uuid4()}" for number in range(30)]
    with ThreadPoolExecutor(max_workers=30) as pool:
        replies = list(pool.map(lambda sender: assistant.text(sender, "/crisis"), senders))
    for reply in replies:
        assert "988" in reply and "Are you safe right now?" in reply

    [volume] = wait_for(receiver, lambda d: d.get("volume_alert") is True)
    assert volume["type"] == "crisis_alert" and volume["priority"] == "urgent" and volume["id"]
    assert volume["alert_count"] > BURST_LIMIT and "None are lost" in volume["text"]
    pages = documents_for(receiver, lambda d: d.get("conversation_id") in senders)
    assert len(pages) <= BURST_LIMIT  # plus the one volume alert, instead of 30 pages

    # Nothing is lost: all 30 alerts (and the volume alert) are there for staff.
    after = listed(staff_cli(assistant, "notifications", "--type", "crisis_alert"))
    assert after - before == 30 + 1
    held = listed(staff_cli(assistant, "notifications", "--type", "crisis_alert", "--status", "held"))
    assert held + len(pages) == 30
