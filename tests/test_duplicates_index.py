"""A case's duplicates are read from an index of marked rows only, whatever the statistics
say of a column that is empty in almost every row."""

from __future__ import annotations

import pytest
from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from moderation.workflow.duplicates import duplicates_of
from tests.conftest import ON_POSTGRES

# Two thousand submissions, none marked as a duplicate, one hour apart.
FILL = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
INSERT INTO submission (reference, kind, channel, state, version, receipt_hash,
    idempotency_hash, received_at, anonymous, content_sha256, decision_due_on, extended,
    extension_reason, priority, finding, awaiting_citizen, needs_decision, publish_consent)
SELECT printf('R%07d', i), 'tip', 'web', 'new', 1, printf('%064d', i), printf('%064d', i),
    datetime('2026-01-01', printf('+%d hours', i)), 1, printf('%064d', 0), '2026-06-01', 0,
    '', 'normal', '', 0, 0, 0
FROM n
"""


def _plan_of_duplicates_of(engine: Engine) -> str:
    """SQLite's query plan of the statement `duplicates_of` runs."""
    seen: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, *args):  # type: ignore[no-untyped-def]
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        with Session(engine) as db:
            assert duplicates_of(db, 7) == []
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    [(statement, parameters)] = seen
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    return " | ".join(str(row[-1]) for row in rows)


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's planner and its ANALYZE statistics")
def test_duplicates_are_read_from_their_index_after_analyze(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text(FILL))
        conn.execute(text("ANALYZE"))
    plan = _plan_of_duplicates_of(engine)
    # Before migration 0015: "SCAN submission USING INDEX ix_submission_received_at",
    # every row of the table for each case page.
    assert "USING INDEX ix_submission_duplicates" in plan
    assert "SCAN" not in plan
    assert "TEMP B-TREE" not in plan  # already in the order shown


def test_the_duplicates_index_holds_marked_rows_only(engine: Engine) -> None:
    [index] = [i for i in inspect(engine).get_indexes("submission")
               if i["name"] == "ix_submission_duplicates"]
    assert index["column_names"] == ["duplicate_of_id", "received_at", "id"]
    where = index.get("dialect_options", {}).get(
        "postgresql_where" if ON_POSTGRES else "sqlite_where")
    assert "duplicate_of_id IS NOT NULL" in str(where)
