"""The staff inbox web app (Flask): sign-in with password and TOTP, the queue, an item, exports, users, audit.

Security comes from libraries: Flask-Login (who is signed in), Flask-WTF (CSRF on every form),
argon2-cffi and pyotp (staff_inbox/accounts.py), Werkzeug's ProxyFix behind nginx. Sessions are
server-side (staff_sessions): the signed cookie holds a random token, so signing out, idling or
disabling a user ends them at once. Every page is server-rendered; there is no script at all.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import json
import logging
import os
import secrets
import time
from datetime import timedelta
from functools import wraps
from pathlib import Path
from typing import Callable, Optional
from urllib.parse import urlsplit

import segno
from cryptography.fernet import InvalidToken
from flask import Flask, Response, abort, flash, redirect, render_template, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import select
from werkzeug.middleware.proxy_fix import ProxyFix

from clinic import settings
from clinic.adapters import handoff, intake_store
from clinic.adapters.intake_store import Intake, session_scope, utcnow
from clinic.domain import handoff_summary
from clinic.domain.practice_profile import current_profile
from staff_inbox import accounts, items, queue, roles
from staff_inbox.models import ITEM_KINDS, ITEM_STATUSES, ROLES, StaffUser, actor

logger = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
PENDING_SECONDS = 300  # between the password and the code
SECRET_FILE = "inbox_secret_key"
CSP = ("default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")


KAP_COLUMNS = ("kap_flags", "medication_flags")
KAP_WITHHELD = "(prescriber only)"
ENROL_EXPIRED = ("The time to set up your second factor has run out. Ask an administrator to reset your "
                 "second factor, then sign in and set it up straight away.")


class CookieSettingError(RuntimeError):
    """INBOX_COOKIE_SECURE=off on an interface other than loopback."""


class StaffMember(UserMixin):
    """The signed-in member of staff; Flask-Login's id is the server-side session token."""

    def __init__(self, token: str, signed_in: accounts.SignedIn):
        self.token, self.user_id, self.name, self.role = token, signed_in.user_id, signed_in.name, signed_in.role

    def get_id(self) -> str:
        return self.token

    def can(self, permission: str) -> bool:
        return roles.allowed(self.role, permission)


def secret_key() -> str:
    """INBOX_SECRET_KEY, else one generated once into var/ (mode 0600) for development."""
    configured = settings.raw("INBOX_SECRET_KEY")
    if configured:
        return configured
    path = intake_store.var_dir() / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(32))
    logger.warning("INBOX_SECRET_KEY is not set: using a development key in %s; set it in production", path)
    return path.read_text().strip()


def cookie_secure() -> bool:
    """Secure cookies, unless turned off on a loopback interface (development and tests over http)."""
    secure = settings.get("INBOX_COOKIE_SECURE")
    interface = settings.get("INBOX_INTERFACE")
    if not secure:
        try:
            loopback = ipaddress.ip_address(interface).is_loopback
        except ValueError:
            loopback = interface == "localhost"
        if not loopback:
            raise CookieSettingError("INBOX_COOKIE_SECURE=off is accepted only when INBOX_INTERFACE is loopback")
    return secure


def safe_next(target: Optional[str]) -> Optional[str]:
    """A path on this site to return to after sign-in; anything else (another host, //host) is dropped."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def client_address() -> str:
    return request.remote_addr or "-"


def create_app() -> Flask:
    app = Flask(__name__, template_folder=str(HERE / "templates"), static_folder=str(HERE / "static"))
    secure = cookie_secure()
    app.config.update(
        SECRET_KEY=secret_key(),
        SESSION_COOKIE_NAME="__Host-inbox" if secure else "inbox",
        SESSION_COOKIE_SECURE=secure, SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.get("INBOX_SESSION_HOURS")),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session, which has its own limits
        MAX_CONTENT_LENGTH=64 * 1024,
        TEMPLATES_AUTO_RELOAD=False,
    )
    hops = settings.get("INBOX_PROXY_HOPS")
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    CSRFProtect(app)
    login = LoginManager(app)
    login.session_protection = None  # sessions are checked server-side on every request instead

    @login.user_loader
    def load(token: str) -> Optional[StaffMember]:
        signed_in = accounts.resume_session(token)
        return StaffMember(token, signed_in) if signed_in else None

    @login.unauthorized_handler
    def unauthorized():
        if request.method == "GET":
            return redirect(url_for("sign_in", next=safe_next(request.full_path.rstrip("?"))))
        return redirect(url_for("sign_in"))

    register_routes(app)

    @app.errorhandler(CSRFError)
    def csrf_refused(error):
        who = current_user.name if current_user.is_authenticated else None
        intake_store_audit(who, "inbox:csrf_refused")
        return render_template("error.html", title="Form expired",
                               message="This form could not be accepted (it expired or did not come from this "
                                       "page). Go back, reload the page and try again."), 400

    @app.errorhandler(403)
    def forbidden(error):
        return render_template("error.html", title="Not allowed",
                               message="Your role does not include this. Ask an administrator if you need it."), 403

    @app.errorhandler(404)
    def not_found(error):
        return render_template("error.html", title="Not found", message="There is nothing at this address."), 404

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        if not request.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"  # pages hold PHI: never kept in a browser cache
        if secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        return response

    @app.context_processor
    def template_helpers():
        tz = current_profile().tz

        def local(moment):
            return moment.astimezone(tz).strftime("%a %d %b %Y, %H:%M") if moment else "—"

        return {"local": local, "kind_labels": items.KIND_LABELS, "me": current_user,
                "practice_tz": tz.key, "age": lambda moment: queue.age_text(moment, utcnow())}

    return app


def intake_store_audit(name: Optional[str], action: str, intake_id: Optional[str] = None) -> None:
    with session_scope() as session:
        intake_store.audit(session, intake_id, actor(name) if name else "staff:anonymous", action)


def require(permission: str) -> Callable:
    """login_required, then the role matrix: a refusal is audited and answered 403."""
    def decorate(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not current_user.can(permission):
                intake_store_audit(current_user.name, f"inbox:forbidden:{permission}")
                abort(403)
            return view(*args, **kwargs)
        return wrapper
    return decorate


def _sign_in_as(user_id: str, name: str, next_url: Optional[str]) -> Response:
    token = accounts.start_session(user_id)
    session.clear()  # a fresh session (and CSRF token) after sign-in: nothing carries over
    session.permanent = True
    with session_scope() as db:
        user = db.get(StaffUser, user_id)
        signed_in = accounts.SignedIn(user.id, user.name, user.role)
    login_user(StaffMember(token, signed_in))
    intake_store_audit(name, "inbox:signed_in")
    return redirect(safe_next(next_url) or url_for("queue_page"))


def _pending() -> Optional[dict]:
    pending = session.get("pending")
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        session.pop("pending", None)
        session.pop("enrol_secret", None)
        return None
    return pending


def _locked_message(until) -> str:
    minutes = max(1, round((until - utcnow()).total_seconds() / 60))
    return (f"Sign-in is paused after too many failed attempts. Try again in about {minutes} "
            f"minute{'s' if minutes != 1 else ''}, or ask an administrator.")


def register_routes(app: Flask) -> None:  # noqa: C901 - one place lists every page
    @app.get("/health")
    def health():
        return {"status": "ok"}

    @app.route("/sign-in", methods=["GET", "POST"])
    def sign_in():
        next_url = safe_next(request.values.get("next"))
        if current_user.is_authenticated:
            return redirect(next_url or url_for("queue_page"))
        error, status = None, 200
        if request.method == "POST":
            name = (request.form.get("name") or "").strip().lower()[:64]
            password = request.form.get("password") or ""
            keys = accounts.throttle_keys(name, client_address())
            now = utcnow()
            until = accounts.locked_until(keys, now)
            if until is not None:
                error, status = _locked_message(until), 429
            else:
                with session_scope() as db:
                    user = accounts.get_user(db, name) if accounts.STAFF_NAME.fullmatch(name) else None
                    ok = accounts.verify_password(user, password)
                    user_id, enrolled = (user.id, user.totp_secret is not None) if ok else (None, False)
                if ok:
                    session.clear()
                    session["pending"] = {"user_id": user_id, "name": name, "at": time.time(), "next": next_url}
                    return redirect(url_for("two_factor" if enrolled else "enrol"))
                accounts.record_failure(keys, now)
                intake_store_audit(name if accounts.STAFF_NAME.fullmatch(name) else None, "inbox:sign_in_failed")
                error, status = "That name and password do not match an active account.", 401
        return render_template("sign_in.html", title="Sign in", error=error, next_url=next_url,
                               ended=request.args.get("ended")), status

    @app.route("/sign-in/code", methods=["GET", "POST"])
    def two_factor():
        pending = _pending()
        if pending is None:
            return redirect(url_for("sign_in"))
        error, status = None, 200
        if request.method == "POST":
            keys = accounts.throttle_keys(pending["name"], client_address())
            now = utcnow()
            until = accounts.locked_until(keys, now)
            if until is not None:
                session.pop("pending", None)
                return render_template("sign_in.html", title="Sign in", error=_locked_message(until)), 429
            with session_scope() as db:
                user = db.get(StaffUser, pending["user_id"])
                step = (accounts.totp_step(user.totp_secret, request.form.get("code", ""), user.totp_last_step, now)
                        if user is not None and user.active and user.totp_secret else None)
                if step is not None and not accounts.claim_step(db, user.id, step):
                    step = None  # the same code, used by another request a moment ago
            if step is not None:
                accounts.clear_failures(keys)
                return _sign_in_as(pending["user_id"], pending["name"], pending.get("next"))
            accounts.record_failure(keys, now)
            intake_store_audit(pending["name"], "inbox:code_failed")
            error, status = "That code is not right (or was used already). Enter the current code from your app.", 401
        return render_template("code.html", title="Enter your code", error=error), status

    @app.route("/sign-in/enrol", methods=["GET", "POST"])
    def enrol():
        pending = _pending()
        if pending is None:
            return redirect(url_for("sign_in"))
        with session_scope() as db:
            user = db.get(StaffUser, pending["user_id"])
            if user is None or not user.active:
                return redirect(url_for("sign_in"))
            if user.totp_secret is not None:
                return redirect(url_for("two_factor"))
            if not accounts.may_enrol(user, utcnow()):
                session.pop("pending", None)
                session.pop("enrol_secret", None)
                intake_store_audit(pending["name"], "inbox:enrol_expired")
                return render_template("sign_in.html", title="Sign in", error=ENROL_EXPIRED), 403
        error, status = None, 200
        if request.method == "POST" and session.get("enrol_secret"):
            now = utcnow()
            try:
                secret = intake_store.key_ring().decrypt(session["enrol_secret"].encode()).decode()
            except InvalidToken:
                return redirect(url_for("sign_in"))
            step = accounts.totp_step(secret, request.form.get("code", ""), None, now)
            if step is not None:
                with session_scope() as db:
                    user = db.get(StaffUser, pending["user_id"])
                    if not accounts.may_enrol(user, utcnow()):
                        return redirect(url_for("sign_in"))  # enrolled by someone else, or expired meanwhile
                    user.totp_secret, user.totp_last_step, user.enrol_until = secret, step, None
                session.pop("enrol_secret", None)
                intake_store_audit(pending["name"], "inbox:2fa_enrolled")
                accounts.clear_failures(accounts.throttle_keys(pending["name"], client_address()))
                return _sign_in_as(pending["user_id"], pending["name"], pending.get("next"))
            accounts.record_failure(accounts.throttle_keys(pending["name"], client_address()), now)
            error, status = "That code did not match. Scan the new code below and try again.", 401
        # A new secret on every showing: the QR code is shown once and never retrievable later.
        secret = accounts.new_totp_secret()
        # The cookie is signed, not encrypted: the key it carries until confirmed is encrypted too.
        session["enrol_secret"] = intake_store.key_ring().encrypt(secret.encode()).decode()
        qr = segno.make(accounts.provisioning_uri(pending["name"], secret), error="m")
        return render_template("enrol.html", title="Set up your second factor", error=error, secret=secret,
                               qr=qr.svg_data_uri(scale=5, border=2)), status

    @app.post("/sign-out")
    @login_required
    def sign_out():
        name = current_user.name
        accounts.end_session(current_user.token)
        logout_user()
        session.clear()
        intake_store_audit(name, "inbox:signed_out")
        flash("You are signed out.")
        return redirect(url_for("sign_in"))

    @app.get("/")
    @require("queue.view")
    def queue_page():
        kind = request.args.get("type") if request.args.get("type") in ITEM_KINDS else None
        status = request.args.get("status")
        status = status if status in (*ITEM_STATUSES, "open", "all") else "open"
        mine = request.args.get("mine") == "1"
        rows = items.load_queue(kind=kind, status=None if status == "all" else status,
                                mine=current_user.name if mine else None, by=current_user.name)
        return render_template("queue.html", title="Queue", rows=rows, kind=kind, status=status, mine=mine,
                               kinds=ITEM_KINDS, statuses=ITEM_STATUSES)

    @app.get("/items/<ref>")
    @require("item.view")
    def item_page(ref: str):
        try:
            detail = items.load_item(ref, current_user.name)
        except items.ItemNotFound:
            abort(404)
        return render_template("item.html", title=items.KIND_LABELS[detail.item.kind], d=detail,
                               show_kap=current_user.can("item.kap_details"),
                               can_export=current_user.can("export"))

    @app.post("/items/<ref>/<action>")
    @require("item.work")
    def item_action(ref: str, action: str):
        if action not in items.ACTIONS:
            abort(404)
        try:
            items.act(ref, action, current_user.name, request.form.get("note", ""))
        except items.ItemNotFound:
            abort(404)
        except ValueError as error:
            flash(str(error), "error")
            return redirect(url_for("item_page", ref=ref))
        flash({"acknowledge": "Acknowledged.", "assign": "Assigned to you.", "contacted": "Marked contacted.",
               "close": "Closed."}[action])
        return redirect(url_for("item_page", ref=ref))

    @app.get("/exports/intakes.csv")
    @require("export")
    def export_csv():
        profile = current_profile()
        query = select(Intake).where(Intake.status != "in_progress").order_by(Intake.created_at, Intake.id)
        with session_scope() as db:
            intakes = db.execute(query).scalars().all()
            rows = [handoff_summary.csv_row(handoff.summary_of(intake, profile)) for intake in intakes]
            if not current_user.can("item.kap_details"):
                # The same minimum-necessary rule as the item page: KAP and medication flags are the
                # prescriber's. Said in the cell, so an empty one is never read as "none".
                for row in rows:
                    row.update({column: KAP_WITHHELD for column in KAP_COLUMNS})
            for intake in intakes:
                intake_store.audit(db, intake.id, actor(current_user.name), "exported:csv")
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=handoff_summary.CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
        return Response(buffer.getvalue(), mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=intakes.csv"})

    @app.get("/items/<ref>/fhir.json")
    @require("export")
    def export_fhir(ref: str):
        try:
            detail = items.load_item(ref, current_user.name, audit_action="exported_fhir")
        except items.ItemNotFound:
            abort(404)
        if detail.summary is None:
            abort(404)
        resources = []
        for instrument in handoff_summary.FHIR_INSTRUMENTS:
            try:
                resources.append(handoff_summary.fhir_questionnaire_response(detail.summary, instrument))
            except ValueError:
                continue  # an incomplete screen is left out, as the command line does
        document = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}
        return Response(json.dumps(document, ensure_ascii=False, indent=2), mimetype="application/fhir+json",
                        headers={"Content-Disposition": f"attachment; filename={ref}.fhir.json"})

    @app.get("/admin/users")
    @require("users.manage")
    def users_page():
        intake_store_audit(current_user.name, "inbox:users_viewed")
        return render_template("users.html", title="Users", users=accounts.list_users(), roles=ROLES)

    @app.post("/admin/users/<name>/<action>")
    @require("users.manage")
    def user_action(name: str, action: str):
        try:
            if action == "disable":
                if name == current_user.name:
                    raise accounts.AccountError("You cannot disable your own account.")
                accounts.disable_user(name, actor(current_user.name))
                flash(f"{name} is disabled and signed out everywhere.")
            elif action == "unlock":
                accounts.unlock(name, actor(current_user.name))
                flash(f"{name} can sign in again (the addresses the failed attempts came from stay paused).")
            elif action == "reset-2fa":
                accounts.reset_two_factor(name, actor(current_user.name))
                flash(f"{name} sets up a new second factor at the next sign-in.")
            else:
                abort(404)
        except (LookupError, accounts.AccountError) as error:
            flash(str(error), "error")
        return redirect(url_for("users_page"))

    @app.get("/admin/audit")
    @require("audit.view")
    def audit_page():
        events = items.audit_trail()
        intake_store_audit(current_user.name, "inbox:audit_viewed")
        return render_template("audit.html", title="Audit trail", events=events)
