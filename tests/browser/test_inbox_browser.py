"""The staff inbox in a real browser: Debian's chromium driven by Playwright against the real
server (python -m staff_inbox.server, waitress) on a spare loopback port and a real SQLite store.

A member of staff enrols their authenticator (the code computed here with pyotp), works a crisis
alert and an intake made by the real handoff functions, exports, and follows the link from a
staff e-mail back to the item through sign-in. Every request the pages make is recorded: all go
to this machine. Writes the screenshots in docs/inbox-*.png (fake data only). `make browser`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pyotp
import pytest
from cryptography.fernet import Fernet

from tests.browser.test_browser import CHROMIUM, CHROMIUM_ARGS, LOCAL_HOSTS, wait_for_page
from tests.e2e_servers import ROOT, free_port

pytestmark = pytest.mark.browser
DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    """The inbox server, and this process pointed at the same database and key."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get update && apt-get install -y chromium")
    folder = tmp_path_factory.mktemp("inbox")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {"INTAKE_DATABASE_URL": f"sqlite:///{folder / 'intake.db'}", "INTAKE_VAR_DIR": str(folder / "var"),
           "INTAKE_ENCRYPTION_KEY": Fernet.generate_key().decode(), "INBOX_PORT": str(port),
           "INBOX_INTERFACE": "127.0.0.1", "INBOX_COOKIE_SECURE": "off", "INBOX_BASE_URL": base,
           "STAFF_EMAIL_TO": "team@example.com", "ESCALATION_POLL_SECONDS": "3600"}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        for name in ("STAFF_WEBHOOK_URL", "SMTP_HOST", "ESCALATION_EMAIL_TO", "ESCALATION_WEBHOOK_URL"):
            patch.delenv(name, raising=False)
        from clinic.adapters import intake_store

        intake_store.migrate()
        process = subprocess.Popen([sys.executable, "-m", "staff_inbox.server"], cwd=ROOT,
                                   env={**os.environ, "PYTHONPATH": str(ROOT)})
        try:
            wait_for_page(f"{base}/health")
            yield base
        finally:
            process.terminate()
            process.wait(timeout=20)
            intake_store.dispose_engines()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Tab:
    """One browser context with every request it made."""

    def __init__(self, browser, **options):
        self.context = browser.new_context(accept_downloads=True, **options)
        self.page = self.context.new_page()
        self.requests = []
        self.problems = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", lambda message: self.problems.append(message.text)
                     if "Content Security Policy" in message.text or "Refused" in message.text else None)

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(DOCS / f"inbox-{name}.png"), full_page=True)

    def left_the_machine(self):
        return [url for url in self.requests if urlsplit(url).scheme not in ("data", "blob")
                and urlsplit(url).hostname not in LOCAL_HOSTS]


def sign_in(tab, name, password, secret, at=None):
    page = tab.page
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Continue").click()
    code = pyotp.TOTP(secret).at(at) if at else pyotp.TOTP(secret).now()
    page.get_by_label("6-digit code from your authenticator app").fill(code)
    page.get_by_role("button", name="Sign in").click()


def test_staff_enrol_work_the_queue_export_and_follow_a_link(inbox, browser):
    from playwright.sync_api import expect

    from clinic.adapters import intake_store as store
    from clinic.adapters import outbox
    from clinic.adapters.outbox import OutboxMessage
    from staff_inbox import accounts
    from tests.inbox_helpers import CONCERNS, NAME, PASSWORD, add_staff, callback, crisis_alert, submit_intake

    accounts.add_user("ana", "admin", PASSWORD)
    tab = Tab(browser, viewport={"width": 1100, "height": 800})
    page = tab.page
    page.goto(inbox + "/")
    expect(page).to_have_url(f"{inbox}/sign-in?next=/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the content"
    tab.shot("sign-in")
    page.get_by_label("Name").fill("ana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Set up your second factor")).to_be_visible()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    secret = page.locator("code.secret").inner_text()
    tab.shot("enrol")
    page.get_by_label("Then enter the 6-digit code the app shows").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Confirm and sign in").click()
    expect(page.get_by_role("heading", name="Queue")).to_be_visible()

    submit_intake("conv-browser-intake")
    crisis_alert("conv-browser-crisis")
    callback("conv-browser-callback", during_hours=False)
    page.reload()
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Crisis alert")
    expect(rows.nth(0)).to_contain_text("URGENT")
    tab.shot("queue")

    rows.nth(0).get_by_role("link").click()
    expect(page.get_by_role("heading", name="The alert")).to_be_visible()
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_role("status")).to_have_text("Acknowledged.")
    page.get_by_role("button", name="Assign to me").click()
    page.get_by_role("button", name="Mark contacted").click()
    expect(page.locator("dl.facts").first).to_contain_text("contacted")
    expect(page.locator("dl.facts").first).to_contain_text("ana")
    tab.shot("item-alert")

    page.get_by_role("link", name="← Queue").click()
    page.locator("table.queue tbody tr", has_text="Intake").get_by_role("link").click()
    expect(page.get_by_role("heading", name="Critical items")).to_be_visible()
    expect(page.locator("main")).to_contain_text(CONCERNS)
    tab.shot("item-intake")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    assert NAME in Path(download.value.path()).read_text()

    page.get_by_role("link", name="Audit trail").click()
    trail = page.locator("table tbody")
    for action in ("inbox:signed_in", "inbox:acknowledge:", "inbox:contacted:", "exported:csv"):
        expect(trail).to_contain_text(action)
    expect(trail).to_contain_text("staff:ana")
    tab.shot("audit")

    cleo = add_staff("cleo", "clinician")
    phone = Tab(browser, viewport={"width": 390, "height": 844}, is_mobile=True)
    phone.page.goto(inbox + "/sign-in")
    sign_in(phone, "cleo", PASSWORD, cleo)
    expect(phone.page.get_by_role("heading", name="Queue")).to_be_visible()
    phone.shot("queue-phone")

    # The staff e-mail's link: signed out, sign-in brings you to the item (password, code: 2 clicks).
    with store.session_scope() as session:
        email_row = session.query(OutboxMessage).filter_by(type="crisis_alert", channel="email").one()
        session.expunge(email_row)
    text = outbox.email_message(email_row, "a@example.com", ["team@example.com"]).get_content()
    link = next(line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("Open it in the staff inbox"))
    assert link.startswith(f"{inbox}/items/") and NAME not in link
    stranger = Tab(browser)
    stranger.page.goto(link)
    expect(stranger.page.get_by_role("heading", name="Sign in")).to_be_visible()
    sign_in(stranger, "ana", PASSWORD, secret, at=store.utcnow() + timedelta(seconds=30))
    expect(stranger.page).to_have_url(link)
    expect(stranger.page.get_by_role("heading", name="The alert")).to_be_visible()

    for each in (tab, phone, stranger):
        assert each.requests and not each.left_the_machine(), each.left_the_machine()
        assert not each.problems, each.problems
