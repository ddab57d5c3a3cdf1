"""Translated labels of the queue's enum values (states, kinds, modes, outcomes, ...).

Keyed by (enum type, value): StrEnum members of different enums with the same value
(`Tab.new`, `SubmissionState.new`) compare equal, so the type must be part of the key.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

from moderation.intake.models import (
    Channel,
    HandlingMode,
    MessageKind,
    Outcome,
    Priority,
    Rating,
    RejectReason,
    Submission,
    SubmissionKind,
    SubmissionState,
)
from moderation.intake.spam import SpamSignal, decode_signals
from moderation.queue.filters import SortKey, Tab
from moderation.workflow.transitions import Action
from portal.locale_context import gettext
from portal.locale_context import lazy_gettext as N_

_LABELS: dict[type[enum.Enum], dict[str, str]] = {
    SubmissionKind: {"tip": N_("Tip"), "suggestion": N_("Suggestion")},
    Channel: {"web": N_("Website"), "phone": N_("Telephone"), "letter": N_("Letter"),
              "visit": N_("Visit in person"), "email": N_("Email")},
    SubmissionState: {"new": N_("New"), "in_review": N_("In review"),
                      "rejected": N_("Not accepted"), "accepted": N_("Accepted"),
                      "verifying": N_("Being verified"), "concluded": N_("Concluded")},
    Priority: {"low": N_("Low"), "normal": N_("Normal"), "high": N_("High"),
               "urgent": N_("Urgent")},
    RejectReason: {"spam": N_("Spam or no content"), "out_of_scope": N_("Out of scope"),
                   "abusive": N_("Abusive"), "duplicate": N_("Duplicate"),
                   "insufficient_information": N_("Not enough information")},
    HandlingMode: {"direct": N_("Direct handling"), "escalated": N_("Escalated handling"),
                   "cross_unit": N_("Cross-unit handling"),
                   "off_site": N_("Off-site handling"),
                   "leader_owned": N_("Leader-owned case")},
    Outcome: {"substantiated": N_("Substantiated"),
              "partly_substantiated": N_("Partly substantiated"),
              "unsubstantiated": N_("Unsubstantiated"), "adopted": N_("Adopted"),
              "partly_adopted": N_("Partly adopted"), "noted": N_("Noted for reference")},
    Tab: {"new": N_("New"), "spam": N_("Possible spam"), "mine": N_("Mine"),
          "overdue": N_("Overdue"),
          "awaiting_citizen": N_("Awaiting the citizen"), "all": N_("All")},
    SpamSignal: {"wechat": N_("offers a WeChat contact"), "qq": N_("offers a QQ number"),
                 "link": N_("contains a web link"), "phones": N_("lists many phone numbers")},
    SortKey: {"received": N_("Date received"), "due": N_("Due date")},
    MessageKind: {"message": N_("Message"), "question": N_("Question"),
                  "answer": N_("Answer"), "rating": N_("Rating"),
                  "review_request": N_("Review request")},
    Rating: {"satisfied": N_("Satisfied"), "mostly": N_("Mostly satisfied"),
             "dissatisfied": N_("Dissatisfied")},
    Action: {"claim": N_("Claim and triage"), "release": N_("Release the claim"),
             "classify": N_("Classify"), "reject": N_("Do not accept"),
             "mark_duplicate": N_("Mark as duplicate"), "accept": N_("Accept and route"),
             "reply": N_("Reply to the citizen"), "note": N_("Internal note"),
             "ask": N_("Ask the citizen"), "start_verification": N_("Start verification"),
             "extend": N_("Request the extension"), "conclude": N_("Conclude"),
             "reopen": N_("Reopen for verification"), "uphold": N_("Uphold the conclusion")},
}


def qlabel(value: enum.Enum | None) -> str:
    """The translated label of a queue enum value ("" for None)."""
    if value is None:
        return ""
    text = _LABELS.get(type(value), {}).get(str(value.value))
    return gettext(text) if text else str(value.value)


def spam_reasons(stored: str | None) -> str:
    """Why an item is possible spam, in words ("" when it is not)."""
    return gettext(", ").join(qlabel(s) for s in decode_signals(stored))


def options(kind: type[enum.Enum], members: Sequence[enum.Enum] | None = None
            ) -> list[tuple[str, str, int]]:
    """(value, label, depth) triples for a select of `kind`'s members."""
    return [(str(m.value), qlabel(m), 0) for m in (members or list(kind))]


def state_label(submission: Submission, main: Submission | None = None) -> str:
    """The case's state for people: a duplicate reads "merged into …", not "not accepted"."""
    if submission.state == SubmissionState.rejected and main is not None:
        return gettext("Merged into %(reference)s", reference=main.reference)
    return qlabel(submission.state)
