"""SQLite commits survive a power cut: the portal's engine uses synchronous=FULL (WAL)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from portal.db import make_engine

FULL, NORMAL = 2, 1


def test_the_portal_engine_commits_durably(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'durable.sqlite3'}")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA synchronous")).scalar_one() == FULL
            assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
    finally:
        engine.dispose()


def test_a_savepoint_does_not_commit_on_its_own(tmp_path: Path) -> None:
    """pysqlite would commit at RELEASE when a SAVEPOINT began the transaction."""
    engine = make_engine(f"sqlite:///{tmp_path / 'nested.sqlite3'}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
        with engine.connect() as conn:
            conn.begin()
            with conn.begin_nested():
                conn.execute(text("INSERT INTO t VALUES (1)"))
            conn.rollback()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 0
    finally:
        engine.dispose()
