"""Migrations are history: released files never change, and old databases upgrade.

The upgrade test builds a database with the migrations as first released (0001 before
"Encrypt TOTP secrets at rest" edited it in place, and 0002), fills it as the portal of
that time did (a TOTP secret in plaintext, in a 64-character column), upgrades it to
head, then signs in with that secret and submits a tip through the real forms. It runs
on SQLite and, with TEST_DATABASE_URL, on a PostgreSQL database of its own.
"""

from __future__ import annotations

import hashlib
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from starlette.testclient import TestClient

from moderation.clock import FixedClock
from moderation.intake.models import Submission
from portal.accounts import passwords, totp
from portal.accounts.models import StaffUser
from portal.app import create_app
from portal.migrate import MIGRATIONS, alembic_config, schema_drift, upgrade
from portal.migration_manifest import freeze, problems, read_manifest
from portal.settings import Settings
from tests.conftest import BASE_URL, PASSWORD, csrf_from
from tests.test_intake_web import send, tip_confirmation
from tests.test_migrations import empty_engine  # noqa: F401 - fixture
from tests.test_totp import submit_code

# 0001 as released (commit 9053d6c); "Encrypt TOTP secrets at rest" then changed two lines.
RELEASED_0001_SHA256 = "84e1d9725528c9323224c5d7cf646cb705f328f1287003ffd3319a64936b4b6b"
EDITS_SINCE_RELEASE = [
    ("Create Date: 2026-11-27 15:54:53.648240", "Create Date: 2026-11-27 14:50:13.857010"),
    ("sa.Column('totp_secret', sa.String(length=128)",
     "sa.Column('totp_secret', sa.String(length=64)"),
]
PLAIN_SECRET = pyotp.random_base32()
REPAIR_REVISION = "0006"  # 0006_repair_totp_secret.py
CLOCK = FixedClock(datetime(2026, 6, 1, 2, 0, tzinfo=UTC))


def test_released_migrations_are_unchanged() -> None:
    found = problems()
    assert not found, "\n\n".join(found)
    assert {"versions/0001_initial_schema.py", "versions/0002_search_index.py",
            "versions/0006_repair_totp_secret.py"} <= set(read_manifest())


def test_a_changed_or_unlisted_migration_is_caught(tmp_path: Path) -> None:
    root = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS / "versions", root / "versions",
                    ignore=shutil.ignore_patterns("__pycache__"))
    manifest = root / "released.sha256"
    shutil.copyfile(MIGRATIONS / "released.sha256", manifest)
    assert problems(root, manifest) == []

    with (root / "versions/0002_search_index.py").open("a") as edited:
        edited.write("# a harmless-looking edit\n")
    (root / "versions/0099_new_table.py").write_text('revision = "0099"\n')
    found = problems(root, manifest)
    assert len(found) == 2
    assert found[0].startswith("versions/0002_search_index.py has changed since it was released")
    assert "new migration" in found[0]
    assert "make migrations-freeze" in found[1]
    assert "0099_new_table.py" in found[1]

    # Freezing lists the new file but never accepts the edit of a released one.
    assert freeze(root, manifest) == ["versions/0099_new_table.py"]
    assert [p.split(" ")[0] for p in problems(root, manifest)] == [
        "versions/0002_search_index.py"]


def released_versions(tmp_path: Path) -> Path:
    """A versions folder holding 0001 and 0002 exactly as first released."""
    folder = tmp_path / "released_versions"
    folder.mkdir()
    text = (MIGRATIONS / "versions/0001_initial_schema.py").read_text()
    for now, then in EDITS_SINCE_RELEASE:
        assert text.count(now) == 1
        text = text.replace(now, then)
    assert hashlib.sha256(text.encode()).hexdigest() == RELEASED_0001_SHA256
    (folder / "0001_initial_schema.py").write_text(text)
    shutil.copyfile(MIGRATIONS / "versions/0002_search_index.py",
                    folder / "0002_search_index.py")
    return folder


def fill_as_released(engine: Engine) -> None:
    """Rows as the first release wrote them: a unit, a moderator enrolled in TOTP (the
    secret in plaintext) under a policy that requires it, and an admin."""
    meta = sa.MetaData()
    meta.reflect(engine, only=["unit", "staffuser", "rolepolicy"])
    unit, staff, policy = (meta.tables[name] for name in ("unit", "staffuser", "rolepolicy"))
    with engine.begin() as conn:
        unit_id = conn.execute(unit.insert().values(
            code="psb-old", name={"zh_CN": "老派出所", "en": "Old station"}, kind="police",
            position=0, active=True)).inserted_primary_key[0]
        for username, role, secret in (("mod-old", "moderator", PLAIN_SECRET),
                                       ("admin-old", "admin", None)):
            conn.execute(staff.insert().values(
                username=username, display_name=username, role=role, unit_id=None,
                password_hash=passwords.hash_password(PASSWORD), is_active=True,
                can_view_identity=False, totp_secret=secret, created_at=CLOCK()))
        conn.execute(policy.insert().values(role="moderator", require_totp=True))
        assert unit_id is not None


def settings_for(engine: Engine, tmp_path: Path) -> Settings:
    return Settings(secret_key="upgrade-test-secret-" + "u" * 32,
                    database_url=engine.url.render_as_string(hide_password=False),
                    data_dir=tmp_path, upload_dir=tmp_path / "uploads", mode="test",
                    base_url=BASE_URL)


def test_first_release_upgrades_to_head_and_works(empty_engine: Engine,  # noqa: F811
                                                  tmp_path: Path) -> None:
    config = alembic_config(str(empty_engine.url))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(released_versions(tmp_path)))
    with empty_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
    fill_as_released(empty_engine)
    if empty_engine.dialect.name == "postgresql":
        # The bug being repaired: a sealed secret does not fit the released column.
        with pytest.raises(sa.exc.DataError), empty_engine.begin() as conn:
            conn.execute(sa.text("UPDATE staffuser SET totp_secret = :v"), {"v": "v" * 90})

    repair = ScriptDirectory.from_config(alembic_config(str(empty_engine.url))).get_revision(
        REPAIR_REVISION)
    upgrade(empty_engine, repair.down_revision)  # what came before needs no keys
    with pytest.raises(RuntimeError, match="portal init"):
        upgrade(empty_engine)  # sealing the plaintext secret needs the portal's keys
    settings = settings_for(empty_engine, tmp_path)
    upgrade(empty_engine, settings=settings)
    assert schema_drift(empty_engine) == []

    with Session(empty_engine) as db:
        moderator = db.exec(select(StaffUser).where(StaffUser.username == "mod-old")).one()
        assert moderator.totp_secret.startswith(totp.SEALED_PREFIX)
        assert PLAIN_SECRET not in moderator.totp_secret
        assert totp.unseal(totp.sealing_key(settings), moderator.totp_secret) == PLAIN_SECRET

    app = create_app(settings, engine=empty_engine, clock=CLOCK)
    with TestClient(app, base_url=BASE_URL, follow_redirects=False) as client:
        confirmation = tip_confirmation(client)
        assert send(client, confirmation).status_code == 200
        form = client.get("/staff/login")
        response = client.post("/staff/login", data={
            "csrf_token": csrf_from(form), "username": "mod-old", "password": PASSWORD})
        assert response.headers["location"].startswith("/staff/login/totp")
        code = pyotp.TOTP(PLAIN_SECRET).at(CLOCK())
        assert submit_code(client, code).status_code == 303
        queue = client.get("/staff/queue?tab=new")
        assert queue.status_code == 200
    with Session(empty_engine) as db:
        reference = db.exec(select(Submission.reference)).one()
    assert reference in queue.text
