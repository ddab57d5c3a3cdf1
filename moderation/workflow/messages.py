"""English message ids of the workflow; the web layer translates them when shown."""

from __future__ import annotations

from moderation.intake.models import RejectReason


def _(message: str) -> str:
    """Extraction marker: returns the message id unchanged."""
    return message


UNKNOWN_CATEGORY = _("Choose a category from the list.")
UNKNOWN_UNIT = _("Choose a unit from the list.")
UNKNOWN_PRIORITY = _("Choose a priority from the list.")
UNKNOWN_REASON = _("Choose a reason from the list.")
USE_MARK_DUPLICATE = _("To reject a duplicate, mark it as a duplicate of the main case.")
UNKNOWN_MODE = _("Choose a handling mode from the list.")
UNKNOWN_HANDLER = _("Choose a handler who works in the responsible unit.")
DUE_IN_PAST = _("The deadline cannot be in the past.")
DUE_TOO_LATE = _("The deadline cannot be later than the legal limit.")
UNKNOWN_MAIN_CASE = _("There is no case with this number.")
MAIN_IS_SELF = _("A case cannot be a duplicate of itself.")
MAIN_REJECTED = _("The main case was not accepted; choose an open case.")
UNKNOWN_OUTCOME = _("Choose an outcome that fits this kind of submission.")
SELF_ROUTING = _(
    "A lead about a unit cannot be sent to that unit, or to a unit under it, to verify. "
    "Choose another unit.")
SELF_ROUTING_DIRECT = _(
    "A lead about a unit may go to that unit only for direct handling, and only if the "
    "campaign allows it. Choose another unit or handling mode.")

# Default public replies when a submission is not accepted; the moderator may edit them.
REJECT_REPLIES: dict[RejectReason, str] = {
    RejectReason.spam: _(
        "Your submission could not be accepted because it does not contain a report or "
        "a suggestion."),
    RejectReason.out_of_scope: _(
        "Your submission is outside the scope of this campaign. Please contact the body "
        "responsible for this matter."),
    RejectReason.abusive: _(
        "Your submission could not be accepted because of its abusive content. You may "
        "send it again without it."),
    RejectReason.duplicate: _(
        "Your submission concerns a matter already being handled. You can follow that "
        "case's progress with your receipt."),
    RejectReason.insufficient_information: _(
        "Your submission does not contain enough information to be verified. You may "
        "send it again with more details, such as the unit, the time and the place."),
}


# Why a unit is disabled in the accept form's list.
BARRED_ITSELF = _("the unit the lead is about")
BARRED_BELOW = _("under the unit the lead is about")


def default_reject_reply(reason: RejectReason | str) -> str:
    """The message id of the default public reply for a reason (the web translates it)."""
    return REJECT_REPLIES[RejectReason(reason)]
