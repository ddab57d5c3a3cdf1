"""/statistics, /statistics.csv and the leaders' dashboard over HTTP: server-drawn SVG
charts with text alternatives and data tables, small counts suppressed in public."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from xml.etree import ElementTree as ET

import pytest

from moderation.intake.models import Channel, SubmissionKind, SubmissionState
from moderation.ledger.models import LedgerStatus
from moderation.roles import Role
from portal.charts import Series, column_chart, nice_step, percent_chart
from tests.conftest import login, page
from tests.ledger_support import make_item, make_submission, make_unit

MAY = datetime(2026, 5, 3, 8, tzinfo=UTC)
APRIL = datetime(2026, 4, 3, 8, tzinfo=UTC)


@pytest.fixture
def figures(db, clock):  # type: ignore[no-untyped-def]
    """7 web tips in May (6 concluded, 5 on time) and 3 phone suggestions in April;
    a unit with 5 public items (2 done) and an internal overdue one."""
    for index in range(7):
        concluded = index < 6
        make_submission(
            db, received_at=MAY, decided_at=MAY,
            state=SubmissionState.concluded if concluded else SubmissionState.verifying,
            concluded_at=datetime(2026, 5, 20, 3, tzinfo=UTC) if concluded else None,
            handling_due_on=date(2026, 5, 20) if index < 5 else date(2026, 5, 19),
            outcome=None)
    for _ in range(3):
        make_submission(db, kind=SubmissionKind.suggestion, channel=Channel.phone,
                        received_at=APRIL, state=SubmissionState.rejected, outcome=None)
    unit = make_unit(db, "LH-GA", "市公安局")
    for index in range(5):
        make_item(db, clock, unit, f"公开{index}", public=True,
                  status=LedgerStatus.rectified if index < 2 else LedgerStatus.planned)
    make_item(db, clock, unit, "内部逾期", public=False, deadline=date(2026, 5, 1))
    db.commit()


def table_rows(html, table_id: str) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    table = html.select_one(f"table#{table_id}")
    return {tr.select_one("th").get_text(strip=True): [td.get_text(strip=True)
                                                      for td in tr.select("td")]
            for tr in table.select("tbody tr")}


def test_statistics_page_suppresses_small_counts(client, figures) -> None:
    response = client.get("/statistics")
    assert response.status_code == 200
    html = page(response)
    months = table_rows(html, "months-table")
    assert months == {"2026-04": ["<5", "<5", "<5"], "2026-05": ["7", "7", "6"]}
    kinds = table_rows(html, "kinds-table")
    assert list(kinds.values()) == [["7", "7", "6"], ["<5", "<5", "<5"]]
    rates = table_rows(html, "rates-table")
    # On time: 5 of 6. The percentage would give back the one late case, so it is withheld.
    assert next(iter(rates.values())) == ["6", "5", "不公布"]
    units = table_rows(html, "ledger-units")
    # The ledger is public by nature: whole figures, as /ledger shows (internal item left out).
    assert units["市公安局"][:4] == ["5", "2", "0", "40.0%"]
    assert "内部逾期" not in response.text


def test_statistics_ledger_figures_add_up_with_the_ledger_page(client, figures) -> None:
    units = table_rows(page(client.get("/statistics")), "ledger-units")

    def shown_of(query: str) -> int:
        """How many items /ledger lists ("显示 5 项中的 2 项": the smaller number)."""
        text = page(client.get(f"/ledger?{query}")).select_one(".ledger-count").get_text()
        return min(int(n) for n in re.findall(r"\d+", text))

    assert shown_of("") == int(units["市公安局"][0]) == 5
    assert shown_of("status=rectified") == int(units["市公安局"][1]) == 2
    assert shown_of("overdue=1") == int(units["市公安局"][2]) == 0


def test_charts_are_svg_with_text_alternatives_and_tables(client, figures) -> None:
    html = page(client.get("/statistics"))
    charts = html.select("svg.chart-svg")
    assert len(charts) == 4
    for svg in charts:
        assert svg["role"] == "img"
        title_id, desc_id = svg["aria-labelledby"].split()
        assert svg.select_one(f"title#{title_id}").get_text(strip=True)
        assert svg.select_one(f"desc#{desc_id}").get_text(strip=True)
        assert not svg.select("[style]")
        assert not svg.has_attr("style")
        # The numbers follow the chart as a table with a caption.
        table = svg.find_parent("div", class_="chart").find_next_sibling().select_one("table")
        assert table.select_one("caption").get_text(strip=True)
    months = html.select_one("svg[aria-labelledby^=chart-months]")
    assert {t.get_text() for t in months.select("text.chart-value")} >= {"7", "6", "<5"}
    assert len(months.select("rect.chart-bar")) == 3  # April's bars are all suppressed


def test_open_data_csv_is_the_same_aggregates(client, figures) -> None:
    response = client.get("/statistics.csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["section", "key", "measure", "value"]
    values = {(r[0], r[1], r[2]): r[3] for r in rows[1:]}
    assert values[("months", "2026-05", "received")] == "7"
    assert values[("months", "2026-04", "received")] == "<5"
    assert values[("ledger_units", "LH-GA", "items")] == "5"
    assert values[("ledger_units", "LH-GA", "overdue")] == "0"  # whole: the ledger is public


def test_leaders_dashboard_shows_whole_figures(client, make_user, figures) -> None:
    make_user(Role.leader)
    login(client, "leader1")
    response = client.get("/staff/leaders")
    assert response.status_code == 200
    html = page(response)
    assert table_rows(html, "months-table")["2026-04"] == ["3", "0", "0"]
    assert table_rows(html, "ledger-units")["市公安局"][:3] == ["6", "2", "1"]
    overdue = [a.get_text() for a in html.select("main table a[href^='/staff/ledger/']")]
    assert overdue == ["内部逾期"]
    assert len(html.select("svg.chart-svg[role=img]")) == 4


@pytest.mark.parametrize("role", [Role.moderator, Role.handler, Role.press, Role.admin])
def test_only_leaders_see_the_dashboard(client, make_user, role) -> None:
    make_user(role)
    login(client, f"{role.value}1")
    assert client.get("/staff/leaders").status_code == 403


def test_sitemap_and_navigation_list_the_new_pages(client, db, clock) -> None:
    unit = make_unit(db)
    shown = make_item(db, clock, unit, "公开", public=True)
    hidden = make_item(db, clock, unit, "内部", public=False)
    db.commit()
    root = ET.fromstring(client.get("/sitemap.xml").content)  # noqa: S314 - our own XML
    locs = [e.text for e in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    base = "http://testserver"
    assert {f"{base}/ledger", f"{base}/statistics", f"{base}/ledger/{shown.id}"} <= set(locs)
    assert f"{base}/ledger/{hidden.id}" not in locs
    nav = [a["href"] for a in page(client.get("/")).select(".site-nav a")]
    assert "/ledger" in nav
    assert "/statistics" in nav
    current = page(client.get("/statistics")).select_one(".site-nav a[aria-current=page]")
    assert current["href"] == "/statistics"


def test_chart_geometry() -> None:
    assert [nice_step(v) for v in (0, 1, 1.5, 7, 30, 260)] == [1, 1, 2, 10, 50, 500]
    chart = column_chart("c", "T", "D", ["a", "b"], [Series("s", [4, None])])
    assert [b.value_text for b in chart.bars] == ["4", "<5"]
    assert chart.bars[1].height == 0
    assert chart.bars[0].height > 0
    assert [g.label.text for g in chart.grid] == ["0", "1", "2", "3", "4"]
    rows = percent_chart("p", "T", "D", ["a very long unit name " * 3], [50.0], "done")
    assert rows.labels[0].text.endswith("…")
    assert rows.bars[0].width == pytest.approx((640 - 200 - 60) / 2)
