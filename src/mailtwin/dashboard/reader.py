"""The dashboard reads through the control plane's own operations, called in-process, so it
sees exactly what the JSON API answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from mailtwin.control.operations import OPERATIONS
from mailtwin.control.validation import ControlOperation, ControlState, check, operations
from mailtwin.runtime import Runtime


class Reader:
    """Calls read-only control-plane operations by operationId."""

    def __init__(self, runtime: Runtime, state: ControlState) -> None:
        self.runtime = runtime
        self.state = state
        self.operations: dict[str, ControlOperation] = {
            op.operation_id: op for op in operations() if op.method == "GET"}

    def get(self, operation_id: str, query: Mapping[str, Any] | None = None,
            path: Mapping[str, str] | None = None) -> Any:
        """The operation's answer; refusals raise its ApiError. Empty values are left out."""
        op = self.operations[operation_id]
        given = {k: v for k, v in (query or {}).items() if v is not None and v != ""}
        call = check(op, dict(path or {}), urlencode(given).encode(), b"")
        return OPERATIONS[operation_id](self.runtime, self.state, call)
