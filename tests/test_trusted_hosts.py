"""Trusted hosts (issue 14, acceptance 3): the portal answers only for its configured
hosts, and no response carries an address built from a request header."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from moderation.roles import Role
from portal.app import create_app
from portal.middleware.trusted_hosts import host_name
from tests.conftest import BASE_URL, login
from tests.test_auth import fast_hashing  # noqa: F401 - fixture

EVIL = "evil.example"
HOSTILE_HEADERS = {
    "X-Forwarded-Host": EVIL, "X-Forwarded-Server": EVIL, "X-Host": EVIL,
    "Forwarded": f"for=1.2.3.4;host={EVIL};proto=https", "X-Original-URL": f"//{EVIL}/",
    "Referer": f"https://{EVIL}/", "Origin": f"https://{EVIL}",
}


@pytest.mark.parametrize(("header", "name"), [
    ("testserver", "testserver"), ("TestServer:8000", "testserver"), ("[::1]:80", "::1"),
    ("evil.example:443", EVIL), ("", ""), ("a:b:c", "a:b:c"),
])
def test_host_name_strips_the_port_only(header: str, name: str) -> None:
    assert host_name(header) == name


@pytest.mark.parametrize("path", ["/", "/staff/login", "/submit/tip", "/track", "/feed.atom",
                                  "/no-such-page"])
def test_another_host_gets_400_with_the_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"Host": EVIL})
    assert response.status_code == 400
    assert EVIL not in response.text
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in response.headers["content-security-policy"]


def test_a_post_for_another_host_is_refused_before_the_app(client: TestClient) -> None:
    assert client.post("/staff/login", headers={"Host": EVIL},
                       data={"username": "x"}).status_code == 400


def test_allowed_hosts_extend_the_base_url(settings: Any, engine: Any, clock: Any) -> None:
    configured = dataclasses.replace(settings, allowed_hosts=("www.example.gov.cn",))
    app = create_app(configured, engine=engine, clock=clock)
    with TestClient(app, base_url=BASE_URL) as other:
        assert other.get("/", headers={"Host": "www.example.gov.cn"}).status_code == 200
        assert other.get("/", headers={"Host": "testserver"}).status_code == 200
        assert other.get("/", headers={"Host": EVIL}).status_code == 400


def test_slash_redirects_are_relative(client: TestClient) -> None:
    response = client.get("/staff?x=1")
    assert response.status_code == 307
    assert response.headers["location"] == "/staff/?x=1"
    assert client.get("/staff", headers={"Host": EVIL}).status_code == 400


def _get_paths(app: Any, prefix: str) -> list[str]:
    return sorted({r.path for r in app.routes if isinstance(r, Route) and "{" not in r.path
                   and r.path.startswith(prefix) and "GET" in (r.methods or ())})


def _assert_nothing_from_headers(response: Any, path: str) -> None:
    # /readyz answers 503 while UPLOAD_DIR (not made here) is missing: that is its job.
    assert response.status_code < 500 or (path == "/readyz" and response.status_code == 503), path
    assert EVIL not in response.text, path
    for name, value in response.headers.items():
        assert EVIL not in value, f"{path}: {name}"


@pytest.mark.parametrize("role", [None, Role.admin, Role.moderator, Role.press])
def test_no_response_carries_an_address_from_a_request_header(
        client: TestClient, app: Any, make_user: Any, role: Role | None) -> None:
    if role is not None:
        login(client, make_user(role).username)
    paths = _get_paths(app, "/staff" if role else "/")
    paths = [p for p in paths if (role is None) != p.startswith("/staff")]
    assert len(paths) > 5
    for path in paths:
        _assert_nothing_from_headers(client.get(path, headers=HOSTILE_HEADERS), path)
        if not path.endswith("/") and "." not in path:
            _assert_nothing_from_headers(client.get(path + "/", headers=HOSTILE_HEADERS), path)
