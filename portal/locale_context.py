"""The locale of the request being served, as a context variable, and gettext on top."""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from portal.i18n import translations

current_locale: ContextVar[str] = ContextVar("current_locale", default="zh_CN")


def request_locale(scope: Mapping[str, Any]) -> str:
    """The locale the locale middleware chose for this request (else the current one)."""
    return scope.get("state", {}).get("locale") or current_locale.get()


def gettext(message: str, **variables: object) -> str:
    """Translate `message` into the current locale; `%(name)s` placeholders are filled."""
    text = translations(current_locale.get()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    """Plural-aware translation; `%(num)s` is always available."""
    text = translations(current_locale.get()).ngettext(singular, plural, n)
    return text % {"num": n, **variables}


def lazy_gettext(message: str) -> str:
    """Marks `message` for extraction without translating it now (translate when shown)."""
    return message


_ = gettext
