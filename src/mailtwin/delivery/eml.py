"""A message as a standard RFC 5322 document (built with the `email` package), which any mail
client opens: From, To, Subject, Date, Message-ID, Reply-To, List-Unsubscribe and the
provider's headers, then the text and HTML as multipart/alternative."""

from __future__ import annotations

from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from mailtwin.delivery.message import Message


def _address(address: str, name: str | None) -> Address | str:
    local, _, domain = address.partition("@")
    try:
        return Address(display_name=name or "", username=local, domain=domain)
    except (ValueError, IndexError):
        return address


def build(message: Message) -> EmailMessage:
    """The message as an EmailMessage."""
    mail = EmailMessage(policy=SMTP)
    mail["From"] = _address(message.body.sender, message.body.sender_name)
    mail["To"] = _address(message.to, None)
    mail["Subject"] = message.part("subject") or ""
    mail["Date"] = format_datetime(datetime.fromtimestamp(message.created, UTC))
    domain = message.body.sender.rpartition("@")[2] or "mailtwin.invalid"
    mail["Message-ID"] = f"<{message.id}@{domain}>"
    for name, value in message.headers().items():
        mail[name] = value
    mail["X-Mailtwin-Provider"] = message.provider
    mail["X-Mailtwin-Mailing"] = f"{message.resource}/{message.mailing}"
    text, html = message.part("text"), message.part("html")
    if text is not None or html is None:
        mail.set_content(text or "")
        if html is not None:
            mail.add_alternative(html, subtype="html")
    else:
        mail.set_content(html, subtype="html")
    return mail


def eml_bytes(message: Message) -> bytes:
    """The message as the bytes of an .eml file (CRLF line ends)."""
    return build(message).as_bytes()
