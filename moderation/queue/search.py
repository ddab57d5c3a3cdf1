"""Search over submissions through the blind index, on SQLite (FTS5) and PostgreSQL (GIN).

Each submission has one `SubmissionSearch` row: the keyed hashes of the tokens of its
content, people concerned, place and reference (see `blind`), never the text itself.
Migration 0002 indexes that row (an FTS5 table kept in step by triggers on SQLite, made
`detail=none` by 0004; a generated `tsvector` with a GIN index on PostgreSQL). A query
matches the submissions whose documents hold every hash of its tokens; both engines
answer from the index. The search key comes from `IntakeKeys.search`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, cast, column, false, func, literal_column, table
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from moderation.errors import ValidationFailed
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import Submission
from moderation.intake.texts import SubmissionText, case_texts
from moderation.queue import messages as m
from moderation.queue.blind import blind_document, blind_query
from moderation.queue.models import FTS_TABLE, VECTOR_COLUMN, SubmissionSearch

QUERY_MAX = 200
# Up to this many matches, a page is built from the matches; beyond, from the sort index.
FEW_MATCHES = 500
# PostgreSQL: up to this many matches are fetched by id; more are found by walking the sort.
MANY_MATCHES = 5000


def search_document(keys: IntakeKeys, reference: str, text: SubmissionText) -> str:
    """The indexed document of a submission: hashes of its searchable tokens."""
    return blind_document(keys.search, text.content, text.people_concerned,
                          text.happened_where, reference)


_INSERT_ROW = SubmissionSearch.__table__.insert()  # type: ignore[attr-defined]


def index_submission(session: Session, keys: IntakeKeys, submission: Submission,
                     text: SubmissionText | None = None, *, fresh: bool = False) -> None:
    """Create or refresh the search row of `submission` (flushes; the caller commits).

    Pass `text` when it is at hand (intake); otherwise it is opened with the data key.
    `fresh`: the submission was created in this transaction, so it has no row yet and
    none is looked for.
    """
    if submission.id is None:
        session.flush()
    assert submission.id is not None
    if text is None:
        text = case_texts(keys, submission).text
    document = search_document(keys, submission.reference, text)
    if fresh:  # a Core insert: a citizen's Send runs it, and the ORM's flush cost more
        session.execute(_INSERT_ROW, {"submission_id": submission.id, "document": document})
        return
    row = session.get(SubmissionSearch, submission.id)
    if row is None:
        session.add(SubmissionSearch(submission_id=submission.id, document=document))
    elif row.document != document:
        row.document = document
        session.add(row)
    session.flush()


def unindex_submission(session: Session, submission_id: int) -> None:
    """Drop a submission's search row (its key was erased; flushes)."""
    row = session.get(SubmissionSearch, submission_id)
    if row is not None:
        session.delete(row)
        session.flush()


def reindex_all(session: Session, keys: IntakeKeys, batch: int = 500) -> int:
    """Rebuild every search row (after a bulk import or a new search key); returns how
    many were written. Erased submissions lose their row."""
    done = 0
    last = 0
    while True:
        rows = session.exec(select(Submission).where(col(Submission.id) > last)
                            .order_by(col(Submission.id)).limit(batch)).all()
        if not rows:
            return done
        for submission in rows:
            if submission.wrapped_key is None:
                unindex_submission(session, submission.id or 0)
            else:
                index_submission(session, keys, submission)
        done += len(rows)
        last = rows[-1].id or last


def fts5_query(hashes: list[str], joiner: str = " AND ") -> str:
    """An FTS5 MATCH expression: every hash required (or any, with " OR ")."""
    return joiner.join(f'"{h}"' for h in hashes)


def tsquery_text(hashes: list[str], joiner: str = " & ") -> str:
    """A PostgreSQL tsquery literal: every hash required (or any, with " | ")."""
    return joiner.join(f"'{h}'" for h in hashes)


def parse_query(keys: IntakeKeys, text: str) -> list[str]:
    """The token hashes of a search box's text; ValidationFailed when it is too long,
    or when it has only single characters (which the index does not hold)."""
    if len(text) > QUERY_MAX:
        raise ValidationFailed({"q": m.QUERY_TOO_LONG})
    hashes = blind_query(keys.search, text)
    if not hashes and any(ch.isalnum() for ch in text):
        raise ValidationFailed({"q": m.QUERY_TOO_SHORT})
    return hashes


def matching_ids(dialect: str, hashes: list[str], *, any_term: bool = False) -> Any:
    """A SELECT of the ids of submissions whose documents hold every hash (or any, with
    `any_term`), answered by the index."""
    if dialect == "sqlite":
        fts = table(FTS_TABLE, column("rowid", Integer))
        expression = fts5_query(hashes, " OR " if any_term else " AND ")
        return sa_select(fts.c.rowid).where(literal_column(FTS_TABLE).op("MATCH")(expression))
    search = table(SubmissionSearch.__tablename__, column("submission_id", Integer),
                   column(VECTOR_COLUMN))
    tsquery = tsquery_text(hashes, " | " if any_term else " & ")
    return (sa_select(search.c.submission_id)
            .where(search.c[VECTOR_COLUMN].op("@@")(cast(tsquery, TSQUERY))))


def search_clause(session: Session, keys: IntakeKeys,
                  text: str) -> ColumnElement[bool] | None:
    """A WHERE clause on `Submission` for the search box's text (None when it is blank).

    Text with no searchable character (only punctuation) matches nothing.
    """
    if not text.strip():
        return None
    hashes = parse_query(keys, text)
    if not hashes:
        return false()
    dialect = dialect_of(session)
    found = matching_ids(dialect, hashes)
    if dialect == "sqlite":
        if _matches_more_than(session, found, FEW_MATCHES):
            # Many matches: fetching and sorting each of them costs more than walking
            # the page's sort index and testing each id against the set; "+ 0" keeps
            # SQLite from driving the plan from the set.
            return (col(Submission.id) + 0).in_(found)
        return col(Submission.id).in_(found)
    # PostgreSQL plans IN (subquery) from estimates that keyed hashes defeat: a word
    # with no or few matches walked the whole table (3.4 s at a million rows). Up to
    # MANY_MATCHES ids are fetched from the index first and looked up by id.
    ids = list(session.execute(found.limit(MANY_MATCHES + 1)).scalars())
    if len(ids) <= MANY_MATCHES:
        return col(Submission.id).in_(ids) if ids else false()
    return col(Submission.id).in_(found)


def _matches_more_than(session: Session, found: Any, limit: int) -> bool:
    capped = found.limit(limit + 1).subquery()
    return session.execute(sa_select(func.count()).select_from(capped)).scalar_one() > limit


def dialect_of(session: Session) -> str:
    """The name of the database behind `session` ("sqlite" or "postgresql")."""
    return session.get_bind().dialect.name
