"""Migrations from an empty database to head give exactly the models' schema.

Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set: there in a database
of its own, created and dropped here, so the shared test database is never touched.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Integer, MetaData, String, Table, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import SQLModel

from portal.db import make_engine
from portal.migrate import alembic_config, is_search_object, schema_drift, upgrade
from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL


@pytest.fixture
def empty_engine(tmp_path: Path) -> Iterator[Engine]:
    """A brand-new, empty database on the configured server."""
    if not ON_POSTGRES:
        engine = make_engine(f"sqlite:///{tmp_path / 'drift.sqlite3'}")
        yield engine
        engine.dispose()
        return
    name = f"minsheng_drift_{secrets.token_hex(6)}"
    server_url = make_url(TEST_DATABASE_URL).set(database="postgres")
    server = make_engine(server_url.render_as_string(hide_password=False),
                         isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(
        make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    )
    try:
        yield engine
    finally:
        engine.dispose()
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def model_tables() -> set[str]:
    return set(SQLModel.metadata.tables)


def test_empty_database_migrates_to_exactly_the_models(empty_engine: Engine) -> None:
    assert inspect(empty_engine).get_table_names() == []
    upgrade(empty_engine)
    assert schema_drift(empty_engine) == []
    tables = {t for t in inspect(empty_engine).get_table_names() if not is_search_object(t)}
    assert tables == model_tables() | {"alembic_version"}


def test_migrations_are_a_single_head_and_reach_it(empty_engine: Engine) -> None:
    script = ScriptDirectory.from_config(alembic_config(str(empty_engine.url)))
    heads = script.get_heads()
    assert len(heads) == 1, f"several migration heads: {heads}"
    upgrade(empty_engine)
    with empty_engine.connect() as conn:
        current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert current == heads[0]


def test_upgrade_is_idempotent(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    upgrade(empty_engine)
    assert schema_drift(empty_engine) == []


def test_downgrade_to_base_removes_every_table(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    with empty_engine.begin() as connection:
        config = alembic_config(str(empty_engine.url))
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}
    upgrade(empty_engine)
    assert schema_drift(empty_engine) == []


def test_drift_check_sees_a_difference(empty_engine: Engine) -> None:
    """The check is not vacuous: a table the models lack, or a missing column, shows up."""
    upgrade(empty_engine)
    stray = Table("stray_table", MetaData(), Column("id", Integer, primary_key=True),
                  Column("note", String(20)))
    stray.create(empty_engine)
    drift = schema_drift(empty_engine)
    assert any(d[0] == "remove_table" and d[1].name == "stray_table"  # type: ignore[index]
               for d in drift)

    stray.drop(empty_engine)
    victim = next(t for t in SQLModel.metadata.sorted_tables if t.name == "auditevent")
    with empty_engine.begin() as conn:
        conn.execute(text(f"ALTER TABLE {victim.name} DROP COLUMN target_type"))
    drift = schema_drift(empty_engine)
    assert any(d[0] == "add_column" and d[3].name == "target_type"  # type: ignore[index]
               for d in drift)


@pytest.mark.skipif(not ON_POSTGRES, reason="a PostgreSQL table property")
def test_rate_counters_are_unlogged_on_postgresql(empty_engine: Engine) -> None:
    """Counting writes no WAL, so a transaction that only counts commits without waiting
    for the disk (migration 0014)."""
    def persistence() -> str:
        with empty_engine.connect() as connection:
            return connection.execute(text(
                "SELECT relpersistence FROM pg_class WHERE relname = 'ratecounter'")).scalar_one()

    upgrade(empty_engine, "0013")
    assert persistence() == "p"
    upgrade(empty_engine)
    assert persistence() == "u"
