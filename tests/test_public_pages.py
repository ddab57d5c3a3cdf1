"""The public campaign pages: every page in both languages, and what each one shows."""

from __future__ import annotations

import pytest
from sqlmodel import select

from portal.content.models import Campaign, Pledge
from portal.demo import load_demo
from tests.conftest import page

PUBLIC_PAGES = ["/", "/pledges", "/how-to-report", "/announcements",
                "/announcements?category=hero_story", "/announcements/1"]
LANGUAGES = {
    "default": ({}, {}, "zh-CN"),
    "cookie": ({"lang": "en"}, {}, "en"),
    "accept-language": ({}, {"Accept-Language": "en-GB,en;q=0.9"}, "en"),
}


@pytest.fixture
def demo(db, clock):  # type: ignore[no-untyped-def]
    load_demo(db, clock)
    db.commit()


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_every_public_page_answers_in_both_languages(client, path: str) -> None:
    for how, (cookies, headers, lang) in LANGUAGES.items():
        client.cookies.clear()
        client.cookies.update(cookies)
        response = client.get(path, headers=headers)
        assert response.status_code == 200, how
        doc = page(response)
        assert doc.html["lang"] == lang, how
        assert doc.select_one("main h1") is not None
        # Strict CSP: nothing inline.
        assert not doc.select("[style]")
        assert not doc.select("style")
        assert all(script.get("src") for script in doc.select("script"))
        assert not [t for t in doc.find_all(True) if any(a.startswith("on") for a in t.attrs)]


@pytest.mark.usefixtures("demo")
def test_home_shows_the_campaign(client) -> None:
    doc = page(client.get("/"))
    assert doc.select_one("main h1").get_text(strip=True) == "漯河市政法队伍教育整顿"
    assert [h.get_text(strip=True) for h in doc.select(".task-list .task h3")] == [
        "筑牢政治忠诚", "清除害群之马", "整治顽瘴痼疾", "弘扬英模精神"]
    assert "政法铁军" in doc.select_one(".requirement-text").get_text()
    stages = doc.select(".stage-list .stage")
    assert [s.select_one("h3").get_text(strip=True) for s in stages] == [
        "学习教育", "查纠整改", "总结提升"]
    assert stages[0].select("time")[0]["datetime"] == "2021-03-05"
    values = [f.select_one(".figure-value").contents[0].strip()
              for f in doc.select(".figure-list .figure")]
    assert {"69", "811", "606", "10,000", "20,000", "1,200"} <= set(values)
    assert len(values) == 14
    assert doc.select_one('.contact a.hotline[href="tel:12337"]').get_text(strip=True) == "12337"
    # The article gives no e-mail address: the field is hidden, not shown empty.
    assert not doc.select('a[href^="mailto:"]')
    cta = doc.select_one("a.button-cta")
    assert cta["href"] == "/how-to-report"
    items = doc.select(".announcement-list .announcement-item")
    assert 0 < len(items) <= 5
    assert "is-pinned" in items[0]["class"]
    assert items[0].select_one(".badge-pinned") is not None


@pytest.mark.usefixtures("demo")
def test_home_in_english_uses_the_english_texts(client) -> None:
    client.cookies.set("lang", "en")
    doc = page(client.get("/"))
    assert "Luohe" in doc.select_one("main h1").get_text()
    titles = [h.get_text(strip=True) for h in doc.select(".task-list .task h3")]
    assert titles[0] == "Strengthen political loyalty"
    assert doc.select(".stage time")[0].get_text() == "March 5, 2021"


@pytest.mark.usefixtures("demo")
def test_figure_suffix_left_empty_in_english_does_not_fall_back_to_chinese(client) -> None:
    english = page(client.get("/", headers={"Accept-Language": "en"}))
    suffixes = [s.get_text() for s in english.select(".figure-suffix")]
    assert "+" in suffixes
    assert not [s for s in suffixes if any("\u4e00" <= ch <= "\u9fff" for ch in s)]
    chinese = page(client.get("/"))
    assert "次" in [s.get_text() for s in chinese.select(".figure-suffix")]


def test_home_without_a_campaign_still_renders(client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert page(response).select_one("main h1") is not None


@pytest.mark.usefixtures("demo")
def test_pledges_show_status_unit_and_a_labelled_progress_bar(client, db) -> None:
    doc = page(client.get("/pledges", headers={"Accept-Language": "en"}))
    pledges = db.exec(select(Pledge)).all()
    items = doc.select(".pledge-list .pledge")
    assert len(items) == len(pledges) >= 3
    for item in items:
        bar = item.select_one("progress")
        assert bar["max"] == "100"
        assert 0 <= int(bar["value"]) <= 100
        label = item.select_one(f'label[for="{bar["id"]}"]')
        assert label is not None
        assert item.select_one(".progress-value").get_text(strip=True) == f"{bar['value']}%"
        assert item.select_one(".status").get_text(strip=True) in {
            "Planned", "In progress", "Fulfilled"}
    units = {dd.get_text(strip=True) for dd in doc.select(".pledge-facts dd")}
    assert "Luohe Municipal Political and Legal Affairs Commission" in units


@pytest.mark.usefixtures("demo")
def test_how_to_report_lists_channels_deadlines_and_confidentiality(client) -> None:
    doc = page(client.get("/how-to-report", headers={"Accept-Language": "en"}))
    assert doc.select_one('.channel a.hotline[href="tel:12337"]') is not None
    days = [cell.get_text(strip=True) for cell in doc.select(".deadlines .deadline-days")]
    assert days == ["15 days", "60 days", "30 days", "30 days"]
    # The campaign's Markdown is rendered, not shown as source.
    assert doc.select_one(".prose strong").get_text() == "12337"
    assert doc.select_one("#confidentiality-title") is not None
    assert "confidential" in doc.select_one("#confidentiality-title").parent.get_text()


@pytest.mark.usefixtures("demo")
def test_campaign_markdown_is_sanitised(client, db) -> None:
    campaign = db.exec(select(Campaign)).one()
    campaign.how_to_report = {"zh_CN": "<script>alert(1)</script> [x](javascript:alert(1)) "
                                       "<img src=x onerror=alert(1)>"}
    db.add(campaign)
    db.commit()
    doc = page(client.get("/how-to-report"))
    prose = doc.select_one(".prose")
    # Only the portal's own static scripts, never one from the campaign text.
    assert not [s for s in doc.select("script") if not s.get("src", "").startswith("/static/")]
    assert not prose.select("script")
    assert not prose.select("img")
    assert not [a for a in doc.select("a[href]") if a["href"].startswith("javascript:")]
    assert "<script>" in prose.get_text()  # shown as text, harmlessly
