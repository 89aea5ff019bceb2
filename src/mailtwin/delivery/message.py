"""A message as the outbox keeps it: the parts every message of a mailing shares (a Body,
kept once) and what is its own (address, the values its placeholders take, its timeline)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from mailtwin.delivery.model import Planned
from mailtwin.delivery.personalization import SYNTAXES

_HREF = re.compile(r"""href\s*=\s*["'](https?://[^"']+)["']""", re.IGNORECASE)

# Every type a message event may have (the last three are an email API's own).
EVENT_TYPES = ("sent", "delivered", "opened", "clicked", "bounced", "complained",
               "unsubscribed", "submitted", "queued", "rejected")


@dataclass(slots=True)
class Body:
    """What every message of one mailing shares, unrendered."""

    key: str
    subject: str
    html: str | None
    text: str | None
    syntax: str
    sender: str
    sender_name: str | None
    reply_to: str | None
    headers: dict[str, str]
    unsubscribe: str | None
    refs: int = 0
    # The placeholder names its parts use and the links a recipient may click (derived).
    names: frozenset[str] = field(default=frozenset(), init=False)
    links: tuple[str, ...] = field(default=(), init=False)

    def __post_init__(self) -> None:
        syntax = SYNTAXES[self.syntax]
        self.names = frozenset(name for part in (self.subject, self.html, self.text) if part
                               for name in syntax.names(part))
        self.links = tuple(dict.fromkeys(_HREF.findall(self.html or "")))

    def size(self) -> int:
        """Bytes this body is counted for in the outbox's bound."""
        return 200 + sum(len(part or "") for part in (
            self.subject, self.html, self.text, self.sender, self.sender_name, self.reply_to,
            self.unsubscribe)) + sum(len(k) + len(v) for k, v in self.headers.items())

    def as_json(self) -> dict[str, Any]:
        return {"subject": self.subject, "html": self.html, "text": self.text,
                "syntax": self.syntax, "from": self.sender, "from_name": self.sender_name,
                "reply_to": self.reply_to, "headers": dict(self.headers),
                "unsubscribe": self.unsubscribe}


@dataclass(slots=True)
class Message:
    """One message to one recipient, and its timeline: `fired` of its planned events have
    happened (in order), the rest wait for the sandbox clock."""

    id: str
    seq: int
    provider: str
    tenant: str
    resource: str
    mailing: Any
    to: str
    body: Body
    values: dict[str, Any] | None
    meta: dict[str, Any] | None
    created: float
    timeline: list[Planned] = field(default_factory=list)
    fired: int = 0

    def size(self) -> int:
        """Bytes this message is counted for (its body is counted once, on the outbox)."""
        held = 160 + len(self.id) + len(self.to) + 48 * len(self.timeline)
        for extra in (self.values, self.meta):
            if extra:
                held += sum(len(str(k)) + len(str(v)) + 16 for k, v in extra.items())
        return held

    def part(self, name: str) -> str | None:
        """The subject, html or text as this recipient gets it."""
        text: str | None = getattr(self.body, name)
        if text is None or not self.body.names:
            return text
        # A recipient without values still gets its placeholders' defaults (or nothing).
        return SYNTAXES[self.body.syntax].fill(text, self.values or {})

    def happened(self) -> list[Planned]:
        """The events that happened so far, oldest first."""
        return self.timeline[:self.fired]

    def types(self) -> set[str]:
        return {event.type for event in self.timeline[:self.fired]}

    def headers(self) -> dict[str, str]:
        """The headers a mail client sees besides From, To, Subject, Date, Message-ID."""
        out = dict(self.body.headers)
        domain = self.body.sender.rpartition("@")[2] or "mailtwin.invalid"
        targets = [f"<mailto:unsubscribe+{self.id}@{domain}>"]
        if self.body.unsubscribe:
            targets.append(f"<{self.body.unsubscribe.replace('{message}', self.id)}>")
            out["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        out["List-Unsubscribe"] = ", ".join(targets)
        if self.body.reply_to:
            out["Reply-To"] = self.body.reply_to
        return out
