"""Outgoing mail (password-reset links) over SMTP, as configured by the ``smtp_*`` settings.

Blocking ``smtplib`` in a worker thread: a reset mail is rare, and the standard library speaks STARTTLS
and implicit TLS with certificate checks (``ssl.create_default_context``) without another dependency.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage

from app.config import Settings


class MailError(RuntimeError):
    """The SMTP server could not be reached or refused the message."""


def mail_configured(settings: Settings) -> bool:
    return bool(settings.smtp_host)


def _send(settings: Settings, message: EmailMessage) -> None:
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    try:
        if settings.smtp_tls == "tls":
            smtp = smtplib.SMTP_SSL(
                settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_s, context=context
            )
        else:
            smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_s)
        with smtp:
            if settings.smtp_tls == "starttls":
                smtp.starttls(context=context)
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"could not send mail through {settings.smtp_host}:{settings.smtp_port}: {exc}") from exc


async def send_mail(settings: Settings, *, to: str, subject: str, body: str) -> None:
    if not mail_configured(settings):
        raise MailError("no SMTP server is configured (smtp_host)")
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    await asyncio.to_thread(_send, settings, message)
