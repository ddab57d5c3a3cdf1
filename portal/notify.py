"""Optional e-mail notices to real-name citizens: "there is an update on your case".

A notice says only that: never the reply, the question, the reference or the receipt
(mail passes through servers nobody here controls). It is sent only when SMTP is
configured (`SMTP_HOST`, `SMTP_PORT`, `SMTP_FROM`, `SMTP_STARTTLS`) and the citizen gave
an e-mail address. The queue calls `notify_update` after a public reply or question has
been committed; a failure is logged without the address and never undoes the staff action.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from moderation.intake.keys import IntakeKeys
from moderation.intake.models import Submission
from moderation.intake.storage import contact_of
from portal.settings import Settings

log = logging.getLogger("portal.notify")
TIMEOUT_SECONDS = 10

# Both languages: we do not know which one the citizen reads (and store nothing about it).
SUBJECT = "民声：您反映的事项有新进展 / Minsheng: there is an update on your case"
BODY = """您好：

您通过民声平台反映的事项有新的进展。
请访问 {track_url} ，输入您的回执码查看。

为保护您的信息，本邮件不包含任何办理内容。请勿回复本邮件。

---

Hello,

There is an update on the case you submitted through Minsheng.
To see it, go to {track_url} and enter your receipt code.

To protect you, this e-mail does not contain any details of your case.
Please do not reply to this e-mail.
"""


def enabled(settings: Settings) -> bool:
    """True when SMTP notices are configured."""
    return bool(settings.smtp_host and settings.smtp_from)


def update_notice(settings: Settings, to_address: str) -> EmailMessage:
    """The notice: fixed text and a link to /track, nothing about the case."""
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to_address
    message["Subject"] = SUBJECT
    message["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or None)
    message.set_content(BODY.format(track_url=f"{settings.base_url}/track"))
    return message


def send_notice(settings: Settings, message: EmailMessage) -> bool:
    """Send one message over SMTP; False (logged, without the address) on failure."""
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port,
                          timeout=TIMEOUT_SECONDS) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        # The exception text may quote the recipient: log its kind only.
        log.warning("update notice not sent: %s", type(exc).__name__)
        return False
    return True


def notify_update(settings: Settings, keys: IntakeKeys, submission: Submission) -> bool:
    """Tell a real-name citizen who gave an e-mail address that their case has an update.

    Returns True when a notice was sent. Never raises: call it after the commit.
    """
    if not enabled(settings) or submission.anonymous or submission.contact_sealed is None:
        return False
    try:
        contact = contact_of(keys, submission)
    except Exception as exc:  # erased or undecryptable: nobody to notify
        log.warning("update notice not sent: %s", type(exc).__name__)
        return False
    if contact is None or not contact.email:
        return False
    try:
        message = update_notice(settings, contact.email)
    except (ValueError, TypeError) as exc:  # an address the e-mail library refuses
        log.warning("update notice not sent: %s", type(exc).__name__)
        return False
    return send_notice(settings, message)
