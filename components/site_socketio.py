"""Rasa's socket.io channel, refusing socket.io connections from origins other than the site.

Rasa 3.6 turns engine.io's own origin check off and leaves CORS to the HTTP layer, which
covers the polling transport but not WebSockets: any web page could otherwise open a
socket to the assistant. SITE_ORIGIN (comma-separated) lists the origins allowed.
"""

from __future__ import annotations

import os
from typing import Any, Callable

from rasa.core.channels.socketio import SocketIOInput


class SiteSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message: Callable[..., Any]):
        blueprint = super().blueprint(on_new_message)
        allowed = {origin.strip() for origin in os.environ.get("SITE_ORIGIN", "").split(",") if origin.strip()}
        rasa_connect = self.sio.handlers[self.namespace or "/"]["connect"]

        async def connect(sid, environ, auth=None):
            origin = environ.get("HTTP_ORIGIN")
            if origin and origin not in allowed:
                return False  # a browser page elsewhere; clients without an Origin header are not browsers
            return await rasa_connect(sid, environ, auth)

        self.sio.on("connect", connect, namespace=self.namespace)
        return blueprint
