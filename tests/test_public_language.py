"""The language switch and the cover images."""

from __future__ import annotations

import dataclasses
from http.cookies import SimpleCookie

import pytest
from starlette.testclient import TestClient

from portal.app import create_app
from tests.conftest import page


def lang_cookie(response) -> SimpleCookie:  # type: ignore[no-untyped-def]
    jar: SimpleCookie = SimpleCookie()
    jar.load(response.headers["set-cookie"])
    return jar


def test_switching_language_sets_a_cookie_and_goes_back(client) -> None:
    response = client.get("/lang/en?next=/announcements?page=1")
    assert response.status_code == 303
    assert response.headers["location"] == "/announcements?page=1"
    morsel = lang_cookie(response)["lang"]
    assert morsel.value == "en"
    assert morsel["max-age"] == str(365 * 24 * 3600)
    assert morsel["httponly"] is True
    assert morsel["samesite"].lower() == "lax"
    assert morsel["path"] == "/"
    assert not morsel["secure"]  # not in test mode
    follow = client.get("/")
    assert page(follow).html["lang"] == "en"
    client.get("/lang/zh_CN?next=/")
    assert page(client.get("/")).html["lang"] == "zh-CN"


def test_language_cookie_is_secure_in_production(settings, engine, clock) -> None:
    production = dataclasses.replace(settings, mode="production")
    app = create_app(production, engine=engine, clock=clock)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        response = client.get("/lang/en?next=/")
    assert response.status_code == 303
    assert lang_cookie(response)["lang"]["secure"] is True


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example/x",
                                    "/\\evil.example", "/\t/evil.example", "evil.example",
                                    "javascript:alert(1)", "", "/%0a/evil.example"])
def test_next_must_be_a_local_path(client, target: str) -> None:
    response = client.get("/lang/en", params={"next": target})
    assert response.status_code == 303
    location = response.headers["location"]
    assert location in ("/", "/%0a/evil.example")
    assert not location.startswith("//")


def test_missing_next_goes_home(client) -> None:
    assert client.get("/lang/en").headers["location"] == "/"


@pytest.mark.parametrize("locale", ["fr", "zh", "EN", "../en"])
def test_unknown_locale_is_404(client, locale: str) -> None:
    response = client.get(f"/lang/{locale}?next=/")
    assert response.status_code == 404
    assert "set-cookie" not in response.headers


def test_language_links_keep_the_page_and_query(client) -> None:
    doc = page(client.get("/announcements?category=news"))
    link = doc.select_one('.lang-switch a[hreflang="en"]')
    assert link["href"] == "/lang/en?next=/announcements%3Fcategory%3Dnews"
    response = client.get(link["href"])
    assert response.headers["location"] == "/announcements?category=news"


def test_cover_is_served_with_a_long_cache(client, settings) -> None:
    name = "ab" * 32 + ".png"
    folder = settings.upload_dir / "covers"
    folder.mkdir(parents=True)
    (folder / name).write_bytes(b"\x89PNG\r\n\x1a\n fake")
    response = client.get(f"/media/covers/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert "max-age=31536000" in response.headers["cache-control"]
    assert "immutable" in response.headers["cache-control"]
    assert response.content.startswith(b"\x89PNG")


@pytest.mark.parametrize("name", ["ab" * 32 + ".gif", "AB" * 32 + ".png", "abc.png",
                                  "..%2F..%2Fsecret_key", "cd" * 32 + ".png"])
def test_bad_or_unknown_cover_names_are_404(client, settings, name: str) -> None:
    (settings.data_dir / "secret_key").write_text("not for you")
    response = client.get(f"/media/covers/{name}")
    assert response.status_code == 404
    assert "not for you" not in response.text
