"""Sealed identity: only a moderator granted `can_view_identity` sees contact details;
each view is audited, and the audit row never holds the details."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from moderation.audit import AuditEvent
from moderation.clock import FixedClock
from moderation.errors import NotPermitted
from moderation.workflow.identity import may_view_contact, view_contact
from tests.workflow_support import KEYS, SECRET_NAME, SECRET_PHONE, make_world, submit


def test_only_a_granted_moderator_sees_contact_details(db: Session, make_user,  # type: ignore[no-untyped-def]
                                                       clock: FixedClock) -> None:
    world = make_world(db, make_user)
    named = submit(db, clock, world, named=True).submission
    anonymous = submit(db, clock, world, variant=109).submission

    # Admin holds the flag but is not a moderator (separation of duties); handlers never.
    for actor in (world.moderator, world.handler, world.admin, world.leader, world.press):
        assert not may_view_contact(db, actor)
        with pytest.raises(NotPermitted):
            view_contact(db, actor, named, KEYS, clock=clock)
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "identity.view")).all() == []

    contact = view_contact(db, world.granted, named, KEYS, clock=clock)
    assert contact is not None
    assert (contact.name, contact.phone) == (SECRET_NAME, SECRET_PHONE)
    assert view_contact(db, world.granted, anonymous, KEYS, clock=clock) is None
    db.commit()

    rows = db.exec(select(AuditEvent).where(AuditEvent.action == "identity.view")).all()
    assert [(r.actor_id, r.target_id, r.after["has_contact"]) for r in rows] == [  # type: ignore[index]
        (world.granted.id, str(named.id), True), (world.granted.id, str(anonymous.id), False)]
    dumped = json.dumps([[r.before, r.after] for r in db.exec(select(AuditEvent))],
                        ensure_ascii=False)
    assert SECRET_NAME not in dumped
    assert SECRET_PHONE not in dumped
