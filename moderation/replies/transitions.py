"""The public reply's state machine as data: (state, step) -> next state and who may act.

`None` is the state of a case that has no reply yet. `service` enforces this table and
`allowed_steps` reads it for the buttons, so the two cannot drift apart.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from moderation.replies.models import ReplyState
from moderation.roles import Role

R = ReplyState
M, H = Role.moderator, Role.handler


class Step(enum.StrEnum):
    write = "write"  # write or rewrite the summary and the reply (a draft)
    approve = "approve"  # a moderator other than the writer approves: it is published
    unpublish = "unpublish"  # a moderator takes it down, with a reason


@dataclass(frozen=True)
class ReplyTransition:
    next_state: ReplyState
    roles: frozenset[Role]


def _t(next_state: ReplyState, *roles: Role) -> ReplyTransition:
    return ReplyTransition(next_state, frozenset(roles))


TABLE: dict[tuple[ReplyState | None, Step], ReplyTransition] = {
    (None, Step.write): _t(R.draft, M, H),
    (R.draft, Step.write): _t(R.draft, M, H),
    (R.unpublished, Step.write): _t(R.draft, M, H),
    (R.draft, Step.approve): _t(R.published, M),
    (R.published, Step.unpublish): _t(R.unpublished, M),
}

# States in which the citizen may still withdraw consent (nothing is public).
WITHDRAWABLE: frozenset[ReplyState | None] = frozenset({None, R.draft, R.unpublished})


def transition_for(state: ReplyState | None, step: Step) -> ReplyTransition | None:
    return TABLE.get((ReplyState(state) if state is not None else None, step))


def allowed_steps(state: ReplyState | None, role: Role | None) -> list[Step]:
    """The steps `role` may take from `state` (further checks live in `service`)."""
    return [step for step in Step
            if (t := transition_for(state, step)) is not None and role in t.roles]
