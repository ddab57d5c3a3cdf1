"""sealed citizen texts and a blind search index

Every citizen-written text moves into a column sealed with its submission's data key
(content, people concerned, when, where; follow-up messages; rating comments; review
reasons), and the search documents become keyed hashes of their tokens. Existing rows
are converted here, which needs the intake keys: `portal init` passes them
(`portal.migrate.upgrade(engine, keys=...)`); a database with submissions refuses to
upgrade without them. Texts of erased submissions (no key) are dropped. On SQLite the
FTS5 table is rebuilt with `detail=none` (the index keeps no positions), and
`secure_delete` zeroes the pages that held plaintext. On PostgreSQL the old values stay
in dead tuples until `VACUUM FULL` (see README).

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEALED = (("submission", "text_sealed"), ("casemessage", "body_sealed"),
          ("caserating", "comment_sealed"), ("reviewrequest", "reason_sealed"))
PLAIN = (("submission", "content", sa.String(length=20000)),
         ("submission", "people_concerned", sa.String(length=500)),
         ("submission", "happened_when", sa.String(length=200)),
         ("submission", "happened_where", sa.String(length=200)),
         ("caserating", "comment", sa.String(length=2000)),
         ("reviewrequest", "reason", sa.String(length=2000)))

FTS_DROP = [
    "DROP TRIGGER IF EXISTS submission_fts_au",
    "DROP TRIGGER IF EXISTS submission_fts_ad",
    "DROP TRIGGER IF EXISTS submission_fts_ai",
    "DROP TABLE IF EXISTS submission_fts",
]


def _fts_create(detail: str) -> list[str]:
    return [
        f"""CREATE VIRTUAL TABLE submission_fts USING fts5(
            document, content='submissionsearch', content_rowid='submission_id',
            tokenize='unicode61', detail={detail})""",
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


def _keys():  # type: ignore[no-untyped-def]
    keys = context.config.attributes.get("intake_keys")
    if keys is None:
        raise RuntimeError(
            "migration 0003 encrypts the texts of existing submissions and needs the "
            "intake keys: run `portal init` with the portal's SECRET_KEY/ENCRYPTION_KEY")
    return keys


def _convert(bind: sa.engine.Connection, keys) -> None:  # type: ignore[no-untyped-def]
    """Seal every plaintext row and rewrite the search documents as blind hashes."""
    from moderation.intake.crypto import unwrap_key
    from moderation.intake.texts import SubmissionText, seal_part, seal_submission_text
    from moderation.queue.blind import blind_document

    rows = bind.execute(sa.text(
        "SELECT id, reference, wrapped_key, content, people_concerned, happened_when,"
        " happened_where FROM submission ORDER BY id")).all()
    for row in rows:
        if row.wrapped_key is None:  # erased: its texts go with its key
            bind.execute(sa.text("DELETE FROM submissionsearch WHERE submission_id = :i"),
                         {"i": row.id})
            for table in ("casemessage", "caserating", "reviewrequest"):
                _blank(bind, table, row.id)
            continue
        data_key = unwrap_key(keys.master, bytes(row.wrapped_key), row.reference)
        text = SubmissionText(row.content or "", row.people_concerned or "",
                              row.happened_when or "", row.happened_where or "")
        bind.execute(sa.text("UPDATE submission SET text_sealed = :t WHERE id = :i"),
                     {"t": seal_submission_text(data_key, row.reference, text), "i": row.id})
        bind.execute(sa.text("UPDATE submissionsearch SET document = :d"
                             " WHERE submission_id = :i"),
                     {"d": blind_document(keys.search, text.content, text.people_concerned,
                                          text.happened_where, row.reference),
                      "i": row.id})
        for part, table, column, where in (
                ("message", "casemessage", "body", " AND author = 'citizen'"),
                ("rating", "caserating", "comment", ""),
                ("review", "reviewrequest", "reason", "")):
            for item in bind.execute(sa.text(
                    f"SELECT id, {column} AS value FROM {table}"
                    f" WHERE submission_id = :i{where}"), {"i": row.id}).all():
                sealed = seal_part(data_key, row.reference, part, item.value or "")
                extra = ", body = ''" if table == "casemessage" else ""
                bind.execute(sa.text(
                    f"UPDATE {table} SET {column}_sealed = :s{extra} WHERE id = :j"),
                    {"s": sealed, "j": item.id})


def _blank(bind: sa.engine.Connection, table: str, submission_id: int) -> None:
    if table == "casemessage":
        bind.execute(sa.text("UPDATE casemessage SET body = '' WHERE submission_id = :i"
                             " AND author = 'citizen'"), {"i": submission_id})
    else:
        column = "comment" if table == "caserating" else "reason"
        bind.execute(sa.text(f"UPDATE {table} SET {column} = '' WHERE submission_id = :i"),
                     {"i": submission_id})


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    # Refuse before any change: SQLite runs this DDL outside a transaction.
    filled = bind.execute(sa.text("SELECT count(*) FROM submission")).scalar_one() > 0
    keys = _keys() if filled else None
    if sqlite:
        # Pages freed or rewritten below are zeroed, so no plaintext lingers in the file.
        op.execute("PRAGMA secure_delete = ON")
        for statement in FTS_DROP:
            op.execute(statement)
    for table, column in SEALED:
        op.add_column(table, sa.Column(column, sa.LargeBinary(), nullable=True))
    if keys is not None:
        _convert(bind, keys)
    for table, column, _type in PLAIN:
        if sqlite:  # native DROP COLUMN: a batch copy would cascade-delete search rows
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        else:
            op.drop_column(table, column)
    if sqlite:
        for statement in _fts_create("none"):
            op.execute(statement)


def downgrade() -> None:
    # The schema only: sealed texts are not decrypted back into plaintext columns.
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        for statement in FTS_DROP:
            op.execute(statement)
    for table, column, type_ in PLAIN:
        op.add_column(table, sa.Column(column, type_, nullable=False, server_default=""))
    for table, column in SEALED:
        if sqlite:
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        else:
            op.drop_column(table, column)
    if sqlite:
        for statement in _fts_create("full"):
            op.execute(statement)
