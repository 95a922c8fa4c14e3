"""The website chat page: serves web/ on $WEB_INTERFACE:$WEB_PORT with strict headers.

index.html is a template filled from the practice profile on every request (so an edited
profile shows without a restart) and carries the widget's settings in a JSON script element
that web/chat.js reads: the page runs no inline script. Only files inside web/ with a known
type are served; anything else is a 404 (no directory listing, no path traversal).

Settings (environment): WEB_PORT (8080), WEB_INTERFACE (127.0.0.1), RASA_SOCKET_URL (the
Rasa server as the visitor's browser reaches it; default http://localhost:$RASA_PORT, or
"/" when a reverse proxy serves Rasa's /socket.io/ on the page's own origin).
"""

from __future__ import annotations

import html
import json
import os
import re
import signal
import socket
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, Optional
from urllib.parse import unquote, urlsplit

from clinic import settings
from clinic.domain.practice_profile import (
    PracticeProfile,
    current_profile,
    format_address,
    format_hours,
    format_states,
)

WEB = Path(__file__).resolve().parent
ROOT = WEB.parent

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".txt": "text/plain; charset=utf-8",
}
INDEX = WEB / "index.html"
PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


class ConfigError(ValueError):
    """A setting from the environment that cannot be used."""


def socket_url(env: Dict[str, str]) -> str:
    url = (settings.raw("RASA_SOCKET_URL", env) or "").strip()
    if not url:
        url = f"http://localhost:{settings.get('RASA_PORT', env)}"
    if url == "/":
        return url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/") \
            or parts.query or parts.fragment:
        raise ConfigError(f"RASA_SOCKET_URL must be an http(s) origin such as "
                          f"http://localhost:5005, or '/', not {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(url: str) -> str:
    """Only this page's own files, plus the Rasa server's socket.io endpoint (http and ws).

    style-src needs 'unsafe-inline': the widget injects its stylesheet as <style> elements
    at run time (webpack's style-loader, no nonce support). It also embeds its carousel's
    icon font as a data: URL (font-src data:, no request). Scripts stay 'self' only.
    """
    connect = ["'self'"]
    if url != "/":
        scheme, netloc = url.split("://", 1)
        connect += [f"{scheme}://{netloc}", f"{'wss' if scheme == 'https' else 'ws'}://{netloc}"]
    return "; ".join([
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src " + " ".join(connect),
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ])


def _tel(phone: str) -> str:
    digits = "".join(c for c in phone if c.isdigit())
    return "+1" + digits if len(digits) == 10 else digits


def intro(profile: PracticeProfile) -> str:
    where = f"for adults in {format_states(profile)}"
    how = ", in person and by telehealth" if profile.telehealth else ", in person"
    return (f"{profile.name} offers psychotherapy and ketamine-assisted psychotherapy (KAP) "
            f"{where}{how}. Ask our assistant your questions, or start a short pre-screening "
            f"instead of a phone call; we reply {profile.response_time}.")


def chat_config(url: str, profile: PracticeProfile) -> str:
    """JSON for the <script type="application/json"> element; '<', '>' and '&' escaped."""
    config = {"socketUrl": url, "socketPath": "/socket.io/", "initPayload": "/greet",
              "title": profile.name, "subtitle": "Automated assistant, not monitored live"}
    text = json.dumps(config, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_index(template: str, url: str, profile: Optional[PracticeProfile] = None) -> str:
    profile = profile or current_profile()
    values = {
        "name": html.escape(profile.name),
        "intro": html.escape(intro(profile)),
        "phone": html.escape(profile.phone),
        "phone_tel": html.escape(_tel(profile.phone)),
        "email": html.escape(profile.email),
        "address": html.escape(format_address(profile)),
        "hours": html.escape(format_hours(profile)),
        "response_time": html.escape(profile.response_time),
        "chat_config": chat_config(url, profile),  # JSON, escaped for a script element
    }

    def fill(match: re.Match) -> str:
        key = match.group(1)
        if key not in values:
            raise KeyError(f"index.html: unknown placeholder {{{{{key}}}}}")
        return values[key]

    return PLACEHOLDER.sub(fill, template)


def resolve(url_path: str) -> Optional[Path]:
    """The file under web/ that a request path names, or None (then the answer is 404)."""
    path = unquote(urlsplit(url_path).path)
    if path in ("/", "/index.html"):
        return INDEX
    if "\x00" in path or "\\" in path or not path.startswith("/"):
        return None
    segments = path[1:].split("/")
    if any(s in ("", ".", "..") or s.startswith(".") for s in segments):
        return None
    candidate = (WEB / Path(*segments)).resolve()
    if not candidate.is_relative_to(WEB) or not candidate.is_file():
        return None
    if candidate.suffix not in CONTENT_TYPES or candidate == INDEX:
        return None
    return candidate


class Handler(BaseHTTPRequestHandler):
    server_version = "clinic-web"
    protocol_version = "HTTP/1.1"
    csp = ""
    socket_url = ""

    def version_string(self) -> str:
        return self.server_version  # no Python version in the Server header

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", self.csp)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Cross-Origin-Opener-Policy", "same-origin")
        self.send_header("Cross-Origin-Resource-Policy", "same-origin")
        self.send_header("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def _send(self, status: int, body: bytes, content_type: str, head: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if status == HTTPStatus.METHOD_NOT_ALLOWED:
            self.send_header("Allow", "GET, HEAD")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _get(self, head: bool) -> None:
        target = resolve(self.path)
        if target is None:
            self._send(HTTPStatus.NOT_FOUND, b"Not found\n", "text/plain; charset=utf-8", head)
            return
        if target == INDEX:
            body = render_index(INDEX.read_text(encoding="utf-8"), self.socket_url).encode("utf-8")
        else:
            body = target.read_bytes()
        self._send(HTTPStatus.OK, body, CONTENT_TYPES[target.suffix], head)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._get(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._get(head=True)

    def _not_allowed(self) -> None:
        self._send(HTTPStatus.METHOD_NOT_ALLOWED, b"Method not allowed\n", "text/plain; charset=utf-8")

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _not_allowed

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        # The path only, never a query string; no message text ever reaches this server.
        print(f"web: {self.command} {urlsplit(self.path).path} {args[1] if len(args) > 1 else ''}",
              file=sys.stderr)

    def log_request(self, code="-", size="-") -> None:
        self.log_message("%s %s %s", self.requestline, str(getattr(code, "value", code)), str(size))


class PageServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        # A browser closing a kept-alive connection is routine, not worth a traceback.
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def make_server(env: Dict[str, str]) -> ThreadingHTTPServer:
    url = socket_url(env)
    interface = settings.get("WEB_INTERFACE", env)
    port = settings.get("WEB_PORT", env)
    render_index(INDEX.read_text(encoding="utf-8"), url)  # fail at start, not per request

    # A connection that sends nothing (or half a request) is closed after this many seconds, so
    # idle sockets cannot hold the page server's threads.
    timeout = settings.get("WEB_SOCKET_TIMEOUT", env)
    handler = type("PageHandler", (Handler,), {"csp": content_security_policy(url), "socket_url": url,
                                               "timeout": timeout})
    server_class = PageServer
    if ":" in interface:
        server_class = type("PageServerV6", (PageServer,),
                            {"address_family": socket.AF_INET6})
    return server_class((interface, port), handler)


def main() -> int:
    try:
        server = make_server(dict(os.environ))
    except (ConfigError, KeyError, OSError, ValueError) as error:
        print(f"web: cannot start: {error}", file=sys.stderr)
        return 1

    def on_sigterm(_signum, _frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_sigterm)
    host, port = server.server_address[:2]
    print(f"web: chat page on http://{'localhost' if host == '127.0.0.1' else host}:{port}/",
          file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        print("web: stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
