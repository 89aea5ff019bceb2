"""What a handler receives (Context) and what it returns (Reply)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mailtwin.operation import Operation
    from mailtwin.provider import Provider
    from mailtwin.runtime import Runtime
    from mailtwin.store import Tenant


@dataclass
class Reply:
    """An answer: status, a JSON-ready body (or raw bytes), extra headers, media type."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    media_type: str | None = None
    raw: bytes | None = None
    spliced: bool = False  # the body holds rawjson.Raw parts


@dataclass
class Context:
    """One validated request, bound to its provider, operation and tenant."""

    runtime: Runtime
    provider: Provider
    op: Operation
    tenant_name: str
    tenant: Tenant
    path: dict[str, Any]
    query: dict[str, Any]
    body: Any
    headers: dict[str, str]
    base_url: str
    raw_path: str
    raw_query: str
    now: datetime
    _stamp: Any = field(default=None, init=False, repr=False)

    def stamp(self) -> Any:
        """The current moment in the provider's timestamp style (one value per request, so
        the records it stamps share it)."""
        if self._stamp is None:
            self._stamp = self.provider.style.format(self.now)
        return self._stamp

    def url(self, path: str, query: str = "") -> str:
        """An absolute URL on this server."""
        return f"{self.base_url}{path}" + (f"?{query}" if query else "")
