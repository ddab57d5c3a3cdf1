"""The serving entry points start the cleaning sandbox, freeze the heap built at start-up
and shorten the GIL's switch interval (portal.ops.warm_start): the first upload does not
wait for the sandbox, full garbage collections under load walk only what requests made,
and threads wait less for the event loop (issue 12: spike latency)."""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from moderation import sandbox
from portal.app import create_app
from portal.db import make_engine
from portal.migrate import upgrade
from portal.ops.warm_start import warm_start
from tests.test_cli import import_asgi


def migrated(folder: Path) -> str:
    """The URL of a new, migrated SQLite database in `folder`."""
    url = f"sqlite:///{folder / 'served.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture
def unfrozen():  # type: ignore[no-untyped-def]
    """Gives back to the test process's collector whatever a test froze; stops the
    sandbox's zygote before, so that the test sees who starts it."""
    gc.unfreeze()
    sandbox._restart_zygote()
    interval = sys.getswitchinterval()
    yield
    gc.unfreeze()
    sys.setswitchinterval(interval)


@pytest.mark.usefixtures("unfrozen")
def test_start_up_ends_with_the_sandbox_started_and_the_heap_frozen(  # type: ignore[no-untyped-def]
        settings, engine, clock) -> None:
    plain = create_app(settings, engine=engine, clock=clock)
    with TestClient(plain):
        assert gc.get_freeze_count() == 0  # an app built by tests freezes nothing
        assert not sandbox.running()  # nor starts the sandbox before an upload
        assert sys.getswitchinterval() == 0.005  # nor changes the GIL's switch interval
    app = warm_start(create_app(settings, engine=engine, clock=clock))
    with TestClient(app) as client:
        assert sandbox.running()
        assert sys.getswitchinterval() == 0.001  # threads get the GIL back sooner
        frozen = gc.get_freeze_count()
        assert frozen > 10_000  # the modules, mappers and app: some 140,000 in a worker
        assert client.get("/healthz").status_code == 200
        tracked = len(gc.get_objects())
    assert tracked < frozen  # a full collection now walks a fraction of the heap


@pytest.mark.usefixtures("unfrozen")
def test_the_asgi_module_starts_warm(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    module = import_asgi(monkeypatch, tmp_path, DATA_DIR=str(tmp_path / "data"),
                         DATABASE_URL=migrated(tmp_path))
    with TestClient(module.app):
        assert gc.get_freeze_count() > 10_000
        assert sandbox.running()


@pytest.mark.usefixtures("unfrozen")
def test_portal_serve_starts_warm(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from portal import cli

    url = migrated(tmp_path)
    served: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: served.append(app))
    for name, value in {"MINSHENG_MODE": "dev", "SECRET_KEY": "heap-test-" + "k" * 40,
                        "DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": url}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)  # no .env file from the working tree
    assert cli.main(["serve", "--port", "8123"]) == 0
    with TestClient(served[0]):
        assert gc.get_freeze_count() > 10_000
        assert sandbox.running()


@pytest.mark.usefixtures("unfrozen")
def test_a_sandbox_that_does_not_start_leaves_the_portal_serving(  # type: ignore[no-untyped-def]
        settings, engine, clock, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> None:
        raise sandbox.WorkerCrashed("the sandbox's zygote did not start")

    monkeypatch.setattr(sandbox, "start", broken)
    app = warm_start(create_app(settings, engine=engine, clock=clock))
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
    assert "the file sandbox did not start" in caplog.text


def test_a_serving_process_leaves_the_decoders_to_the_sandbox(tmp_path: Path) -> None:
    """Pillow (~12 MB resident) and the QR code maker are imported where they are used:
    in the sandbox's children and on the staff page that sets up sign-in codes."""
    import os
    import subprocess
    import sys

    heavy = ("PIL", "qrcode", "pypdf", "openpyxl", "mutagen")
    code = ("import sys, portal.asgi; "
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r})))")
    env = {**os.environ, "SECRET_KEY": "s" * 48, "DATA_DIR": str(tmp_path),
           "DATABASE_URL": migrated(tmp_path), "MINSHENG_MODE": "dev"}
    loaded = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, check=True, cwd=Path(__file__).parent.parent)
    assert loaded.stdout.strip() == "[]"
