"""Backup of a running portal and restore into a fresh database and folder (SQLite and
PostgreSQL): the case opens with its receipt, its file downloads; wrong keys are refused."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, select
from starlette.testclient import TestClient

from moderation.clock import FixedClock
from moderation.intake.models import Submission, SubmissionFile
from moderation.keycheck import KeysDoNotMatch
from moderation.roles import Role
from portal.app import create_app
from portal.cli import main
from portal.db import make_engine
from portal.settings import Settings
from tests.conftest import BASE_URL, ON_POSTGRES, TEST_DATABASE_URL, login, page
from tests.test_auth import fast_hashing  # noqa: F401 - fixture
from tests.test_intake_web import TEXT_MARKER, receipt_of, send, tip_confirmation
from tests.test_track import open_case

NOTE = [("evidence", ("notes.txt", f"{TEXT_MARKER}\n记录\n".encode(), "text/plain"))]


@pytest.fixture
def fresh_url(tmp_path: Path) -> Iterator[str]:
    """An empty database to restore into: a new SQLite file, or a new PostgreSQL database."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / 'restored' / 'minsheng.sqlite3'}"
        return
    name = f"{make_url(TEST_DATABASE_URL).database}_restore_{uuid.uuid4().hex[:8]}"
    admin = make_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, settings: Settings, url: str,
         upload_dir: Path, *args: str) -> int:
    for name, value in {"SECRET_KEY": settings.secret_key, "DATABASE_URL": url,
                        "UPLOAD_DIR": str(upload_dir), "DATA_DIR": str(tmp_path),
                        "MINSHENG_MODE": "test",
                        "ENCRYPTION_KEY": settings.encryption_key}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    return main(list(args))


def test_backup_of_a_running_portal_restores_into_a_fresh_database(
        client: TestClient, engine: Engine, settings: Settings, clock: FixedClock,
        make_user, fresh_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.moderator)
    receipt = receipt_of(send(client, tip_confirmation(client, NOTE)))
    original_url = engine.url.render_as_string(hide_password=False)
    dest = tmp_path / "backup"
    assert _cli(monkeypatch, tmp_path, settings, original_url, settings.upload_dir,
                "backup", str(dest)) == 0  # while the app above still runs
    manifest = json.loads((dest / "manifest.json").read_text())
    assert manifest["counts"]["submission"] == 1
    assert len(manifest["files"]) == 1
    assert manifest["schema_revision"]
    assert settings.secret_key not in (dest / "manifest.json").read_text()

    # The wrong key: restore refuses before touching the target.
    restored_uploads = tmp_path / "restored-uploads"
    wrong = dataclasses.replace(settings, encryption_key="another-encryption-key-" + "w" * 40)
    capsys.readouterr()
    assert _cli(monkeypatch, tmp_path, wrong, fresh_url, restored_uploads,
                "restore", str(dest)) == 1
    assert "does not match this backup" in capsys.readouterr().err
    assert not restored_uploads.exists()

    assert _cli(monkeypatch, tmp_path, settings, fresh_url, restored_uploads,
                "restore", str(dest)) == 0
    restored_engine = make_engine(fresh_url)
    restored = dataclasses.replace(settings, database_url=fresh_url,
                                   upload_dir=restored_uploads)
    try:
        with TestClient(create_app(restored, engine=restored_engine, clock=clock),
                        base_url=BASE_URL, follow_redirects=False) as again:
            with Session(restored_engine) as db:
                submission = db.exec(select(Submission)).one()
                row = db.exec(select(SubmissionFile)).one()
            case = open_case(again, receipt)
            assert submission.reference in page(case).get_text()
            login(again, "moderator1")
            download = again.get(f"/staff/submissions/{submission.reference}/files/{row.id}")
            assert download.status_code == 200
            assert TEXT_MARKER.encode() in download.content
        with pytest.raises(KeysDoNotMatch), TestClient(
                create_app(dataclasses.replace(restored, encryption_key=wrong.encryption_key),
                           engine=restored_engine, clock=clock)):
            pass
    finally:
        restored_engine.dispose()
    assert _cli(monkeypatch, tmp_path, settings, fresh_url, restored_uploads,
                "restore", str(dest)) == 1  # never over existing data
