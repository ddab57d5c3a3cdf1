"""User-facing messages of the queue, as English message ids (translated by the web layer)."""

from __future__ import annotations


def _(message: str) -> str:
    """Extraction marker: returns the message id unchanged."""
    return message


BAD_CURSOR = _("This page link is no longer valid. Please start from the first page.")
BAD_TAB = _("Please choose a queue tab from the list.")
BAD_FILTER = _("Please choose a value from the list.")
BAD_DATE_RANGE = _("The start date must not be after the end date.")
QUERY_TOO_LONG = _("The search text is too long.")
QUERY_TOO_SHORT = _("Search for at least two Chinese characters or a whole word.")
