"""The parts of an HTTP request the sandbox looks at, whatever server or transport carried it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Request:
    """One request: method, path, raw query, lower-cased headers, body, and the base URL of
    the server it reached (`http://127.0.0.1:8040`). `too_large` says the body went over the
    limit and was not read to its end."""

    method: str
    path: str
    query: bytes
    headers: dict[str, str]
    body: bytes
    base_url: str
    too_large: bool = False
