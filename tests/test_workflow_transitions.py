"""The transition table, exhaustively: every (state, action, role) either succeeds and
lands in the table's next state, or raises the one named domain error it should."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session

from moderation.clock import FixedClock
from moderation.errors import (
    AlreadyClaimed,
    DomainError,
    InvalidTransition,
    NotFound,
    NotPermitted,
    RoutingRefused,
    StaleVersion,
    ValidationFailed,
)
from moderation.intake.models import Submission, SubmissionState
from moderation.roles import Actor, Role
from moderation.workflow import claims, handling, review, triage
from moderation.workflow.transitions import (
    ACTION_ROLES,
    TABLE,
    Action,
    allowed_actions,
    can_see,
)
from portal.errors import DOMAIN_STATUS
from tests.workflow_support import World, drive, make_world, submit

Call = Callable[[Session, Actor, Submission, World, FixedClock], Submission]

CALLS: dict[Action, Call] = {
    Action.claim: lambda db, a, s, w, c: claims.claim(db, a, s.id, s.version, clock=c),
    Action.release: lambda db, a, s, w, c: claims.release(db, a, s.id, s.version, clock=c),
    Action.classify: lambda db, a, s, w, c: triage.classify(
        db, a, s.id, s.version, category_id=None, unit_concerned_id=w.accused.id,
        priority="high", clock=c),
    Action.reject: lambda db, a, s, w, c: triage.reject(
        db, a, s.id, s.version, reason="out_of_scope", public_reply="Out of scope.", clock=c),
    Action.mark_duplicate: lambda db, a, s, w, c: triage.mark_duplicate(
        db, a, s.id, s.version, main_id=w.main_id, public_reply="Duplicate.",  # type: ignore[attr-defined]
        clock=c),
    Action.accept: lambda db, a, s, w, c: triage.accept(
        db, a, s.id, s.version, mode="off_site", responsible_unit_id=w.verifier.id,
        handler_id=w.handler.id, clock=c),
    Action.reply: lambda db, a, s, w, c: triage.reply(db, a, s.id, s.version, "A reply.",
                                                      clock=c),
    Action.note: lambda db, a, s, w, c: handling.add_note(db, a, s.id, s.version, "Note.",
                                                          clock=c),
    Action.ask: lambda db, a, s, w, c: handling.ask_citizen(db, a, s.id, s.version,
                                                            "Which day?", clock=c),
    Action.start_verification: lambda db, a, s, w, c: handling.start_verification(
        db, a, s.id, s.version, clock=c),
    Action.extend: lambda db, a, s, w, c: handling.request_extension(
        db, a, s.id, s.version, "Witnesses abroad.", clock=c),
    Action.conclude: lambda db, a, s, w, c: handling.conclude(
        db, a, s.id, s.version, outcome="unsubstantiated", finding="No evidence.",
        public_reply="Not substantiated.", clock=c),
    Action.reopen: lambda db, a, s, w, c: review.reopen(db, a, s.id, s.version,
                                                        "The citizen is right.", clock=c),
    Action.uphold: lambda db, a, s, w, c: review.uphold(db, a, s.id, s.version,
                                                        "The conclusion stands.", clock=c),
}

ROLES = list(Role)


def expected(state: SubmissionState, action: Action, role: Role,
             sub: Submission, actor: Actor) -> type[DomainError] | None:
    """What the table says must happen (None: success)."""
    if role not in ACTION_ROLES[action]:
        return NotPermitted
    if not can_see(sub, actor):
        return NotFound
    step = TABLE.get((state, action))
    if step is None or role not in step.roles:
        return InvalidTransition
    return None


def attempt(call: Call, *args: object) -> tuple[Submission | None, DomainError | None]:
    try:
        return call(*args), None  # type: ignore[arg-type]
    except DomainError as error:
        return None, error


def test_every_action_is_in_the_table_and_every_call_is_tested() -> None:
    assert set(CALLS) == set(Action)
    assert {a for (_s, a) in TABLE} == set(Action)


@pytest.mark.parametrize("state", list(SubmissionState))
def test_transition_table(state: SubmissionState, db: Session, make_user,  # type: ignore[no-untyped-def]
                          clock: FixedClock) -> None:
    world = make_world(db, make_user)
    main = submit(db, clock, world, variant=108)
    world.main_id = main.submission.id  # type: ignore[attr-defined]
    sub = drive(db, clock, world, state)
    seen: dict[str, int] = {"ok": 0, "refused": 0}
    for action in Action:
        for role in ROLES:
            actor = world.actor(role)
            sub = db.get(Submission, sub.id)  # type: ignore[assignment]
            assert sub is not None
            want = expected(state, action, role, sub, actor)
            in_ui = action in allowed_actions(sub, actor, clock())
            version = sub.version
            nested = db.begin_nested()
            result, error = attempt(CALLS[action], db, actor, sub, world, clock)
            after = (result.state, result.version) if result is not None else None
            nested.rollback()
            where = f"{state}/{action}/{role}"
            if error is not None:
                assert want is not None, f"{where}: unexpected {error!r}"
                assert type(error) is want, f"{where}: {error!r} != {want}"
                assert not in_ui, f"{where} offered in the UI but refused"
                seen["refused"] += 1
            else:
                assert want is None, f"{where}: succeeded, wanted {want}"
                assert after == (TABLE[(state, action)].next_state, version + 1)
                assert in_ui, f"{where} allowed but not offered in the UI"
                seen["ok"] += 1
            db.expire_all()
    allowed = sum(1 for (s, _a), t in TABLE.items() if s == state for _r in t.roles)
    assert seen == {"ok": allowed, "refused": len(Action) * len(ROLES) - allowed}


@pytest.mark.parametrize(("error", "status"), [
    (NotFound("x"), 404), (NotPermitted("x"), 403), (InvalidTransition("x"), 409),
    (StaleVersion("x"), 409), (AlreadyClaimed(), 409), (ValidationFailed({"a": "b"}), 422),
    (RoutingRefused("msg"), 422),
])
def test_web_layer_maps_each_error_to_its_status(error: DomainError, status: int) -> None:
    got = next(code for kind, code in DOMAIN_STATUS.items() if isinstance(error, kind))
    assert got == status
