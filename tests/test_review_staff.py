"""Security review of the staff side: authorisation, data exposure, hostile inputs."""

from __future__ import annotations

import base64
import json

import pytest
from sqlmodel import Session

from moderation.clock import FixedClock
from tests.ledger_support import make_item
from tests.test_auth import fast_hashing  # noqa: F401 - fixture
from tests.workflow_support import World

pytest_plugins = ("tests.queue_web_fixtures",)  # world, keys, signed_in

HUGE = "9" * 25  # more digits than any database integer holds
INT4_PAST = str(2**31)  # one past PostgreSQL's INTEGER: SQLite holds it, PostgreSQL does not


def cursor(*parts: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


@pytest.mark.parametrize("params", [
    "to=9999-12-31", "from=0001-01-01", "from=0001-01-01&to=0001-01-01",
    "to=9999-12-31&tab=overdue",
])
def test_queue_extreme_dates_are_refused_not_500(signed_in, world: World,  # type: ignore[no-untyped-def]
                                                 params: str) -> None:
    client = signed_in("mod1")
    assert client.get(f"/staff/queue?{params}").status_code == 422
    assert client.get(f"/staff/queue/export.csv?{params}").status_code == 422


@pytest.mark.parametrize("after", [
    cursor("received", "d", "0001-01-01T00:00:00+08:00", 1),
    cursor("received", "d", "9999-12-31T23:59:59-12:00", 1),
    cursor("received", "d", "2026-01-01T00:00:00+08:00", 10 ** 30),
    cursor("received", "d", "2026-01-01T00:00:00+08:00", 2 ** 31),  # past PostgreSQL INTEGER
])
def test_queue_hostile_cursor_is_refused_not_500(signed_in, world: World,  # type: ignore[no-untyped-def]
                                                 after: str) -> None:
    for user in ("mod1", "handler-v", "leader1"):
        assert signed_in(user).get(f"/staff/queue?after={after}").status_code == 422


@pytest.mark.parametrize("path", [
    f"/ledger/{HUGE}", f"/staff/ledger/{HUGE}", f"/staff/ledger/{HUGE}/edit",
    f"/staff/ledger/evidence/{HUGE}", f"/announcements/{HUGE}",
    f"/ledger/{INT4_PAST}", f"/announcements/{INT4_PAST}", f"/staff/ledger/{INT4_PAST}",
])
def test_huge_path_id_is_404_not_500(signed_in, world: World, path: str) -> None:  # type: ignore[no-untyped-def]
    assert signed_in("mod1").get(path).status_code == 404


def test_huge_path_id_in_a_post_is_404_not_500(signed_in, world: World) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import csrf_from
    client = signed_in("mod1")
    token = csrf_from(client.get("/staff/ledger/new"))
    for path in (f"/staff/ledger/{HUGE}/status", f"/staff/ledger/lookbacks/{HUGE}"):
        response = client.post(path, data={"csrf_token": token, "version": "1",
                                           "status": "planned"})
        assert response.status_code == 404, path


def test_handler_item_page_hides_other_units_parent_and_children(  # type: ignore[no-untyped-def]
        signed_in, db: Session, clock: FixedClock, world: World) -> None:
    """A handler sees their unit's ledger items only: not the title of a parent or of a
    sub-item that belongs to another unit (internal ones included)."""
    parent = make_item(db, clock, world.accused, "其他单位父项SECRETPARENT", public=False)
    mine = make_item(db, clock, world.verifier, "本单位项目", parent_id=parent.id)
    make_item(db, clock, world.accused, "其他单位子项SECRETCHILD", public=False,
              parent_id=mine.id)
    make_item(db, clock, world.verifier, "本单位子项OWNCHILD", parent_id=mine.id)
    db.commit()
    handler = signed_in("handler-v")
    text = handler.get(f"/staff/ledger/{mine.id}").text
    assert "SECRETPARENT" not in text
    assert "SECRETCHILD" not in text
    assert "OWNCHILD" in text
    # The moderator still sees the whole tree.
    moderator_text = signed_in("mod1").get(f"/staff/ledger/{mine.id}").text
    assert "SECRETPARENT" in moderator_text
    assert "SECRETCHILD" in moderator_text


SUPERSCRIPT = "²"  # str.isdigit() accepts it, int() refuses it


def test_non_ascii_digits_in_ids_are_refused_not_500(  # type: ignore[no-untyped-def]
        signed_in, client, db: Session, clock: FixedClock, world: World) -> None:
    from moderation.intake.models import SubmissionState
    from tests.conftest import csrf_from
    from tests.workflow_support import drive
    case = drive(db, clock, world, SubmissionState.in_review)
    item = make_item(db, clock, world.verifier, "项目")
    db.commit()
    moderator, admin = signed_in("mod1"), signed_in("admin1")
    for who, url in ((moderator, f"/staff/queue?unit={SUPERSCRIPT}"),
                     (moderator, f"/staff/queue?category={SUPERSCRIPT}"),
                     (client, f"/ledger?unit={SUPERSCRIPT}"),
                     (moderator, f"/staff/ledger?unit={SUPERSCRIPT}&category={SUPERSCRIPT}")):
        assert who.get(url).status_code < 500, url
    token = csrf_from(moderator.get("/staff/queue"))
    posts = [
        (f"/staff/cases/{case.reference}/classify", {"version": SUPERSCRIPT}),
        (f"/staff/cases/{case.reference}/classify",
         {"version": str(case.version), "category_id": SUPERSCRIPT,
          "unit_concerned_id": SUPERSCRIPT, "priority": "normal"}),
        ("/staff/queue/bulk", {"bulk_action": "set_unit", "item": f"{SUPERSCRIPT}:1",
                               "unit_concerned_id": SUPERSCRIPT}),
        (f"/staff/ledger/{item.id}/status", {"version": SUPERSCRIPT, "status": "planned"}),
        (f"/staff/ledger/{item.id}/progress", {"version": str(item.version),
                                               "progress": SUPERSCRIPT}),
        (f"/staff/ledger/{item.id}/edit",
         {"version": str(item.version), "unit_id": SUPERSCRIPT, "parent_id": SUPERSCRIPT,
          "weight": SUPERSCRIPT, "position": SUPERSCRIPT, "title_zh_CN": "标题"}),
    ]
    for path, data in posts:
        response = moderator.post(path, data={"csrf_token": token, **data})
        assert response.status_code < 500, (path, data)
    token = csrf_from(admin.get("/staff/admin/units/new"))
    for path, data in (
            ("/staff/admin/units/new", {"code": "abc", "kind": "police", "name_zh_CN": "单位",
                                        "position": SUPERSCRIPT, "parent_id": SUPERSCRIPT}),
            ("/staff/admin/users/new", {"username": "newuser", "display_name": "新用户",
                                        "role": "handler", "unit_id": SUPERSCRIPT,
                                        "password": "Very-long-passw0rd!x"})):
        response = admin.post(path, data={"csrf_token": token, **data})
        assert response.status_code == 422, (path, response.status_code)
