"""Database engine and sessions; the same code runs on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine


def make_engine(database_url: str, *, sqlite_synchronous: str = "FULL",
                **kwargs: object) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, a busy timeout and durable commits.

    `sqlite_synchronous="NORMAL"` is for the test suite only (no power cut to survive).
    """
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]
    if database_url.startswith("sqlite"):
        path = database_url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 15})
        engine = create_engine(database_url, **kwargs)
        level = {"FULL": "FULL", "NORMAL": "NORMAL"}[sqlite_synchronous]
        event.listen(engine, "connect",
                     lambda connection, record: _sqlite_pragmas(connection, record, level))
        event.listen(engine, "savepoint", _begin_before_savepoint)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # No server-side prepared statements: psycopg drops them all at every ROLLBACK (each
    # read-only session ends with one) and then spends a round trip on DEALLOCATE ALL,
    # so they cost more than they save (`bench/post_load.py`). Plans are cheap here.
    if database_url.startswith("postgresql+psycopg://"):
        connect_args = dict(kwargs.pop("connect_args", None) or {})  # type: ignore[call-overload]
        connect_args.setdefault("prepare_threshold", None)
        kwargs["connect_args"] = connect_args
    return create_engine(database_url, **kwargs)


def _sqlite_pragmas(dbapi_connection, _record, synchronous: str) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a commit is on disk before the receipt is shown, even across a power cut
    # (NORMAL in WAL mode survives a killed process but may lose the last commits).
    # The cost is measured by `python -m bench.sqlite_durability`.
    cursor.execute(f"PRAGMA synchronous={synchronous}")
    # Zero what is deleted or rewritten (an erased key, a purged session), so freed pages
    # of the file do not keep it.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _begin_before_savepoint(connection, _name) -> None:  # type: ignore[no-untyped-def]
    # pysqlite opens a transaction only before DML. A SAVEPOINT outside one starts a
    # transaction of its own, and its RELEASE commits: `begin_nested()` would commit the
    # rows flushed inside it at once, before the caller's commit (a crash in between
    # left a submission without its files). Begin the real transaction first.
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection is not None and not dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session for one action: commit at the end, roll back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
