"""Translated labels of the ledger's and the statistics' enum values.

Keyed by (enum type, value): StrEnum members of different enums with the same value
(`LedgerStatus.planned`, `PledgeStatus.planned`) compare equal.
"""

from __future__ import annotations

import enum

from moderation.intake.models import Channel, SubmissionKind
from moderation.ledger.models import (
    EntryKind,
    LedgerStatus,
    LookBackResult,
    MechanismArea,
    VerificationResult,
)
from portal.locale_context import gettext
from portal.locale_context import lazy_gettext as N_

_LABELS: dict[type[enum.Enum], dict[str, str]] = {
    LedgerStatus: {"planned": N_("Planned"), "in_progress": N_("In progress"),
                   "rectified": N_("Rectified"), "verified": N_("Verified")},
    EntryKind: {"note": N_("Progress note"), "relapse": N_("Relapse found by look-back"),
                "verification": N_("Verification failed")},
    MechanismArea: {"oversight": N_("Oversight of law enforcement and justice"),
                    "capability": N_("Skills and capability"),
                    "discipline": N_("Conduct and discipline"), "other": N_("Other")},
    VerificationResult: {"passed": N_("Passed"), "failed": N_("Not passed")},
    LookBackResult: {"held": N_("Rectification held"), "relapsed": N_("Problem relapsed")},
    SubmissionKind: {"tip": N_("Tip"), "suggestion": N_("Suggestion")},
    Channel: {"web": N_("Website"), "phone": N_("Telephone"), "letter": N_("Letter"),
              "visit": N_("Visit in person"), "email": N_("Email")},
}


def ledger_label(value: enum.Enum | None) -> str:
    """The translated label of a ledger or statistics enum value."""
    if value is None:
        return ""
    text = _LABELS.get(type(value), {}).get(str(value.value))
    return gettext(text) if text else str(value.value)


def label_of(kind: type[enum.Enum], key: str) -> str:
    """The label of `key` as a value of `kind` (the key itself when unknown)."""
    try:
        return ledger_label(kind(key))
    except ValueError:
        return key


def choices(kind: type[enum.Enum]) -> list[tuple[str, str]]:
    """(value, label) pairs of an enum for a select."""
    return [(member.value, ledger_label(member)) for member in kind]  # type: ignore[attr-defined]
