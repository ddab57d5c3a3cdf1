"""Message ids of the ledger (English; the web layer translates them with `_()`).

`moderation` must not import the web layer; the `_` below only marks the strings for
Babel's extraction.
"""

from __future__ import annotations


def _(message: str) -> str:
    """Extraction marker: returns the message id unchanged."""
    return message


REQUIRED = _("This field is required.")
TOO_LONG = _("This text is too long.")
BAD_TEXT = _("This text contains characters that are not allowed.")
UNKNOWN_UNIT = _("Choose one of the listed units.")
UNKNOWN_CATEGORY = _("Choose one of the listed categories.")
UNKNOWN_PARENT = _("The parent item does not exist.")
PARENT_CYCLE = _("An item cannot be placed under itself or one of its children.")
DEADLINE_BEFORE_START = _("The deadline is before the start date.")
BAD_PROGRESS = _("Progress must be a whole number from 0 to 100.")
BAD_WEIGHT = _("The weight must be a whole number from 0 to 1000.")
BAD_DATE = _("Enter a date as YYYY-MM-DD.")
BAD_STATUS = _("Choose one of the listed statuses.")
BAD_BOOLEAN = _("Enter yes or no.")
BAD_NUMBER = _("Enter a whole number.")
TOO_MANY_MEASURES = _("There are too many measures.")
MEASURE_ONE_LINE = _("Each measure must fit on one line.")
PROGRESS_FROM_CHILDREN = _("The progress of an item with sub-items is computed from them.")
CASE_NOT_CONCLUDED = _("Only a concluded case can be put on the ledger.")
CASE_OUTCOME_NOT_CONFIRMED = _(
    "Only a substantiated tip or an adopted suggestion can be put on the ledger.")
ALREADY_LINKED = _("This case is already linked to the item.")
LOOKBACK_NOT_DONE = _("This look-back review is already recorded.")
NOT_RECTIFIED = _("Only a rectified or verified item can have a look-back review.")
RELAPSE_REASON = _("Give the reason for the relapse.")
ALREADY_VERIFIED = _("This item is already verified.")
NOT_READY_FOR_VERIFICATION = _("Only a rectified item can be verified.")

# Import (row errors)
UNKNOWN_ID = _("No ledger item has this id.")
DUPLICATE_ID = _("This id appears on more than one row.")
STALE_ROW = _("This item was changed after the file was exported. Export it again.")
BAD_HEADER = _("The columns of the file do not match the ledger's columns.")
BAD_FILE = _("The file could not be read as CSV or XLSX.")
HOSTILE_FILE = _("The file contains XML document type declarations or entities, which are "
                 "not accepted. Save it again from your spreadsheet program.")
FILE_TOO_BIG = _("The file is larger than an import may be (at most 5,000 rows and 64 "
                 "columns). Split it into smaller files.")
EMPTY_FILE = _("The file has no rows.")
DUPLICATE_CODE = _("Another item already has this code.")
