"""The queue page runs a small, fixed number of queries, whatever the number of items,
tabs and header counters on it."""

from __future__ import annotations

import pytest

from moderation.intake.models import SubmissionState
from tests.conftest import page
from tests.queue_web_support import CONTENT, submit
from tests.workflow_support import World, drive

pytest_plugins = ("tests.queue_web_fixtures",)  # world, keys, signed_in

# The signed-in session, its user and role policy (3), the page of items (1), the tab
# counts (6: overdue counts its two halves), the names of claimers and handlers on the page
# (1). Units, categories and handlers per unit come from the worker cache; the header
# counters reuse the tab counts (they used to be counted a second time: 18-19 queries).
QUEUE_PAGE_QUERIES = 12  # with the count of the possible-spam tab


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
