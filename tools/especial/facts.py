"""Facts every step shares: product name, HTTP methods, response texts, the operation walk."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

PRODUCT = "Especial"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
RESPONSE_TEXT = {
    "200": "Success.",
    "201": "Created.",
    "202": "Accepted.",
    "204": "No content.",
    "400": "Bad request.",
    "401": "Missing or invalid credentials.",
    "403": "Not allowed.",
    "404": "Not found.",
    "409": "Conflict.",
    "422": "Request validation failed.",
}


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every (path, method, operation) of a document, in document order."""
    for path, item in document.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in item:
                yield path, method, item[method]
