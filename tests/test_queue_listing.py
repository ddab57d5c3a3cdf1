"""Queue pages: tabs, filters, role scoping, overdue in SQL, keyset pagination."""

from __future__ import annotations

import base64
from datetime import date, timedelta

import pytest
from sqlmodel import Session

from moderation.clock import FixedClock
from moderation.errors import NotPermitted, ValidationFailed
from moderation.intake.models import (
    Category,
    Channel,
    Priority,
    SubmissionKind,
    SubmissionState,
)
from moderation.queue.filters import QueueQuery, SortKey, Tab
from moderation.queue.listing import Page, list_queue
from moderation.roles import Role
from tests.queue_support import KEYS, NOW, actor, add_submission, add_unit, hours_ago

S = SubmissionState


def refs(page: Page) -> list[str]:
    return [item.reference for item in page.items]


def ids(page: Page) -> list[int]:
    return [item.id for item in page.items]


@pytest.fixture
def world(db: Session, make_user):  # type: ignore[no-untyped-def]
    """Two units, one user per role, and submissions in every interesting position."""
    police, court = add_unit(db, "police"), add_unit(db, "court")
    category = Category(code="attitude", name={"zh_CN": "作风", "en": "Attitude"})
    db.add(category)
    db.commit()
    users = {
        "mod": make_user(Role.moderator, username="mod"),
        "mod2": make_user(Role.moderator, username="mod2"),
        "handler": make_user(Role.handler, username="handler", unit_id=court.id),
        "handler2": make_user(Role.handler, username="handler2", unit_id=court.id),
        "leader": make_user(Role.leader, username="leader"),
        "admin": make_user(Role.admin, username="admin"),
        "press": make_user(Role.press, username="press"),
    }
    rows = {
        "new_police": add_submission(db, "民警索贿", received_at=hours_ago(1),
                                     unit_concerned_id=police.id, reference="MS-NEW1-0001"),
        "new_phone": add_submission(db, "电话反映", received_at=hours_ago(30),
                                    channel=Channel.phone, priority=Priority.urgent,
                                    reference="MS-NEW2-0002"),
        "claimed": add_submission(db, "正在审核", received_at=hours_ago(2), state=S.in_review,
                                  claimed_by_id=users["mod"].id, claimed_until=NOW,
                                  reference="MS-CLM1-0003"),
        "suggestion": add_submission(db, "建议延长窗口时间", received_at=hours_ago(50),
                                     kind=SubmissionKind.suggestion, category_id=category.id,
                                     state=S.in_review,
                                     awaiting_citizen=True, reference="MS-SUG1-0004"),
        "court_lead": add_submission(db, "法官吃请", received_at=hours_ago(3),
                                     state=S.verifying, unit_concerned_id=police.id,
                                     responsible_unit_id=court.id,
                                     handler_id=users["handler"].id,
                                     handling_due_on=date(2026, 7, 31),
                                     reference="MS-CRT1-0005"),
        "court_done": add_submission(db, "已办结", received_at=hours_ago(4),
                                     state=S.concluded, responsible_unit_id=court.id,
                                     reference="MS-CRT2-0006"),
        "police_lead": add_submission(db, "派出所", received_at=hours_ago(5),
                                      state=S.accepted, responsible_unit_id=police.id,
                                      handling_due_on=date(2026, 7, 31),
                                      reference="MS-POL1-0007"),
        "rejected": add_submission(db, "垃圾信息", received_at=hours_ago(6),
                                   state=S.rejected, reference="MS-REJ1-0008"),
    }
    return {"units": {"police": police, "court": court}, "category": category,
            "users": {k: actor(v) for k, v in users.items()}, "rows": rows}


def test_moderator_tabs(db: Session, world) -> None:  # type: ignore[no-untyped-def]
    mod, r = world["users"]["mod"], world["rows"]

    def tab(t: Tab, who=mod) -> set[str]:  # type: ignore[no-untyped-def]
        return set(refs(list_queue(db, who, QueueQuery(tab=t), NOW, keys=KEYS)))

    assert tab(Tab.new) == {r["new_police"].reference, r["new_phone"].reference}
    assert tab(Tab.mine) == {r["claimed"].reference}
    assert tab(Tab.mine, world["users"]["mod2"]) == set()
    assert tab(Tab.awaiting_citizen) == {r["suggestion"].reference}
    assert tab(Tab.overdue) == set()
    assert tab(Tab.all) == {row.reference for row in r.values()}


def test_all_tab_is_newest_first_and_excerpts_never_carry_contacts(db: Session, world) -> None:  # type: ignore[no-untyped-def]
    page = list_queue(db, world["users"]["mod"], QueueQuery(), NOW, keys=KEYS)
    received = [item.received_at for item in page.items]
    assert received == sorted(received, reverse=True)
    assert page.items[0].excerpt == "民警索贿"
    assert not any(hasattr(item, name) for item in page.items
                   for name in ("contact_sealed", "anonymous", "wrapped_key", "finding"))


def test_overdue_after_fifteen_days(db: Session, world) -> None:  # type: ignore[no-untyped-def]
    mod, r = world["users"]["mod"], world["rows"]
    clock = FixedClock(NOW)
    clock.advance(days=16)
    page = list_queue(db, mod, QueueQuery(tab=Tab.overdue), clock(), keys=KEYS)
    undecided = {r[k].reference for k in ("new_police", "new_phone", "claimed", "suggestion")}
    assert set(refs(page)) == undecided
    assert all(item.overdue for item in page.items)
    # Handling runs to 31 July: past it, the leads being handled are overdue too.
    clock.advance(days=60)
    late = set(refs(list_queue(db, mod, QueueQuery(tab=Tab.overdue), clock(), keys=KEYS)))
    assert late == undecided | {r["court_lead"].reference, r["police_lead"].reference}
    assert r["court_done"].reference not in late
    assert r["rejected"].reference not in late


@pytest.mark.parametrize(("field", "value_of", "expected"), [
    ("kind", lambda w: SubmissionKind.suggestion, {"suggestion"}),
    ("state", lambda w: S.verifying, {"court_lead"}),
    ("channel", lambda w: Channel.phone, {"new_phone"}),
    ("unit_id", lambda w: w["units"]["police"].id, {"new_police", "court_lead", "police_lead"}),
    ("unit_id", lambda w: w["units"]["court"].id, {"court_lead", "court_done"}),
    ("category_id", lambda w: w["category"].id, {"suggestion"}),
    ("priority", lambda w: Priority.urgent, {"new_phone"}),
    ("text", lambda w: "索贿", {"new_police"}),
])
def test_each_filter(db: Session, world, field, value_of, expected) -> None:  # type: ignore[no-untyped-def]
    query = QueueQuery(**{field: value_of(world)})
    page = list_queue(db, world["users"]["mod"], query, NOW, keys=KEYS)
    assert set(refs(page)) == {world["rows"][k].reference for k in expected}


def test_received_date_range_in_campaign_days(db: Session, world) -> None:  # type: ignore[no-untyped-def]
    # NOW is 10:00 on 1 June in Beijing; 30 and 50 hours ago fall on 31 and 30 May.
    mod, r = world["users"]["mod"], world["rows"]
    may31 = list_queue(db, mod, QueueQuery(received_from=date(2026, 5, 31),
                                           received_to=date(2026, 5, 31)), NOW, keys=KEYS)
    assert refs(may31) == [r["new_phone"].reference]
    june = list_queue(db, mod, QueueQuery(received_from=date(2026, 6, 1)), NOW, keys=KEYS)
    assert set(refs(june)) == {r[k].reference for k in r if k not in ("new_phone", "suggestion")}
    with pytest.raises(ValidationFailed):
        list_queue(db, mod, QueueQuery(received_from=date(2026, 6, 2),
                                       received_to=date(2026, 6, 1)), NOW, keys=KEYS)


def test_sort_by_due_date(db: Session, world) -> None:  # type: ignore[no-untyped-def]
    mod = world["users"]["mod"]
    for descending in (False, True):
        page = list_queue(db, mod, QueueQuery(sort=SortKey.due, descending=descending), NOW,
                          keys=KEYS)
        dues = [item.due_on for item in page.items]
        open_dues = [due for due in dues if due is not None]
        # Decided and concluded items have no due date: after every open one, both ways.
        assert dues == [*open_dues, None, None], dues
        assert open_dues == sorted(open_dues, reverse=descending)
        assert len(page.items) == len(world["rows"])
    new = list_queue(db, mod, QueueQuery(tab=Tab.new, sort=SortKey.due, descending=False), NOW,
                     keys=KEYS)
    assert refs(new) == [world["rows"]["new_phone"].reference,
                         world["rows"]["new_police"].reference]


def test_handler_sees_only_their_units_leads(db: Session, world) -> None:  # type: ignore[no-untyped-def]
    handler, r = world["users"]["handler"], world["rows"]
    visible = set(refs(list_queue(db, handler, QueueQuery(), NOW, keys=KEYS)))
    assert visible == {r["court_lead"].reference, r["court_done"].reference}
    assert refs(list_queue(db, handler, QueueQuery(tab=Tab.mine), NOW, keys=KEYS)) == [
        r["court_lead"].reference]
    assert refs(list_queue(db, world["users"]["handler2"], QueueQuery(tab=Tab.mine), NOW,
                           keys=KEYS)) == []
    # A filter on another unit never widens the scope.
    police = world["units"]["police"].id
    assert set(refs(list_queue(db, handler, QueueQuery(unit_id=police), NOW, keys=KEYS))) == {
        r["court_lead"].reference}


def test_leader_reads_everything_and_admin_press_read_nothing(db: Session, world) -> None:  # type: ignore[no-untyped-def]
    users = world["users"]
    everything = list_queue(db, users["leader"], QueueQuery(), NOW, keys=KEYS)
    assert len(everything.items) == len(world["rows"])
    assert list_queue(db, users["leader"], QueueQuery(tab=Tab.mine), NOW, keys=KEYS).items == []
    for name in ("admin", "press"):
        with pytest.raises(NotPermitted):
            list_queue(db, users[name], QueueQuery(), NOW, keys=KEYS)


def test_keyset_pages_are_stable_across_ties_and_inserts(db: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    mod = actor(make_user(Role.moderator))
    for i in range(23):  # three distinct hours, many rows per hour
        add_submission(db, f"第{i}件", received_at=hours_ago(i % 3), commit=False)
    db.commit()
    everything = ids(list_queue(db, mod, QueueQuery(), NOW, keys=KEYS, limit=100))
    seen: list[int] = []
    cursor = None
    while True:
        page = list_queue(db, mod, QueueQuery(), NOW, keys=KEYS, after=cursor, limit=5)
        seen += ids(page)
        if len(seen) == 5:  # a newer item arriving mid-walk does not shift later pages
            add_submission(db, "新来的", received_at=NOW)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == everything
    assert len(set(seen)) == 23
    # Ascending works the same way.
    asc = QueueQuery(descending=False)
    first = list_queue(db, mod, asc, NOW, keys=KEYS, limit=10)
    second = list_queue(db, mod, asc, NOW, keys=KEYS, after=first.next_cursor, limit=100)
    assert ids(first) + ids(second) == ids(list_queue(db, mod, asc, NOW, keys=KEYS, limit=100))


def test_due_sort_pages_with_ties(db: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    mod = actor(make_user(Role.moderator))
    for i in range(12):  # a third of them decided: no due date, last on every page walk
        add_submission(db, "同一天", received_at=hours_ago(24 * (i % 2)), commit=False,
                       state=S.rejected if i % 3 == 0 else S.new)
    db.commit()
    for descending in (True, False):
        query = QueueQuery(sort=SortKey.due, descending=descending)
        whole = list_queue(db, mod, query, NOW, keys=KEYS, limit=100)
        walked, cursor = [], None
        while True:
            page = list_queue(db, mod, query, NOW, keys=KEYS, after=cursor, limit=3)
            walked += page.items
            cursor = page.next_cursor
            if cursor is None:
                break
        assert [i.id for i in walked] == ids(whole)
        assert len(set(ids(whole))) == 12
        assert [i.state for i in walked][-4:] == [S.rejected] * 4


@pytest.mark.parametrize("sort", [SortKey.received, SortKey.due])
@pytest.mark.parametrize("descending", [True, False])
def test_a_unit_filter_merges_both_sides_in_order_across_pages(  # type: ignore[no-untyped-def]
        db: Session, make_user, sort: SortKey, descending: bool) -> None:
    """The unit concerned and the responsible unit are read apart and merged: every match
    once (a row on both sides too), in page order, across keyset pages."""
    mod = actor(make_user(Role.moderator))
    unit, other = add_unit(db, "police"), add_unit(db, "court")
    rows = []
    for i in range(24):
        side = i % 4  # 0: unit concerned, 1: responsible unit, 2: both, 3: the other unit
        rows.append(add_submission(
            db, f"第{i}件", received_at=hours_ago(i % 5), state=S.accepted, commit=False,
            unit_concerned_id=unit.id if side in (0, 2) else other.id,
            responsible_unit_id=unit.id if side in (1, 2) else other.id,
            handling_due_on=date(2026, 7, 20 + i % 3)))
    db.commit()
    matching = [r for i, r in enumerate(rows) if i % 4 != 3]
    by_key = sorted(matching, key=lambda r: (
        r.received_at if sort == SortKey.received else r.handling_due_on, r.id),
        reverse=descending)
    query = QueueQuery(unit_id=unit.id, sort=sort, descending=descending)
    seen: list[int] = []
    cursor = None
    while True:
        page = list_queue(db, mod, query, NOW, keys=KEYS, after=cursor, limit=4)
        seen += ids(page)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [r.id for r in by_key]


@pytest.mark.parametrize("cursor", [
    "not a cursor!", "AAAA", base64.urlsafe_b64encode(b'["received","d","x",1]').decode(),
    base64.urlsafe_b64encode(b'["due","d","2026-06-01",1]').decode(),  # another sort
    base64.urlsafe_b64encode(b'["received","d","2026-06-01T00:00:00",1]').decode(),  # naive
    base64.urlsafe_b64encode(b'["received","d","2026-06-01T00:00:00+00:00",true]').decode(),
    "x" * 500,
])
def test_malformed_cursor_is_a_validation_error(db: Session, make_user, cursor: str) -> None:  # type: ignore[no-untyped-def]
    mod = actor(make_user(Role.moderator))
    add_submission(db)
    with pytest.raises(ValidationFailed) as error:
        list_queue(db, mod, QueueQuery(), NOW, keys=KEYS, after=cursor)
    assert "after" in error.value.errors


def test_query_from_params() -> None:
    query = QueueQuery.from_params({"tab": "overdue", "kind": "tip", "unit": "3", "q": " 索贿 ",
                                    "from": "2026-05-01", "sort": "due", "order": "asc"})
    assert query == QueueQuery(tab=Tab.overdue, kind=SubmissionKind.tip, unit_id=3,
                               text="索贿", received_from=date(2026, 5, 1),
                               sort=SortKey.due, descending=False)
    assert QueueQuery.from_params({}) == QueueQuery()
    with pytest.raises(ValidationFailed) as error:
        QueueQuery.from_params({"tab": "secret", "state": "gone", "unit": "x", "to": "June"})
    assert set(error.value.errors) == {"tab", "state", "unit", "to"}


def test_overdue_is_a_sql_condition_on_due_dates(db: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    """Past the decision day by one day exactly: the day of `now` in Beijing decides."""
    mod = actor(make_user(Role.moderator))
    row = add_submission(db, decision_due_on=NOW.date())
    on_time = list_queue(db, mod, QueueQuery(tab=Tab.overdue), NOW, keys=KEYS)
    late = list_queue(db, mod, QueueQuery(tab=Tab.overdue), NOW + timedelta(days=1), keys=KEYS)
    assert refs(on_time) == []
    assert refs(late) == [row.reference]
