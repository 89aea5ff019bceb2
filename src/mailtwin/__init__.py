"""mailtwin: a stateful sandbox of email-marketing provider APIs."""

from __future__ import annotations

from mailtwin import hooks
from mailtwin.app import MailtwinApp, create_app
from mailtwin.clock import Clock
from mailtwin.config import Config
from mailtwin.credentials import credential_tenant
from mailtwin.redaction import redacted
from mailtwin.sandbox import Sandbox, SandboxError

__all__ = ["Clock", "Config", "MailtwinApp", "Sandbox", "SandboxError", "create_app",
           "credential_tenant", "hooks", "redacted"]
