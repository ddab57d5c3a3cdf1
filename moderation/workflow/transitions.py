"""The submission state machine as data: (state, action) -> next state and who may act.

`core.begin` enforces this table for every action; `allowed_actions` reads the same
table for the UI, so the buttons shown and the checks made cannot drift apart.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from moderation.intake.models import Submission, SubmissionState
from moderation.roles import Actor, Role

S = SubmissionState
M, H = Role.moderator, Role.handler


class Action(enum.StrEnum):
    claim = "claim"
    release = "release"
    classify = "classify"
    reject = "reject"
    mark_duplicate = "mark_duplicate"
    accept = "accept"
    reply = "reply"  # a public reply to the citizen
    note = "note"  # an internal note, never public
    ask = "ask"  # a public question; the case then awaits the citizen
    start_verification = "start_verification"
    extend = "extend"
    conclude = "conclude"
    reopen = "reopen"
    uphold = "uphold"


@dataclass(frozen=True)
class Transition:
    """Where an action leads from one state, and which roles may take it there."""

    next_state: SubmissionState
    roles: frozenset[Role]


def _t(next_state: SubmissionState, *roles: Role) -> Transition:
    return Transition(next_state, frozenset(roles))


UNDECIDED = (S.new, S.in_review)
OPEN_STATES = (S.new, S.in_review, S.accepted, S.verifying)
HANDLING = (S.accepted, S.verifying)

TABLE: dict[tuple[SubmissionState, Action], Transition] = {
    (S.new, Action.claim): _t(S.in_review, M),
    (S.in_review, Action.claim): _t(S.in_review, M),  # take over an expired claim
    (S.in_review, Action.release): _t(S.in_review, M),
    **{(s, Action.classify): _t(s, M) for s in UNDECIDED},
    **{(s, Action.reject): _t(S.rejected, M) for s in UNDECIDED},
    **{(s, Action.mark_duplicate): _t(S.rejected, M) for s in UNDECIDED},
    (S.in_review, Action.accept): _t(S.accepted, M),
    **{(s, Action.reply): _t(s, M) for s in OPEN_STATES},
    **{(s, Action.ask): _t(s, M) for s in UNDECIDED},
    **{(s, Action.ask): _t(s, H) for s in HANDLING},
    **{(s, Action.note): _t(s, M) for s in (S.new, S.in_review, S.rejected)},
    **{(s, Action.note): _t(s, M, H) for s in (S.accepted, S.verifying, S.concluded)},
    (S.accepted, Action.start_verification): _t(S.verifying, H),
    **{(s, Action.extend): _t(s, H) for s in HANDLING},
    (S.verifying, Action.conclude): _t(S.concluded, H),
    (S.concluded, Action.reopen): _t(S.verifying, M),
    (S.concluded, Action.uphold): _t(S.concluded, M),
}

# Every role that may take an action in some state; anyone else is refused outright.
ACTION_ROLES: dict[Action, frozenset[Role]] = {
    action: frozenset().union(*(t.roles for (_s, a), t in TABLE.items() if a == action))
    for action in Action
}

# Conditions beyond the state: the action is possible only while the guard holds.
GUARDS: dict[Action, Callable[[Submission], bool]] = {
    Action.extend: lambda s: not s.extended,
    Action.uphold: lambda s: s.needs_decision,
}


def transition_for(state: SubmissionState, action: Action) -> Transition | None:
    return TABLE.get((SubmissionState(state), action))


def can_see(submission: Submission, actor: Actor) -> bool:
    """Handlers see only leads whose responsible unit is their own; moderators see all."""
    if actor.role == Role.moderator:
        return True
    if actor.role == Role.handler:
        return (submission.responsible_unit_id is not None
                and submission.responsible_unit_id == actor.unit_id)
    return False


def claimed_by_other(submission: Submission, actor: Actor, now: datetime) -> bool:
    """True while someone else's claim on the item is still valid."""
    return (submission.claimed_by_id is not None and submission.claimed_by_id != actor.id
            and submission.claimed_until is not None and submission.claimed_until > now)


def allowed_actions(submission: Submission, actor: Actor,
                    now: datetime | None = None) -> list[Action]:
    """The actions `actor` may take on `submission` now (for the buttons of the UI)."""
    if actor.id is None or not can_see(submission, actor):
        return []
    out = []
    for action in Action:
        step = transition_for(submission.state, action)
        if step is None or actor.role not in step.roles:
            continue
        guard = GUARDS.get(action)
        if guard is not None and not guard(submission):
            continue
        if (actor.role == Role.moderator and now is not None
                and claimed_by_other(submission, actor, now)):
            continue
        if action == Action.release and submission.claimed_by_id is None:
            continue
        out.append(action)
    return out
