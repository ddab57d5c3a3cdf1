"""TOTP two-factor sign-in: enrolment, sign-in, replay refusal, role policy, throttling."""

from __future__ import annotations

import json

import pyotp
from bs4 import BeautifulSoup
from sqlmodel import select

from moderation.audit import AuditEvent
from moderation.roles import Role
from portal.accounts import totp
from portal.accounts.models import RolePolicy, StaffUser
from tests.conftest import PASSWORD, csrf_from, login, page
from tests.test_auth import fast_hashing, staff_cookie  # noqa: F401 - fixture

SECRET = pyotp.random_base32()


def sealed(settings) -> str:  # type: ignore[no-untyped-def]
    """SECRET as the portal stores it."""
    return totp.seal(totp.sealing_key(settings), SECRET)


def code_at(clock, secret: str = SECRET, steps: int = 0) -> str:  # type: ignore[no-untyped-def]
    """The code an authenticator shows `steps` intervals from the app's clock."""
    return pyotp.TOTP(secret).at(clock(), counter_offset=steps)


def submit_code(client, code: str):  # type: ignore[no-untyped-def]
    form = client.get("/staff/login/totp")
    assert form.status_code == 200
    return client.post("/staff/login/totp", data={"csrf_token": csrf_from(form), "code": code})


def password_step(client, username: str):  # type: ignore[no-untyped-def]
    form = client.get("/staff/login")
    return client.post("/staff/login", data={
        "csrf_token": csrf_from(form), "username": username, "password": PASSWORD})


def require_totp(db, role: Role) -> None:  # type: ignore[no-untyped-def]
    db.add(RolePolicy(role=role, require_totp=True))
    db.commit()


def test_qr_svg_has_no_style_and_one_path() -> None:
    svg = totp.qr_svg(totp.provisioning_uri(SECRET, "press1", "Minsheng"), "QR code")
    root = BeautifulSoup(str(svg), "html.parser").select_one("svg")
    assert root["class"] == ["totp-qr"]
    assert root["role"] == "img"
    assert root["aria-label"] == "QR code"
    assert "style" not in str(svg)
    assert len(root.select("path")) == 1
    assert "<script" not in str(svg)


def test_enrolment_shows_secret_and_qr_then_confirms(
        client, make_user, clock, db, settings) -> None:
    user = make_user("press")
    login(client, "press1")
    account = page(client.get("/staff/account"))
    assert account.select_one(".status-off") is not None
    enrol = client.get("/staff/account/totp")
    assert enrol.status_code == 200
    html = page(enrol)
    secret = html.select_one("code.totp-key").text.replace(" ", "")
    assert len(secret) == 32
    qr = html.select_one("main svg.totp-qr")
    assert qr is not None
    assert qr.select_one("path") is not None
    assert html.select("[style]") == []
    # A reload shows the same secret (it waits in the session until confirmed).
    again = page(client.get("/staff/account/totp"))
    assert again.select_one("code.totp-key").text.replace(" ", "") == secret

    wrong = client.post("/staff/account/totp", data={
        "csrf_token": csrf_from(enrol), "code": "000000" if code_at(clock, secret) != "000000"
        else "111111"})
    assert wrong.status_code == 422
    assert page(wrong).select_one("#f-code-error") is not None
    assert page(wrong).select_one("code.totp-key").text.replace(" ", "") == secret
    db.expire_all()
    assert db.get(StaffUser, user.id).totp_secret is None

    done = client.post("/staff/account/totp", data={
        "csrf_token": csrf_from(enrol), "code": code_at(clock, secret)})
    assert done.status_code == 303
    assert done.headers["location"] == "/staff/account?saved=totp-on"
    db.expire_all()
    stored = db.get(StaffUser, user.id)
    assert stored.totp_secret.startswith(totp.SEALED_PREFIX)
    assert secret not in stored.totp_secret
    assert totp.unseal(totp.sealing_key(settings), stored.totp_secret) == secret
    assert stored.totp_last_step == pyotp.TOTP(secret).timecode(clock())
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "account.totp_enable")).one()
    assert secret not in json.dumps([event.before, event.after])
    assert page(client.get("/staff/account")).select_one(".status-on") is not None


def test_sign_in_with_totp(client, make_user, clock, settings) -> None:
    make_user("press", totp_secret=sealed(settings))
    response = password_step(client, "press1")
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/login/totp"
    pending = staff_cookie(client)
    # The password alone reaches nothing.
    blocked = client.get("/staff/")
    assert blocked.status_code == 303
    assert blocked.headers["location"].startswith("/staff/login/totp")

    bad = submit_code(client, "12345")
    assert bad.status_code == 422
    assert page(bad).select_one("#f-code-error") is not None

    good = submit_code(client, code_at(clock))
    assert good.status_code == 303
    assert good.headers["location"] == "/staff/"
    assert staff_cookie(client) != pending  # a fresh session after the second factor
    assert client.get("/staff/").status_code == 200


def test_used_code_cannot_be_replayed(client, make_user, clock, settings) -> None:
    make_user("press", totp_secret=sealed(settings))
    code = code_at(clock)
    password_step(client, "press1")
    assert submit_code(client, code).status_code == 303
    password_step(client, "press1")
    assert submit_code(client, code).status_code == 422  # same code, same time step
    # An older code inside the window is refused too once a later one was used.
    assert submit_code(client, code_at(clock, steps=-1)).status_code == 422
    clock.advance(seconds=30)
    assert submit_code(client, code_at(clock)).status_code == 303


def test_code_window_is_one_step(client, make_user, clock, settings) -> None:
    make_user("press", totp_secret=sealed(settings))
    password_step(client, "press1")
    assert submit_code(client, code_at(clock, steps=-2)).status_code == 422
    assert submit_code(client, code_at(clock, steps=-1)).status_code == 303


def test_totp_failures_are_throttled(client, make_user, clock, settings) -> None:
    make_user("press", totp_secret=sealed(settings))
    password_step(client, "press1")
    good = code_at(clock)
    wrong = "000000" if good != "000000" else "111111"
    for _ in range(settings.login_max_failures):
        assert submit_code(client, wrong).status_code == 422
    blocked = submit_code(client, good)
    assert blocked.status_code == 429
    assert "Retry-After" in blocked.headers


def test_role_policy_forces_enrolment(client, make_user, clock, db) -> None:
    make_user("moderator")
    require_totp(db, Role.moderator)
    response = password_step(client, "moderator1")
    assert response.headers["location"] == "/staff/account/totp"
    for path in ("/staff/", "/staff/account", "/staff/admin/users"):
        answer = client.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"] == "/staff/account/totp"
    enrol = client.get("/staff/account/totp")
    html = page(enrol)
    assert html.select_one("p.notice") is not None
    assert html.select_one("form[action='/staff/logout']") is not None
    secret = html.select_one("code.totp-key").text.replace(" ", "")
    done = client.post("/staff/account/totp", data={
        "csrf_token": csrf_from(enrol), "code": code_at(clock, secret)})
    assert done.headers["location"] == "/staff/"
    assert client.get("/staff/").status_code == 200


def test_policy_applies_to_open_sessions(client, make_user, db) -> None:
    make_user("leader")
    login(client, "leader1")
    assert client.get("/staff/").status_code == 200
    require_totp(db, Role.leader)
    assert client.get("/staff/").headers["location"] == "/staff/account/totp"


def test_policy_does_not_touch_other_roles(client, make_user, db) -> None:
    make_user("press")
    require_totp(db, Role.moderator)
    login(client, "press1")
    assert client.get("/staff/").status_code == 200


def test_turn_off_totp_needs_password_and_is_refused_when_required(
        client, make_user, clock, db, settings) -> None:
    user = make_user("press", totp_secret=sealed(settings))
    password_step(client, "press1")
    submit_code(client, code_at(clock))
    account = client.get("/staff/account")
    token = csrf_from(account)
    wrong = client.post("/staff/account/totp/disable",
                        data={"csrf_token": token, "totp_password": "not my password"})
    assert wrong.status_code == 422
    assert page(wrong).select_one("#f-totp_password-error") is not None
    require_totp(db, Role.press)
    refused = client.post("/staff/account/totp/disable",
                          data={"csrf_token": token, "totp_password": PASSWORD})
    assert refused.status_code == 422
    db.expire_all()
    assert totp.unseal(totp.sealing_key(settings), db.get(StaffUser, user.id).totp_secret) == SECRET
    db.delete(db.get(RolePolicy, Role.press))
    db.commit()
    off = client.post("/staff/account/totp/disable",
                      data={"csrf_token": token, "totp_password": PASSWORD})
    assert off.headers["location"] == "/staff/account?saved=totp-off"
    db.expire_all()
    assert db.get(StaffUser, user.id).totp_secret is None


def test_change_password(client, make_user, db) -> None:
    user = make_user("press")
    login(client, "press1")
    account = client.get("/staff/account")
    new = "a brand new passphrase"
    mismatch = client.post("/staff/account/password", data={
        "csrf_token": csrf_from(account), "current_password": PASSWORD,
        "new_password": new, "new_password_confirm": new + "x"})
    assert mismatch.status_code == 422
    assert page(mismatch).select_one("#f-new_password_confirm-error") is not None
    wrong = client.post("/staff/account/password", data={
        "csrf_token": csrf_from(account), "current_password": "not it at all",
        "new_password": new, "new_password_confirm": new})
    assert wrong.status_code == 422
    assert page(wrong).select_one("#f-current_password-error") is not None
    before = staff_cookie(client)
    done = client.post("/staff/account/password", data={
        "csrf_token": csrf_from(account), "current_password": PASSWORD,
        "new_password": new, "new_password_confirm": new})
    assert done.status_code == 303
    assert staff_cookie(client) != before
    assert client.get("/staff/account").status_code == 200
    event = db.exec(select(AuditEvent).where(
        AuditEvent.action == "account.password_change")).one()
    assert event.actor_id == user.id
    assert "argon2" not in json.dumps([event.before, event.after])
    login(client, "press1", new)
