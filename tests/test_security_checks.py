"""Security checks that each fail when their check is removed: a CSRF cookie shorter
than a real one is refused, and a deactivated moderator who still holds the identity
grant cannot read contact details at the domain level."""

from __future__ import annotations

import secrets

import pytest
from sqlmodel import Session, select

from moderation.audit import AuditEvent
from moderation.clock import FixedClock
from moderation.errors import NotPermitted
from moderation.workflow.identity import may_view_contact, view_contact
from portal.accounts.models import StaffUser
from portal.csrf import CSRF_COOKIE, CSRF_FIELD, _binding, _signer
from tests.test_auth import fast_hashing  # noqa: F401 - fixture
from tests.workflow_support import KEYS, SECRET_NAME, make_world, submit

FULL_COOKIE_LENGTH = len(secrets.token_urlsafe(32))  # what the portal issues: 43
PROBE = "/track"  # a public form (receipt entry): no sign-in in the way


def token_for(settings, cookie: str) -> str:  # type: ignore[no-untyped-def]
    """A validly signed token bound to `cookie`, as an attacker who can plant a cookie
    could obtain one for a cookie of their choosing."""
    return _signer(settings.secret_key).sign(_binding(cookie)).decode()


@pytest.mark.parametrize("length", [1, 16, 32, FULL_COOKIE_LENGTH - 1])
def test_a_csrf_cookie_shorter_than_a_real_one_is_refused(client, settings,
                                                          length: int) -> None:
    short = "a" * length
    client.cookies.set(CSRF_COOKIE, short)
    response = client.post(PROBE, data={CSRF_FIELD: token_for(settings, short),
                                        "receipt": "1234"})
    assert response.status_code == 403


def test_a_full_length_cookie_with_its_token_passes(client, settings) -> None:
    cookie = secrets.token_urlsafe(32)
    client.cookies.set(CSRF_COOKIE, cookie)
    response = client.post(PROBE, data={CSRF_FIELD: token_for(settings, cookie),
                                        "receipt": "1234"})
    assert response.status_code == 422  # past CSRF: the receipt is simply not found


def test_a_short_cookie_is_replaced_when_a_form_is_shown(client) -> None:
    client.cookies.set(CSRF_COOKIE, "a" * 32)
    response = client.get(PROBE)
    issued = response.cookies.get(CSRF_COOKIE)
    assert issued is not None
    assert len(issued) == FULL_COOKIE_LENGTH


def test_a_deactivated_moderator_with_the_grant_cannot_read_contact_details(
        db: Session, make_user, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    world = make_world(db, make_user)
    named = submit(db, clock, world, named=True).submission
    assert may_view_contact(db, world.granted)  # the control: active, granted, moderator

    account = db.get(StaffUser, world.granted.id)
    assert account is not None
    assert account.can_view_identity
    account.is_active = False
    db.add(account)
    db.commit()

    assert not may_view_contact(db, world.granted)
    with pytest.raises(NotPermitted):
        view_contact(db, world.granted, named, KEYS, clock=clock)
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "identity.view")).all() == []
    assert SECRET_NAME not in str(named.contact_sealed)
