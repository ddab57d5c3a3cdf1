"""Re-authentication ("sudo mode") for what matters (issue 14, acceptance 2).

A few minutes after sign-in, enrolling two-factor, changing a password, changing an
account's role and granting access to reporters' identity each fail without the
current password (and code, where enrolled) and succeed with it; each change is
audited and, where the account has an e-mail address, the owner gets a notice.
"""

from __future__ import annotations

import dataclasses
from email import message_from_bytes
from typing import Any

import pyotp
import pytest
from sqlmodel import Session, select

from moderation.audit import AuditEvent
from moderation.clock import FixedClock
from moderation.roles import Role
from portal.accounts.models import StaffUser
from portal.accounts.reauth import REAUTH_MINUTES
from portal.app import create_app
from tests.conftest import BASE_URL, PASSWORD, csrf_from, form_fields, login, page
from tests.test_auth import fast_hashing  # noqa: F401 - fixture
from tests.test_notify import Inbox, inbox  # noqa: F401 - fixture
from tests.test_totp import SECRET, code_at, password_step, sealed, submit_code

NEW_PASSWORD = "a brand new passphrase for the test"


@pytest.fixture
def mail_app(settings: Any, engine: Any, clock: FixedClock, inbox: tuple[Inbox, int]) -> Any:  # noqa: F811
    """The app with SMTP pointed at the loopback inbox."""
    _handler, port = inbox
    configured = dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=port,
                                     smtp_from="portal@example.org")
    return create_app(configured, engine=engine, clock=clock)


@pytest.fixture
def mail_client(mail_app: Any) -> Any:
    from starlette.testclient import TestClient

    with TestClient(mail_app, base_url=BASE_URL, follow_redirects=False) as test_client:
        yield test_client


def _later(clock: FixedClock) -> None:
    """Past the confirmation window, within the session's idle timeout."""
    clock.advance(minutes=REAUTH_MINUTES + 1)


def _user(db: Session, user_id: int) -> StaffUser:
    db.expire_all()
    row = db.get(StaffUser, user_id)
    assert row is not None
    return row


def _sent_to(inbox: tuple[Inbox, int], address: str) -> list[str]:  # noqa: F811
    handler, _port = inbox
    return [message_from_bytes(raw)["Subject"] for rcpts, raw in handler.messages
            if address in rcpts]


def test_enrolling_two_factor_asks_the_password_once_the_window_has_passed(
        mail_client: Any, db: Session, make_user: Any, clock: FixedClock,
        inbox: tuple[Inbox, int]) -> None:  # noqa: F811
    user = make_user(Role.moderator, email="mod@example.org")
    login(mail_client, user.username)
    _later(clock)
    enrol = mail_client.get("/staff/account/totp")
    secret = page(enrol).select_one("code.totp-key").text.replace(" ", "")
    assert page(enrol).select_one("input[name=reauth_password]") is not None
    fields = {"csrf_token": csrf_from(enrol), "code": pyotp.TOTP(secret).at(clock())}
    refused = mail_client.post("/staff/account/totp", data=fields)
    assert refused.status_code == 422
    assert page(refused).select_one("#f-reauth_password-error") is not None
    assert _user(db, user.id).totp_secret is None
    wrong = mail_client.post("/staff/account/totp", data={**fields, "reauth_password": "nope"})
    assert wrong.status_code == 422
    assert _user(db, user.id).totp_secret is None
    done = mail_client.post("/staff/account/totp", data={**fields, "reauth_password": PASSWORD})
    assert done.status_code == 303
    assert _user(db, user.id).totp_secret
    assert len(list(db.exec(select(AuditEvent).where(
        AuditEvent.action == "account.totp_enable")))) == 1
    assert any("two-factor" in s for s in _sent_to(inbox, "mod@example.org"))


def test_changing_a_password_with_two_factor_asks_the_code_too(
        client: Any, db: Session, make_user: Any, clock: FixedClock, settings: Any) -> None:
    user = make_user(Role.moderator, totp_secret=sealed(settings))
    password_step(client, user.username)
    assert submit_code(client, code_at(clock)).status_code == 303
    clock.advance(minutes=REAUTH_MINUTES, seconds=31)  # and a fresh TOTP step
    account = client.get("/staff/account")
    assert page(account).select_one("#f-reauth_code") is not None
    fields = {"csrf_token": csrf_from(account), "current_password": PASSWORD,
              "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD}
    refused = client.post("/staff/account/password", data=fields)
    assert refused.status_code == 422
    assert page(refused).select_one("#f-reauth_code-error") is not None
    before = _user(db, user.id).password_hash
    assert _user(db, user.id).password_hash == before
    done = client.post("/staff/account/password",
                       data={**fields, "reauth_code": code_at(clock, SECRET)})
    assert done.status_code == 303
    assert _user(db, user.id).password_hash != before
    # Changing it again at once needs the current password, but no second code.
    fields = {"csrf_token": csrf_from(client.get("/staff/account")),
              "current_password": NEW_PASSWORD, "new_password": PASSWORD + "!",
              "new_password_confirm": PASSWORD + "!"}
    assert client.post("/staff/account/password", data=fields).status_code == 303


def _edit(client: Any, target: StaffUser, **changes: str | None) -> Any:
    path = f"/staff/admin/users/{target.id}"
    data = form_fields(client.get(path), "main form[method=post]")
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return client.post(path, data=data)


@pytest.mark.parametrize(("change", "check"), [
    ({"role": "leader", "unit_id": ""}, lambda u: u.role == Role.leader),
    ({"can_view_identity": "on"}, lambda u: u.can_view_identity),
])
def test_changing_a_role_or_granting_identity_access_asks_the_admin_password(
        mail_client: Any, db: Session, make_user: Any, clock: FixedClock,
        inbox: tuple[Inbox, int], change: dict[str, str], check: Any) -> None:  # noqa: F811
    target = make_user(Role.moderator, username="mod7", email="mod7@example.org")
    admin = make_user(Role.admin)
    login(mail_client, admin.username)
    _later(clock)
    refused = _edit(mail_client, target, **change)
    assert refused.status_code == 422
    assert page(refused).select_one("#f-reauth_password-error") is not None
    assert not check(_user(db, target.id))
    assert _sent_to(inbox, "mod7@example.org") == []
    assert _edit(mail_client, target, **change, reauth_password=PASSWORD).status_code == 303
    assert check(_user(db, target.id))
    events = list(db.exec(select(AuditEvent).where(AuditEvent.action == "user.update")))
    assert len(events) == 1
    assert len(_sent_to(inbox, "mod7@example.org")) == 1
    # Within the window, a display-name change and a further grant need no password.
    assert _edit(mail_client, target, display_name="Mod Seven").status_code == 303


def test_a_name_change_alone_never_asks_for_the_password(
        client: Any, db: Session, make_user: Any, clock: FixedClock) -> None:
    target = make_user(Role.moderator, username="mod8")
    login(client, make_user(Role.admin).username)
    _later(clock)
    assert _edit(client, target, display_name="Renamed").status_code == 303
    assert _user(db, target.id).display_name == "Renamed"
