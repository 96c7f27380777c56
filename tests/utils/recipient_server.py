"""A recipient of Art. 19 notices for the tests: a real HTTP server on 127.0.0.1 that checks every notice with the
reference verifier (`portal.signing.webhooks.verify_notice`) against the portal's published keys, as a processor's
endpoint would, and counts what it received, processed, refused and recognised as a replay.

It can be down (not listening: connection refused), answer 503 to its first N requests, or answer slowly.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from portal.signing import SignatureInvalid
from portal.signing.webhooks import NoticeReplayed, verify_notice
from tests.utils.cluster import free_port


class RecipientServer:
    def __init__(self, keys: dict[str, Ed25519PublicKey], clock: Callable[[], float]) -> None:
        self.keys, self.clock = keys, clock
        self.port = free_port()
        self.lock = threading.Lock()
        self.seen: set[str] = set()
        self.processed: list[dict[str, Any]] = []  # every notice acted on, in order
        self.requests: list[tuple[dict[str, str], bytes]] = []  # every request received, as received
        self.refusals: list[str] = []
        self.replays = 0
        self.fail_first = 0  # answer 503 to this many requests first
        self.delay = 0.0  # seconds before answering
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/art19"

    def start(self) -> RecipientServer:
        """Listen (again) on the same port: an endpoint that was down comes back where it was."""
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="recipient", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def processed_ids(self) -> list[str]:
        with self.lock:
            return [notice["id"] for notice in self.processed]

    def receive(self, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        with self.lock:
            self.requests.append((headers, body))
            if self.fail_first > 0:
                self.fail_first -= 1
                return 503, b"maintenance"
        time.sleep(self.delay)
        with self.lock:  # one notice at a time, as a recipient's transaction would
            try:
                notice = verify_notice(headers, body, self.keys, now=self.clock(), seen=self.seen)
            except NoticeReplayed:
                self.replays += 1
                return 200, b"already processed"
            except SignatureInvalid as problem:
                self.refusals.append(str(problem))
                return 400, str(problem).encode()
            self.processed.append(notice)
            return 200, b"ok"


def _handler(recipient: RecipientServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status, answer = recipient.receive(dict(self.headers.items()), body)
            with suppress(BrokenPipeError, ConnectionResetError):  # the portal gave up waiting (a slow answer)
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:  # keep the test output quiet
            pass

    return Handler
