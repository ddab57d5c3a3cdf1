"""Translations (Babel catalogs compiled at start-up), locale choice and formatting."""

from __future__ import annotations

import gettext
from datetime import date, datetime
from functools import cache, lru_cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LOCALE_DIR = Path(__file__).parent / "locale"
LOCALE_COOKIE = "lang"
DISPLAY_TZ = ZoneInfo("Asia/Shanghai")


@cache
def translations(locale: str) -> gettext.NullTranslations:
    """The compiled catalog for `locale` (read from its .po, so no build step)."""
    po_path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po_path.is_file():
        return gettext.NullTranslations()
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def negotiate(
    cookie_value: str | None, accept_language: str | None, available: tuple[str, ...],
    default: str,
) -> str:
    """Pick the locale: the remembered cookie first, then Accept-Language, then the default."""
    if cookie_value in available:
        return cookie_value  # type: ignore[return-value]
    if accept_language and len(accept_language) > 200:  # not worth keeping
        return _from_accept_language.__wrapped__(accept_language, available, default)
    return _from_accept_language(accept_language or "", available, default)


# Browsers send a handful of distinct headers; parsing one cost more than the rest of
# choosing the locale, on every request.
@lru_cache(maxsize=256)
def _from_accept_language(accept_language: str, available: tuple[str, ...],
                          default: str) -> str:
    for tag in _accept_language_tags(accept_language):
        for locale in available:
            if _matches(tag, locale):
                return locale
    return default


def _accept_language_tags(header: str) -> list[str]:
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        if not tag or tag == "*":
            continue
        quality = 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            weighted.append((-quality, index, tag))
    return [tag for _, _, tag in sorted(weighted)]


def _matches(tag: str, locale: str) -> bool:
    wanted = tag.replace("_", "-").lower()
    have = locale.replace("_", "-").lower()
    if wanted == have:
        return True
    if have == "zh-cn":
        return wanted in ("zh", "zh-hans", "zh-hans-cn", "zh-sg")
    return wanted.split("-")[0] == have.split("-")[0] and "-" not in have


def html_lang(locale: str) -> str:
    """The BCP 47 tag for the `lang` attribute."""
    return {"zh_CN": "zh-CN"}.get(locale, locale.replace("_", "-"))


@cache
def babel_locale(locale: str) -> Locale:
    """The parsed Babel locale (parsing on every call would cost more than formatting)."""
    return Locale.parse(locale)


@cache
def locale_display_name(locale: str) -> str:
    """The language's own name for itself (中文, English)."""
    return (babel_locale(locale).display_name or locale).split(" (")[0]


def fmt_date(value: date | datetime | None, locale: str, fmt: str = "long") -> str:
    """A date in the reader's locale, in China's time zone for timestamps."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(DISPLAY_TZ).date()
    return _format_day(value, locale, fmt)


@lru_cache(maxsize=4096)
def _format_day(day: date, locale: str, fmt: str) -> str:
    # A queue page shows a few days many times over; Babel took 40 µs for each.
    return format_date(day, format=fmt, locale=babel_locale(locale))


def fmt_datetime(value: datetime | None, locale: str, fmt: str = "medium") -> str:
    """A timestamp in the reader's locale, shown in China's time zone."""
    if value is None:
        return ""
    return format_datetime(value, format=fmt, tzinfo=DISPLAY_TZ, locale=babel_locale(locale))


def fmt_filesize(size: int, locale: str) -> str:
    """A byte count for people: 980 B, 12.5 KB, 3.4 MB (units are the same in every locale)."""
    if size < 1024:
        return f"{format_decimal(size, locale=babel_locale(locale))} B"
    for unit, scale in (("KB", 1024), ("MB", 1024 ** 2), ("GB", 1024 ** 3)):
        if size < scale * 1024 or unit == "GB":
            shown = format_decimal(round(size / scale, 1), locale=babel_locale(locale))
            return f"{shown} {unit}"
    return str(size)  # unreachable: GB catches the rest


def fmt_number(value: float | int | None, locale: str) -> str:
    """A number with the locale's grouping."""
    if value is None:
        return ""
    return format_decimal(value, locale=babel_locale(locale))
