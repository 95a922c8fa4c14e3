"""The website chat page in a real browser: Debian's chromium driven by Playwright.

Starts the real assistant (action server, Rasa server and web/serve.py through
scripts/run_all.py) on spare loopback ports, opens the page, and talks to the rasa-webchat
widget over socket.io like a visitor. Every request the page makes is recorded: all of them
must go to this machine. `make browser`; needs /usr/bin/chromium (apt-get install chromium).
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.e2e_servers import ROOT, Assistant, free_port

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
CRISIS_LINE = "In crisis? Call or text 988. In an emergency call 911."
ANSWER_TIMEOUT_MS = 45_000
SCREENSHOT = ROOT / "results" / "browser" / "chat.png"
README_SCREENSHOT = ROOT / "docs" / "chat.png"
WIDGET = "#chat-widget"


def make_defaults() -> dict:
    """The settings `make` exports (defaults.mk), so a bare `pytest` run starts like `make`."""
    values = {}
    for line in (ROOT / "defaults.mk").read_text().splitlines():
        match = re.match(r"^([A-Z][A-Z0-9_]*)\s*\?=\s*(.*)$", line)
        if match:
            values[match.group(1)] = re.sub(r"\$\((\w+)\)", lambda m: values.get(m.group(1), ""),
                                            match.group(2).strip())
    return values


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The assistant and the chat page, as `make run` starts them, on spare ports."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get update && apt-get install -y chromium")
    web_port = free_port()
    page_origin = f"http://localhost:{web_port}"
    assistant = Assistant(tmp_path_factory.mktemp("browser"), extra_env={
        "WEB_PORT": str(web_port),
        "WEB_INTERFACE": "127.0.0.1",
        "SITE_ORIGIN": page_origin,
        "RASA_INTERFACE": "127.0.0.1",
        "RASA_TELEMETRY_ENABLED": "false",
    })
    # After construction: the socket URL needs the Rasa port the Assistant picked, and the
    # defaults only fill what neither the environment nor the Assistant has set.
    assistant.env["RASA_SOCKET_URL"] = f"http://localhost:{assistant.rasa_port}"
    for key, value in make_defaults().items():
        assistant.env.setdefault(key, value)
    assistant.start()
    try:
        wait_for_page(f"http://127.0.0.1:{web_port}/")
        assistant.page_url = page_origin + "/"
        assistant.page_origin = page_origin
        yield assistant
    finally:
        assistant.stop()


def wait_for_page(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"the chat page did not answer at {url}")


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is missing: pip install -r requirements-dev.txt")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Visit:
    """One visitor's tab, with every request and console problem it produced."""

    def __init__(self, context):
        self.context = context
        self.page = context.new_page()
        self.requests = []
        self.problems = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("websocket", lambda socket: self.requests.append(socket.url))
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("console", self._console)

    def _console(self, message) -> None:
        text = message.text
        if "Content Security Policy" in text or "Refused to" in text:
            self.problems.append(f"console: {text}")

    @property
    def messages(self):
        return self.page.locator(f"{WIDGET} .rw-messages-container")

    @property
    def bot_messages(self):
        return self.page.locator(f"{WIDGET} .rw-message .rw-response")

    def open_chat(self) -> None:
        from playwright.sync_api import expect

        launcher = self.page.locator(f"{WIDGET} .rw-launcher")
        expect(launcher).to_be_visible(timeout=ANSWER_TIMEOUT_MS)  # shown once connected
        if not self.page.locator(f"{WIDGET} .rw-conversation-container").is_visible():
            self.page.get_by_role("button", name="Open the chat").click()
        expect(self.page.locator(f"{WIDGET} .rw-conversation-container")).to_be_visible()

    def send(self, text: str) -> int:
        """Types a message like a visitor; returns how many bot messages there were before."""
        before = self.bot_messages.count()
        box = self.page.locator(f"{WIDGET} .rw-new-message")
        box.fill(text)
        box.press("Enter")
        return before

    def answer_after(self, before: int, must_contain: str = "") -> str:
        """The bot's messages after the first `before` ones, once they contain the text
        (any text when `must_contain` is empty) and the rest of the answer has arrived."""
        deadline = time.monotonic() + ANSWER_TIMEOUT_MS / 1000
        text = ""
        while time.monotonic() < deadline:
            text = "\n".join(self.bot_messages.all_inner_texts()[before:])
            if text.strip() and must_contain in text:
                return self._settled(before)
            time.sleep(0.25)
        raise AssertionError(f"no answer containing {must_contain!r}; got {text!r}")

    def _settled(self, before: int) -> str:
        """Waits until no new bot message has shown for 2 s (the widget paces the parts)."""
        last, quiet_since = None, time.monotonic()
        while time.monotonic() - quiet_since < 2:
            now = "\n".join(self.bot_messages.all_inner_texts()[before:])
            if now != last:
                last, quiet_since = now, time.monotonic()
            time.sleep(0.2)
        return last


@pytest.fixture(scope="module")
def visit(site, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")
    current = Visit(context)
    current.page.goto(site.page_url)
    yield current
    context.close()


# --- The page itself ----------------------------------------------------------------------

def test_page_shows_the_practice_and_the_crisis_line(visit):
    from playwright.sync_api import expect

    from clinic.domain.practice_profile import current_profile

    profile = current_profile()
    page = visit.page
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(profile.name)
    crisis = page.get_by_role("complementary", name="Crisis support")
    expect(crisis).to_have_text(CRISIS_LINE)
    expect(crisis).to_be_in_viewport()
    for fact in (profile.phone, profile.email, profile.address["street"]):
        expect(page.get_by_role("main")).to_contain_text(fact)
    assert page.get_by_role("banner").count() == 1 and page.get_by_role("contentinfo").count() == 1


def test_crisis_line_stays_visible_when_scrolled(visit):
    from playwright.sync_api import expect

    visit.page.mouse.wheel(0, 3000)
    expect(visit.page.get_by_role("complementary", name="Crisis support")).to_be_in_viewport()
    visit.page.evaluate("window.scrollTo(0, 0)")


def test_page_is_readable_without_javascript(site, browser):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(site.page_url)
        body = page.locator("body").inner_text()
        assert CRISIS_LINE in body and "The chat needs JavaScript" in body
        assert "Phone" in body and "Office hours" in body
    finally:
        context.close()


# --- The chat, in conversation order --------------------------------------------------------

def test_opening_the_widget_shows_the_welcome(visit):
    from playwright.sync_api import expect

    visit.open_chat()
    expect(visit.messages).to_contain_text("automated assistant", timeout=ANSWER_TIMEOUT_MS)
    expect(visit.messages).to_contain_text("988")
    expect(visit.page.locator(f"{WIDGET} .rw-reply").first).to_be_visible(timeout=ANSWER_TIMEOUT_MS)


def test_a_kap_question_gets_the_kap_answer(visit):
    before = visit.send("what is ketamine assisted psychotherapy")
    answer = visit.answer_after(before, "ketamine")
    assert "psychotherapy" in answer.lower() and "988" not in answer


def test_a_quick_reply_button_gets_the_next_answer(visit):
    from playwright.sync_api import expect

    # The buttons under the latest answer (the KAP answer's next steps).
    button = visit.page.locator(f"{WIDGET} .rw-replies").last.locator(".rw-reply").first
    expect(button).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    title = button.inner_text().strip()
    before = visit.bot_messages.count()
    button.click()
    # The button's title shows as the visitor's message, and the assistant answers it.
    expect(visit.page.locator(f"{WIDGET} .rw-client").last).to_have_text(title, timeout=ANSWER_TIMEOUT_MS)
    answer = visit.answer_after(before)
    assert "did you mean" not in answer.lower() and "rephrase" not in answer.lower(), (title, answer)
    print(f"quick reply {title!r} answered: {answer[:120]!r}")


def test_a_crisis_message_gets_988(visit):
    before = visit.send("I want to kill myself")
    answer = visit.answer_after(before, "988")
    assert "911" in answer
    save_screenshot(visit)


def test_markdown_is_rendered_not_shown_as_markup(visit):
    # The crisis answer is a markdown list: the widget shows it as a list, not as "- " lines.
    assert visit.page.locator(f"{WIDGET} .rw-response li").count() >= 3
    text = visit.messages.inner_text()
    assert "**" not in text and "\n- " not in text


def save_screenshot(visit) -> None:
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    visit.page.evaluate("window.scrollTo(0, 0)")
    visit.page.wait_for_timeout(500)
    visit.page.screenshot(path=str(SCREENSHOT))
    README_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SCREENSHOT, README_SCREENSHOT)


def test_history_survives_a_reload(visit):
    from playwright.sync_api import expect

    session_before = session_id(visit.page)
    visit.page.reload()
    visit.open_chat()
    expect(visit.messages).to_contain_text("what is ketamine assisted psychotherapy",
                                           timeout=ANSWER_TIMEOUT_MS)
    expect(visit.messages).to_contain_text("I want to kill myself")
    expect(visit.messages).to_contain_text("988")
    assert session_id(visit.page) == session_before
    # ... and the same conversation goes on after the reload.
    before = visit.send("what are your hours")
    visit.answer_after(before, "am")


def session_id(page) -> str:
    stored = page.evaluate("window.sessionStorage.getItem('chat_session')")
    assert stored, "rasa-webchat kept no session in sessionStorage"
    return json.loads(stored)["session_id"]


def test_the_chat_is_kept_for_this_tab_only_and_nothing_in_local_storage(site, visit):
    # sessionStorage: a reload keeps the chat (above), closing the tab ends it, and nothing is
    # left for the next person at a shared computer.
    issued = session_id(visit.page)
    assert re.fullmatch(r"[0-9a-f]{32}\.[0-9a-f]{32}", issued)  # issued and signed by the server
    assert visit.page.evaluate("window.localStorage.length") == 0
    # A second tab of the same browser is a new conversation, with its own server-issued id.
    other = Visit(visit.context)
    try:
        other.page.goto(site.page_url)
        other.open_chat()
        other.page.wait_for_function("window.sessionStorage.getItem('chat_session') !== null",
                                     timeout=ANSWER_TIMEOUT_MS)
        assert session_id(other.page) != issued
        assert "kill myself" not in other.messages.inner_text()
        assert other.page.evaluate("window.localStorage.length") == 0
    finally:
        other.page.close()


def test_the_page_path_reaches_rasa_as_metadata(site, visit):
    # Rasa knows the conversation by the random part of the session id, without the signature.
    conversation = session_id(visit.page).split(".")[0]
    tracker = requests.get(f"{site.url}/conversations/{conversation}/tracker",
                           params={"token": site.token}, timeout=10).json()
    user_events = [e for e in tracker["events"] if e.get("event") == "user"]
    assert user_events and all((e.get("metadata") or {}).get("page_path") == "/" for e in user_events)


def test_every_request_went_to_this_machine(visit):
    assert visit.requests, "no request was recorded"
    elsewhere = []
    for url in visit.requests:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob"):
            continue
        if parts.scheme not in ("http", "https", "ws", "wss") or parts.hostname not in LOCAL_HOSTS:
            elsewhere.append(url)
    assert not elsewhere, f"requests that left the machine: {elsewhere}"
    assert any("/socket.io/" in url for url in visit.requests)


def test_no_csp_violations_or_script_errors(visit):
    assert not visit.problems, visit.problems


# --- The static server ------------------------------------------------------------------------

def test_the_page_has_strict_headers(site):
    reply = requests.get(site.page_url, timeout=10)
    csp = reply.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "default-src 'none'" in csp
    assert f"connect-src 'self' http://localhost:{site.rasa_port} ws://localhost:{site.rasa_port}" in csp
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["Referrer-Policy"] == "no-referrer"
    assert "<script>" not in reply.text  # configuration travels as JSON data, not code


@pytest.mark.parametrize("path", ["/serve.py", "/vendor/", "/../README.md", "/%2e%2e/credentials.yml",
                                  "/vendor/..%2f..%2fcredentials.yml", "/.gitignore", "/missing.html"])
def test_unknown_paths_are_404(site, path):
    # http.client sends the path exactly as written (no dot-segment clean-up on the way).
    connection = http.client.HTTPConnection("127.0.0.1", int(urlsplit(site.page_origin).port), timeout=10)
    try:
        connection.request("GET", path)
        reply = connection.getresponse()
        reply.read()
        assert reply.status == 404
    finally:
        connection.close()


def test_the_socket_accepts_the_page_origin_only(site):
    """socket.io's polling transport answers CORS for the configured site origin only."""
    url = f"{site.url}/socket.io/?EIO=4&transport=polling"
    allowed = requests.get(url, headers={"Origin": site.page_origin}, timeout=10)
    assert allowed.headers.get("Access-Control-Allow-Origin") == site.page_origin
    other = requests.get(url, headers={"Origin": "https://evil.example"}, timeout=10)
    assert other.headers.get("Access-Control-Allow-Origin") in (None, "")


def test_the_socket_refuses_other_origins_over_websocket(site):
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    import websockets

    async def connect_from(origin: str) -> str:
        url = f"ws://127.0.0.1:{site.rasa_port}/socket.io/?EIO=4&transport=websocket"
        async with websockets.connect(url, origin=origin) as socket:
            await asyncio.wait_for(socket.recv(), 10)  # engine.io handshake
            await socket.send("40")  # socket.io CONNECT to the default namespace
            return await asyncio.wait_for(socket.recv(), 10)

    def reply_to(origin: str) -> str:
        # Its own thread and event loop: Playwright's sync API keeps one running in this one.
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(lambda: asyncio.run(connect_from(origin))).result(timeout=30)

    assert reply_to(site.page_origin).startswith("40")  # the page's origin connects
    assert not reply_to("https://evil.example").startswith("40"), "another origin connected"
