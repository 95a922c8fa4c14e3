"""Rasa's REST channel with the checks of components/input_checks.py at its edge.

A malformed conversation id gets a 400 and nothing is stored; a message that is not text gets a
400; an over-long message gets a kind answer (with the 988 line) instead of being processed; the
text of every other message is cleaned of control characters and unpaired surrogates.

For trusted callers behind the reverse proxy only: the caller chooses the conversation id, so
anyone who can reach this endpoint can continue any conversation whose id they know. Browsers
use the socket.io channel, whose ids the server issues and signs (components/site_socketio.py).
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from rasa.core.channels.rest import RestInput
from sanic import response
from sanic.request import Request

from components import input_checks


def _refusal(request: Request, known_intents: Optional[set]) -> Optional[response.HTTPResponse]:
    """The response for a request that must not reach Rasa, or None (its text then cleaned)."""
    body = request.json
    if not isinstance(body, dict):
        return response.json({"error": "the body must be a JSON object with sender and message"},
                             status=400)
    sender = body.get("sender")
    # Required: without it Rasa files every such request under one shared "default"
    # conversation, so unrelated callers would continue (and see) each other's intake.
    problem = input_checks.conversation_id_problem(sender)
    if problem:
        return response.json({"error": f"invalid sender: {problem}"}, status=400)
    message_problem = input_checks.message_problem(body.get("message"))
    if message_problem == "unreadable":
        return response.json({"error": "message must be a string"}, status=400)
    if message_problem == "too_long":
        return response.json([{"recipient_id": sender,
                               "text": input_checks.reply_for("too_long")}])
    body["message"] = input_checks.readable_text(body["message"], known_intents)
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        body["metadata"] = None
    return None


class SiteRestInput(RestInput):
    """Registered under Rasa's name "rest", so the URL stays /webhooks/rest/webhook."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[..., Any]):
        blueprint = super().blueprint(on_new_message)
        known_intents = input_checks.domain_intents()

        @blueprint.middleware("request")
        async def check_input(request: Request):
            if request.method == "POST" and request.path.rstrip("/").endswith("/webhook"):
                return _refusal(request, known_intents)
            return None

        return blueprint
