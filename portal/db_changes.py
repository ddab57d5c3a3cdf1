"""Which tables the commits of this process changed, as generation counters.

Caches in a worker ask "has anything I read from changed since I loaded it?" without a
query: every write statement notes its table on the connection, and a commit turns the
noted tables into new generation numbers (a rollback forgets them). Other workers' commits
are not seen here; caches bound their age with a time limit for those.
"""

from __future__ import annotations

import functools
import itertools
import re
import threading
from collections.abc import Iterable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import Pool

# Tables that citizens' and staff's everyday traffic writes (a submission, a follow-up
# message, a rate counter, a session) and that no cached public page shows as such.
TRAFFIC_TABLES = frozenset({
    "submission", "submissionsearch", "submissionfile", "casemessage", "caserating",
    "reviewrequest", "ratecounter", "websession", "loginthrottle", "receipthandover",
})
EVERYTHING = "*"  # schema changes (DDL) and statements we cannot attribute

_TARGET = r"(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+[\"`]?(\w+)"
_WRITE = re.compile(r"\s*" + _TARGET, re.IGNORECASE)
_DDL = re.compile(r"\s*(?:CREATE|DROP|ALTER|TRUNCATE)\b", re.IGNORECASE)
# Writes inside a WITH statement (the rate counters' upserts in turn): each write keyword
# must name its table plainly, or the statement counts as changing everything. An upsert's
# "DO UPDATE" writes the table its INSERT names.
_WITH = re.compile(r"\s*WITH\b", re.IGNORECASE)
_WRITE_WORD = re.compile(r"(?<!DO\s)\b(?:INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
_WITH_TARGET = re.compile(r"(?<!DO\s)\b" + _TARGET, re.IGNORECASE)
_NOT_A_TABLE = frozenset({"only", "set", "or", "into", "from"})

_counter = itertools.count(1)
_lock = threading.Lock()
_table_generation: dict[str, int] = {}
_content_generation = [0]


def generation(tables: Iterable[str]) -> int:
    """The newest generation among `tables` (0 if none was written since start)."""
    newest = _table_generation.get(EVERYTHING, 0)
    for table in tables:
        newest = max(newest, _table_generation.get(table, 0))
    return newest


def content_generation() -> int:
    """Changes whenever a commit wrote a table other than the everyday traffic tables."""
    return _content_generation[0]


# Statements repeat (SQLAlchemy caches their compiled text), so each text is read once:
# matching the patterns on every statement cost about 3 % of a submission's CPU.
@functools.lru_cache(maxsize=2048)
def _written_tables(statement: str) -> frozenset[str]:
    """The tables `statement` writes ({EVERYTHING} when it cannot tell; {} for a read)."""
    match = _WRITE.match(statement)
    if match:
        return frozenset({match.group(1).lower()})
    if _DDL.match(statement):
        return frozenset({EVERYTHING})
    if _WITH.match(statement):
        targets = [name.lower() for name in _WITH_TARGET.findall(statement)]
        if len(targets) != len(_WRITE_WORD.findall(statement)) or _NOT_A_TABLE & set(targets):
            return frozenset({EVERYTHING})
        return frozenset(targets)
    return frozenset()


@event.listens_for(Engine, "before_cursor_execute")
def _note_write(conn: Connection, _cursor: object, statement: str, *_args: object) -> None:
    tables = _written_tables(statement)
    if tables:
        conn.info.setdefault("written_tables", set()).update(tables)


@event.listens_for(Engine, "commit")
def _committed(conn: Connection) -> None:
    tables = conn.info.pop("written_tables", None)
    if tables:
        mark_changed(tables)


@event.listens_for(Engine, "rollback")
def _rolled_back(conn: Connection) -> None:
    conn.info.pop("written_tables", None)


@event.listens_for(Pool, "reset")
def _returned_unfinished(dbapi_connection: object, connection_record: Any,
                         reset_state: object) -> None:
    # A connection returned to the pool mid-transaction is rolled back by the pool.
    connection_record.info.pop("written_tables", None)


def mark_changed(tables: Iterable[str]) -> None:
    """Give `tables` a new generation (done by every commit that wrote them)."""
    tables = set(tables)
    with _lock:
        number = next(_counter)
        for table in tables:
            _table_generation[table] = number
        if EVERYTHING in tables or tables - TRAFFIC_TABLES:
            _content_generation[0] = number
