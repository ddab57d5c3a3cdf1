"""Database engine and sessions; the same code runs on SQLite and PostgreSQL."""

from __future__ import annotations

import select
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event, exc
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
    if not database_url.startswith("postgresql+psycopg://"):
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(database_url, **kwargs)
    # No server-side prepared statements: psycopg drops them all at every ROLLBACK (each
    # read-only session ends with one) and then spends a round trip on DEALLOCATE ALL,
    # so they cost more than they save (`bench/post_load.py`). Plans are cheap here.
    connect_args = dict(kwargs.pop("connect_args", None) or {})  # type: ignore[call-overload]
    connect_args.setdefault("prepare_threshold", None)
    kwargs["connect_args"] = connect_args
    # A pooled connection is checked by a look at its socket, not by a round trip.
    kwargs.setdefault("pool_pre_ping", False)
    engine = create_engine(database_url, **kwargs)
    event.listen(engine, "checkout", _drop_if_closed_by_server)
    return engine


def _drop_if_closed_by_server(dbapi_connection, _record, _proxy) -> None:  # type: ignore[no-untyped-def]
    """Refuse a pooled connection whose server has hung up; the pool then opens a new one.

    An idle connection has nothing to read. When PostgreSQL restarts or ends a backend, it
    sends an error and closes the socket, which then polls readable. One poll with no wait
    costs microseconds; the ping it replaces (`pool_pre_ping`) was a round trip on every
    check-out, four per citizen's submission: without it sending went from 62 to 79 a
    second (`bench/post_load.py`). A connection cut without a word (a silent network)
    still fails its first statement, and SQLAlchemy then empties the pool.
    """
    if dbapi_connection.closed or dbapi_connection.broken:
        raise exc.DisconnectionError("the connection was closed")
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), select.POLLIN | select.POLLPRI)
    if poller.poll(0):
        raise exc.DisconnectionError("the server closed the connection, or spoke unasked")


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
