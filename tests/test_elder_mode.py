"""The elder-friendly mode switch (issue 13): a link that sets a preference, remembered,
part of the public page cache's key, never applied to staff pages."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from moderation.roles import Role
from tests.conftest import login, page
from tests.test_auth import fast_hashing  # noqa: F401 - fixture


def _elder(response: Any) -> bool:
    return "elder" in (page(response).select_one("html").get("class") or [])


def test_the_switch_sets_a_remembered_preference_and_goes_back(client: TestClient) -> None:
    link = page(client.get("/pledges")).select_one("a.view-switch")
    assert link["href"] == "/view/elder?next=/pledges"
    response = client.get(link["href"])
    assert response.status_code == 303
    assert response.headers["location"] == "/pledges"
    cookie = response.headers["set-cookie"]
    assert "view=elder" in cookie
    assert "HttpOnly" in cookie
    assert "Max-Age=31536000" in cookie
    shown = client.get("/pledges")
    assert _elder(shown)
    assert page(shown).select_one('link[href*="elder"]') is not None
    back = page(shown).select_one("a.view-switch")["href"]
    assert back.startswith("/view/standard")
    assert "view=" in client.get(back).headers["set-cookie"]
    assert not _elder(client.get("/pledges"))


@pytest.mark.parametrize(("target", "expected"), [
    ("//evil.example/", "/"), ("https://evil.example/", "/"), ("/\t/evil", "/"),
    ("/ledger?page=2", "/ledger?page=2"),
])
def test_the_switch_only_goes_back_to_this_site(client: TestClient, target: str,
                                                expected: str) -> None:
    response = client.get("/view/elder", params={"next": target})
    assert response.headers["location"] == expected


def test_an_unknown_mode_is_404(client: TestClient) -> None:
    assert client.get("/view/huge").status_code == 404


def test_the_page_cache_keeps_the_two_modes_apart(client: TestClient) -> None:
    assert not _elder(client.get("/"))  # cached in the standard view
    client.cookies.set("view", "elder")
    assert _elder(client.get("/"))
    client.cookies.delete("view")
    assert not _elder(client.get("/"))


def test_staff_pages_keep_their_own_look(client: TestClient, make_user: Any) -> None:
    login(client, make_user(Role.moderator).username)
    client.cookies.set("view", "elder")
    staff = client.get("/staff/account")
    assert not _elder(staff)
    assert page(staff).select_one("a.view-switch") is None
