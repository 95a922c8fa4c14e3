"""Starts the action server (rasa_sdk) so that only the Rasa server can run the actions.

rasa_sdk runs any action for anyone who can reach its port: a forged `action_resume_intake` call
read back a stored intake's decrypted answers, a forged `action_finish_intake` submitted one. Here
every request except GET /health (the supervisor's and the load balancer's check) must carry the
shared secret ACTION_SERVER_SECRET as `Authorization: Bearer <secret>`, which the Rasa server
sends from endpoints.yml. A missing or wrong secret gets an empty 401 and a log line without the
secret. The secret comes from the environment (scripts/run_all.py sets it from the 0600 file in
var/ in development), never the command line; the arguments are rasa_sdk's own (--actions, --port ...).
"""

from __future__ import annotations

import hmac
import logging
import os
import sys
from typing import Any, Optional

SECRET_ENV = "ACTION_SERVER_SECRET"
SCHEME = "bearer"
OPEN_PATHS = frozenset({"/health"})

logger = logging.getLogger("serve_actions")


def presented_secret(authorization: Optional[str]) -> bytes:
    """The secret in an `Authorization: Bearer <secret>` header; empty when there is none."""
    scheme, _, value = (authorization or "").strip().partition(" ")
    if scheme.lower() != SCHEME:
        return b""
    return value.strip().encode("utf-8", "replace")


def require_secret(app: Any, secret: str) -> Any:
    """Adds the secret check to a rasa_sdk Sanic app (before any route runs) and returns the app."""
    from sanic import response

    expected = secret.encode("utf-8")

    async def check_secret(request):
        if request.path in OPEN_PATHS and request.method in ("GET", "HEAD"):
            return None
        # compare_digest takes as long for a near miss as for a wild guess.
        if hmac.compare_digest(presented_secret(request.headers.get("authorization")), expected):
            return None
        logger.warning("Refused %s %s from %s: missing or wrong action server secret",
                       request.method, request.path, request.ip)
        return response.empty(status=401)

    app.register_middleware(check_secret, "request")
    return app


def main() -> None:
    secret = os.environ.pop(SECRET_ENV, "").strip()  # the actions themselves never need it
    if not secret:
        sys.exit(f"serve_actions: {SECRET_ENV} is not set; the action server must not answer unauthenticated "
                 "calls (scripts/run_all.py generates one for development)")
    # rasa_sdk's own start-up (rasa_sdk/__main__.py and endpoint.run), with the check added to the
    # app before it serves: same arguments, logging, plugins, TLS, host and workers.
    from rasa_sdk import utils
    from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
    from rasa_sdk.endpoint import create_app, create_argument_parser, create_ssl_context
    from rasa_sdk.plugin import plugin_manager

    args = create_argument_parser().parse_args()
    logging.getLogger("matplotlib").setLevel(logging.WARN)
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(logging.getLogger(APPLICATION_ROOT_LOGGER_NAME), args.log_file, args.loglevel,
                                 args.logging_config_file)
    utils.update_sanic_log_level()
    app = require_secret(create_app(args.actions, cors_origins=args.cors, auto_reload=args.auto_reload), secret)
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    ssl_context = create_ssl_context(args.ssl_certificate, args.ssl_keyfile, args.ssl_password)
    from clinic import settings

    host = settings.get("SANIC_HOST")  # 0.0.0.0 when unset (the container images); make sets 127.0.0.1
    logger.info("Action server (shared secret required) on %s://%s:%s",
                "https" if ssl_context else "http", host, args.port)
    app.run(host, args.port, ssl=ssl_context, workers=utils.number_of_sanic_workers())


if __name__ == "__main__":
    main()
