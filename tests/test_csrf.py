"""CSRF over every state-changing route: walk the app's routes, attack each one.

Each route accepting POST/PUT/PATCH/DELETE must refuse, with the translated 403 page,
a request without a token, with a token bound to another cookie, with an expired token,
and any cross-site request (Origin / Sec-Fetch-Site), and must let a valid token through.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.testclient import TestClient

from moderation.roles import Role
from portal.app import create_app
from portal.csrf import CSRF_COOKIE, CSRF_FIELD, TOKEN_MAX_AGE, UNSAFE_METHODS, csrf_token
from portal.i18n import translations
from portal.routing import PUBLIC, route
from portal.settings import Settings
from tests.conftest import BASE_URL, login, page

PROBE_TOKEN = "/__test__/csrf-token"
PROBE_POST = "/__test__/csrf-post"
DUMMY_PARAMS = {"int": "1", "float": "1.5", "uuid": "00000000-0000-4000-8000-000000000001",
                "path": "x", "str": "x"}
EXPIRED_MESSAGE = ("This form has expired or was not sent from this site. Go back, reload the "
                   "page and send it again; what you typed is still in the form when you go "
                   "back.")


def walk(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, Route]]:
    """Every Route of the app with its full path, inside mounts too."""
    for item in routes:
        if isinstance(item, Route):
            yield prefix + item.path, item
        elif isinstance(item, Mount) and getattr(item.app, "routes", None):
            yield from walk(item.routes, prefix + item.path)


def concrete(path: str) -> str:
    """The path with each `{name:type}` replaced by a dummy value of that type."""
    return re.sub(r"{(\w+)(?::(\w+))?}", lambda m: DUMMY_PARAMS[m.group(2) or "str"], path)


def unsafe_routes() -> list[tuple[str, str, Route]]:
    """(method, concrete path, route) for every unsafe method of every route."""
    probe_settings = Settings(secret_key="collection-only-" + "x" * 32,
                              database_url="sqlite://", data_dir=Path("."),
                              upload_dir=Path("uploads"))
    app = create_app(probe_settings)
    found = []
    for path, item in walk(app.routes):
        for method in sorted(UNSAFE_METHODS.intersection(item.methods or ())):
            found.append((method, concrete(path), item))
    return found


UNSAFE_ROUTES = unsafe_routes()
ROUTE_IDS = [f"{method} {path}" for method, path, _ in UNSAFE_ROUTES]


def add_probes(app: Starlette) -> None:
    """A page that issues a token (as any form page does), and a plain protected POST."""

    def issue(request: Request) -> Response:
        return PlainTextResponse(csrf_token(request))

    def accept(request: Request) -> Response:
        return PlainTextResponse("accepted")

    app.router.routes[:0] = [route(PROBE_TOKEN, issue, roles=PUBLIC),
                             route(PROBE_POST, accept, roles=PUBLIC, methods=["POST"])]


@pytest.fixture
def probed(app: Starlette) -> Starlette:
    add_probes(app)
    return app


@pytest.fixture
def client(probed: Starlette) -> Iterator[TestClient]:
    with TestClient(probed, base_url=BASE_URL, follow_redirects=False) as test_client:
        yield test_client


def fresh_token(client: TestClient) -> str:
    response = client.get(PROBE_TOKEN)
    assert response.status_code == 200
    assert client.cookies.get(CSRF_COOKIE)
    return response.text


def refused(response, locale: str = "en") -> bool:  # type: ignore[no-untyped-def]
    """True if this is the translated CSRF refusal page in `locale`."""
    if response.status_code != 403:
        return False
    html = page(response)
    title = html.select_one("h1")
    expected_lang = {"zh_CN": "zh-CN"}.get(locale, locale)
    return (html.html is not None and html.html.get("lang") == expected_lang
            and title is not None
            and title.get_text(strip=True) == translations(locale).gettext("Form expired"))


def send(client: TestClient, method: str, path: str, data: dict[str, str],
         **headers: str):  # type: ignore[no-untyped-def]
    return client.request(method, path, data=data,
                          headers={"Accept-Language": "en", **headers})


# --- the route table ---------------------------------------------------------------------

def test_routes_were_found() -> None:
    paths = {path for _, path, _ in UNSAFE_ROUTES}
    assert "/staff/login" in paths  # the sweep sees the real routes, not just the probes
    assert len(UNSAFE_ROUTES) >= 5


@pytest.mark.parametrize(("method", "path", "item"), UNSAFE_ROUTES, ids=ROUTE_IDS)
def test_route_is_built_with_csrf(method: str, path: str, item: Route) -> None:
    """Built through portal.routing.route, and not exempted (no exemption is allowed)."""
    protected = getattr(item.endpoint, "csrf_protected", None)
    assert protected is not None, f"{path}: build it with portal.routing.route()"
    assert protected is True, f"{path} is csrf_exempt; every state-changing route needs CSRF"


# --- every route refuses forged requests ---------------------------------------------------

@pytest.mark.parametrize(("method", "path", "item"), UNSAFE_ROUTES, ids=ROUTE_IDS)
def test_route_refuses_forged_requests(client: TestClient, method: str, path: str,
                                       item: Route, caplog: pytest.LogCaptureFixture,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # No token at all, read in both languages.
    for locale, header in (("en", "en"), ("zh_CN", "zh-CN,zh;q=0.9")):
        response = send(client, method, path, {"title": "x"}, **{"Accept-Language": header})
        assert refused(response, locale), (path, response.status_code, response.text[:300])

    # A token issued to another browser (bound to its cookie).
    with TestClient(client.app, base_url=BASE_URL) as other:
        foreign = fresh_token(other)
    token = fresh_token(client)
    assert foreign != token
    assert refused(send(client, method, path, {CSRF_FIELD: foreign}))

    # A valid token but no cookie (a page that never issued one to this browser).
    cookie = client.cookies.get(CSRF_COOKIE)
    client.cookies.delete(CSRF_COOKIE)
    assert refused(send(client, method, path, {CSRF_FIELD: token}))
    client.cookies.set(CSRF_COOKIE, cookie)

    # A tampered token, and one signed with another key.
    # Change a character in the middle of the signature: every one of its bits counts
    # (the last base64 character carries padding bits, so changing it may change nothing).
    flipped = "A" if token[-5] != "A" else "B"
    assert refused(send(client, method, path, {CSRF_FIELD: token[:-5] + flipped + token[-4:]}))
    other_key = URLSafeTimedSerializer("another-key-" + "y" * 32, salt="minsheng.csrf.form")
    assert refused(send(client, method, path, {CSRF_FIELD: other_key.dumps("anything")}))

    # An expired token gets the "form expired" page, here in Chinese.
    issued_at = int(time.time()) - TOKEN_MAX_AGE - 60
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: issued_at)
        stale = fresh_token(client)
    response = send(client, method, path, {CSRF_FIELD: stale}, **{"Accept-Language": "zh-CN"})
    assert refused(response, "zh_CN")
    message = page(response).select_one("main p:not(.error-code)")
    assert message is not None
    assert message.get_text(" ", strip=True) == translations("zh_CN").gettext(EXPIRED_MESSAGE)

    # Cross-site requests are refused even with a valid token.
    for headers in ({"Origin": "https://evil.example"}, {"Origin": "null"},
                    {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
                    {"Origin": f"{BASE_URL}.evil.example"}):
        response = send(client, method, path, {CSRF_FIELD: token}, **headers)
        assert refused(response), (path, headers, response.status_code)

    # A valid token from this site passes the CSRF layer (whatever the handler says next).
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="portal.errors"):
        response = send(client, method, path, {CSRF_FIELD: token})
    assert not refused(response), path
    assert response.status_code < 500, (path, response.status_code)
    assert not [r for r in caplog.records if "csrf" in r.getMessage()]


# --- the token itself, on the probe route ----------------------------------------------------

def test_valid_token_reaches_the_handler(client: TestClient) -> None:
    token = fresh_token(client)
    response = client.post(PROBE_POST, data={CSRF_FIELD: token})
    assert response.status_code == 200
    assert response.text == "accepted"
    # The same page's token works for several forms until it expires.
    assert client.post(PROBE_POST, data={CSRF_FIELD: token}).text == "accepted"


@pytest.mark.parametrize(
    "headers",
    [{"Origin": BASE_URL}, {"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"},
     {"Origin": BASE_URL + "/", "Sec-Fetch-Site": "same-origin"}],
)
def test_same_site_headers_are_accepted(client: TestClient, headers: dict[str, str]) -> None:
    token = fresh_token(client)
    assert client.post(PROBE_POST, data={CSRF_FIELD: token}, headers=headers).text == "accepted"


def test_token_just_within_its_lifetime_is_accepted(client: TestClient,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    issued_at = int(time.time()) - TOKEN_MAX_AGE + 120
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: issued_at)
        token = fresh_token(client)
    assert client.post(PROBE_POST, data={CSRF_FIELD: token}).text == "accepted"


def test_token_in_query_string_or_header_is_not_enough(client: TestClient) -> None:
    token = fresh_token(client)
    response = client.post(f"{PROBE_POST}?{CSRF_FIELD}={token}",
                           headers={"X-CSRF-Token": token, "Accept-Language": "en"})
    assert refused(response)


def test_json_body_is_not_a_way_around(client: TestClient) -> None:
    token = fresh_token(client)
    response = client.post(PROBE_POST, json={CSRF_FIELD: token},
                           headers={"Accept-Language": "en"})
    assert refused(response)


def test_cookie_is_issued_once_and_kept(client: TestClient) -> None:
    fresh_token(client)
    cookie = client.cookies.get(CSRF_COOKIE)
    second = client.get(PROBE_TOKEN)
    assert "set-cookie" not in second.headers
    assert client.cookies.get(CSRF_COOKIE) == cookie


def test_cross_site_links_still_work_for_reading(client: TestClient) -> None:
    """Only unsafe methods are checked: a link from another site opens the page."""
    response = client.get("/", headers={"Sec-Fetch-Site": "cross-site",
                                        "Origin": "https://elsewhere.example"})
    assert response.status_code == 200


# --- signed in: a valid token with an empty form never gives a 500 ----------------------------

def test_signed_in_admin_posting_empty_forms_gets_no_server_error(
        client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.admin, username="admin1")
    login(client, "admin1")
    token = fresh_token(client)
    crashes = []
    for method, path, _ in UNSAFE_ROUTES:
        if path == "/staff/logout":
            continue  # would end the session the other routes need
        response = send(client, method, path, {CSRF_FIELD: token})
        if refused(response) or response.status_code >= 500:
            crashes.append(f"{method} {path}: {response.status_code}")
    assert not crashes, "\n".join(crashes)
