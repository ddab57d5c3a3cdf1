"""Every UI string has a translation in both catalogs; locale choice and formatting."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from portal.i18n import (
    LOCALE_DIR,
    fmt_date,
    fmt_datetime,
    fmt_number,
    html_lang,
    negotiate,
    translations,
)
from tests.conftest import page

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("portal", "moderation", "templates")
# The keywords of the Makefile's `messages` target (pybabel adds them to its defaults).
KEYWORDS = {**DEFAULT_KEYWORDS, "_": None, "gettext": None, "ngettext": (1, 2),
            "lazy_gettext": None}
CATALOG_LOCALES = ("zh_CN", "en")
LOCALES = ("zh_CN", "en")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _in_sources(directory: str) -> bool:
    """Walk only the source folders (not .venv, data, tests)."""
    return Path(directory).relative_to(ROOT).parts[0] in SOURCE_DIRS


@cache
def extracted_messages() -> dict[str | tuple[str, ...], str]:
    """msgid -> first place it was found, using babel.cfg's mapping (as `make messages`)."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh, str(ROOT / "babel.cfg"))
    found: dict[str | tuple[str, ...], str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS,
        directory_filter=_in_sources,
    ):
        key = message if isinstance(message, str) else tuple(message)
        if key and key not in found:
            found[key] = f"{filename}:{lineno}"
    return found


def load_catalog(locale: str) -> Catalog:
    with (LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=locale)


def translated(catalog: Catalog, msgid: str | tuple[str, ...]) -> bool:
    lookup = msgid[0] if isinstance(msgid, tuple) else msgid
    entry = catalog.get(lookup)
    if entry is None or entry.fuzzy:
        return False
    strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
    return bool(strings) and all(s and s.strip() for s in strings)


def test_extraction_finds_the_ui_strings() -> None:
    """The extraction itself works (templates and Python), so the next test means something."""
    messages = extracted_messages()
    assert "Skip to main content" in messages  # templates/base.html
    assert "Form expired" in messages  # portal/errors.py
    assert "Page not found" in messages  # portal/errors.py, marked with lazy_gettext
    assert "Administrator" in messages  # portal/labels.py


@pytest.mark.parametrize("locale", CATALOG_LOCALES)
def test_every_message_is_translated(locale: str) -> None:
    catalog = load_catalog(locale)
    missing = [f"{msgid!r} ({where})" for msgid, where in sorted(
        extracted_messages().items(), key=lambda item: str(item[0]))
        if not translated(catalog, msgid)]
    assert not missing, (
        f"{len(missing)} message(s) lack a {locale} translation "
        f"(run `make messages` and translate):\n" + "\n".join(missing)
    )


@pytest.mark.parametrize("locale", CATALOG_LOCALES)
def test_no_translation_carries_another_message(locale: str) -> None:
    """A merge of two branches' catalogs once glued the next entry's English onto five
    translations (the Chinese sign-in blocks page ended in an English sentence)."""
    catalog = load_catalog(locale)
    sources = [e.id for e in catalog if isinstance(e.id, str) and len(e.id) > 15]
    glued = [(entry.id, other) for entry in catalog
             if isinstance(entry.id, str) and isinstance(entry.string, str)
             for other in sources
             if other not in entry.id and entry.string.endswith(other)
             and len(entry.string) > len(other)]
    assert glued == []


@pytest.mark.parametrize("locale", CATALOG_LOCALES)
def test_translations_keep_their_placeholders(locale: str) -> None:
    """A translation that drops or renames %(name)s would raise when shown."""
    broken = []
    for entry in load_catalog(locale):
        if not entry.id or not entry.string:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        wanted = set().union(*(PLACEHOLDER.findall(i) for i in ids)) - {"num"}
        for text in strings:
            if text and set(PLACEHOLDER.findall(text)) - {"num"} != wanted:
                broken.append(f"{ids[0]!r} -> {text!r}")
    assert not broken, "placeholders differ:\n" + "\n".join(broken)


# --- choosing the language ---------------------------------------------------------------

@pytest.mark.parametrize(
    ("cookie", "header", "expected"),
    [
        ("en", "zh-CN,zh;q=0.9", "en"),  # the remembered choice beats the browser
        ("zh_CN", "en-GB,en;q=0.9", "zh_CN"),
        (None, "zh", "zh_CN"),
        (None, "zh-CN", "zh_CN"),
        (None, "zh-cn", "zh_CN"),
        (None, "zh-Hans", "zh_CN"),
        (None, "zh-Hans-CN,en;q=0.5", "zh_CN"),
        (None, "zh_CN", "zh_CN"),
        (None, "en-GB", "en"),
        (None, "en-US,en;q=0.9", "en"),
        (None, "fr-FR,en;q=0.8,zh;q=0.5", "en"),
        (None, "en;q=0.4,zh;q=0.9", "zh_CN"),
        (None, "en;q=0", "zh_CN"),
        ("fr", "en", "en"),  # an unknown cookie value is ignored
        ("../../etc", None, "zh_CN"),
        (None, "*", "zh_CN"),
        (None, "", "zh_CN"),
        (None, None, "zh_CN"),
        (None, ";;;,,q=abc,\x00", "zh_CN"),
        (None, "en;q=banana", "zh_CN"),
        (None, "de, ja, ko", "zh_CN"),
        (None, "x" * 300 + ", en", "en"),  # too long to keep in the cache: parsed anyway
    ],
)
def test_negotiate(cookie: str | None, header: str | None, expected: str) -> None:
    assert negotiate(cookie, header, LOCALES, "zh_CN") == expected


def test_negotiate_uses_the_configured_default() -> None:
    assert negotiate(None, "de", LOCALES, "en") == "en"
    assert negotiate(None, "de", LOCALES, "zh_CN") == "zh_CN"  # the default is in the key


def test_html_lang_tags() -> None:
    assert html_lang("zh_CN") == "zh-CN"
    assert html_lang("en") == "en"


@pytest.mark.parametrize(
    ("headers", "cookies", "lang"),
    [
        ({}, {}, "zh-CN"),
        ({"Accept-Language": "en-GB,en;q=0.9"}, {}, "en"),
        ({"Accept-Language": "en"}, {"lang": "zh_CN"}, "zh-CN"),
        ({"Accept-Language": "zh-CN"}, {"lang": "en"}, "en"),
    ],
)
def test_pages_follow_the_negotiated_language(client, headers: dict, cookies: dict,
                                              lang: str) -> None:
    for name, value in cookies.items():
        client.cookies.set(name, value)
    response = client.get("/", headers=headers)
    assert response.status_code == 200
    assert page(response).html["lang"] == lang


def test_gettext_uses_the_catalog_of_each_locale() -> None:
    for locale in CATALOG_LOCALES:
        catalog = load_catalog(locale)
        entry = catalog.get("Form expired")
        assert entry is not None
        assert translations(locale).gettext("Form expired") == (entry.string or "Form expired")


# --- formatting ----------------------------------------------------------------------------

MORNING_UTC = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
LATE_EVENING_UTC = datetime(2026, 5, 31, 20, 0, tzinfo=UTC)  # already 1 June in Beijing


@pytest.mark.parametrize(
    ("value", "locale", "fmt", "expected"),
    [
        (date(2026, 6, 1), "zh_CN", "long", "2026年6月1日"),
        (date(2026, 6, 1), "en", "long", "June 1, 2026"),
        (date(2026, 3, 5), "zh_CN", "short", "2026/3/5"),
        (date(2026, 3, 5), "en", "short", "3/5/26"),
        (LATE_EVENING_UTC, "zh_CN", "long", "2026年6月1日"),
        (LATE_EVENING_UTC, "en", "long", "June 1, 2026"),
    ],
)
def test_dates_per_locale(value: date, locale: str, fmt: str, expected: str) -> None:
    assert fmt_date(value, locale, fmt) == expected


def test_datetimes_are_shown_in_beijing_time_per_locale() -> None:
    assert fmt_datetime(MORNING_UTC, "zh_CN") == "2026年6月1日 10:00:00"
    english = fmt_datetime(MORNING_UTC, "en")
    assert english.replace("\u202f", " ") == "Jun 1, 2026, 10:00:00 AM"


@pytest.mark.parametrize("locale", LOCALES)
def test_numbers_are_grouped(locale: str) -> None:
    assert fmt_number(1234567, locale) == "1,234,567"
    assert fmt_number(2.5, locale) == "2.5"


def test_empty_values_format_to_nothing() -> None:
    assert fmt_date(None, "en") == ""
    assert fmt_datetime(None, "zh_CN") == ""
    assert fmt_number(None, "en") == ""
