"""Who may do what on the staff ledger pages, and loading items the actor may see.

Least privilege: moderators (the campaign office) and unit handlers edit; a handler
only items of their own unit, never the public flag. Verification and look-back are
moderators' alone: a unit does not sign off its own rectification. Leaders read and
export; press staff and admins have no business here (separation of duties).
"""

from __future__ import annotations

from sqlmodel import Session, col, select
from starlette.requests import Request

from moderation.errors import NotFound
from moderation.intake.models import Submission
from moderation.ledger.common import get_item
from moderation.ledger.models import LedgerItem
from moderation.roles import Actor, Role
from moderation.workflow.transitions import can_see
from portal.accounts.permissions import actor_of, staff_user
from portal.roles import LEDGER_EDIT, LEDGER_EXPORT, LEDGER_READ, MODERATOR

READ = LEDGER_READ
EDIT = LEDGER_EDIT
REVIEW = MODERATOR
EXPORT = LEDGER_EXPORT
IMPORT = MODERATOR
REFERENCE_MAX = 16


def ledger_actor(request: Request) -> Actor:
    return actor_of(staff_user(request))


def may_see(item: LedgerItem, actor: Actor) -> bool:
    """Handlers see their unit's items; moderators and leaders see all."""
    if actor.role == Role.handler:
        return actor.unit_id is not None and item.unit_id == actor.unit_id
    return actor.role in (Role.moderator, Role.leader)


def may_edit(actor: Actor) -> bool:
    return actor.role in EDIT


def may_review(actor: Actor) -> bool:
    return actor.role in REVIEW


def may_publish(actor: Actor) -> bool:
    """Only moderators decide whether an item is public."""
    return actor.role == Role.moderator


def load_item(session: Session, actor: Actor, item_id: int) -> LedgerItem:
    """The item, or NotFound when it does not exist or the actor may not see it."""
    item = get_item(session, item_id)
    if not may_see(item, actor):
        raise NotFound(f"ledger item {item_id}")
    return item


def visible_items(session: Session, actor: Actor) -> list[LedgerItem]:
    """Items the actor may see, in display order (for parent choices)."""
    query = select(LedgerItem).order_by(col(LedgerItem.position), col(LedgerItem.id))
    if actor.role == Role.handler:
        query = query.where(LedgerItem.unit_id == (actor.unit_id or -1))
    return list(session.exec(query))


def may_open_case(submission: Submission, actor: Actor) -> bool:
    """Moderators and leaders see any case; handlers their unit's leads."""
    return actor.role == Role.leader or can_see(submission, actor)


def find_case(session: Session, actor: Actor, reference: str) -> Submission:
    """The case with this reference if the actor may see it; NotFound otherwise."""
    reference = reference.strip().upper()[:REFERENCE_MAX + 1]
    row = session.exec(select(Submission).where(col(Submission.reference) == reference)
                       ).first()
    if row is None or not may_open_case(row, actor):
        raise NotFound(f"case {reference}")
    return row
