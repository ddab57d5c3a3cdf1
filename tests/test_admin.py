"""Admin pages: users, units and the security policy; every write audited."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from moderation.audit import AuditEvent, verify
from moderation.roles import Role
from moderation.units import Unit, UnitKind
from portal.accounts.models import RolePolicy, StaffUser, WebSession
from tests.conftest import BASE_URL, csrf_from, form_fields, login, page
from tests.test_auth import fast_hashing  # noqa: F401 - fixture

NEW_PASSWORD = "another long passphrase"


@pytest.fixture
def admin(client, make_user):  # type: ignore[no-untyped-def]
    user = make_user("admin")
    login(client, "admin1")
    return user


@pytest.fixture
def unit(db) -> Unit:  # type: ignore[no-untyped-def]
    row = Unit(code="court-city", name={"zh_CN": "市中级人民法院", "en": "City Court"},
               kind=UnitKind.court)
    db.add(row)
    db.commit()
    db.refresh(row)
    return row


def events(db, action: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    db.expire_all()
    return list(db.exec(select(AuditEvent).where(AuditEvent.action == action)))


def submit(client: TestClient, path: str, changes: dict[str, str | None]):  # type: ignore[no-untyped-def]
    """GET the form at `path`, change some fields (None unticks), POST it back."""
    form = client.get(path)
    assert form.status_code == 200, form.text[:300]
    data = form_fields(form, "main form[method=post]")
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return client.post(path, data=data)


def new_user_fields(unit: int | None = None, **changes: str) -> dict[str, str | None]:
    fields: dict[str, str | None] = {
        "username": "handler7", "display_name": "Wang Fang", "email": "wang@example.org",
        "role": "handler", "unit_id": str(unit or ""), "password": NEW_PASSWORD,
    }
    fields.update(changes)
    return fields


def test_create_user_is_audited_without_secrets(client, admin, unit, db) -> None:
    response = submit(client, "/staff/admin/users/new", new_user_fields(unit.id))
    assert response.status_code == 303
    user = db.exec(select(StaffUser).where(StaffUser.username == "handler7")).one()
    assert response.headers["location"] == f"/staff/admin/users/{user.id}?saved=created"
    assert user.role == Role.handler
    assert user.unit_id == unit.id
    assert user.is_active
    (event,) = events(db, "user.create")
    assert event.actor_id == admin.id
    assert event.after["username"] == "handler7"
    assert event.after["unit_id"] == unit.id
    dumped = json.dumps([event.before, event.after])
    assert "password" not in dumped
    assert user.password_hash not in dumped
    assert verify(db) == []
    listing = page(client.get("/staff/admin/users"))
    assert "handler7" in [a.text for a in listing.select("main table a")]
    with TestClient(client.app, base_url=BASE_URL, follow_redirects=False) as other:
        login(other, "handler7", NEW_PASSWORD)


BAD_USER_INPUT = [
    ({"username": "x" * 65}, "username"),
    ({"username": "bad name!"}, "username"),
    ({"role": "superuser"}, "role"),
    ({"unit_id": ""}, "unit_id"),
    ({"unit_id": "99999"}, "unit_id"),
    ({"unit_id": "abc"}, "unit_id"),
    ({"display_name": "d" * 101}, "display_name"),
    ({"email": "not-an-address"}, "email"),
    ({"password": "short"}, "password"),
]


def test_bad_user_input_comes_back_filled_in(client, admin, unit, db) -> None:
    for changes, field in BAD_USER_INPUT:
        fields = new_user_fields(unit.id, **{"display_name": "<script>alert(1)</script>",
                                             **changes})
        response = submit(client, "/staff/admin/users/new", fields)
        assert response.status_code == 422, changes
        html = page(response)
        error = html.select_one(f"#f-{field}-error")
        assert error is not None, changes
        assert error.text.strip()
        control = html.select_one(f"#f-{field}")
        assert f"f-{field}-error" in control["aria-describedby"]
        kept = form_fields(response, "main form[method=post]")
        if field != "display_name":
            assert kept["display_name"] == "<script>alert(1)</script>"  # escaped, kept
        if field == "username":
            assert kept["username"] == changes["username"]
        assert html.select_one("main script") is None
    assert db.exec(select(StaffUser).where(StaffUser.username != "admin1")).all() == []
    assert events(db, "user.create") == []


def test_duplicate_user_name_is_refused(client, admin) -> None:
    response = submit(client, "/staff/admin/users/new",
                      new_user_fields(None, username="admin1", role="press"))
    assert response.status_code == 422
    assert page(response).select_one("#f-username-error") is not None


def test_edit_user_audits_before_and_after(client, admin, make_user, unit, db) -> None:
    target = make_user("moderator")
    path = f"/staff/admin/users/{target.id}"
    response = submit(client, path, {"role": "handler", "unit_id": str(unit.id),
                                     "can_view_identity": "on", "display_name": "Li Ming"})
    assert response.status_code == 303
    db.expire_all()
    stored = db.get(StaffUser, target.id)
    assert (stored.role, stored.unit_id, stored.can_view_identity, stored.display_name) == (
        Role.handler, unit.id, True, "Li Ming")
    (event,) = events(db, "user.update")
    assert event.before["role"] == "moderator"
    assert event.after["role"] == "handler"
    assert event.before["can_view_identity"] is False
    assert event.after["can_view_identity"] is True
    assert "password_hash" not in event.after
    assert "totp_secret" not in event.after


def test_handler_edit_without_unit_is_refused(client, admin, make_user, unit, db) -> None:
    target = make_user("handler", unit_id=unit.id)
    response = submit(client, f"/staff/admin/users/{target.id}",
                      {"unit_id": "", "display_name": "Changed"})
    assert response.status_code == 422
    assert page(response).select_one("#f-unit_id-error") is not None
    assert form_fields(response, "main form[method=post]")["display_name"] == "Changed"
    db.expire_all()
    assert db.get(StaffUser, target.id).unit_id == unit.id


def test_disabling_a_user_ends_their_sessions(client, admin, make_user, db) -> None:
    target = make_user("press")
    with TestClient(client.app, base_url=BASE_URL, follow_redirects=False) as theirs:
        login(theirs, "press1")
        assert theirs.get("/staff/").status_code == 200
        response = submit(client, f"/staff/admin/users/{target.id}", {"is_active": None})
        assert response.status_code == 303
        assert db.exec(select(WebSession).where(WebSession.user_id == target.id)).all() == []
        assert theirs.get("/staff/").status_code == 303
    (event,) = events(db, "user.update")
    assert (event.before["is_active"], event.after["is_active"]) == (True, False)


def test_admin_cannot_lock_themselves_out(client, admin, db) -> None:
    path = f"/staff/admin/users/{admin.id}"
    assert submit(client, path, {"role": "press"}).status_code == 422
    assert submit(client, path, {"is_active": None}).status_code == 422
    db.expire_all()
    assert db.get(StaffUser, admin.id).role == Role.admin


def test_reset_password_signs_the_user_out(client, admin, make_user, db) -> None:
    target = make_user("leader")
    path = f"/staff/admin/users/{target.id}"
    with TestClient(client.app, base_url=BASE_URL, follow_redirects=False) as theirs:
        login(theirs, "leader1")
        form = client.get(path)
        short = client.post(f"{path}/password",
                            data={"csrf_token": csrf_from(form), "new_password": "short"})
        assert short.status_code == 422
        assert page(short).select_one("#f-new_password-error") is not None
        done = client.post(f"{path}/password",
                           data={"csrf_token": csrf_from(form), "new_password": NEW_PASSWORD})
        assert done.headers["location"] == f"{path}?saved=password"
        assert theirs.get("/staff/").status_code == 303
        login(theirs, "leader1", NEW_PASSWORD)
    (event,) = events(db, "user.password_reset")
    assert event.before is None
    assert event.after is None


def test_reset_totp(client, admin, make_user, db) -> None:
    target = make_user("press", totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    path = f"/staff/admin/users/{target.id}"
    form = client.get(path)
    client.post(f"{path}/totp-reset", data={"csrf_token": csrf_from(form)})
    db.expire_all()
    assert db.get(StaffUser, target.id).totp_secret is None
    (event,) = events(db, "user.totp_reset")
    assert "JBSWY3DP" not in json.dumps(event.after)


def test_unknown_user_is_404(client, admin) -> None:
    assert client.get("/staff/admin/users/424242").status_code == 404


def test_create_and_edit_units(client, admin, unit, db) -> None:
    response = submit(client, "/staff/admin/units/new", {
        "code": "court-north", "name_zh_CN": "北区人民法院", "name_en": "North District Court",
        "kind": "court", "parent_id": str(unit.id), "position": "2"})
    assert response.status_code == 303
    child = db.exec(select(Unit).where(Unit.code == "court-north")).one()
    assert child.parent_id == unit.id
    assert child.name == {"zh_CN": "北区人民法院", "en": "North District Court"}
    assert child.position == 2
    (created,) = events(db, "unit.create")
    assert created.after["code"] == "court-north"

    tree = page(client.get("/staff/admin/units"))
    rows = [(row["class"], row.select_one("a").text) for row in tree.select("tbody tr")]
    assert rows[0][1] == "市中级人民法院"
    assert "depth-1" in rows[1][0]

    edit = submit(client, f"/staff/admin/units/{child.id}", {"active": None, "name_en": ""})
    assert edit.status_code == 303
    (updated,) = events(db, "unit.update")
    assert updated.before["active"] is True
    assert updated.after["active"] is False
    assert updated.after["name"] == {"zh_CN": "北区人民法院"}
    assert verify(db) == []


BAD_UNIT_INPUT = [
    ({"code": "c" * 33}, "code"),
    ({"code": "has space"}, "code"),
    ({"code": "court-city"}, "code"),
    ({"name_zh_CN": ""}, "name_zh_CN"),
    ({"name_en": "n" * 201}, "name_en"),
    ({"kind": "army"}, "kind"),
    ({"parent_id": "99999"}, "parent_id"),
    ({"position": "-1"}, "position"),
    ({"position": "many"}, "position"),
]


def test_bad_unit_input_comes_back_filled_in(client, admin, unit, db) -> None:
    for changes, field in BAD_UNIT_INPUT:
        fields = {"code": "new-unit", "name_zh_CN": "新单位", "name_en": "New unit",
                  "kind": "other", "parent_id": "", "position": "1", **changes}
        response = submit(client, "/staff/admin/units/new", fields)
        assert response.status_code == 422, changes
        assert page(response).select_one(f"#f-{field}-error") is not None, changes
        kept = form_fields(response, "main form[method=post]")
        if field not in ("kind", "parent_id"):  # selects cannot show an unknown choice
            assert kept[field] == changes[field]
        if field != "name_zh_CN":
            assert kept["name_zh_CN"] == "新单位"
    assert events(db, "unit.create") == []


def test_unit_cannot_move_under_its_own_child(client, admin, unit, db) -> None:
    child = Unit(code="court-child", name={"zh_CN": "下级"}, parent_id=unit.id)
    db.add(child)
    db.commit()
    response = submit(client, f"/staff/admin/units/{unit.id}", {"parent_id": str(child.id)})
    assert response.status_code == 422
    assert page(response).select_one("#f-parent_id-error") is not None
    # The form does not even offer the unit itself or its children as parents.
    offered = [o["value"] for o in page(client.get(f"/staff/admin/units/{unit.id}")).select(
        "#f-parent_id option")]
    assert str(unit.id) not in offered
    assert str(child.id) not in offered


def test_policy_requires_totp_per_role(client, admin, db) -> None:
    response = submit(client, "/staff/admin/policy",
                      {"require_totp_moderator": "on", "require_totp_handler": "on"})
    assert response.status_code == 303
    db.expire_all()
    required = {row.role for row in db.exec(select(RolePolicy)) if row.require_totp}
    assert required == {Role.moderator, Role.handler}
    (event,) = events(db, "policy.update")
    assert event.before["moderator"] is False
    assert event.after["moderator"] is True
    html = page(client.get("/staff/admin/policy"))
    assert html.select_one("#f-require_totp_moderator").has_attr("checked")
    assert not html.select_one("#f-require_totp_press").has_attr("checked")


@pytest.mark.parametrize("role", ["moderator", "handler", "press", "leader"])
def test_non_admin_cannot_write_admin_pages(client, make_user, unit, db, role) -> None:
    make_user(role, unit_id=unit.id)
    login(client, f"{role}1")
    token = csrf_from(client.get("/staff/account"))
    for path, data in [
        ("/staff/admin/users/new", new_user_fields(unit.id)),
        ("/staff/admin/units/new", {"code": "x", "name_zh_CN": "x", "kind": "other"}),
        ("/staff/admin/policy", {"require_totp_admin": "on"}),
    ]:
        response = client.post(path, data={"csrf_token": token, **data})
        assert response.status_code == 403, path
    writes = db.exec(select(AuditEvent).where(AuditEvent.action != "account.sign_in")).all()
    assert writes == []
    assert db.exec(select(RolePolicy)).all() == []
