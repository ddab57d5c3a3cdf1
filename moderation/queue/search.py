"""Full-text search over submissions, indexed on SQLite (FTS5) and PostgreSQL (GIN).

Each submission has one `SubmissionSearch` row: its content, people concerned, place and
reference as tokens (see `tokens`). Migration 0002 indexes that row: on SQLite an
external-content FTS5 table kept in step by triggers; on PostgreSQL a generated
`tsvector` column with a GIN index. A query becomes phrases of adjacent tokens (and a
prefix for a lone character), all required; both engines answer from the index.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, cast, column, false, literal_column, table
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from moderation.errors import ValidationFailed
from moderation.intake.models import Submission
from moderation.queue import messages as m
from moderation.queue.models import FTS_TABLE, VECTOR_COLUMN, SubmissionSearch
from moderation.queue.tokens import Term, document_text, query_terms

QUERY_MAX = 200


def search_document(submission: Submission) -> str:
    """The indexed tokens of a submission."""
    return document_text(submission.content, submission.people_concerned,
                         submission.happened_where, submission.reference)


def index_submission(session: Session, submission: Submission) -> None:
    """Create or refresh the search row of `submission` (flushes; the caller commits)."""
    if submission.id is None:
        session.flush()
    assert submission.id is not None
    document = search_document(submission)
    row = session.get(SubmissionSearch, submission.id)
    if row is None:
        session.add(SubmissionSearch(submission_id=submission.id, document=document))
    elif row.document != document:
        row.document = document
        session.add(row)
    session.flush()


def reindex_all(session: Session, batch: int = 500) -> int:
    """Rebuild every search row (after a bulk import); returns how many were written."""
    done = 0
    last = 0
    while True:
        rows = session.exec(select(Submission).where(col(Submission.id) > last)
                            .order_by(col(Submission.id)).limit(batch)).all()
        if not rows:
            return done
        for submission in rows:
            index_submission(session, submission)
        done += len(rows)
        last = rows[-1].id or last


def fts5_query(terms: list[Term], joiner: str = " AND ") -> str:
    """An FTS5 MATCH expression: each term a quoted phrase, all required (or any, with OR)."""
    parts = []
    for term in terms:
        phrase = " ".join(t.replace('"', '""') for t in term.tokens)
        parts.append(f'"{phrase}"' + (" *" if term.prefix else ""))
    return joiner.join(parts)


def tsquery_text(terms: list[Term], joiner: str = " & ") -> str:
    """A PostgreSQL tsquery literal: each term a `<->` phrase, all required."""
    parts = []
    for term in terms:
        lexemes = ["'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in term.tokens]
        if term.prefix:
            lexemes[-1] += ":*"
        parts.append("(" + " <-> ".join(lexemes) + ")")
    return joiner.join(parts)


def parse_query(text: str) -> list[Term]:
    """The terms of a search box's text; ValidationFailed when it is too long."""
    if len(text) > QUERY_MAX:
        raise ValidationFailed({"q": m.QUERY_TOO_LONG})
    return query_terms(text)


def matching_ids(dialect: str, terms: list[Term], *, any_term: bool = False) -> Any:
    """A SELECT of the ids of submissions matching every term (or any, with `any_term`),
    answered by the index."""
    if dialect == "sqlite":
        fts = table(FTS_TABLE, column("rowid", Integer))
        expression = fts5_query(terms, " OR " if any_term else " AND ")
        return sa_select(fts.c.rowid).where(literal_column(FTS_TABLE).op("MATCH")(expression))
    search = table(SubmissionSearch.__tablename__, column("submission_id", Integer),
                   column(VECTOR_COLUMN))
    tsquery = tsquery_text(terms, " | " if any_term else " & ")
    return (sa_select(search.c.submission_id)
            .where(search.c[VECTOR_COLUMN].op("@@")(cast(tsquery, TSQUERY))))


def search_clause(session: Session, text: str) -> ColumnElement[bool] | None:
    """A WHERE clause on `Submission` for the search box's text (None when it is blank).

    Text with no searchable character (only punctuation) matches nothing.
    """
    if not text.strip():
        return None
    terms = parse_query(text)
    if not terms:
        return false()
    return col(Submission.id).in_(matching_ids(dialect_of(session), terms))


def dialect_of(session: Session) -> str:
    """The name of the database behind `session` ("sqlite" or "postgresql")."""
    return session.get_bind().dialect.name
