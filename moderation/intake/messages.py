"""User-facing messages of intake, as English message ids.

`moderation` must not import the web layer, so these are plain strings; the web layer
translates them with `_()` when it shows them. The `_` below only marks them for
Babel's extraction (`make messages` scans `moderation/**.py` for `_("...")`).
"""

from __future__ import annotations


def _(message: str) -> str:
    """Extraction marker: returns the message id unchanged."""
    return message


# Field validation (ValidationFailed.errors values)
REQUIRED = _("This field is required.")
TOO_LONG = _("This text is too long.")
CONTENT_TOO_SHORT = _("Please describe what happened in more detail.")
SUGGESTION_TOO_SHORT = _("Please write your suggestion in more detail.")
UNKNOWN_UNIT = _("Please choose a unit from the list, or “not sure”.")
UNKNOWN_CATEGORY = _("Please choose a topic from the list.")
CONTACT_NEEDED = _("For a real-name report, give your name and a phone number or email.")
BAD_PHONE = _("Please enter a valid phone number.")
BAD_EMAIL = _("Please enter a valid email address.")
BAD_CHANNEL = _("Please choose how the report was received.")
BAD_TEXT = _("This text contains characters that are not allowed.")

# Form tokens and idempotency
FORM_EXPIRED = _("This form has expired. Please check your entries and send it again.")
FORM_INVALID = _("This form could not be verified. Please reload the page and try again.")
ALREADY_REGISTERED = _("This registration was already saved. Its receipt code is shown only once; "
                       "find the case in the queue by its reference.")
FORM_REUSED = _("This form was already sent with different content. Please start a new one.")

# Files (FileRejected.message, keyed by FileRejected.code)
FILE_MESSAGES = {
    "too_large": _("This file is larger than the limit."),
    "total_too_large": _("The files together are larger than the limit."),
    "too_many": _("Too many files. Please send fewer files."),
    "empty": _("This file is empty."),
    "unsupported_type": _("This type of file is not accepted."),
    "type_mismatch": _("The file name does not match its content."),
    "damaged": _("This file seems damaged and could not be read."),
    "too_large_for_type": _("This file is too large for its type. Please send a smaller one."),
}

# Receipts, follow-up and rate limits
RECEIPT_NOT_FOUND = _("No submission matches this receipt code. Please check it and try again.")
RATE_LIMITED = _("Too many attempts. Please wait a while and try again.")
