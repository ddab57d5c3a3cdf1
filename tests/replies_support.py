"""Helpers for the public reply tests: consenting cases driven through the domain."""

from __future__ import annotations

from sqlmodel import Session

from moderation.clock import FixedClock
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import Category, Submission, SubmissionKind
from moderation.intake.receipts import issue_form_nonce
from moderation.intake.service import IntakeResult, submit_suggestion
from moderation.intake.validation import SuggestionInput
from moderation.replies import service
from moderation.replies.models import PublicReply
from moderation.roles import Actor
from moderation.workflow import claims, handling, triage
from tests.workflow_support import World

SUGGESTION = "建议延长户籍窗口周末的办公时间，方便上班族办理业务。"


def topic(db: Session, code: str = "service") -> Category:
    row = Category(code=code, name={"zh_CN": f"窗口服务{code}", "en": f"Service {code}"},
                   kind=SubmissionKind.suggestion)
    db.add(row)
    db.commit()
    db.refresh(row)
    return row


def suggest(db: Session, keys: IntakeKeys, clock: FixedClock, category: Category, *,
            consent: bool = True, content: str = SUGGESTION) -> IntakeResult:
    """An anonymous suggestion, with or without consent to publication; committed."""
    result = submit_suggestion(db, keys, issue_form_nonce(keys, "suggestion", clock),
                               SuggestionInput(content=content, category_id=category.id,
                                               publish_consent=consent), clock=clock)
    db.commit()
    return result


def conclude(db: Session, clock: FixedClock, world: World, submission: Submission,
             reply: str = "已采纳，自下月起周六上午开放户籍窗口。", *,
             by: Actor | None = None) -> Submission:
    """Claim, accept, verify and conclude as adopted, by the handler `by` (default: the
    off-site verifier) in their unit; committed."""
    assert submission.id is not None
    handler = by or world.handler
    sub = claims.claim(db, world.moderator, submission.id, submission.version, clock=clock)
    sub = triage.accept(db, world.moderator, sub.id, sub.version, mode="off_site",  # type: ignore[arg-type]
                        responsible_unit_id=handler.unit_id, handler_id=handler.id,
                        clock=clock)
    sub = handling.start_verification(db, handler, sub.id, sub.version, clock=clock)  # type: ignore[arg-type]
    sub = handling.conclude(db, handler, sub.id, sub.version, outcome="adopted",  # type: ignore[arg-type]
                            finding="内部核查记录。", public_reply=reply, clock=clock)
    db.commit()
    return sub


def publish(db: Session, clock: FixedClock, world: World, submission: Submission,
            summary: str = "群众建议延长户籍窗口办公时间。", *,
            by: Actor | None = None) -> PublicReply:
    """Write the public reply as a handler, approve it as a moderator; committed."""
    assert submission.id is not None
    service.write(db, by or world.handler, submission.id, None, summary=summary,
                  reply_text="已采纳，周六上午开放户籍窗口。", clock=clock)
    reply = service.approve(db, world.moderator, submission.id, 1, clock=clock)
    db.commit()
    return reply
