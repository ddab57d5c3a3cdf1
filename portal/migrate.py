"""Run Alembic migrations and compare the result with the models."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import portal.models  # noqa: F401  (registers every table)
from moderation.intake.keys import IntakeKeys

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


# Search objects made by the hand-written migration 0002, outside the models: the FTS5
# table (and its shadow tables) on SQLite, the tsvector column and its index on PostgreSQL.
SEARCH_OBJECT_NAMES = {"search_vector", "ix_submissionsearch_vector"}
SEARCH_TABLE_PREFIX = "submission_fts"


def is_search_object(name: str | None) -> bool:
    """True for a database object of the search index (not part of the models)."""
    return bool(name) and (name in SEARCH_OBJECT_NAMES
                           or str(name).startswith(SEARCH_TABLE_PREFIX))


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic filter: leave the search index out of autogenerate and the drift check."""
    return not is_search_object(name)


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head", *, keys: IntakeKeys | None = None,
            settings: object = None) -> None:
    """Migrate the database behind `engine` to `revision`.

    `keys` and `settings` let a migration convert stored data (0004 seals the texts of
    existing submissions, 0006 seals TOTP secrets left in plaintext); an empty database
    needs neither, and a migration that needs them stops with a message without them.
    """
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            # A batch migration rebuilds a table (create, copy, drop, rename); with foreign
            # keys enforced, dropping a referenced table fails (or cascades). The pragma
            # only takes effect outside a transaction, and goes back on before the
            # connection returns to the pool.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            config = alembic_config(str(engine.url))
            config.attributes["connection"] = connection
            config.attributes["intake_keys"] = keys
            if settings is not None:
                from portal.accounts.totp import sealing_key

                config.attributes["totp_sealing_key"] = sealing_key(settings)
            command.upgrade(config, revision)
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise RuntimeError(f"migration left broken foreign keys: {broken[:5]}")
            connection.commit()
        finally:
            if sqlite:
                connection.rollback()
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()
    if sqlite:
        # Old page images (say, plaintext a migration has just sealed) stay in the WAL
        # until a checkpoint; copy them home and empty the WAL file.
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def schema_drift(engine: Engine) -> list[object]:
    """Differences between the migrated database and the models (empty when in step)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True,
                              "include_name": include_name}
        )
        return list(compare_metadata(context, SQLModel.metadata))
