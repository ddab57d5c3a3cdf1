"""Settings fail fast in production and keep one stable key in development."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from portal.settings import MIN_SECRET_LENGTH, Settings, SettingsError
from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL

GOOD_SECRET = "k" * 20 + "-production-secret-" + "z" * 10


def env(tmp_path: Path, **values: str) -> dict[str, str]:
    """A minimal environment rooted in the test's temporary folder."""
    return {"DATA_DIR": str(tmp_path / "data"), **values}


def load(tmp_path: Path, **values: str) -> Settings:
    return Settings.from_env(env(tmp_path, **values), env_file=None)


@pytest.mark.parametrize(
    "secret",
    ["", "   ", "changethis", "change-me", "secret", "dev", "x" * (MIN_SECRET_LENGTH - 1)],
    ids=["missing", "blank", "changethis", "change-me", "secret", "dev", "short"],
)
def test_production_refuses_weak_secret(tmp_path: Path, secret: str) -> None:
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        load(tmp_path, MINSHENG_MODE="production", SECRET_KEY=secret)
    assert not (tmp_path / "data" / "secret_key").exists()


def test_production_accepts_long_secret_and_writes_no_key_file(tmp_path: Path) -> None:
    settings = load(tmp_path, MINSHENG_MODE="production", SECRET_KEY=GOOD_SECRET)
    assert settings.production
    assert settings.secret_key == GOOD_SECRET
    assert not (tmp_path / "data" / "secret_key").exists()


def test_dev_generates_one_private_key_and_reuses_it(tmp_path: Path) -> None:
    first = load(tmp_path, MINSHENG_MODE="dev")
    key_file = tmp_path / "data" / "secret_key"
    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first.secret_key) >= MIN_SECRET_LENGTH
    assert key_file.read_text().strip() == first.secret_key

    second = load(tmp_path, MINSHENG_MODE="dev")
    assert second.secret_key == first.secret_key
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["secret_key"]


def test_dev_uses_a_given_strong_secret_without_a_key_file(tmp_path: Path) -> None:
    settings = load(tmp_path, SECRET_KEY=GOOD_SECRET)
    assert settings.secret_key == GOOD_SECRET
    assert not (tmp_path / "data" / "secret_key").exists()


def test_dev_replaces_a_placeholder_with_the_stored_key(tmp_path: Path) -> None:
    stored = load(tmp_path).secret_key
    assert load(tmp_path, SECRET_KEY="changethis").secret_key == stored


def test_default_database_is_sqlite_file_in_data_dir(tmp_path: Path) -> None:
    settings = load(tmp_path)
    data_dir = (tmp_path / "data").resolve()
    assert settings.data_dir == data_dir
    assert settings.database_url == f"sqlite:///{data_dir / 'minsheng.sqlite3'}"
    assert settings.upload_dir == data_dir / "uploads"
    assert settings.mode == "dev"
    assert settings.default_locale == "zh_CN"
    assert settings.locales == ("zh_CN", "en")


def test_explicit_values_are_read(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        DATABASE_URL="postgresql+psycopg://u@db/minsheng",
        UPLOAD_DIR=str(tmp_path / "shared"),
        BASE_URL="https://minsheng.example.org/",
        LOCALES="en, zh_CN",
        SESSION_IDLE_MINUTES="45",
        TRUSTED_PROXIES="10.0.0.1, 10.0.0.2",
        SECRET_KEY=GOOD_SECRET,
    )
    assert settings.database_url == "postgresql+psycopg://u@db/minsheng"
    assert settings.upload_dir == (tmp_path / "shared").resolve()
    assert settings.base_url == "https://minsheng.example.org"
    assert settings.locales == ("en", "zh_CN")
    assert settings.default_locale == "en"
    assert settings.session_idle_minutes == 45
    assert settings.trusted_proxies == ("10.0.0.1", "10.0.0.2")


def test_dotenv_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"SECRET_KEY={GOOD_SECRET}\nSESSION_MAX_HOURS=7\nLOGIN_MAX_FAILURES=9\n")
    settings = Settings.from_env(env(tmp_path, LOGIN_MAX_FAILURES="3"), env_file=dotenv)
    assert settings.secret_key == GOOD_SECRET
    assert settings.session_max_hours == 7
    assert settings.login_max_failures == 3


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SESSION_IDLE_MINUTES", "thirty", "SESSION_IDLE_MINUTES must be a whole number"),
        ("LOGIN_MAX_FAILURES", "2.5", "LOGIN_MAX_FAILURES must be a whole number"),
        ("MAX_COVER_IMAGE_BYTES", "0", "MAX_COVER_IMAGE_BYTES must be positive"),
        ("SESSION_MAX_HOURS", "-1", "SESSION_MAX_HOURS must be positive"),
        ("DATABASE_POOL_SIZE", "0", "DATABASE_POOL_SIZE must be positive"),
    ],
)
def test_bad_integers_give_a_clear_error(tmp_path: Path, name: str, value: str,
                                         message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load(tmp_path, **{name: value})


def test_unknown_mode_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="MINSHENG_MODE"):
        load(tmp_path, MINSHENG_MODE="prod")


def test_default_locale_must_be_offered(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="DEFAULT_LOCALE"):
        load(tmp_path, DEFAULT_LOCALE="fr")


def test_empty_locales_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="LOCALES"):
        load(tmp_path, LOCALES=" , ")


def test_encryption_key_must_be_long_if_given(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="ENCRYPTION_KEY"):
        load(tmp_path, ENCRYPTION_KEY="short")
    assert load(tmp_path, ENCRYPTION_KEY="e" * MIN_SECRET_LENGTH).encryption_key


def test_unknown_timezone_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="TIMEZONE"):
        load(tmp_path, TIMEZONE="Mars/Olympus_Mons")


def test_readme_documents_every_setting() -> None:
    """Each variable settings.py reads has a row in the README's settings table."""
    root = Path(__file__).resolve().parent.parent
    code = (root / "portal" / "settings.py").read_text()
    names = set(re.findall(r"""(?:values\.get\(|_int\(values,\s*)["']([A-Z][A-Z0-9_]+)["']""",
                           code))
    assert {"SECRET_KEY", "DATABASE_URL", "MINSHENG_MODE"} <= names
    readme = (root / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", readme, flags=re.M))
    assert not names - documented, f"README lacks settings: {sorted(names - documented)}"
    assert not documented - names, f"README documents unknown settings: {documented - names}"


def test_the_app_keeps_database_pool_size_connections(tmp_path: Path) -> None:
    """A pool smaller than the worker's concurrency opened a connection per request at a
    peak; the app's own engine keeps DATABASE_POOL_SIZE of them (plus an overflow)."""
    from portal.app import POOL_OVERFLOW, app_engine

    settings = load(tmp_path, DATABASE_POOL_SIZE="7")
    engine = app_engine(settings)
    try:
        assert (engine.pool.size(), engine.pool._max_overflow) == (7, POOL_OVERFLOW)  # type: ignore[attr-defined]
    finally:
        engine.dispose()


def test_a_worker_runs_worker_threads_threads(settings: Settings, engine, clock) -> None:  # type: ignore[no-untyped-def]
    """Sync handlers share WORKER_THREADS threads (anyio's default of 40 let cached pages
    queue behind renders in a spike)."""
    import dataclasses

    import anyio.to_thread
    from starlette.testclient import TestClient

    from portal.app import create_app

    assert load(settings.data_dir, WORKER_THREADS="5").worker_threads == 5
    app = create_app(dataclasses.replace(settings, worker_threads=3), engine=engine,
                     clock=clock)
    with TestClient(app) as client:
        tokens = client.portal.call(  # type: ignore[union-attr]
            lambda: anyio.to_thread.current_default_thread_limiter().total_tokens)
    assert tokens == 3



@pytest.mark.skipif(not ON_POSTGRES, reason="a PostgreSQL driver setting")
def test_postgresql_connections_prepare_no_statements() -> None:
    """psycopg drops every prepared statement at each ROLLBACK, then sends DEALLOCATE ALL:
    a round trip per read-only request, for plans that saved nothing."""
    from portal.db import make_engine

    engine = make_engine(TEST_DATABASE_URL)
    try:
        with engine.connect() as connection:
            assert connection.connection.dbapi_connection.prepare_threshold is None  # type: ignore[union-attr]
    finally:
        engine.dispose()


@pytest.mark.skipif(not ON_POSTGRES, reason="a PostgreSQL pool setting")
def test_a_pooled_connection_the_server_ended_is_replaced_without_a_ping() -> None:
    """A check-out looks at the socket instead of pinging (a round trip each time); a
    connection whose backend was ended is still never handed to a request."""
    from sqlalchemy import text

    from portal.db import make_engine

    engine = make_engine(TEST_DATABASE_URL, pool_size=1, max_overflow=0)
    pings = []
    real_ping = engine.dialect.do_ping
    engine.dialect.do_ping = lambda conn: pings.append(1) or real_ping(conn)  # type: ignore[method-assign]
    try:
        with engine.connect() as connection:
            ended = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        killer = make_engine(TEST_DATABASE_URL)
        with killer.connect() as other:
            assert other.execute(text("SELECT pg_terminate_backend(:pid, 5000)"),
                                 {"pid": ended}).scalar_one()
        killer.dispose()
        with engine.connect() as connection:  # the only pooled connection is the dead one
            assert connection.execute(text("SELECT pg_backend_pid()")).scalar_one() != ended
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        assert pings == []
    finally:
        engine.dispose()
