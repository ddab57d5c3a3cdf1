"""Shared fixtures: a fresh app and database per test, on SQLite or PostgreSQL.

Set TEST_DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test) to run
the suite on PostgreSQL; the default is a fresh SQLite file per test. `make test` runs the
suite in two processes (pytest-xdist); on PostgreSQL each process has a database of its
own, named after the configured one (`test_gw0`, `test_gw1`), made when it is missing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import anyio.to_thread
import pytest
from argon2 import PasswordHasher
from bs4 import BeautifulSoup
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, SQLModel
from starlette.testclient import TestClient

from moderation.clock import FixedClock
from moderation.roles import Role
from portal.accounts import passwords
from portal.accounts.models import StaffUser
from portal.app import create_app
from portal.db import make_engine
from portal.migrate import upgrade
from portal.settings import Settings
from portal.static_files import HashedStatic
from portal.template_cache import prime
from portal.templating import make_templates


def _database_of_this_process(url: str) -> str:
    """The PostgreSQL database this test process uses: the configured one, or under
    pytest-xdist one per worker process (made when missing), since every test empties
    the tables of the database it runs on."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not url.startswith("postgresql") or not worker:
        return url
    configured = make_url(url)
    name = f"{configured.database}_{worker}"
    server = make_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                  {"name": name}).first()
            if exists is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        server.dispose()
    return configured.set(database=name).render_as_string(hide_password=False)


TEST_DATABASE_URL = _database_of_this_process(os.environ.get("TEST_DATABASE_URL", ""))
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")
BASE_URL = "http://testserver"
PASSWORD = "correct horse battery staple"
TEST_HASHER = PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once per run: a template SQLite file, or the PostgreSQL test database."""
    if ON_POSTGRES:
        engine = make_engine(TEST_DATABASE_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        upgrade(engine)
        engine.dispose()
        return TEST_DATABASE_URL
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return str(path)


def _empty_postgres(eng: Engine) -> None:
    # DELETE plus sequence resets is ~25x faster than TRUNCATE on small tables.
    with eng.begin() as conn:
        for table in reversed(SQLModel.metadata.sorted_tables):
            conn.execute(table.delete())
        sequences = conn.execute(text(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
        )).scalars().all()
        for name in sequences:
            conn.execute(text("SELECT setval(:name, 1, false)"), {"name": name})


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap Argon2id parameters in tests; production strength is tested in test_auth."""
    monkeypatch.setattr(passwords, "_hasher", TEST_HASHER)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", TEST_HASHER.hash("dummy password"))


@pytest.fixture
def engine(migrated_template: str, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database for this test alone."""
    if ON_POSTGRES:
        eng = make_engine(TEST_DATABASE_URL)
        yield eng
        _empty_postgres(eng)
        eng.dispose()
        return
    path = tmp_path / "test.sqlite3"
    shutil.copyfile(migrated_template, path)
    # Tests need no power-cut durability; an fsync per commit would slow the suite a lot.
    eng = make_engine(f"sqlite:///{path}", sqlite_synchronous="NORMAL")
    yield eng
    eng.dispose()


@pytest.fixture
def thread_trips(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every function sent to a worker thread while the test runs (anyio's `run_sync`,
    which `run_in_threadpool` and Starlette's sync endpoints use): under a spike each
    trip waits behind the worker's queue."""
    trips: list[object] = []
    run_sync = anyio.to_thread.run_sync

    async def counted(func, *args, **kwargs):  # type: ignore[no-untyped-def]
        trips.append(func)
        return await run_sync(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    return trips


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement run on the test engine while the test runs."""
    seen: list[str] = []

    def collect(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", collect)
    yield seen
    event.remove(engine, "before_cursor_execute", collect)


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session on the test database (commit to make rows visible to the app)."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 6, 1, 2, 0, tzinfo=UTC))


@pytest.fixture(scope="session")
def template_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every template compiled once per test process, as `portal init` does for a deploy
    (each test's app then loads them instead of compiling its own)."""
    directory = tmp_path_factory.mktemp("template-cache")
    primer = Settings(secret_key="x" * 64, database_url="sqlite://", data_dir=directory,
                      upload_dir=directory)
    prime(make_templates(HashedStatic(), primer).env, directory)
    return directory


@pytest.fixture
def settings(tmp_path: Path, template_cache_dir: Path) -> Settings:
    return Settings(
        secret_key="test-secret-key-" + "x" * 40,
        database_url=TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'test.sqlite3'}",
        data_dir=tmp_path,
        upload_dir=tmp_path / "uploads",
        mode="test",
        base_url=BASE_URL,
        # A render in the background would race the test's own session and statement
        # counts; tests/test_public_cache_renders.py turns it on where it is the subject.
        public_cache_refresh_ahead=False,
        template_cache_dir=template_cache_dir,
    )


@pytest.fixture
def app(settings: Settings, engine: Engine, clock: FixedClock):  # type: ignore[no-untyped-def]
    return create_app(settings, engine=engine, clock=clock)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, base_url=BASE_URL, follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def make_user(db: Session, clock: FixedClock):  # type: ignore[no-untyped-def]
    """Create a staff account: make_user(role, username=..., unit_id=...)."""

    def factory(role: Role | str, username: str | None = None, **fields: object) -> StaffUser:
        role = Role(role)
        user = StaffUser(
            username=username or f"{role.value}1", display_name=f"Test {role.value}",
            password_hash=passwords.hash_password(PASSWORD), role=role, created_at=clock(),
            **fields,
        )
        db.add(user)
        db.commit()
        db.refresh(user)
        return user

    return factory


def page(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    """Parse an HTML response."""
    return BeautifulSoup(response.text, "html.parser")


def foreign_scripts(doc: BeautifulSoup) -> list[object]:
    """Script elements that are not the portal's own static files (e.g. injected ones)."""
    return [s for s in doc.select("script") if not str(s.get("src", "")).startswith("/static/")]


def form_fields(response, form_selector: str = "form[method=post]") -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The named inputs of the first matching form, with their current values."""
    form = page(response).select_one(form_selector)
    assert form is not None, f"no form matching {form_selector!r}"
    fields: dict[str, str] = {}
    for element in form.select("input[name], textarea[name], select[name]"):
        name = element["name"]
        if element.name == "textarea":
            fields[name] = element.text
        elif element.name == "select":
            chosen = element.select_one("option[selected]") or element.select_one("option")
            fields[name] = chosen.get("value", "") if chosen else ""
        elif element.get("type") in ("checkbox", "radio"):
            if element.has_attr("checked"):
                fields[name] = element.get("value", "on")
        elif element.get("type") != "submit":
            fields[name] = element.get("value", "")
    return fields


def csrf_from(response) -> str:  # type: ignore[no-untyped-def]
    """The CSRF token of the first form on the page."""
    field = page(response).select_one("input[name=csrf_token]")
    assert field is not None, "page has no CSRF field"
    return field["value"]


def login(client: TestClient, username: str, password: str = PASSWORD) -> None:
    """Sign in through the real form."""
    form = client.get("/staff/login")
    response = client.post("/staff/login", data={
        "csrf_token": csrf_from(form), "username": username, "password": password,
    })
    assert response.status_code == 303, response.text[:500]
