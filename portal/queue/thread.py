"""The case page's thread and action panel.

The thread is one chronological list: messages (the citizen's and staff's) and the
workflow steps of the audit log, with staff display names. Steps that only repeat a
message (a reply, a note, a question) or record a file access are left out.

The panel offers the actions `allowed_actions` gives: the usual next step open, the
rest folded, destructive ones apart (and confirmed on a second step).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from moderation.audit import AuditEvent
from moderation.intake.models import CaseMessage, Submission
from moderation.workflow.transitions import Action
from portal.locale_context import lazy_gettext as N_
from portal.queue.common import staff_names

HISTORY = {
    "submission.claim": N_("Claimed"), "submission.release": N_("Released the claim"),
    "submission.classify": N_("Classified"), "submission.reject": N_("Not accepted"),
    "submission.mark_duplicate": N_("Marked as duplicate"),
    "submission.accept": N_("Accepted and routed"),
    "submission.start_verification": N_("Started verification"),
    "submission.extend": N_("Extended the deadline"),
    "submission.conclude": N_("Concluded"), "submission.reopen": N_("Reopened"),
    "submission.uphold": N_("Upheld the conclusion"),
    "identity.view": N_("Viewed the contact details"),
}
# Shown as the message they created, or access records: not workflow steps.
NOT_STEPS = frozenset({"submission.reply", "submission.note", "submission.ask",
                       "submission.question", "submission.file_download",
                       "submission.files_view"})

# The usual next step, in order of preference; the first one allowed is shown open.
PRIMARY_ORDER = (Action.claim, Action.accept, Action.start_verification, Action.conclude,
                 Action.uphold, Action.reopen, Action.reply, Action.ask, Action.note)
# Closing a submission without accepting it: kept apart in a "danger zone".
DANGER = (Action.reject, Action.mark_duplicate)
# What the citizen will be told, confirmed on a second step.
CONFIRM = frozenset({Action.reject, Action.mark_duplicate, Action.conclude})


@dataclass(frozen=True)
class ThreadEntry:
    at: datetime
    who: str = ""
    what: str = ""
    message: CaseMessage | None = None


@dataclass(frozen=True)
class Panel:
    primary: Action | None
    more: list[Action]
    danger: list[Action]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def case_thread(db: Session, submission: Submission,
                messages: list[CaseMessage]) -> list[ThreadEntry]:
    """Messages and workflow steps of the case, oldest first."""
    events = [e for e in db.exec(select(AuditEvent).where(
        col(AuditEvent.target_type) == "submission",
        col(AuditEvent.target_id) == str(submission.id)).order_by(col(AuditEvent.seq)))
        if e.action not in NOT_STEPS]
    names = staff_names(db, {e.actor_id for e in events})
    entries = [ThreadEntry(_aware(e.at), names.get(e.actor_id or 0, e.actor_label),
                           HISTORY.get(e.action, e.action)) for e in events]
    entries += [ThreadEntry(_aware(m.created_at), message=m) for m in messages]
    # Stable sort: steps before the message they led to when both share an hour.
    return sorted(entries, key=lambda entry: entry.at)


def action_panel(actions: list[Action], holds_claim: bool = False) -> Panel:
    """Split the allowed actions into the open one, the folded ones and the dangerous.
    Claiming again (to extend one's own claim) is never the usual next step."""
    primary = next((a for a in PRIMARY_ORDER if a in actions
                    and not (a == Action.claim and holds_claim)), None)
    danger = [a for a in DANGER if a in actions and a != primary]
    more = [a for a in actions if a != primary and a not in danger]
    return Panel(primary, more, danger)
