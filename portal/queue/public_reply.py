"""What the case page shows of the public reply (回复公开): its state, its texts, and the
steps this user may take (the POSTs are in `reply_actions`)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from moderation.intake.models import CaseMessage, MessageAuthor, Submission
from moderation.replies import service
from moderation.replies.models import ReplyState
from moderation.replies.transitions import Step, allowed_steps
from moderation.roles import Actor
from portal.locale_context import lazy_gettext as N_
from portal.queue.forms import FormState

DONE = {
    "reply-write": N_("The public reply was saved. Another moderator must approve it."),
    "reply-approve": N_("The public reply is published."),
    "reply-unpublish": N_("The public reply was taken off the public pages."),
}
STALE = N_("Someone changed the public reply in the meantime. Your text is kept below; "
           "check the current version above it.")


def _conclusion_reply(db: Session, submission: Submission) -> str:
    """The reply sent with the conclusion: the starting point of the public reply."""
    if submission.concluded_at is None:
        return ""
    row = db.exec(select(CaseMessage).where(
        col(CaseMessage.submission_id) == submission.id,
        col(CaseMessage.author) == MessageAuthor.staff, col(CaseMessage.public).is_(True),
        col(CaseMessage.created_at) >= submission.concluded_at)
        .order_by(col(CaseMessage.created_at), col(CaseMessage.id))).first()
    return row.body if row else ""


def reply_context(db: Session, actor: Actor, submission: Submission,
                  form: FormState | None = None, notice: str = "") -> dict[str, Any]:
    """What the case page's public-reply section shows to `actor`."""
    assert submission.id is not None
    reply = service.reply_of(db, submission.id)
    published = reply is not None and reply.state == ReplyState.published
    steps = allowed_steps(reply.state if reply else None, actor.role) \
        if service.may_have_reply(submission) or published else []
    if reply is not None and reply.written_by_id == actor.id and Step.approve in steps:
        steps.remove(Step.approve)
    if form is None:
        form = FormState({"summary": reply.summary if reply else "",
                          "reply": reply.reply if reply else _conclusion_reply(db, submission),
                          "reason": ""}, {})
    return {
        "public_reply": reply,
        "reply_steps": [s.value for s in steps],
        "reply_form": form,
        "reply_notice": notice,
        "reply_shown": submission.publish_consent or reply is not None,
    }


def done_message(key: str | None) -> str | None:
    """The confirmation after a public-reply step (`?done=reply-<step>`)."""
    return DONE.get(key or "")
