"""The queue page runs a small, fixed number of queries, whatever the number of items,
tabs and header counters on it."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event

from moderation.intake.models import SubmissionState
from tests.conftest import page
from tests.queue_web_support import CONTENT, submit
from tests.workflow_support import World, drive

pytest_plugins = ("tests.queue_web_fixtures",)  # world, keys, signed_in

# The signed-in session with its user and role policy (1; they were 3), the page of items
# (1), the tab counts (1 statement of 6 counts, read beside the page on a connection of
# its own: overdue counts its two halves, new its possible-spam half; they were 6
# statements). Units, categories, handlers per unit, the
# names of claimers and handlers and the "all" tab's count come from the worker cache;
# the header counters reuse the tab counts (they used to be counted a second time: 18-19
# queries).
QUEUE_PAGE_QUERIES = 3


def reads_of(client, statements: list[str], path: str) -> list[str]:  # type: ignore[no-untyped-def]
    statements.clear()
    assert client.get(path).status_code == 200
    return [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]


@pytest.mark.parametrize("username", ["mod1", "handler-v"])
def test_queue_page_queries_do_not_grow_with_items(signed_in, world: World, db, keys, clock,  # type: ignore[no-untyped-def]
                                                   statements, username: str) -> None:
    client = signed_in(username)
    submit(db, keys, clock, world)
    drive(db, clock, world, SubmissionState.accepted)
    client.get("/staff/queue")  # warm the worker cache
    few = reads_of(client, statements, "/staff/queue")
    for variant in range(1, 10):
        submit(db, keys, clock, world, content=f"{CONTENT}（第{variant}件）")
    for state in (SubmissionState.in_review, SubmissionState.verifying):
        drive(db, clock, world, state)
    client.get("/staff/queue")
    many = reads_of(client, statements, "/staff/queue")
    assert len(many) == len(few), "\n---\n".join(s.replace("\n", " ")[:150] for s in many)
    assert len(many) <= QUEUE_PAGE_QUERIES, "\n".join(many)
    counters = {a.get_text(" ", strip=True) for a in page(client.get("/staff/queue"))
                .select(".queue-counters a")}
    assert counters, "the header counters are still shown"


def test_the_all_tab_count_is_kept_for_the_data_cache_period(  # type: ignore[no-untyped-def]
        signed_in, app, world: World, db, keys, clock) -> None:
    """Counting every row cost 30 ms a page at a million submissions on PostgreSQL: the
    "all" count is a few seconds old at most; the tabs caseworkers act on are exact."""
    from tests.test_speed_caches import ManualTime

    time = ManualTime()
    app.state.worker_cache.monotonic = time
    client = signed_in("mod1")

    def counts() -> tuple[str, str]:
        tabs = page(client.get("/staff/queue"))
        return (tabs.select_one(".tab-all .tab-count").get_text(strip=True),
                tabs.select_one(".tab-new .tab-count").get_text(strip=True))

    submit(db, keys, clock, world)
    assert counts() == ("1", "1")
    submit(db, keys, clock, world, content=f"{CONTENT}（第二件）")
    assert counts() == ("1", "2")
    time.now += app.state.settings.data_cache_seconds
    assert counts() == ("2", "2")


def test_a_renamed_caseworker_shows_on_the_next_queue_page(  # type: ignore[no-untyped-def]
        signed_in, world: World, db, keys, clock) -> None:
    """Names of claimers and handlers come from the worker cache, emptied by the edit."""
    from sqlmodel import select

    from portal.accounts.models import StaffUser

    client = signed_in("mod1")
    submit(db, keys, clock, world)
    drive(db, clock, world, SubmissionState.accepted)
    before = page(client.get("/staff/queue")).select_one("main table tbody").get_text(" ")
    handler = db.exec(select(StaffUser).where(StaffUser.username == "handler-v")).one()
    assert handler.display_name in before
    handler.display_name = "改名后的经办人"
    db.add(handler)
    db.commit()
    after = page(client.get("/staff/queue")).select_one("main table tbody").get_text(" ")
    assert "改名后的经办人" in after


def test_the_tab_counts_are_read_beside_the_page_of_items(  # type: ignore[no-untyped-def]
        signed_in, world: World, db, keys, clock, engine) -> None:
    """The page waits for the slower of its two main reads, not for both in turn."""
    client = signed_in("mod1")
    submit(db, keys, clock, world)
    client.get("/staff/queue")
    threads: dict[str, set[str]] = {"counts": set(), "items": set()}

    def note(conn, cursor, statement: str, *args) -> None:  # type: ignore[no-untyped-def]
        if "FROM submission" in statement:
            kind = "counts" if statement.lstrip().startswith("SELECT (SELECT count") else "items"
            threads[kind].add(threading.current_thread().name)

    event.listen(engine, "before_cursor_execute", note)
    try:
        assert client.get("/staff/queue").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert threads["counts"], "the tab counts were read"
    assert threads["items"], "the page of items was read"
    assert threads["counts"].isdisjoint(threads["items"]), threads
