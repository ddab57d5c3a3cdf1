"""Every response carries the security headers; cookies are locked down; static caching."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.testclient import TestClient

from moderation.clock import FixedClock
from moderation.roles import Role
from portal.app import create_app
from portal.csrf import CSRF_COOKIE, CSRF_FIELD, csrf_token
from portal.i18n import translations
from portal.routing import PUBLIC, route
from portal.settings import Settings
from tests.conftest import BASE_URL, login, page

HTTPS_BASE = "https://testserver"
PROBE_STAFF = "/staff/__test__/probe"
PROBE_CRASH = "/__test__/crash"
PROBE_FORM = "/__test__/form"
DUMMY_PARAMS = {"int": "1", "float": "1.5", "uuid": "00000000-0000-4000-8000-000000000001",
                "path": "x", "str": "x"}
ONE_YEAR = 365 * 24 * 3600


class Boom(RuntimeError):
    pass


def add_probes(app: Starlette) -> None:
    """Test-only routes: a staff page, a handler that crashes, a form page and its POST."""

    def staff_probe(request: Request) -> Response:
        return PlainTextResponse("staff only")

    def crash(request: Request) -> Response:
        raise Boom("deliberate failure for the 500 page")

    def form_page(request: Request) -> Response:
        return PlainTextResponse(csrf_token(request))

    def form_post(request: Request) -> Response:
        return PlainTextResponse("posted")

    app.router.routes[:0] = [
        route(PROBE_STAFF, staff_probe, roles={Role.admin, Role.press}),
        route(PROBE_CRASH, crash, roles=PUBLIC),
        route(PROBE_FORM, form_page, roles=PUBLIC),
        route(PROBE_FORM, form_post, roles=PUBLIC, methods=["POST"]),
    ]


def production_settings(tmp_path: Path, engine: Engine) -> Settings:
    """Production mode, built the way the server builds it: from the environment."""
    return Settings.from_env({
        "MINSHENG_MODE": "production",
        "SECRET_KEY": "a-long-production-secret-" + "q" * 24,
        # The dev app of these tests shares the database: the key canary accepts only
        # the master key that app derives from its SECRET_KEY.
        "ENCRYPTION_KEY": "test-secret-key-" + "x" * 40,
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "DATA_DIR": str(tmp_path / "prod-data"),
        "BASE_URL": HTTPS_BASE,
    }, env_file=None)


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    add_probes(app)
    with TestClient(app, base_url=BASE_URL, follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def prod_client(tmp_path: Path, engine: Engine, clock: FixedClock) -> Iterator[TestClient]:
    app = create_app(production_settings(tmp_path, engine), engine=engine, clock=clock)
    add_probes(app)
    with TestClient(app, base_url=HTTPS_BASE, follow_redirects=False) as test_client:
        yield test_client


def csp_directives(response) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    header = response.headers.get("content-security-policy", "")
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        if name:
            directives[name.lower()] = values
    return directives


def assert_security_headers(response, *, production: bool = False) -> None:  # type: ignore[no-untyped-def]
    headers = response.headers
    assert len(headers.get_list("content-security-policy")) == 1
    csp = csp_directives(response)
    assert csp.get("default-src") == ["'none'"]
    assert csp.get("frame-ancestors") == ["'none'"]
    assert csp.get("form-action") == ["'self'"]
    assert csp.get("base-uri") == ["'none'"]
    raw = headers["content-security-policy"].lower()
    for loose in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "data:", " *", "http:"):
        assert loose not in raw, f"CSP allows {loose}"
    assert headers.get("referrer-policy") == "no-referrer"
    assert headers.get("x-content-type-options") == "nosniff"
    assert headers.get("x-frame-options") == "DENY"
    hsts = headers.get("strict-transport-security")
    if production:
        assert hsts is not None
        match = re.search(r"max-age=(\d+)", hsts)
        assert match is not None
        assert int(match.group(1)) >= ONE_YEAR
    else:
        assert hsts is None, "HSTS outside production would pin plain-HTTP dev servers"
    assert "server" not in headers or "uvicorn" not in headers["server"].lower()


def walk(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, Route]]:
    for item in routes:
        if isinstance(item, Route):
            yield prefix + item.path, item
        elif isinstance(item, Mount) and getattr(item.app, "routes", None):
            yield from walk(item.routes, prefix + item.path)


def get_paths() -> list[str]:
    """Every GET route of the app, with dummy path parameters."""
    app = create_app(Settings(secret_key="collection-only-" + "x" * 32,
                              database_url="sqlite://", data_dir=Path("."),
                              upload_dir=Path("uploads")))
    paths = {re.sub(r"{(\w+)(?::(\w+))?}", lambda m: DUMMY_PARAMS[m.group(2) or "str"], path)
             for path, item in walk(app.routes) if "GET" in (item.methods or ())}
    return sorted(paths)


GET_PATHS = get_paths()


# --- each kind of response -------------------------------------------------------------------

def static_url(client: TestClient, path: str = "css/site.css") -> str:
    return client.app.state.static.url(path)  # type: ignore[attr-defined]


@pytest.mark.parametrize("production", [False, True], ids=["dev", "production"])
def test_every_kind_of_response_has_the_headers(client: TestClient, prod_client: TestClient,
                                                production: bool) -> None:
    c = prod_client if production else client
    responses = {
        "public page": c.get("/"),
        "404": c.get("/no/such/page"),
        "staff redirect": c.get(PROBE_STAFF),
        "static file": c.get(static_url(c)),
        "missing static file": c.get("/static/0123456789ab/css/nope.css"),
        "csrf 403": c.post(PROBE_FORM, data={"x": "1"}),
        "405": c.delete("/"),
        "500": c.get(PROBE_CRASH),
    }
    expected = {"public page": 200, "404": 404, "staff redirect": 303, "static file": 200,
                "missing static file": 404, "csrf 403": 403, "405": 405, "500": 500}
    assert {k: r.status_code for k, r in responses.items()} == expected
    for kind, response in responses.items():
        try:
            assert_security_headers(response, production=production)
        except AssertionError as exc:
            raise AssertionError(f"{kind}: {exc}") from exc


@pytest.mark.parametrize(("accept", "locale", "lang"),
                         [("en", "en", "en"), ("zh-CN,zh;q=0.9", "zh_CN", "zh-CN")])
def test_500_page_is_styled_and_translated(client: TestClient, accept: str, locale: str,
                                           lang: str) -> None:
    response = client.get(PROBE_CRASH, headers={"Accept-Language": accept})
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    html = page(response)
    assert html.html["lang"] == lang
    assert html.select_one("h1").get_text(strip=True) == translations(locale).gettext(
        "Something went wrong")
    assert html.select_one("link[rel=stylesheet]")["href"] == static_url(client)
    assert "deliberate failure" not in response.text  # no exception text leaks
    assert "Traceback" not in response.text


@pytest.mark.parametrize("path", GET_PATHS)
def test_every_get_route_has_the_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    if path == "/readyz":  # 503 is its answer while UPLOAD_DIR (not made here) is missing
        assert response.status_code in (200, 503)
    else:
        assert response.status_code < 500, f"{path}: {response.status_code}"
    assert_security_headers(response)
    if path.startswith("/staff"):
        assert response.headers.get("cache-control") == "no-store", path


def test_staff_pages_are_never_stored(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.admin, username="admin1")
    login(client, "admin1")
    response = client.get(PROBE_STAFF)
    assert response.status_code == 200
    assert response.text == "staff only"
    assert response.headers["cache-control"] == "no-store"
    assert_security_headers(response)
    public = client.get("/")
    assert "no-store" not in public.headers.get("cache-control", "")


# --- static files under content-hashed URLs ---------------------------------------------------

@pytest.mark.parametrize("name", ["css/site.css", "css/staff.css"])
def test_static_files_are_immutable_under_their_hash(client: TestClient, name: str) -> None:
    url = static_url(client, name)
    digest = url.split("/")[2]
    assert re.fullmatch(r"[0-9a-f]{8,}", digest)
    response = client.get(url)
    assert response.status_code == 200
    assert response.content == (Path(__file__).resolve().parent.parent / "static" / name
                                ).read_bytes()
    assert response.headers["content-type"].startswith("text/css")
    cache = response.headers["cache-control"]
    assert "immutable" in cache
    assert int(re.search(r"max-age=(\d+)", cache).group(1)) >= ONE_YEAR  # type: ignore[union-attr]
    assert_security_headers(response)


def test_old_hash_is_not_cached_as_immutable(client: TestClient) -> None:
    current = static_url(client)
    old = current.replace(current.split("/")[2], "000000000000")
    response = client.get(old)
    assert response.status_code in (200, 404)
    assert "immutable" not in response.headers.get("cache-control", "")
    assert "max-age=31536000" not in response.headers.get("cache-control", "")


def test_pages_link_static_files_by_hash(client: TestClient) -> None:
    hrefs = [link["href"] for link in page(client.get("/")).select("link[rel=stylesheet]")]
    assert static_url(client) in hrefs


@pytest.mark.parametrize("path", [
    "/static/0123456789ab/%2e%2e/%2e%2e/pyproject.toml",
    "/static/0123456789ab/..%2F..%2Fportal/settings.py",
    "/static/0123456789ab/",
    "/static/",
])
def test_static_does_not_leave_its_folder(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "secret" not in response.text.lower()
    assert_security_headers(response)


# --- cookies ------------------------------------------------------------------------------------

def set_cookie(response, name: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The attributes of the Set-Cookie header for `name` (lower-case keys)."""
    for header in response.headers.get_list("set-cookie"):
        first, *attrs = [part.strip() for part in header.split(";")]
        if first.split("=", 1)[0] == name:
            parsed = {"value": first.split("=", 1)[1]}
            for attr in attrs:
                key, _, value = attr.partition("=")
                parsed[key.lower()] = value
            return parsed
    raise AssertionError(f"no Set-Cookie for {name!r}: {response.headers.get_list('set-cookie')}")


def assert_locked_cookie(attrs: dict[str, str], *, production: bool) -> None:
    assert "httponly" in attrs
    assert attrs.get("samesite", "").lower() in ("lax", "strict")
    assert ("secure" in attrs) is production


def sign_in_cookie(c: TestClient, make_user, username: str):  # type: ignore[no-untyped-def]
    """Sign in through the real form and return the response that set the session."""
    make_user(Role.admin, username=username)
    form = c.get("/staff/login")
    token = page(form).select_one(f"input[name={CSRF_FIELD}]")["value"]
    response = c.post("/staff/login", data={CSRF_FIELD: token, "username": username,
                                            "password": "correct horse battery staple"})
    assert response.status_code == 303, response.text[:300]
    return form, response


@pytest.mark.parametrize("production", [False, True], ids=["dev", "production"])
def test_cookies_are_httponly_samesite_and_secure_in_production(
        client: TestClient, prod_client: TestClient, make_user,  # type: ignore[no-untyped-def]
        production: bool) -> None:
    c = prod_client if production else client

    form, signed_in = sign_in_cookie(c, make_user, "cookieadmin")
    csrf = set_cookie(form, CSRF_COOKIE)
    assert_locked_cookie(csrf, production=production)
    assert csrf["samesite"].lower() == "strict"
    assert csrf.get("path") == "/"
    staff = set_cookie(signed_in, "ms_staff")
    assert_locked_cookie(staff, production=production)
    assert staff.get("path") == "/staff"
    assert staff["value"] not in c.get("/staff/").text

    lang = set_cookie(c.get("/lang/en?next=/"), "lang")
    assert_locked_cookie(lang, production=production)
    assert lang["value"] == "en"


def test_production_app_is_really_in_production_mode(prod_client: TestClient) -> None:
    settings = prod_client.app.state.settings  # type: ignore[attr-defined]
    assert settings.production
    assert len(settings.secret_key) >= 40
    assert not (Path(settings.data_dir) / "secret_key").exists()
