"""search index: FTS5 on SQLite, a generated tsvector with GIN on PostgreSQL

Hand-written: these objects live outside the models (see moderation/queue/models.py),
and `portal.migrate.include_name` keeps the drift check from reporting them.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_UP = [
    # External content: the tokens are stored once, in submissionsearch.
    """CREATE VIRTUAL TABLE submission_fts USING fts5(
        document, content='submissionsearch', content_rowid='submission_id',
        tokenize='unicode61', detail=full)""",
    """CREATE TRIGGER submission_fts_ai AFTER INSERT ON submissionsearch BEGIN
        INSERT INTO submission_fts(rowid, document) VALUES (new.submission_id, new.document);
    END""",
    """CREATE TRIGGER submission_fts_ad AFTER DELETE ON submissionsearch BEGIN
        INSERT INTO submission_fts(submission_fts, rowid, document)
        VALUES ('delete', old.submission_id, old.document);
    END""",
    """CREATE TRIGGER submission_fts_au AFTER UPDATE ON submissionsearch BEGIN
        INSERT INTO submission_fts(submission_fts, rowid, document)
        VALUES ('delete', old.submission_id, old.document);
        INSERT INTO submission_fts(rowid, document) VALUES (new.submission_id, new.document);
    END""",
    "INSERT INTO submission_fts(submission_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS submission_fts_au",
    "DROP TRIGGER IF EXISTS submission_fts_ad",
    "DROP TRIGGER IF EXISTS submission_fts_ai",
    "DROP TABLE IF EXISTS submission_fts",
]
POSTGRES_UP = [
    # 'simple' keeps every token as it is (lower-cased): no stemming, no stop words.
    """ALTER TABLE submissionsearch ADD COLUMN search_vector tsvector
        GENERATED ALWAYS AS (to_tsvector('simple', document)) STORED""",
    "CREATE INDEX ix_submissionsearch_vector ON submissionsearch USING gin (search_vector)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS ix_submissionsearch_vector",
    "ALTER TABLE submissionsearch DROP COLUMN IF EXISTS search_vector",
]


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_UP)
    elif dialect == "postgresql":
        _run(POSTGRES_UP)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_DOWN)
    elif dialect == "postgresql":
        _run(POSTGRES_DOWN)
