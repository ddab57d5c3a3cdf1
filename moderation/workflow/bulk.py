"""Bulk actions from the queue: each item is its own transition in a savepoint, with its
own audit row; one item's refusal does not stop the others."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from moderation.clock import Clock, system_clock
from moderation.errors import DomainError
from moderation.intake.models import HandlingMode, RejectReason, Submission
from moderation.roles import Actor
from moderation.workflow import triage


@dataclass(frozen=True)
class ItemResult:
    """What happened to one item: done, or the domain error that refused it."""

    submission_id: int
    ok: bool
    error: DomainError | None = None
    version: int | None = None  # the new version when done

    @property
    def error_name(self) -> str:
        return type(self.error).__name__ if self.error else ""


# Each item: (submission id, the version the moderator saw).
Items = Sequence[tuple[int, int]]


def _each(session: Session, items: Items,
          act: Callable[[int, int], Submission]) -> list[ItemResult]:
    results = []
    for submission_id, version in items:
        try:
            with session.begin_nested():
                done = act(submission_id, version)
        except DomainError as error:
            results.append(ItemResult(submission_id, False, error))
        else:
            results.append(ItemResult(submission_id, True, version=done.version))
    return results


def reject_as_spam(session: Session, actor: Actor, items: Items, public_reply: str, *,
                   clock: Clock = system_clock) -> list[ItemResult]:
    """Reject each item with reason spam and the same public reply."""
    return _each(session, items, lambda sid, ver: triage.reject(
        session, actor, sid, ver, reason=RejectReason.spam, public_reply=public_reply,
        clock=clock))


def set_unit_concerned(session: Session, actor: Actor, items: Items,
                       unit_concerned_id: int | None, *,
                       clock: Clock = system_clock) -> list[ItemResult]:
    """Set the unit concerned of each item, keeping its category and priority."""
    def act(sid: int, ver: int) -> Submission:
        current = session.get(Submission, sid)
        return triage.classify(
            session, actor, sid, ver, unit_concerned_id=unit_concerned_id,
            category_id=current.category_id if current else None,
            priority=current.priority if current else "normal", clock=clock)
    return _each(session, items, act)


def assign(session: Session, actor: Actor, items: Items, *, mode: HandlingMode | str,
           responsible_unit_id: int, handler_id: int | None = None,
           due_on: date | None = None, clock: Clock = system_clock) -> list[ItemResult]:
    """Accept and route each item in review to the same unit (routing checked per item)."""
    return _each(session, items, lambda sid, ver: triage.accept(
        session, actor, sid, ver, mode=mode, responsible_unit_id=responsible_unit_id,
        handler_id=handler_id, due_on=due_on, clock=clock))
