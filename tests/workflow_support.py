"""Shared set-up for the workflow tests: units, staff, and submissions driven through
the domain into each state (never by writing the state column directly)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from moderation.clock import FixedClock
from moderation.intake import followup
from moderation.intake.models import Rating, Submission, SubmissionState
from moderation.intake.receipts import issue_form_nonce
from moderation.intake.service import IntakeResult, submit_tip
from moderation.intake.storage import Contact
from moderation.intake.validation import TipInput
from moderation.roles import Actor, Role
from moderation.units import Unit, UnitKind
from moderation.workflow import claims, handling, triage
from tests.queue_support import KEYS as APP_KEYS

KEYS = APP_KEYS  # the app's keys, so pages can open what these helpers seal
CONTENT = "某派出所民警在办理户口时索要好处费，拖延不办，群众反映强烈。"
SECRET_NAME = "李秘密Marker"
SECRET_PHONE = "13900007777"


@dataclass
class World:
    """Units and staff: the lead is about `accused`, verified by `verifier`."""

    parent: Unit  # 市公安局, above `accused`
    accused: Unit  # 某区分局, the unit concerned
    child: Unit  # a station under `accused`
    verifier: Unit  # another city's bureau (off-site)
    moderator: Actor
    moderator2: Actor
    granted: Actor  # a moderator with can_view_identity
    handler: Actor  # handler in `verifier`
    other_handler: Actor  # handler in `accused`
    admin: Actor
    leader: Actor
    press: Actor

    def actor(self, role: Role) -> Actor:
        return {Role.moderator: self.moderator, Role.handler: self.handler,
                Role.admin: self.admin, Role.leader: self.leader,
                Role.press: self.press}[role]


def unit(db: Session, code: str, parent: Unit | None = None) -> Unit:
    row = Unit(code=code, name={"zh_CN": code, "en": code}, kind=UnitKind.police,
               parent_id=parent.id if parent else None)
    db.add(row)
    db.commit()
    db.refresh(row)
    return row


def actor_for(make_user, role: Role, username: str, unit_id: int | None = None,  # type: ignore[no-untyped-def]
              **fields: object) -> Actor:
    user = make_user(role, username=username, unit_id=unit_id, **fields)
    return Actor(id=user.id, label=user.username, role=user.role, unit_id=user.unit_id)


def make_world(db: Session, make_user) -> World:  # type: ignore[no-untyped-def]
    parent = unit(db, "city-police")
    accused = unit(db, "district-police", parent)
    child = unit(db, "station-1", accused)
    verifier = unit(db, "other-city-police")
    return World(
        parent=parent, accused=accused, child=child, verifier=verifier,
        moderator=actor_for(make_user, Role.moderator, "mod1"),
        moderator2=actor_for(make_user, Role.moderator, "mod2"),
        granted=actor_for(make_user, Role.moderator, "mod-granted", can_view_identity=True),
        handler=actor_for(make_user, Role.handler, "handler-v", verifier.id),
        other_handler=actor_for(make_user, Role.handler, "handler-a", accused.id),
        admin=actor_for(make_user, Role.admin, "admin1", can_view_identity=True),
        leader=actor_for(make_user, Role.leader, "leader1"),
        press=actor_for(make_user, Role.press, "press1"),
    )


def submit(db: Session, clock: FixedClock, world: World, *, named: bool = False,
           variant: int = 0) -> IntakeResult:
    """A tip about `world.accused`, anonymous unless `named`; committed. Each `variant`
    is a different text (the same form nonce is never reused anyway)."""
    content = CONTENT + (f"（第{variant}件）" if variant else "")
    contact = Contact(name=SECRET_NAME, phone=SECRET_PHONE) if named else Contact()
    result = submit_tip(db, KEYS, issue_form_nonce(KEYS, "tip", clock),
                        TipInput(content=content, unit_concerned_id=world.accused.id,
                                 anonymous=not named, contact=contact), clock=clock)
    db.commit()
    return result


def drive(db: Session, clock: FixedClock, world: World, state: SubmissionState) -> Submission:
    """A fresh tip taken through the domain's own actions into `state`; committed.

    A concluded case is also rated 不满意, so it awaits a moderator's decision.
    """
    sub = submit(db, clock, world).submission
    assert sub.id is not None
    mod, handler = world.moderator, world.handler
    if state != SubmissionState.new:
        sub = claims.claim(db, mod, sub.id, sub.version, clock=clock)
    if state == SubmissionState.rejected:
        sub = triage.reject(db, mod, sub.id, sub.version, reason="spam",
                            public_reply="Not a report.", clock=clock)
    if state in (SubmissionState.accepted, SubmissionState.verifying,
                 SubmissionState.concluded):
        sub = triage.accept(db, mod, sub.id, sub.version, mode="off_site",
                            responsible_unit_id=world.verifier.id, handler_id=handler.id,
                            clock=clock)
    if state in (SubmissionState.verifying, SubmissionState.concluded):
        sub = handling.start_verification(db, handler, sub.id, sub.version, clock=clock)
    if state == SubmissionState.concluded:
        sub = handling.conclude(db, handler, sub.id, sub.version, outcome="substantiated",
                                finding="Confirmed by records.",
                                public_reply="Your report was substantiated.", clock=clock)
        followup.rate(db, sub, Rating.dissatisfied, keys=KEYS, clock=clock)
    db.commit()
    assert sub.state == state
    return sub
