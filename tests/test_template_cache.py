"""Compiled templates on disk: `portal init` writes them, serving apps load them and never
write, and an edited template is compiled again rather than served stale."""

from __future__ import annotations

import stat
from dataclasses import replace
from pathlib import Path

import jinja2
import pytest
from starlette.testclient import TestClient

from portal.app import create_app
from portal.cli import main
from portal.settings import Settings
from portal.static_files import HashedStatic
from portal.template_cache import TemplateBytecodeCache, prime
from portal.templating import TEMPLATE_DIR, make_templates
from tests.conftest import BASE_URL
from tests.test_cli import use_db  # noqa: F401 - the fixture


def _template_count() -> int:
    return sum(1 for _ in TEMPLATE_DIR.rglob("*.html"))


def _no_compiling(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make compiling a template fail the test; the names a render tried to compile."""
    compiled: list[str] = []
    original = jinja2.Environment.compile

    def compile_(self, source, name=None, filename=None, raw=False, defer_init=False):  # type: ignore[no-untyped-def]
        compiled.append(name)
        return original(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", compile_)
    return compiled


@pytest.mark.usefixtures("use_db")
def test_init_compiles_every_template_into_a_private_folder(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"]) == 0
    cache = tmp_path / "data" / "template-cache"
    assert f"{_template_count()} templates compiled" in capsys.readouterr().out
    assert len(list(cache.iterdir())) == _template_count()
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700


def test_an_app_loads_compiled_templates_and_compiles_none(
        settings: Settings, engine: object, clock: object,
        monkeypatch: pytest.MonkeyPatch) -> None:
    compiled = _no_compiling(monkeypatch)
    app = create_app(settings, engine=engine, clock=clock)
    with TestClient(app, base_url=BASE_URL) as client:
        for path in ("/", "/submit/tip", "/track", "/verify"):
            assert client.get(path).status_code == 200
    assert compiled == []


def test_an_app_writes_nothing_and_compiles_in_memory_without_a_cache(
        settings: Settings, engine: object, clock: object, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-cache"
    empty.mkdir()
    compiled = _no_compiling(monkeypatch)
    app = create_app(_with_cache(settings, empty), engine=engine, clock=clock)
    with TestClient(app, base_url=BASE_URL) as client:
        assert client.get("/submit/tip").status_code == 200
    assert "intake/tip_form.html" in compiled
    assert list(empty.iterdir()) == []  # no file keeps the time of a citizen's visit


def test_an_edited_template_is_compiled_again_not_served_stale(
        tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "page.html").write_text("as deployed")
    monkeypatch.setattr("portal.templating.TEMPLATE_DIR", templates)
    cache = tmp_path / "cache"
    prime(make_templates(HashedStatic(), settings).env, cache)
    (templates / "page.html").write_text("edited after init")
    compiled = _no_compiling(monkeypatch)
    env = make_templates(HashedStatic(), _with_cache(settings, cache)).env
    assert env.get_template("page.html").render() == "edited after init"
    assert compiled == ["page.html"]


def test_a_cache_that_cannot_be_read_or_written_never_fails_a_page(
        tmp_path: Path, settings: Settings, engine: object, clock: object,
        caplog: pytest.LogCaptureFixture) -> None:
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("")  # opening a file in it fails, whoever runs the test
    env = make_templates(HashedStatic(), settings).env.overlay(
        bytecode_cache=TemplateBytecodeCache(not_a_folder, writable=True), cache_size=0)
    assert env.get_template("errors/error.html") is not None
    assert "template cache not read" in caplog.text
    assert "template cache not written" in caplog.text
    app = create_app(_with_cache(settings, not_a_folder), engine=engine, clock=clock)
    with TestClient(app, base_url=BASE_URL) as client:
        assert client.get("/submit/tip").status_code == 200


def _with_cache(settings: Settings, directory: Path) -> Settings:
    return replace(settings, template_cache_dir=directory)
