"""Rasa's socket.io channel, with an origin check and the input checks of components/input_checks.py.

Rasa 3.6 turns engine.io's own origin check off and leaves CORS to the HTTP layer, which
covers the polling transport but not WebSockets: any web page could otherwise open a
socket to the assistant. SITE_ORIGIN (comma-separated) lists the origins allowed.

The session id is the visitor's only credential here, so the server issues it
(components/conversation_ids.py): a session request whose id is missing, malformed, unsigned or
wrongly signed gets a NEW signed id, never the one it sent; a valid signed id resumes (the same
tab after a reload). A message is taken only for the id this socket was confirmed with, and
Rasa sees the conversation id inside it, which alone cannot resume the chat.

Rasa's own `jwt_key` option is not used: it only checks a token when the socket connects, so
the conversation id would still be the client's choice, and anonymous visitors have no one to
get a token from.

Every event a browser sends is checked before Rasa sees it: a message for another id, a message
that is not text or one over the size cap gets a kind answer (with the 988 line) and is not
processed; the text of every other message is cleaned of control characters and unpaired
surrogates. A chat sending faster than a person types (CHAT_MESSAGES_PER_SECOND after a burst of
CHAT_MESSAGE_BURST) is asked to wait, except for a message the crisis phrase guard flags, which
always goes through.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, Optional

from rasa.core.channels.socketio import SocketIOInput

from clinic import settings
from clinic.domain import crisis_phrases
from components import conversation_ids, input_checks

# engine.io refuses larger packets (python-socketio's default is 1 MB).
MAX_SOCKET_PACKET_BYTES = 64 * 1024


class SiteSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message: Callable[..., Any]):
        blueprint = super().blueprint(on_new_message)
        namespace = self.namespace or "/"
        handlers = self.sio.handlers[namespace]
        self.sio.eio.max_http_buffer_size = MAX_SOCKET_PACKET_BYTES
        allowed = set(settings.get("SITE_ORIGIN") or ())
        rasa_connect = handlers["connect"]
        rasa_message = handlers[self.user_message_evt]
        self._known_intents = input_checks.domain_intents()
        rate = input_checks.message_rate_from_environment()

        async def connect(sid, environ, auth=None):
            origin = environ.get("HTTP_ORIGIN")
            if origin and origin not in allowed:
                return False  # a browser page elsewhere; clients without an Origin header are not browsers
            return await rasa_connect(sid, environ, auth)

        async def session_request(sid, data=None):
            # Rasa's own handler would confirm whatever id the client sent: this one replaces it.
            data = data if isinstance(data, dict) else {}
            session_id = data.get("session_id")
            if not conversation_ids.is_signed(session_id):
                session_id = conversation_ids.issue()  # never the id the client sent
            conversation_id = conversation_ids.conversation_of(session_id)
            await self.sio.save_session(sid, {"session_id": session_id, "conversation_id": conversation_id},
                                        namespace=namespace)
            # Rasa sends the answers to the room named after the conversation (SocketIOOutput).
            self.sio.enter_room(sid, conversation_id, namespace=namespace)
            await self.sio.emit("session_confirm", session_id, room=sid, namespace=namespace)

        async def message(sid, data=None):
            reply = self._refusal(data)
            if not reply:
                # Only for the id this socket was confirmed with, whatever id the message names.
                confirmed = await self.sio.get_session(sid, namespace=namespace)
                if not confirmed.get("session_id") or data.get("session_id") != confirmed["session_id"]:
                    reply = input_checks.INVALID_SESSION_REPLY
                else:
                    data["session_id"] = confirmed["conversation_id"]
                    if not rate.allow(confirmed["conversation_id"]) and not _may_be_crisis(data["message"]):
                        reply = input_checks.TOO_FAST_REPLY  # a possible crisis always goes through
            if reply:
                await self.sio.emit(self.bot_message_evt, {"text": reply}, room=sid)
                return None
            return await rasa_message(sid, data)

        self.sio.on("connect", connect, namespace=self.namespace)
        self.sio.on("session_request", session_request, namespace=self.namespace)
        self.sio.on(self.user_message_evt, message, namespace=self.namespace)
        return blueprint

    def _refusal(self, data: Any) -> Optional[str]:
        """The answer for a message that must not reach Rasa, or None (its fields then cleaned)."""
        if not isinstance(data, dict):
            return input_checks.UNREADABLE_REPLY
        problem = input_checks.message_problem(data.get("message"))
        if problem:
            return input_checks.reply_for(problem)
        data["message"] = input_checks.readable_text(data["message"], getattr(self, "_known_intents", None))
        data[self.metadata_key] = _metadata(data.get(self.metadata_key))
        return None


def _may_be_crisis(text: str) -> bool:
    """The phrase guard's verdict is crisis or unsure: such a message is never held back by the rate limit."""
    verdict = crisis_phrases.check(text)
    return verdict.is_crisis or verdict.verdict == crisis_phrases.UNCERTAIN or verdict.not_safe


def _metadata(value: Any) -> Dict[str, Any]:
    """The widget's customData as a dict; anything else (bad JSON, a list, a number) as {}."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}
