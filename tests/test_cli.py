"""The `portal` command: init, user management and `audit verify` (also as a real process)."""

from __future__ import annotations

import importlib
import logging
import os
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from moderation.audit import AuditEvent
from moderation.clock import FixedClock
from portal.accounts.models import StaffUser, WebSession
from portal.accounts.passwords import verify_password
from portal.cli import main

NEW_PASSWORD = "a much longer passphrase 42"
OTHER_PASSWORD = "another good passphrase 77"
CONFIG_VARS = ("DATABASE_URL", "SECRET_KEY", "MINSHENG_MODE", "DATA_DIR", "UPLOAD_DIR",
               "BASE_URL", "LOCALES", "DEFAULT_LOCALE", "TRUSTED_PROXIES")


def cli_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    """The environment of a `portal` process: dev mode, everything under tmp_path."""
    environ = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    environ.update(DATABASE_URL=database_url, MINSHENG_MODE="dev",
                   DATA_DIR=str(tmp_path / "data"))
    return environ


def run_portal(tmp_path: Path, database_url: str, *args: str) -> subprocess.CompletedProcess:
    """Run the real CLI in its own process (cwd tmp_path, so no stray `.env` is read)."""
    return subprocess.run(
        [sys.executable, "-m", "portal.cli", *args], cwd=tmp_path,
        env=cli_env(tmp_path, database_url), capture_output=True, text=True, timeout=60,
        check=False,
    )


@pytest.fixture
def use_db(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """Point in-process CLI calls at the test database."""
    for name in CONFIG_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("MINSHENG_MODE", "dev")
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    return engine


def get_user(engine: Engine, username: str) -> StaffUser | None:
    with Session(engine) as session:
        return session.exec(select(StaffUser).where(StaffUser.username == username)).first()


def audit_actions(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.seq))]


def test_audit_verify_as_a_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db_file = tmp_path / "cli.sqlite3"
    url = f"sqlite:///{db_file}"
    for name, value in cli_env(tmp_path, url).items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0
    assert main(["user", "add", "admin", "--role", "admin", "--password", NEW_PASSWORD]) == 0

    clean = run_portal(tmp_path, url, "audit", "verify")
    assert clean.returncode == 0, clean.stderr
    assert "intact" in clean.stdout

    with sqlite3.connect(db_file) as conn:
        conn.execute("""UPDATE auditevent SET "after" = '{"username": "mallory", """
                     """"role": "admin", "unit_id": null}' WHERE seq = 1""")
    tampered = run_portal(tmp_path, url, "audit", "verify")
    assert tampered.returncode == 1
    assert "seq=1" in tampered.stderr
    assert "intact" not in tampered.stdout


def test_init_creates_the_schema_and_upload_folder(use_db: Engine, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"]) == 0  # idempotent on an already migrated database
    assert main(["init"]) == 0
    assert "migrated" in capsys.readouterr().out
    assert (tmp_path / "data" / "uploads").is_dir()
    from portal.migrate import schema_drift

    assert schema_drift(use_db) == []


def test_no_subcommand_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([])
    assert exited.value.code == 2
    assert "usage: portal" in capsys.readouterr().err


def test_user_add_creates_an_audited_account(use_db: Engine,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["user", "add", "admin", "--role", "admin", "--name", "管理员",
                 "--password", NEW_PASSWORD]) == 0
    assert "admin" in capsys.readouterr().out
    user = get_user(use_db, "admin")
    assert user is not None
    assert (user.role, user.display_name, user.is_active) == ("admin", "管理员", True)
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert audit_actions(use_db) == ["user.create"]
    assert main(["audit", "verify"]) == 0


def test_user_add_reads_the_password_from_a_prompt(use_db: Engine,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW_PASSWORD)
    assert main(["user", "add", "press1", "--role", "press"]) == 0
    user = get_user(use_db, "press1")
    assert user is not None
    assert verify_password(user.password_hash, NEW_PASSWORD)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["user", "add", "someone", "--role", "admin", "--password", "short"],
         "at least 12"),
        (["user", "add", "someone", "--role", "admin", "--password", "someone-is-my-password"],
         "user name"),
        (["user", "add", "handler1", "--role", "handler", "--password", NEW_PASSWORD],
         "needs --unit"),
        (["user", "add", "handler1", "--role", "handler", "--unit", "nope",
          "--password", NEW_PASSWORD], "unknown unit"),
        (["user", "passwd", "ghost", "--password", NEW_PASSWORD], "no user"),
        (["user", "disable", "ghost"], "no user"),
    ],
    ids=["short-password", "password-has-name", "handler-without-unit", "unknown-unit",
         "passwd-unknown", "disable-unknown"],
)
def test_user_commands_refuse_bad_input(use_db: Engine, argv: list[str], message: str) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert message in str(exited.value.code)
    assert audit_actions(use_db) == []


def test_user_add_refuses_a_duplicate(use_db: Engine) -> None:
    assert main(["user", "add", "admin", "--role", "admin", "--password", NEW_PASSWORD]) == 0
    with pytest.raises(SystemExit, match="already exists"):
        main(["user", "add", "admin", "--role", "press", "--password", OTHER_PASSWORD])
    assert get_user(use_db, "admin").role == "admin"  # type: ignore[union-attr]


def test_user_passwd_sets_a_new_hash(use_db: Engine) -> None:
    assert main(["user", "add", "admin", "--role", "admin", "--password", NEW_PASSWORD]) == 0
    assert main(["user", "passwd", "admin", "--password", OTHER_PASSWORD]) == 0
    user = get_user(use_db, "admin")
    assert user is not None
    assert verify_password(user.password_hash, OTHER_PASSWORD)
    assert not verify_password(user.password_hash, NEW_PASSWORD)
    assert audit_actions(use_db) == ["user.create", "user.password"]


def test_user_disable_ends_only_that_users_sessions(use_db: Engine, clock: FixedClock) -> None:
    for name in ("admin", "press1"):
        assert main(["user", "add", name, "--role", "admin", "--password", NEW_PASSWORD]) == 0
    with Session(use_db) as session:
        for n, name in enumerate(("admin", "admin", "press1")):
            user = session.exec(select(StaffUser).where(StaffUser.username == name)).one()
            session.add(WebSession(id_hash=f"{n:064d}", kind="staff", user_id=user.id,
                                   created_at=clock(), last_seen_at=clock(),
                                   expires_at=clock() + timedelta(hours=1)))
        session.commit()

    assert main(["user", "disable", "admin"]) == 0

    disabled = get_user(use_db, "admin")
    assert disabled is not None
    assert disabled.is_active is False
    with Session(use_db) as session:
        left = session.exec(select(WebSession)).all()
    assert [s.user_id for s in left] == [get_user(use_db, "press1").id]  # type: ignore[union-attr]
    assert audit_actions(use_db)[-1] == "user.disable"
    assert main(["audit", "verify"]) == 0


def test_audit_verify_in_process_reports_tampering(use_db: Engine,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from sqlalchemy import update

    assert main(["user", "add", "admin", "--role", "admin", "--password", NEW_PASSWORD]) == 0
    assert main(["user", "passwd", "admin", "--password", OTHER_PASSWORD]) == 0
    events = AuditEvent.__table__  # type: ignore[attr-defined]
    with use_db.begin() as conn:
        conn.execute(update(events).where(events.c.seq == 2).values(actor_label="intruder"))
    capsys.readouterr()
    assert main(["audit", "verify"]) == 1
    assert "seq=2" in capsys.readouterr().err


def import_asgi(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **environ: str):  # type: ignore[no-untyped-def]
    for name in CONFIG_VARS:
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delitem(sys.modules, "portal.asgi", raising=False)
    try:
        return importlib.import_module("portal.asgi")
    finally:
        sys.modules.pop("portal.asgi", None)


def test_asgi_module_builds_the_app_from_the_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`uvicorn portal.asgi:app --workers N`: each worker builds the app from settings."""
    module = import_asgi(monkeypatch, tmp_path, MINSHENG_MODE="production",
                         SECRET_KEY="w" * 48, DATA_DIR=str(tmp_path / "data"),
                         DATABASE_URL=f"sqlite:///{tmp_path / 'w.sqlite3'}")
    settings = module.app.state.settings
    assert settings.production
    assert settings.secret_key == "w" * 48
    assert settings.database_url.endswith("w.sqlite3")


def test_asgi_module_silences_the_access_log(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    access = logging.getLogger("uvicorn.access")
    monkeypatch.setattr(access, "disabled", False)
    import_asgi(monkeypatch, tmp_path, DATA_DIR=str(tmp_path / "data"),
                DATABASE_URL=f"sqlite:///{tmp_path / 'w.sqlite3'}")
    assert access.disabled is True


def test_asgi_module_refuses_production_without_a_secret(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from portal.settings import SettingsError

    with pytest.raises(SettingsError, match="SECRET_KEY"):
        import_asgi(monkeypatch, tmp_path, MINSHENG_MODE="production",
                    DATA_DIR=str(tmp_path / "data"))
