"""A webhook receiver for tests: an HTTP server on 127.0.0.1 in a thread that records every
delivery (headers, raw body, parsed JSON), checks its signature with the keys it is given, and
can be told to fail or stall the next deliveries to exercise retries.

    receiver = WebhookReceiver().start()
    ...  # register receiver.url as a webhook's URL, make events, flush
    assert receiver.deliveries[0].verified
    receiver.stop()
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from mailtwin.webhooks.signing import verify

# Deliveries kept (the oldest are dropped first), so a long session stays small.
KEEP = 10_000


@dataclass(frozen=True)
class Received:
    """One delivery as the receiver saw it, and the status it answered."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    verified: bool | None

    @property
    def json(self) -> Any:
        """The body parsed as JSON (None when it is not JSON)."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class WebhookReceiver:
    """Records deliveries; `fail_next(n, status)` answers the next n with an error status,
    `stall_next(n, seconds)` waits that long before answering them (a timeout for the
    sender); `keys` are the signing keys a signature may match."""

    def __init__(self, host: str = "127.0.0.1", signature_header: str = "x-signature",
                 encoding: str = "base64") -> None:
        self.host = host
        self.signature_header = signature_header.lower()
        self.encoding = encoding
        self.keys: set[str] = set()
        self._received: deque[Received] = deque(maxlen=KEEP)
        self._plans: deque[tuple[int, float]] = deque()
        self._lock = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- running ----------------------------------------------------------------------

    def start(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                status = receiver._take(self.command, self.path, headers, body)
                answer = b'{"ok":true}' if status < 300 else b'{"ok":false}'
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:
                    pass  # the sender gave up waiting (a stalled answer)

            do_PUT = do_POST

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="mailtwin-webhook-receiver", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The receiver's base URL; any path under it is recorded alike."""
        if self._server is None:
            raise RuntimeError("the receiver is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- what tests do ----------------------------------------------------------------

    def clear(self) -> None:
        """Forget deliveries, keys and planned failures (between tests)."""
        with self._lock:
            self._received.clear()
            self._plans.clear()
            self.keys.clear()

    def fail_next(self, count: int, status: int = 500) -> None:
        """Answer the next `count` deliveries with `status`."""
        with self._lock:
            self._plans.extend([(status, 0.0)] * count)

    def stall_next(self, count: int, seconds: float) -> None:
        """Wait `seconds` before answering each of the next `count` deliveries (then 200)."""
        with self._lock:
            self._plans.extend([(200, seconds)] * count)

    @property
    def deliveries(self) -> list[Received]:
        """Every delivery received, oldest first (failed ones too)."""
        with self._lock:
            return list(self._received)

    def accepted(self) -> list[Received]:
        """The deliveries answered with a 2xx status."""
        return [d for d in self.deliveries if 200 <= d.status < 300]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Wait until `count` deliveries have arrived (or `timeout` seconds pass)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self._received) < count and time.monotonic() < deadline:
                self._lock.wait(deadline - time.monotonic())
            return list(self._received)

    def _take(self, method: str, path: str, headers: dict[str, str], body: bytes) -> int:
        with self._lock:
            status, stall = self._plans.popleft() if self._plans else (200, 0.0)
            signature = headers.get(self.signature_header)
            verified = None if not self.keys else signature is not None and any(
                verify(key, body, signature, self.encoding) for key in self.keys)
            self._received.append(Received(method, path, headers, body, status, verified))
            self._lock.notify_all()
        if stall:
            time.sleep(stall)
        return status
