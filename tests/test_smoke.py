"""The app starts and serves its home page with the security headers."""

from tests.conftest import page


def test_home_renders_in_default_language(client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert page(response).html["lang"] == "zh-CN"


def test_unknown_page_is_translated_404(client) -> None:
    response = client.get("/no-such-page", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert page(response).select_one("h1").text == "Page not found"
