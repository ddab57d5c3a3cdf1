"""Staff sign-in and sign-out: Argon2id, fresh sessions, idle timeout, throttling."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from argon2 import PasswordHasher
from sqlmodel import select
from starlette.testclient import TestClient

from moderation.ratelimit import RateCounter
from moderation.roles import Role
from portal.accounts import login as login_module
from portal.accounts import passwords
from portal.accounts.models import StaffUser, WebSession
from portal.accounts.passwords import needs_rehash, verify_password
from portal.accounts.sessions import STAFF_COOKIE
from portal.i18n import translations
from tests.conftest import BASE_URL, PASSWORD, csrf_from, login, page

# Cheaper (still Argon2id) parameters keep these tests fast; the weak hash is weaker still.
TEST_HASHER = PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1)
WEAK_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_hasher", TEST_HASHER)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", TEST_HASHER.hash("dummy password"))


@contextmanager
def client_from(app, address: str) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """A test client whose requests come from `address`."""
    with TestClient(app, base_url=BASE_URL, follow_redirects=False,
                    client=(address, 40000)) as other:
        yield other


def attempt(client: TestClient, username: str, password: str, *, lang: str = "en",
            next_url: str | None = None):  # type: ignore[no-untyped-def]
    """One sign-in through the real form."""
    headers = {"Accept-Language": lang}
    form = client.get("/staff/login", headers=headers)
    data = {"csrf_token": csrf_from(form), "username": username, "password": password}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/staff/login", data=data, headers=headers)


def staff_cookie(client: TestClient) -> str | None:
    return client.cookies.get(STAFF_COOKIE, path="/staff")


def use_staff_cookie(client: TestClient, value: str) -> None:
    """Replace the client's staff cookie with `value` (an old or a forged one)."""
    jar = client.cookies.jar
    for cookie in list(jar):
        if cookie.name == STAFF_COOKIE:
            jar.clear(cookie.domain, cookie.path, cookie.name)
    client.cookies.set(STAFF_COOKIE, value, domain="testserver.local", path="/staff")


def test_login_form_is_accessible(client) -> None:
    html = page(client.get("/staff/login"))
    form = html.select_one("main form[method=post]")
    assert form["action"] == "/staff/login"
    for name in ("username", "password"):
        field = form.select_one(f"input[name={name}]")
        assert html.select_one(f"label[for={field['id']}]") is not None
    assert form.select_one("input[name=csrf_token]") is not None


def test_login_success_goes_to_dashboard_with_httponly_cookie(client, make_user) -> None:
    make_user("press")
    response = attempt(client, "press1", PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{STAFF_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert client.get("/staff/").status_code == 200


@pytest.mark.parametrize(("given", "expected"), [
    ("/staff/account", "/staff/account"),
    ("//evil.example/staff", "/staff/"),
    ("https://evil.example/", "/staff/"),
])
def test_login_follows_only_local_next(client, make_user, given, expected) -> None:
    make_user("leader")
    response = attempt(client, "leader1", PASSWORD, next_url=given)
    assert response.headers["location"] == expected


def test_anonymous_staff_page_redirects_to_login_with_next(client) -> None:
    response = client.get("/staff/account")
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/login?next=/staff/account"
    form = page(client.get(response.headers["location"]))
    assert form.select_one("input[name=next]")["value"] == "/staff/account"


def _comparable(response, username: str) -> str:  # type: ignore[no-untyped-def]
    html = response.text.replace(csrf_from(response), "TOKEN")
    return html.replace(f'value="{username}"', 'value="NAME"')


def test_unknown_user_and_wrong_password_look_the_same(client, make_user, monkeypatch) -> None:
    make_user("moderator", username="known1")
    calls: list[bool] = []

    def spy(stored_hash: str | None, password: str) -> bool:
        calls.append(stored_hash is not None)
        return verify_password(stored_hash, password)

    monkeypatch.setattr(login_module, "verify_password", spy)
    wrong = attempt(client, "known1", "not the password at all")
    unknown = attempt(client, "nobody1", "not the password at all")
    assert wrong.status_code == unknown.status_code == 422
    assert _comparable(wrong, "known1") == _comparable(unknown, "nobody1")
    message = page(wrong).select_one("#login-error").text
    assert message == "Wrong user name or password."
    # One Argon2 verification each: the unknown user is checked against a dummy hash.
    assert calls == [True, False]
    assert staff_cookie(client) is None


def test_failed_login_keeps_user_name_and_links_error(client, make_user) -> None:
    make_user("press")
    html = page(attempt(client, "press1", "wrong password here"))
    field = html.select_one("input[name=username]")
    assert field["value"] == "press1"
    assert "login-error" in field["aria-describedby"]
    assert html.select_one("input[name=password]").get("value") is None


def test_disabled_user_gets_the_generic_failure(client, make_user) -> None:
    make_user("press", is_active=False)
    response = attempt(client, "press1", PASSWORD)
    assert response.status_code == 422
    assert page(response).select_one("#login-error") is not None


def test_weak_hash_is_upgraded_at_login(client, make_user, db) -> None:
    weak = WEAK_HASHER.hash(PASSWORD)
    user = make_user("press")
    user.password_hash = weak
    db.add(user)
    db.commit()
    assert needs_rehash(weak)
    assert attempt(client, "press1", PASSWORD).status_code == 303
    db.expire_all()
    stored = db.get(StaffUser, user.id).password_hash
    assert stored != weak
    assert stored.startswith("$argon2id$")
    assert not needs_rehash(stored)
    assert verify_password(stored, PASSWORD)


def test_login_replaces_the_previous_session(client, make_user, db) -> None:
    make_user("press")
    login(client, "press1")
    first = staff_cookie(client)
    login(client, "press1")
    second = staff_cookie(client)
    assert first
    assert second
    assert first != second
    assert len(db.exec(select(WebSession)).all()) == 1
    use_staff_cookie(client, first)
    assert client.get("/staff/").headers["location"].startswith("/staff/login")


def test_planted_session_cookie_is_not_kept_at_login(client, make_user, db) -> None:
    make_user("press")
    use_staff_cookie(client, "planted-by-an-attacker")
    login(client, "press1")
    assert staff_cookie(client) != "planted-by-an-attacker"


def test_logout_ends_the_session(client, make_user, db) -> None:
    make_user("press")
    login(client, "press1")
    old = staff_cookie(client)
    dashboard = client.get("/staff/")
    response = client.post("/staff/logout", data={"csrf_token": csrf_from(dashboard)})
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/login"
    assert staff_cookie(client) is None
    assert db.exec(select(WebSession)).all() == []
    use_staff_cookie(client, old)
    assert client.get("/staff/").status_code == 303


def test_logout_needs_csrf_token(client, make_user) -> None:
    make_user("press")
    login(client, "press1")
    assert client.post("/staff/logout", data={}).status_code == 403
    assert client.get("/staff/").status_code == 200


def test_idle_session_expires(client, make_user, clock, settings) -> None:
    make_user("press")
    login(client, "press1")
    clock.advance(minutes=settings.session_idle_minutes - 1)
    assert client.get("/staff/").status_code == 200  # activity keeps it alive
    clock.advance(minutes=settings.session_idle_minutes - 1)
    assert client.get("/staff/").status_code == 200
    clock.advance(minutes=settings.session_idle_minutes)
    response = client.get("/staff/")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/staff/login")


def _assert_throttled(response, lang: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    html = page(response)
    expected_lang = {"en": "en", "zh_CN": "zh-CN"}[lang]
    assert html.html["lang"] == expected_lang
    assert html.select_one("h1").text == translations(lang).gettext("Too many attempts")


def test_throttle_per_account_across_clients(app, make_user, settings, clock) -> None:
    make_user("press")
    for n in range(settings.login_max_failures):
        with client_from(app, f"192.0.2.{n + 1}") as other:
            assert attempt(other, "press1", "wrong password here").status_code == 422
    with client_from(app, "198.51.100.7") as fresh:
        blocked = attempt(fresh, "press1", PASSWORD, lang="zh_CN")
        _assert_throttled(blocked, "zh_CN")
        _assert_throttled(attempt(fresh, " PRESS1 ", PASSWORD), "en")
        assert staff_cookie(fresh) is None
        clock.advance(minutes=settings.login_window_minutes)
        assert attempt(fresh, "press1", PASSWORD).status_code == 303


def test_throttle_applies_to_unknown_users(app, settings) -> None:
    for n in range(settings.login_max_failures):
        with client_from(app, f"192.0.2.{n + 1}") as other:
            assert attempt(other, "ghost", "wrong password here").status_code == 422
    with client_from(app, "198.51.100.7") as fresh:
        _assert_throttled(attempt(fresh, "ghost", "wrong password here"), "en")


def test_throttle_per_client_across_accounts(client, make_user, settings) -> None:
    make_user("press")
    for n in range(settings.login_max_failures):
        assert attempt(client, f"someone{n}", "wrong password here").status_code == 422
    _assert_throttled(attempt(client, "press1", PASSWORD), "en")


def test_success_clears_the_account_counter(app, make_user, settings) -> None:
    make_user("press")
    for _round in range(2):
        for n in range(settings.login_max_failures - 1):
            with client_from(app, f"192.0.2.{_round * 10 + n + 1}") as other:
                assert attempt(other, "press1", "wrong password here").status_code == 422
        with client_from(app, f"198.51.100.{_round + 1}") as good:
            assert attempt(good, "press1", PASSWORD).status_code == 303


def test_throttle_stores_keyed_hashes_only(client, db) -> None:
    attempt(client, "press1", "wrong password here")
    rows = db.exec(select(RateCounter)).all()
    assert sorted(row.scope for row in rows) == ["login-account", "login-client"]
    plain = {hashlib.sha256(v.encode()).hexdigest() for v in ("press1", "testclient")}
    for key in (row.key for row in rows):
        assert re.fullmatch(r"[0-9a-f]{64}", key)
        assert key not in plain
        assert "testclient" not in key
        assert "press1" not in key


def test_expired_throttle_rows_are_pruned(client, db, clock, settings) -> None:
    attempt(client, "press1", "wrong password here")
    clock.advance(minutes=settings.login_window_minutes + 1)
    attempt(client, "someone-else", "wrong password here")
    db.expire_all()
    rows = db.exec(select(RateCounter)).all()
    assert len(rows) == 2  # the new account key and the (restarted) client key
    assert all(row.count == 1 for row in rows)
    assert all(row.expires_at > clock() for row in rows)


def test_sign_in_and_sign_out_are_audited_without_the_client_address(client, db,
                                                                      make_user) -> None:  # type: ignore[no-untyped-def]
    from moderation.audit import AuditEvent, verify

    user = make_user(Role.press, username="pressaudit")
    login(client, "pressaudit")
    form = client.get("/staff/account")
    client.post("/staff/logout", data={"csrf_token": csrf_from(form)})
    events = db.exec(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert [(e.action, e.actor_id) for e in events] == [
        ("account.sign_in", user.id), ("account.sign_out", user.id)]
    assert events[0].after == {"two_factor": False}
    assert "testclient" not in str([(e.before, e.after) for e in events])
    assert verify(db) == []


def test_staff_pages_read_the_session_off_the_event_loop(client, make_user,
                                                         monkeypatch) -> None:
    """Reading the session is three queries: on the event loop they stalled every other
    request of the worker, cached public pages included, for as long."""
    import asyncio

    from portal.accounts import permissions

    loops: list[bool] = []
    real = permissions.current_user

    def watched(request):  # type: ignore[no-untyped-def]
        try:
            asyncio.get_running_loop()
            loops.append(True)
        except RuntimeError:
            loops.append(False)
        return real(request)

    monkeypatch.setattr(permissions, "current_user", watched)
    make_user("press")
    login(client, "press1")
    assert client.get("/staff/").status_code == 200
    assert loops == [False]
