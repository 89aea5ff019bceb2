"""A sandbox served over a real socket on 127.0.0.1, for tests written as the requests a
client on the network (or a browser page) would send."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from mailtwin import Clock, Config, MailtwinApp, create_app
from mailtwin.server import ServerThread

START = datetime(2018, 9, 16, 12, 0, tzinfo=UTC)


@contextmanager
def serving(config: Config) -> Iterator[tuple[MailtwinApp, str]]:
    """The app of a config served on a free loopback port, its clock frozen at START."""
    app = create_app(config, Clock(frozen_at=START))
    server = ServerThread(app).start()
    try:
        yield app, server.url
    finally:
        server.stop()


def sse_events(lines: Iterator[str]) -> Iterator[tuple[str, dict[str, object]]]:
    """(event, data) pairs of a server-sent event stream, read line by line."""
    kind = ""
    for line in lines:
        if line.startswith("event:"):
            kind = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            yield kind, json.loads(line.split(":", 1)[1])
