"""Staff Markdown becomes safe HTML: raw HTML escaped, an allowlist, safe links."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from portal.content.markdown import clean_html, render_markdown, sanitize_html


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


@pytest.mark.parametrize("source", [
    "<script>alert(1)</script>",
    "text <script>alert(1)</script> more",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "[x](vbscript:msgbox(1))",
    "<img src=x onerror=alert(1)>",
    "![a](x onerror=alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=//evil.example></iframe>",
    "<style>body{display:none}</style>",
    "<svg onload=alert(1)>",
])
def test_hostile_markdown_loses_every_active_part(source: str) -> None:
    html = str(render_markdown(source))
    tree = soup(html)
    assert tree.find_all(["script", "iframe", "style", "svg", "img"]) == []
    for tag in tree.find_all(True):
        assert not [name for name in tag.attrs if name.startswith("on")]
        assert tag.name in ("p", "a")
    for link in tree.select("a"):
        assert link["href"].startswith(("http:", "https:", "mailto:"))
    assert "<script" not in html


def test_common_markdown_keeps_its_structure() -> None:
    html = render_markdown(
        "# Heading\n\n## Sub\n\nSome **bold** and *em* and `code`.\n\n"
        "- one\n- two\n\n1. first\n\n> quoted\n\n---\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n```\nblock\n```\n"
    )
    tree = soup(html)
    # The page title is the h1, so body headings start at h2.
    assert [h.name for h in tree.find_all(["h1", "h2", "h3", "h4"])] == ["h2", "h3"]
    for name in ("strong", "em", "code", "ul", "ol", "li", "blockquote", "hr", "table", "th",
                 "td", "pre"):
        assert tree.find(name) is not None, name


def test_links_get_rel_and_keep_title() -> None:
    tree = soup(render_markdown('[site](https://example.org "Title") <mailto:a@example.org>'))
    links = tree.select("a")
    assert [(a["href"], a.get("title"), a["rel"]) for a in links] == [
        ("https://example.org", "Title", ["nofollow", "noopener"]),
        ("mailto:a@example.org", None, ["nofollow", "noopener"]),
    ]


def test_only_same_site_media_images_are_kept() -> None:
    tree = soup(render_markdown(
        "![ours](/media/covers/abc.png) ![theirs](https://tracker.example/p.gif) "
        "![sneaky](//tracker.example/p.gif) ![climb](/media/../etc/passwd)"))
    assert [(img["src"], img["alt"]) for img in tree.select("img")] == [
        ("/media/covers/abc.png", "ours")]
    assert "theirs" in tree.text  # the alt text stays readable


def test_sanitising_is_idempotent_and_strips_stored_html() -> None:
    html = str(render_markdown("Hello [x](https://example.org)\n\n![a](/media/covers/a.png)"))
    assert sanitize_html(html) == html
    dirty = '<p onclick="x()">hi</p><script>alert(1)</script><a href="javascript:x">y</a>'
    cleaned = str(clean_html(dirty))
    tree = soup(cleaned)
    assert tree.find("script") is None
    assert tree.p.attrs == {}
    assert "href" not in tree.a.attrs


def test_empty_input_is_empty() -> None:
    assert render_markdown("") == ""
    assert render_markdown(None) == ""
