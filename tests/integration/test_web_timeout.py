"""The demo page server closes a connection that sends nothing, so idle sockets cannot pile up."""

import socket
import threading
import time

import pytest

from tests.e2e_servers import free_port

pytestmark = pytest.mark.integration  # a real page server on loopback


def test_an_idle_connection_is_closed_after_the_socket_timeout(monkeypatch):
    import importlib.util

    from tests.e2e_servers import ROOT

    spec = importlib.util.spec_from_file_location("web_serve", ROOT / "web" / "serve.py")
    serve = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(serve)
    port = free_port()
    server = serve.make_server({"WEB_PORT": str(port), "WEB_SOCKET_TIMEOUT": "1",
                                "RASA_SOCKET_URL": "http://localhost:5005"})
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as idle:
            idle.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # half a request, then nothing
            began = time.monotonic()
            assert idle.recv(1024) == b""  # the server hung up
            assert time.monotonic() - began < 5
    finally:
        server.shutdown()
        server.server_close()
