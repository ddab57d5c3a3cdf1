"""The search document of each submission (the database-specific index is in 0002/0003)."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, Text
from sqlmodel import Field, SQLModel

# Names of the objects migration 0002 adds outside the models, by database:
# SQLite: the FTS5 table `submission_fts` (plus its shadow tables) and its triggers;
# PostgreSQL: the generated column `search_vector` and its GIN index.
FTS_TABLE = "submission_fts"
VECTOR_COLUMN = "search_vector"
VECTOR_INDEX = "ix_submissionsearch_vector"


class SubmissionSearch(SQLModel, table=True):
    """The blind index of one submission: keyed hashes of the tokens of its content,
    people concerned, place and reference (`moderation.queue.blind`), never the text.

    Never shown; the row goes with its submission, or with its key when that is erased.
    Kept in step by `moderation.queue.search.index_submission`.
    """

    submission_id: int = Field(sa_column=Column(
        Integer, ForeignKey("submission.id", ondelete="CASCADE"), primary_key=True,
        autoincrement=False))
    # Unbounded on purpose: up to one 16-letter hash per character of a 20,000-character
    # submission; the 2,000-length convention of other fields does not apply to an index.
    document: str = Field(default="", sa_column=Column(Text, nullable=False))
