"""Database outages: stale public pages, 503 elsewhere, forms given back, self-recovery.

Runs against a PostgreSQL cluster of this test's own, stopped and started for real.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import text
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from moderation.clock import FixedClock
from portal.app import create_app
from portal.db import make_engine
from portal.errors import unavailable_page
from portal.middleware.outage import database_unavailable, typed_fields
from portal.migrate import upgrade
from portal.settings import Settings
from tests.conftest import BASE_URL, form_fields, page
from tests.pg_cluster import Cluster, server_bin
from tests.test_intake_web import NO_FILE, fields_of

CONTENT = "派出所民警在办理户口时索要好处费。OUTAGE-MARKER 4417 happened in May."


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    bin_dir = server_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries are not installed")
    own = Cluster(bin_dir)
    own.init()
    own.start()
    yield own
    own.destroy()


@pytest.fixture
def pg_engine(cluster: Cluster) -> Iterator[Engine]:
    engine = make_engine(cluster.url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    yield engine
    engine.dispose()


def test_outage_serves_stale_pages_503_elsewhere_and_gives_forms_back(
        cluster: Cluster, pg_engine: Engine, tmp_path: Path, clock: FixedClock) -> None:
    settings = Settings(secret_key="outage-secret-" + "k" * 40, database_url=cluster.url,
                        data_dir=tmp_path, upload_dir=tmp_path / "uploads", mode="test",
                        base_url=BASE_URL, public_cache_seconds=60)
    app = create_app(settings, engine=pg_engine, clock=clock)
    with TestClient(app, base_url=BASE_URL, follow_redirects=False,
                    raise_server_exceptions=False) as client:
        client.headers["Accept-Language"] = "en"
        home = client.get("/")
        assert home.status_code == 200
        form = client.get("/submit/tip")
        assert form.status_code == 200
        # A minute later the cached copy is out of date: during the outage it is served stale.
        clock.advance(minutes=1)

        cluster.stop()
        try:
            stale = client.get("/")
            assert stale.status_code == 200
            assert stale.headers["x-stale"] == "database unavailable"
            assert stale.text == home.text

            # The blank form is rendered from the worker's cached data (issue 12): it opens;
            # sending it during the outage gives it back filled in (below).
            assert client.get("/submit/tip").status_code == 200
            for path in ("/pledges", "/announcements", "/statistics"):
                response = client.get(path)
                assert response.status_code == 503, path
                assert response.headers["retry-after"].isdigit()
                assert page(response).select_one("h1").get_text(strip=True) == \
                    "Temporarily unavailable"

            typed = {**fields_of(form), "content": CONTENT, "happened_where": "东城 派出所"}
            posted = client.post("/submit/tip", data=typed, files=NO_FILE)
            assert posted.status_code == 503
            assert posted.headers["retry-after"].isdigit()
            given_back = page(posted).select_one("form.outage-form")
            assert given_back["action"] == "/submit/tip"
            assert given_back["enctype"] == "multipart/form-data"
            refill = form_fields(posted, "form.outage-form")
            assert given_back.select_one("textarea[name=content]").text == CONTENT
            assert refill["form_token"] == typed["form_token"]
            assert refill["happened_where"] == "东城 派出所"
            assert "website" not in refill  # the honeypot is never echoed

            login_form = client.get("/staff/login")  # needs no database
            sign_in = client.post("/staff/login", data={**form_fields(login_form),
                                                        "username": "moderator1",
                                                        "password": "not shown again"})
            assert sign_in.status_code == 503
            assert "not shown again" not in sign_in.text  # passwords are never echoed

            zh = client.get("/pledges", headers={"Accept-Language": "zh-CN"})
            assert page(zh).select_one("h1").get_text(strip=True) == "暂时无法使用"
        finally:
            cluster.start()

        # Recovery without a restart: the same form, sent again, reaches the confirmation.
        again = client.post("/submit/tip", data=refill, files=NO_FILE)
        assert again.status_code == 200, again.text[:1000]
        assert page(again).select_one("form.confirm-actions") is not None
        assert client.get("/pledges").status_code == 200
        fresh = client.get("/")
        assert fresh.status_code == 200
        assert "x-stale" not in fresh.headers


def test_form_text_is_recovered_from_multipart_and_urlencoded_bodies() -> None:
    boundary = "XyZ"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"content\"\r\n\r\n"
            f"举报 内容\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"evidence\"; "
            f"filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8 binary"
            ).encode("latin-1", "replace")
    body = body.replace("举报 内容".encode("latin-1", "replace"), "举报 内容".encode())
    # Truncated inside the file part (as a body cut at the size cap would be).
    assert typed_fields(f"multipart/form-data; boundary={boundary}", body) == [
        ("content", "举报 内容")]
    assert typed_fields("application/x-www-form-urlencoded",
                        b"a=1&note=%E4%BD%A0+%E5%A5%BD") == [("a", "1"), ("note", "你 好")]
    assert typed_fields("text/plain", b"x") == []


def test_only_unreachable_database_errors_count_as_outages() -> None:
    from sqlalchemy.exc import IntegrityError, OperationalError

    assert database_unavailable(OperationalError("SELECT 1", {}, Exception("refused")))
    assert not database_unavailable(IntegrityError("INSERT", {}, Exception("dup")))
    wrapped = RuntimeError("while rendering")
    wrapped.__cause__ = OperationalError("SELECT 1", {}, Exception("refused"))
    assert database_unavailable(wrapped)
    assert not database_unavailable(ValueError("no"))


def test_outage_page_never_fails_and_hides_machine_fields(app: Any) -> None:
    from starlette.requests import Request

    scope = {"type": "http", "method": "POST", "path": "/staff/x", "headers": [],
             "query_string": b"", "app": app, "state": {"locale": "en"}}
    response = unavailable_page(Request(scope), [("version", "3"), ("note", "a b")])
    assert response.status_code == 503
    doc = BeautifulSoup(response.body.decode(), "html.parser")
    assert doc.select_one("input[type=hidden][name=version]")["value"] == "3"
    assert doc.select_one("textarea[name=note]").text == "a b"
