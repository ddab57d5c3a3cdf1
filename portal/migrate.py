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


def upgrade(engine: Engine, revision: str = "head", *, keys: IntakeKeys | None = None) -> None:
    """Migrate the database behind `engine` to `revision`.

    `keys` let a migration convert stored data (0004 seals the texts of existing
    submissions); an empty database needs none.
    """
    with engine.begin() as connection:
        config = alembic_config(str(engine.url))
        config.attributes["connection"] = connection
        config.attributes["intake_keys"] = keys
        command.upgrade(config, revision)
    if engine.dialect.name == "sqlite":
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
