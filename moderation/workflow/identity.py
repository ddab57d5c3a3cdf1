"""Sealed identity: a real-name citizen's contact details, for granted moderators only.

Only a moderator whose account has `can_view_identity` (granted by an admin) may open
them; admins (separation of duties), handlers and everyone else may not. Every view is
an `identity.view` audit event that names the case, never the details themselves.
"""

from __future__ import annotations

from sqlmodel import Session

from moderation.audit import record
from moderation.clock import Clock, system_clock
from moderation.errors import NotPermitted
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import Submission
from moderation.intake.storage import Contact, contact_of
from moderation.roles import Actor, Role
from moderation.staff import staff_info


def may_view_contact(session: Session, actor: Actor) -> bool:
    """Whether the actor holds the grant (to show or hide the "show identity" button)."""
    if actor.role != Role.moderator:
        return False
    info = staff_info(session, actor.id)
    return (info is not None and info.is_active and info.role == Role.moderator
            and info.can_view_identity)


def view_contact(session: Session, actor: Actor, submission: Submission, keys: IntakeKeys,
                 *, clock: Clock = system_clock) -> Contact | None:
    """The decrypted contact details (None when anonymous or erased); audited."""
    if not may_view_contact(session, actor):
        raise NotPermitted("identity is sealed for this account")
    has_contact = submission.contact_sealed is not None and submission.wrapped_key is not None
    record(session, actor, "identity.view", "submission", submission.id,
           after={"reference": submission.reference, "has_contact": has_contact},
           clock=clock)
    return contact_of(keys, submission) if has_contact else None
