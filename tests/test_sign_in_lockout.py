"""Staff sign-in that strangers cannot lock (acceptance 5), through the real forms.

Guessers are throttled per account and per client address, but a browser where the
member of staff signed in before (a signed device cookie) has its own counter and gets
in while the attack runs. An admin sees the blocks and lifts them, audited.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlmodel import select

from moderation.audit import AuditEvent, verify
from moderation.ratelimit import RateCounter
from portal.accounts.devices import COOKIE_PATH, DEVICE_COOKIE
from tests.conftest import PASSWORD, csrf_from, login, page
from tests.test_auth import attempt, client_from, fast_hashing, staff_cookie  # noqa: F401
from tests.test_totp import code_at, sealed, submit_code

WRONG = "wrong password here"
OWNER = "198.51.100.20"


def sign_out(client) -> None:  # type: ignore[no-untyped-def]
    client.post("/staff/logout", data={"csrf_token": csrf_from(client.get("/staff/account"))})
    assert staff_cookie(client) is None


def attack(app, username: str, settings, *, address: str = "192.0.2.{n}") -> None:  # type: ignore[no-untyped-def]
    """More wrong passwords than the limit, from other clients (or one, `address`)."""
    for n in range(settings.login_max_failures + 2):
        with client_from(app, address.format(n=n + 1)) as stranger:
            assert attempt(stranger, username, WRONG).status_code in (422, 429)


def device_cookie(client) -> str | None:  # type: ignore[no-untyped-def]
    return client.cookies.get(DEVICE_COOKIE, path=COOKIE_PATH)


def test_a_known_browser_gets_in_during_an_attack(app, make_user, settings) -> None:
    make_user("moderator")
    with client_from(app, OWNER) as owner:
        assert attempt(owner, "moderator1", PASSWORD).status_code == 303
        first_cookie = device_cookie(owner)
        assert first_cookie
        sign_out(owner)
        assert device_cookie(owner) == first_cookie  # signing out keeps the browser known

        attack(app, "moderator1", settings)
        with client_from(app, "203.0.113.9") as stranger:
            assert attempt(stranger, "moderator1", PASSWORD).status_code == 429

        response = attempt(owner, "moderator1", PASSWORD)
        assert response.status_code == 303
        assert staff_cookie(owner) is not None
        assert owner.get("/staff/queue").status_code == 200
        assert device_cookie(owner) not in (None, first_cookie)  # renewed at each sign-in


def test_a_known_browser_gets_in_even_from_the_attackers_address(app, make_user,
                                                                  settings) -> None:
    """One office behind one address: the attack also blocks the address, not the browser."""
    make_user("moderator")
    with client_from(app, OWNER) as owner:
        assert attempt(owner, "moderator1", PASSWORD).status_code == 303
        sign_out(owner)
        attack(app, "moderator1", settings, address=OWNER)
        with client_from(app, OWNER) as colleague:
            assert attempt(colleague, "press1", PASSWORD).status_code == 429
        assert attempt(owner, "moderator1", PASSWORD).status_code == 303


def test_a_known_browser_has_its_own_limit(app, make_user, settings) -> None:
    make_user("moderator")
    with client_from(app, OWNER) as owner:
        assert attempt(owner, "moderator1", PASSWORD).status_code == 303
        sign_out(owner)
        for _ in range(settings.login_max_failures):
            assert attempt(owner, "moderator1", WRONG).status_code == 422
        assert attempt(owner, "moderator1", PASSWORD).status_code == 429
    with client_from(app, "203.0.113.9") as elsewhere:  # the account itself is not blocked
        assert attempt(elsewhere, "moderator1", PASSWORD).status_code == 303


def test_the_cookie_only_vouches_for_its_own_account(app, make_user, settings) -> None:
    make_user("moderator")
    make_user("press")
    with client_from(app, OWNER) as owner:
        assert attempt(owner, "press1", PASSWORD).status_code == 303
        sign_out(owner)
        attack(app, "moderator1", settings)
        assert attempt(owner, "moderator1", PASSWORD).status_code == 429
        head, _, signature = device_cookie(owner).rpartition(".")  # type: ignore[union-attr]
        forged = f"{head}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"
        owner.cookies.clear()
        owner.cookies.set(DEVICE_COOKIE, forged, path=COOKIE_PATH)
        attack(app, "press1", settings)
        assert attempt(owner, "press1", PASSWORD).status_code == 429


def test_a_known_browser_passes_the_totp_step_during_an_attack(app, make_user, clock,
                                                                settings) -> None:
    make_user("moderator", totp_secret=sealed(settings))
    with client_from(app, OWNER) as owner:
        assert attempt(owner, "moderator1", PASSWORD).status_code == 303
        assert submit_code(owner, code_at(clock)).status_code == 303
        sign_out(owner)
        attack(app, "moderator1", settings)
        clock.advance(seconds=30)
        assert attempt(owner, "moderator1", PASSWORD).status_code == 303
        assert submit_code(owner, code_at(clock)).status_code == 303
        assert owner.get("/staff/").status_code == 200


def blocks_page(client):  # type: ignore[no-untyped-def]
    response = client.get("/staff/admin/sign-in-blocks")
    assert response.status_code == 200
    return page(response)


def test_admin_sees_and_lifts_a_block(app, client, make_user, db, settings) -> None:
    make_user("moderator")
    make_user("admin")
    login(client, "admin1")
    html = blocks_page(client)
    assert html.select("table.block-table") == []
    assert html.select_one("main p.notice") is not None

    attack(app, "moderator1", settings)
    html = blocks_page(client)
    rows = html.select("table.block-table tbody tr")
    described = [row.select_one("td").get_text(" ", strip=True) for row in rows]
    assert any("moderator1" in text for text in described)
    assert not any(re.search(r"192\.0\.2\.", text) for text in described)  # no address

    row = next(r for r in rows if "moderator1" in r.get_text())
    form = row.select_one("form")
    lifted = client.post(form["action"], data={
        "csrf_token": form.select_one("input[name=csrf_token]")["value"],
        "key": form.select_one("input[name=key]")["value"]})
    assert lifted.status_code == 303
    html = page(client.get(lifted.headers["location"]))
    assert html.select_one("p.flash") is not None
    assert not any("moderator1" in r.get_text() for r in html.select("table.block-table tr"))
    with client_from(app, "203.0.113.9") as elsewhere:
        assert attempt(elsewhere, "moderator1", PASSWORD).status_code == 303

    event = db.exec(select(AuditEvent).where(
        AuditEvent.action == "security.sign_in_block_lifted")).one()
    assert event.before["account"] == "moderator1"
    assert event.before["scope"] == "login-account"
    assert verify(db) == []


def test_lifting_needs_an_admin_and_a_real_block(client, make_user, db) -> None:
    make_user("admin")
    login(client, "admin1")
    token = csrf_from(client.get("/staff/admin/sign-in-blocks"))
    for key in ("", "0" * 64, "x" * 500):
        response = client.post("/staff/admin/sign-in-blocks/lift",
                               data={"csrf_token": token, "key": key})
        assert response.status_code == 303
        assert response.headers["location"].endswith("done=gone")
    # A citizen route's counter is not a sign-in block: an admin cannot reset it here.
    citizen = RateCounter(key="c" * 64, scope="intake-send", count=99,
                          expires_at=datetime(2099, 1, 1, tzinfo=UTC))
    db.add(citizen)
    db.commit()
    response = client.post("/staff/admin/sign-in-blocks/lift",
                           data={"csrf_token": token, "key": "c" * 64})
    assert response.headers["location"].endswith("done=gone")
    db.expire_all()
    assert db.get(RateCounter, "c" * 64) is not None
