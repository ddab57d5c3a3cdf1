"""The optional daily digest: each active queue user with an e-mail address gets the
counts of their queue (new, mine, overdue, awaiting the citizen): counts only, never a
reference or any content. Sent by `portal digest` (e.g. from cron) over the SMTP
settings of `portal.notify`."""

from __future__ import annotations

import logging
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from moderation.queue.counts import digest_counts
from moderation.queue.filters import Tab
from portal.accounts.models import StaffUser
from portal.notify import enabled, send_notice
from portal.settings import Settings

log = logging.getLogger("portal.digest")

SUBJECT = "民声：今日待办统计 / Minsheng: your queue today"
LINES = {
    Tab.new: ("新提交", "New"),
    Tab.mine: ("我的待办", "Mine"),
    Tab.overdue: ("已超期", "Overdue"),
    Tab.awaiting_citizen: ("等待群众答复", "Awaiting the citizen"),
}


def digest_text(counts: dict[Tab, int], queue_url: str) -> str:
    """The body: the counts in both languages and a link to the queue."""
    zh = "\n".join(f"{LINES[tab][0]}：{counts.get(tab, 0)}" for tab in LINES)
    en = "\n".join(f"{LINES[tab][1]}: {counts.get(tab, 0)}" for tab in LINES)
    return (f"您好，以下是您今天的工作队列统计：\n\n{zh}\n\n请登录查看：{queue_url}\n\n---\n\n"
            f"Hello, here are the counts of your queue today:\n\n{en}\n\n"
            f"Sign in to see them: {queue_url}\n")


def digest_message(settings: Settings, to_address: str, counts: dict[Tab, int]) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to_address
    message["Subject"] = SUBJECT
    message["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or None)
    message.set_content(digest_text(counts, f"{settings.base_url}/staff/queue"))
    return message


def send_digest(engine: Engine, settings: Settings, now: datetime) -> int:
    """Send every digest; returns how many were sent (0 when SMTP is not configured)."""
    if not enabled(settings):
        log.info("digest not sent: SMTP is not configured")
        return 0
    with Session(engine) as session:
        counts = digest_counts(session, now, settings.timezone)
        addresses = dict(session.exec(select(StaffUser.id, StaffUser.email).where(
            col(StaffUser.id).in_(list(counts)), col(StaffUser.email).is_not(None))).all())
    sent = 0
    for user_id, user_counts in counts.items():
        address = (addresses.get(user_id) or "").strip()
        if not address:
            continue
        try:
            message = digest_message(settings, address, user_counts)
        except (ValueError, TypeError) as exc:  # an address the e-mail library refuses
            log.warning("digest not sent: %s", type(exc).__name__)
            continue
        sent += send_notice(settings, message)
    return sent
