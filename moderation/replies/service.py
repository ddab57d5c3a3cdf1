"""Writing, approving and unpublishing public replies, and the citizen's withdrawal.

Staff steps load the case with the queue's visibility (a handler sees only leads of
their own unit), check the table in `transitions`, and write one audit row on the case
(`public_reply.<step>`, texts as digests). The citizen's withdrawal writes no audit row,
like every citizen action (no precise time of a citizen's act is kept): the reply's
state `withdrawn` and the consent flag record it. Nothing here commits.
"""

from __future__ import annotations

from sqlmodel import Session, col, select, update

from moderation.audit import record
from moderation.clock import Clock, system_clock
from moderation.errors import InvalidTransition, NotPermitted, StaleVersion, ValidationFailed
from moderation.intake.deadlines import DEFAULT_TIMEZONE, hour_of, local_day
from moderation.intake.followup import FollowupRefused
from moderation.intake.models import REASON_MAX, Submission, SubmissionState
from moderation.replies.models import REPLY_MAX, SUMMARY_MAX, PublicReply, ReplyState
from moderation.replies.transitions import WITHDRAWABLE, Step, transition_for
from moderation.roles import Actor
from moderation.workflow.core import load, text_digest
from moderation.workflow.inputs import text


def _(message: str) -> str:
    """Extraction marker: returns the message id unchanged."""
    return message


NO_CONSENT = _("The citizen did not agree to publication, or withdrew their consent.")
NOT_CONCLUDED = _("A reply can be published only once the case is concluded.")
SAME_WRITER = _("Another moderator must approve the reply: you wrote this version.")
ALREADY_PUBLISHED = _("The reply is already public, so consent can no longer be withdrawn. "
                      "Please contact the campaign office if it should be taken down.")
NO_CONSENT_GIVEN = _("You did not agree to publication; nothing will be published.")


def reply_of(session: Session, submission_id: int) -> PublicReply | None:
    """The case's public reply, fresh from the database, or None."""
    return session.exec(select(PublicReply).where(PublicReply.submission_id == submission_id)
                        .execution_options(populate_existing=True)).first()


def may_have_reply(submission: Submission) -> bool:
    """A reply can be written for a concluded case whose citizen consented."""
    return submission.publish_consent and submission.state == SubmissionState.concluded


def _begin(session: Session, actor: Actor, submission_id: int, step: Step
           ) -> tuple[Submission, PublicReply | None, ReplyState]:
    submission = load(session, actor, submission_id)
    reply = reply_of(session, submission_id)
    move = transition_for(reply.state if reply else None, step)
    if move is None:
        raise InvalidTransition(f"cannot {step.value} a public reply now")
    if actor.id is None or actor.role not in move.roles:
        raise NotPermitted(f"{actor.role} may not {step.value} a public reply")
    if not submission.publish_consent:
        raise InvalidTransition(NO_CONSENT)
    if submission.state != SubmissionState.concluded and step != Step.unpublish:
        raise InvalidTransition(NOT_CONCLUDED)
    return submission, reply, move.next_state


def _bump(session: Session, reply: PublicReply, expected_version: int) -> None:
    """Conditional version bump: of two writers who saw the same version, one wins."""
    done = session.connection().execute(
        update(PublicReply).where(col(PublicReply.id) == reply.id,
                                  col(PublicReply.version) == expected_version)
        .values(version=expected_version + 1))
    if done.rowcount != 1:
        session.refresh(reply)
        raise StaleVersion(f"public reply {reply.id} changed meanwhile",
                           current={"state": reply.state.value}, version=reply.version)
    reply.version = expected_version + 1


def _audit(session: Session, actor: Actor, submission: Submission, step: Step,
           before: ReplyState | None, row: PublicReply, clock: Clock,
           **extra: object) -> None:
    record(session, actor, f"public_reply.{step.value}", "submission", submission.id,
           before={"state": before.value if before else None},
           after={"reference": submission.reference, "state": row.state.value,
                  "version": row.version, **extra}, clock=clock)


def write(session: Session, actor: Actor, submission_id: int, expected_version: int | None,
          *, summary: str, reply_text: str, clock: Clock = system_clock,
          tz: str = DEFAULT_TIMEZONE) -> PublicReply:
    """Write (or rewrite) the public summary and reply; the result is a draft.

    `expected_version` is None for a case without a reply yet.
    """
    submission, reply, next_state = _begin(session, actor, submission_id, Step.write)
    errors: dict[str, str] = {}
    clean_summary = text(summary, "summary", errors, max_len=SUMMARY_MAX)
    clean_reply = text(reply_text, "reply", errors, max_len=REPLY_MAX)
    if errors:
        raise ValidationFailed(errors)
    now = clock()
    before = reply.state if reply else None
    assert submission.concluded_at is not None
    facts = {
        "kind": submission.kind, "category_id": submission.category_id,
        "unit_id": submission.responsible_unit_id, "outcome": submission.outcome,
        "received_on": local_day(submission.received_at, tz),
        "concluded_on": local_day(submission.concluded_at, tz),
    }
    if reply is None:
        if expected_version is not None:
            raise StaleVersion("the public reply is gone", version=None)
        reply = PublicReply(submission_id=submission_id, summary=clean_summary,
                            reply=clean_reply, updated_at=now, written_by_id=actor.id,
                            **facts)
    else:
        if expected_version is None:
            raise StaleVersion("someone wrote a public reply meanwhile",
                               current={"state": reply.state.value}, version=reply.version)
        _bump(session, reply, expected_version)
        for name, value in facts.items():
            setattr(reply, name, value)
        reply.summary, reply.reply, reply.written_by_id = clean_summary, clean_reply, actor.id
        reply.approved_by_id, reply.updated_at = None, now
    reply.state = next_state
    session.add(reply)
    session.flush()
    _audit(session, actor, submission, Step.write, before, reply, clock,
           summary_text={"sha256": text_digest(clean_summary), "chars": len(clean_summary)},
           reply_text={"sha256": text_digest(clean_reply), "chars": len(clean_reply)})
    return reply


def approve(session: Session, actor: Actor, submission_id: int, expected_version: int, *,
            clock: Clock = system_clock) -> PublicReply:
    """A moderator other than the writer approves the draft: it is published now."""
    submission, reply, next_state = _begin(session, actor, submission_id, Step.approve)
    assert reply is not None
    if reply.written_by_id == actor.id:
        raise ValidationFailed({"approve": SAME_WRITER})
    _bump(session, reply, expected_version)
    now = clock()
    reply.state, reply.approved_by_id, reply.published_at = next_state, actor.id, now
    reply.unpublish_reason, reply.updated_at = "", now
    session.add(reply)
    session.flush()
    _audit(session, actor, submission, Step.approve, ReplyState.draft, reply, clock)
    return reply


def unpublish(session: Session, actor: Actor, submission_id: int, expected_version: int,
              reason: str, *, clock: Clock = system_clock) -> PublicReply:
    """A moderator takes a published reply off the public pages, with a reason."""
    submission = load(session, actor, submission_id)
    reply = reply_of(session, submission_id)
    move = transition_for(reply.state if reply else None, Step.unpublish)
    if reply is None or move is None:
        raise InvalidTransition("the reply is not published")
    if actor.id is None or actor.role not in move.roles:
        raise NotPermitted(f"{actor.role} may not unpublish a public reply")
    errors: dict[str, str] = {}
    why = text(reason, "unpublish_reason", errors, max_len=REASON_MAX)
    if errors:
        raise ValidationFailed(errors)
    _bump(session, reply, expected_version)
    reply.state, reply.unpublish_reason, reply.updated_at = move.next_state, why, clock()
    session.add(reply)
    session.flush()
    _audit(session, actor, submission, Step.unpublish, ReplyState.published, reply, clock,
           reason=why)
    return reply


def withdraw_consent(session: Session, submission: Submission, *,
                     clock: Clock = system_clock) -> None:
    """The citizen withdraws consent: nothing of the case will be published.

    Refused once the reply is public (staff must take it down). A draft becomes
    `withdrawn`; the time kept is the hour, as for every citizen action.
    """
    if not submission.publish_consent:
        raise FollowupRefused(NO_CONSENT_GIVEN)
    assert submission.id is not None
    reply = reply_of(session, submission.id)
    if (reply.state if reply else None) not in WITHDRAWABLE:
        raise FollowupRefused(ALREADY_PUBLISHED)
    submission.publish_consent = False
    session.add(submission)
    if reply is not None:
        reply.state, reply.updated_at = ReplyState.withdrawn, hour_of(clock())
        reply.version += 1
        session.add(reply)
    session.flush()


def consent_open(session: Session, submission: Submission) -> bool:
    """True while the citizen may still withdraw consent (consented, nothing public)."""
    if not submission.publish_consent or submission.id is None:
        return False
    reply = reply_of(session, submission.id)
    return (reply.state if reply else None) in WITHDRAWABLE
