"""Optional e-mail delivery of a notification: a nudge, never the content.

The body holds the recipient's first name at most and a link to the inbox; the notification's own text
(which may name a service, a partner, a decision) stays in the application. Sent with the standard
library's SMTP client in a worker thread (it blocks).

Not wired to settings yet (``coordination.settings`` belongs to the foundation): the caller builds a
:class:`MailConfig` (see the report for the settings to add: ``smtp_host``, ``smtp_port``,
``smtp_sender``, ``smtp_starttls``, ``smtp_user``/``smtp_password``, ``public_base_url``).
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

import anyio

from coordination.inbox.services import KINDS, scrub


@dataclass(frozen=True)
class MailConfig:
    host: str
    port: int
    sender: str
    base_url: str
    """Where the web pages are served (the link points to ``<base_url>/boite``)."""
    starttls: bool = False
    user: str | None = None
    password: str | None = None
    timeout: float = 10.0


def compose(config: MailConfig, to_address: str, first_name: str | None, kind: str) -> EmailMessage:
    """Subject and body: the kind's generic label, the first name, a link. Nothing else."""
    label = KINDS.get(kind, "Nouvelle notification")
    greeting = f"Bonjour {first_name.strip()}," if first_name and first_name.strip() else "Bonjour,"
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = to_address
    message["Subject"] = f"Coordination : {label.lower()}"
    message.set_content(
        scrub(
            f"{greeting}\n\n"
            f"Vous avez une nouvelle notification ({label.lower()}) dans votre espace Coordination.\n"
            f"Pour la lire, connectez-vous : {config.base_url.rstrip('/')}/boite\n\n"
            "Par discrétion, ce message ne contient aucun détail.\n"
        )
    )
    return message


def _send(config: MailConfig, message: EmailMessage) -> None:
    with smtplib.SMTP(config.host, config.port, timeout=config.timeout) as client:
        if config.starttls:
            client.starttls()
        if config.user:
            client.login(config.user, config.password or "")
        client.send_message(message)


async def send_nudge(config: MailConfig, to_address: str, first_name: str | None, kind: str) -> None:
    """Send one e-mail (off the event loop). SMTP errors propagate: the caller decides to retry or log."""
    message = compose(config, to_address, first_name, kind)
    await anyio.to_thread.run_sync(_send, config, message)
