"""Per-worker caches of the pages citizens open in a rush: what they cache, what stays
per request, and how an edit reaches them (at once in this worker; within the cache
period in the others)."""

from __future__ import annotations

import dataclasses
import json

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from starlette.testclient import TestClient

from moderation.intake.models import Category, SubmissionKind
from moderation.units import Unit
from portal.app import create_app
from portal.content.models import Campaign, Pledge
from portal.demo import load_demo
from tests.conftest import BASE_URL, ON_POSTGRES, page


class ManualTime:
    """A monotonic clock the test moves by hand (the caches' notion of age)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def demo(db, clock):  # type: ignore[no-untyped-def]
    load_demo(db, clock=clock)
    db.commit()


@pytest.fixture
def worker(settings, engine, clock):  # type: ignore[no-untyped-def]
    """A worker with the page cache off and a data cache whose age the test controls."""
    app = create_app(dataclasses.replace(settings, public_cache_seconds=0), engine=engine,
                     clock=clock)
    time = ManualTime()
    app.state.worker_cache.monotonic = time
    with TestClient(app, base_url=BASE_URL) as client:
        client.time = time  # type: ignore[attr-defined]
        yield client


def elsewhere(engine: Engine, sql: str, *params: object) -> None:
    """Write as another worker would: a plain DB-API connection, whose commit this
    process's SQLAlchemy events never see. `{json}` marks a JSON parameter."""
    if ON_POSTGRES:
        sql = sql.replace("{json}", "%s::json").replace("?", "%s")
    else:
        sql = sql.replace("{json}", "?")
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(sql, params)
        raw.commit()
    finally:
        raw.close()


def options(response, name: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [o.get_text(strip=True) for o in page(response).select(f"select[name={name}] option")]


def unit_options(response) -> list[str]:  # type: ignore[no-untyped-def]
    return options(response, "unit_concerned_id")


def category_options(response) -> list[str]:  # type: ignore[no-untyped-def]
    return options(response, "category_id")


# --- what is cached, what is per request ---------------------------------------------------

@pytest.mark.usefixtures("demo")
def test_a_warm_form_page_runs_no_query_and_gets_fresh_tokens(worker, statements) -> None:
    first = worker.get("/submit/tip")
    assert first.status_code == 200
    worker.cookies.clear()
    statements.clear()
    second = worker.get("/submit/tip")
    assert statements == []
    fields = [(page(r).select_one("input[name=csrf_token]")["value"],
               page(r).select_one("input[name=form_token]")["value"]) for r in (first, second)]
    assert fields[0][0] != fields[1][0]
    assert fields[0][1] != fields[1][1]
    assert "slot-" not in second.text
    assert second.headers["cache-control"] == "no-store"
    assert "csrf=" in second.headers["set-cookie"]
    assert unit_options(second) == unit_options(first)
    assert len(unit_options(second)) > 5


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("path", ["/", "/pledges", "/announcements", "/how-to-report",
                                  "/submit", "/submit/suggestion", "/track", "/verify"])
def test_public_and_citizen_pages_read_nothing_once_warm(worker, statements, path) -> None:
    assert worker.get(path).status_code == 200
    statements.clear()
    again = worker.get(path)
    assert again.status_code == 200
    assert statements == [], f"{path} queried the database on a warm worker"


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("path", ["/submit", "/submit/tip", "/submit/suggestion", "/track",
                                  "/verify"])
def test_citizen_pages_that_read_nothing_take_no_worker_thread(  # type: ignore[no-untyped-def]
        worker, thread_trips: list[object], path: str) -> None:
    """A page built from cached data is answered on the event loop."""
    assert worker.get(path).status_code == 200
    thread_trips.clear()
    assert worker.get(path).status_code == 200
    assert thread_trips == []


# Pinned numbers of statements on a cold worker (page cache off, data cache empty).
# More rows must not mean more queries: each page reads a fixed set of tables.
# Home: the latest public replies add three (the replies, their count, their names).
COLD_QUERIES = {"/": 8, "/pledges": 7, "/announcements": 2, "/submit/tip": 2,
                "/submit/suggestion": 2, "/track": 0, "/verify": 0}


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("path", sorted(COLD_QUERIES))
def test_cold_pages_run_a_pinned_number_of_queries(worker, statements, path) -> None:
    statements.clear()
    assert worker.get(path).status_code == 200
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == COLD_QUERIES[path], reads


# --- invalidation: at once in this worker ----------------------------------------------------

@pytest.mark.usefixtures("demo")
def test_unit_and_category_edits_show_on_the_next_form(worker, db) -> None:
    worker.get("/submit/tip")
    worker.get("/submit/suggestion")
    unit = db.exec(select(Unit).where(Unit.active == True)).first()  # noqa: E712
    unit.name = {**unit.name, "zh_CN": "新单位名称"}
    category = db.exec(select(Category).where(Category.kind == SubmissionKind.suggestion)
                       .where(Category.active == True)).first()  # noqa: E712
    category.name = {**category.name, "zh_CN": "新的类别"}
    db.add_all([unit, category])
    db.commit()
    assert "新单位名称" in unit_options(worker.get("/submit/tip"))
    assert "新的类别" in category_options(worker.get("/submit/suggestion"))


@pytest.mark.usefixtures("demo")
def test_campaign_text_and_pledge_edits_show_on_the_next_view(worker, db) -> None:
    worker.get("/")
    worker.get("/pledges")
    campaign = db.exec(select(Campaign)).one()
    campaign.name = {**campaign.name, "zh_CN": "新的活动名称"}
    pledge = db.exec(select(Pledge).order_by(Pledge.id)).first()
    pledge.title = {**pledge.title, "zh_CN": "新的承诺"}
    db.add_all([campaign, pledge])
    db.commit()
    assert page(worker.get("/")).select_one("main h1").get_text(strip=True) == "新的活动名称"
    assert "新的承诺" in worker.get("/pledges").text


@pytest.mark.usefixtures("demo")
def test_submissions_do_not_empty_the_public_page_cache(client, db, statements) -> None:
    from portal.db_changes import content_generation, mark_changed

    client.get("/")
    before = content_generation()
    mark_changed({"submission", "ratecounter", "websession"})
    assert content_generation() == before
    statements.clear()
    client.get("/")
    assert statements == []
    mark_changed({"campaign"})
    client.get("/")
    assert statements, "a content change renders the page again"


@pytest.mark.usefixtures("demo")
def test_a_citizen_sending_a_tip_does_not_empty_the_public_page_cache(client) -> None:
    """The whole journey, as a press conference sends it thousands of times: forms, Send,
    the receipt page. Each write must count as traffic, or every tip empties the cache."""
    from portal.db_changes import content_generation
    from tests.test_intake_web import receipt_of, send, tip_confirmation

    client.get("/")
    before = content_generation()
    receipt_of(send(client, tip_confirmation(client)))
    assert content_generation() == before


# --- invalidation: other workers, within the cache period -----------------------------------

@pytest.mark.usefixtures("demo")
def test_another_workers_edits_arrive_within_the_cache_period(worker, db) -> None:
    unit = db.exec(select(Unit).where(Unit.active == True)).first()  # noqa: E712
    category = db.exec(select(Category).where(Category.kind == SubmissionKind.suggestion)
                       .where(Category.active == True)).first()  # noqa: E712
    pledge = db.exec(select(Pledge).order_by(Pledge.id)).first()
    campaign = db.exec(select(Campaign)).one()
    for path in ("/submit/tip", "/submit/suggestion", "/", "/pledges"):
        worker.get(path)

    changes = [("unit", unit.id, unit.name, "别处改的单位"),
               ("category", category.id, category.name, "别处改的类别"),
               ("campaign", campaign.id, campaign.name, "别处改的活动"),
               ("pledge", pledge.id, pledge.title, "别处改的承诺")]
    for table, row_id, text, new in changes:
        column = "title" if table == "pledge" else "name"
        elsewhere(db.get_bind(), f"UPDATE {table} SET {column} = {{json}} WHERE id = ?",
                  json.dumps({**text, "zh_CN": new}, ensure_ascii=False), row_id)

    def seen() -> list[bool]:
        return ["别处改的单位" in unit_options(worker.get("/submit/tip")),
                "别处改的类别" in category_options(worker.get("/submit/suggestion")),
                "别处改的活动" in worker.get("/").text,
                "别处改的承诺" in worker.get("/pledges").text]

    assert seen() == [False] * 4, "within the period this worker still shows its copy"
    worker.time.now += worker.app.state.settings.data_cache_seconds  # type: ignore[attr-defined]
    assert seen() == [True] * 4


@pytest.mark.parametrize(("statement", "tables"), [
    ("INSERT INTO submission (a) VALUES (?)", {"submission"}),
    ('UPDATE "unit" SET name=? WHERE unit.id = ?', {"unit"}),
    ("delete from ratecounter where expires_at <= ?", {"ratecounter"}),
    ("INSERT OR IGNORE INTO category VALUES (1)", {"category"}),
    ("WITH x AS (SELECT 1) UPDATE pledge SET progress = 1", {"pledge"}),
    ("WITH a AS (INSERT INTO ratecounter VALUES (1) ON CONFLICT (key) DO UPDATE SET "
     "count = 2 RETURNING count), b AS (INSERT INTO ratecounter SELECT 1 FROM a "
     "ON CONFLICT (key) DO UPDATE SET count = 3 RETURNING count) SELECT 1", {"ratecounter"}),
    ("WITH gone AS (DELETE FROM ONLY unit RETURNING id) SELECT 1", {"*"}),
    ("WITH x AS (SELECT 1) UPDATE\n\tpledge SET progress = 1", {"pledge"}),
    ("ALTER TABLE unit ADD COLUMN x INTEGER", {"*"}),
    ("SELECT unit.id FROM unit FOR UPDATE", set()),
    ("WITH x AS (SELECT 1) SELECT * FROM x", set()),
])
def test_each_write_statement_names_its_table(statement: str, tables: set[str]) -> None:
    from portal.db_changes import _written_tables

    assert _written_tables(statement) == tables


def test_the_rate_counters_statement_on_postgresql_writes_only_their_table() -> None:
    from sqlalchemy.dialects import postgresql

    from moderation.ratelimit import _upserts_in_turn
    from portal.db_changes import _written_tables

    sql = str(_upserts_in_turn(2).compile(dialect=postgresql.dialect()))
    assert _written_tables(sql) == {"ratecounter"}


def test_a_load_does_not_queue_behind_a_full_request_pool(engine) -> None:  # type: ignore[no-untyped-def]
    """In a spike the request threads are all busy with submissions; a reload of data
    that every reader of a page waits for runs in its own lane."""
    import types

    import anyio
    import anyio.to_thread
    from anyio.from_thread import start_blocking_portal
    from starlette.requests import Request

    from portal.worker_cache import CachedData, WorkerCache, cached_async

    loads = CachedData("test.answer", frozenset({"campaign"}), lambda session: 42)
    app = types.SimpleNamespace(state=types.SimpleNamespace(worker_cache=WorkerCache(5)))
    request = Request({"type": "http", "app": app, "state": {"engine": engine}})

    async def scenario() -> int:
        pool = anyio.to_thread.current_default_thread_limiter()
        for _ in range(int(pool.total_tokens)):
            await pool.acquire_on_behalf_of(object())  # every request thread is taken
        with anyio.fail_after(10):  # a guard against hanging, not a measure of speed
            return await cached_async(request, loads)

    with start_blocking_portal() as portal:  # this thread may run a browser test's loop
        assert portal.call(scenario) == 42
