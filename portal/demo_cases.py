"""`portal demo`, part two: a few hundred demo tips and suggestions, taken through the
real domain services (so texts are sealed and audited like real ones) into every state,
over the months of the demo campaign, with some replies published (回复公开).

Reproducible: each case's form nonce is derived from the intake keys and its number, so
a second load finds every case by its idempotency hash and changes nothing, and the two
receipts printed for newcomers are the same on every run. Demo staff accounts are
disabled and have no usable password. The caller commits.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, col, select

from moderation.clock import FixedClock
from moderation.intake import followup
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import (
    Category,
    Outcome,
    Rating,
    RejectReason,
    Submission,
    SubmissionKind,
    SubmissionState,
)
from moderation.intake.receipts import (
    derive_receipt,
    format_receipt,
    idempotency_hash,
    sign_form_nonce,
)
from moderation.intake.service import submit_suggestion, submit_tip
from moderation.intake.validation import SuggestionInput, TipInput
from moderation.replies import service as public_replies
from moderation.roles import Actor, Role
from moderation.units import Unit
from moderation.workflow import claims, handling, triage
from portal import demo_cases_data as data
from portal.accounts.models import StaffUser
from portal.demo_data import CAMPAIGN
from portal.i18n import DISPLAY_TZ

DEMO_CASES = 320
# Not an Argon2 hash, so it never verifies: the demo accounts cannot sign in.
UNUSABLE_HASH = "!demo-account-no-password"
CITY = ("LH-ZFW", "LH-FY", "LH-JCY", "LH-GA", "LH-SF")
TIP_OUTCOMES = (Outcome.substantiated, Outcome.partly_substantiated, Outcome.unsubstantiated)
SUGGESTION_OUTCOMES = (Outcome.adopted, Outcome.partly_adopted, Outcome.noted)


@dataclass(frozen=True)
class CasePlan:
    """What happens to one demo case, decided before anything is written."""

    number: int
    kind: SubmissionKind
    received: datetime
    text: str
    code: str  # tip category or suggestion topic
    unit_code: str | None  # the unit concerned (tips)
    fate: SubmissionState
    consent: bool
    outcome: Outcome | None = None
    rating: Rating | None = None
    publish: bool = False  # approved; otherwise the public reply stays a draft
    question: bool = False
    reject_reason: RejectReason | None = None


@dataclass(frozen=True)
class DemoCases:
    summary: str
    receipts: list[tuple[str, str]]  # (what the case shows, formatted receipt)


def _moment(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=DISPLAY_TZ).astimezone(UTC)


_C, _R, _N, _I, _A, _V = (SubmissionState.concluded, SubmissionState.rejected,
                          SubmissionState.new, SubmissionState.in_review,
                          SubmissionState.accepted, SubmissionState.verifying)
# Where each case ends, in a repeating pattern: every state appears in any 26 cases, and
# most cases are concluded (the campaign is over), a quarter still open.
FATES = (_C, _C, _R, _C, _N, _C, _C, _V, _C, _I, _C, _C, _A, _C, _R, _C, _V, _C, _C, _N,
         _C, _C, _R, _C, _V, _C)


def plan_cases(units: list[Unit], count: int) -> list[CasePlan]:
    """The demo cases, the same on every run (a seeded generator, no database)."""
    rng = random.Random(2021)
    start, end = CAMPAIGN["starts_on"], CAMPAIGN["ends_on"]
    span = (end - start).days  # type: ignore[operator]
    by_kind: dict[object, list[Unit]] = {}
    for unit in units:
        if unit.code.split("-")[-1] in ("GA", "FY", "JCY", "SF", "ZFW"):
            by_kind.setdefault(unit.kind, []).append(unit)
    plans = []
    for number in range(count):
        fate = FATES[number % len(FATES)]
        open_case = fate in (SubmissionState.new, SubmissionState.in_review,
                             SubmissionState.accepted, SubmissionState.verifying)
        offset = rng.randrange(span - 25, span - 3) if open_case else rng.randrange(span - 20)
        received = _moment(start + timedelta(days=offset), rng.randrange(8, 21))  # type: ignore[operator]
        place, when = rng.choice(data.PLACES), rng.choice(data.TIMES)
        if rng.random() < 0.6:
            kind, unit_kind = SubmissionKind.tip, rng.choice(list(data.TIPS))
            code, template = rng.choice(data.TIPS[unit_kind])
            unit_code = rng.choice(by_kind[unit_kind]).code if rng.random() < 0.9 else None
            outcomes = TIP_OUTCOMES
        else:
            kind, unit_kind, unit_code = SubmissionKind.suggestion, None, None
            code = rng.choice(list(data.SUGGESTIONS))
            template = rng.choice(data.SUGGESTIONS[code])
            outcomes = SUGGESTION_OUTCOMES
        text = data.DEMO_MARK + template.format(place=place, when=when)
        consent = rng.random() < 0.45
        concluded = fate == SubmissionState.concluded
        plans.append(CasePlan(
            number=number, kind=kind, received=received, text=text, code=code,
            unit_code=unit_code, fate=fate, consent=consent,
            outcome=rng.choice(outcomes) if concluded else None,
            rating=rng.choices(list(Rating), (55, 30, 15))[0]
            if concluded and rng.random() < 0.75 else None,
            publish=concluded and consent and rng.random() < 0.8,
            question=fate == SubmissionState.verifying and number % 3 != 0,
            reject_reason=rng.choice(list(data.REJECTIONS))
            if fate == SubmissionState.rejected else None))
    return plans


def _nonce(keys: IntakeKeys, number: int) -> bytes:
    return hmac.new(keys.form_nonce, f"minsheng-demo-case-{number}".encode(),
                    hashlib.sha256).digest()


def _staff(session: Session, units: dict[str, Unit], moment: datetime,
           added: Counter[str]) -> dict[str, Actor]:
    """Disabled demo accounts: two moderators and a handler in each city-level unit."""
    wanted = [("demo-moderator-1", "演示审核员甲", Role.moderator, None),
              ("demo-moderator-2", "演示审核员乙", Role.moderator, None)]
    wanted += [(f"demo-handler-{code.lower()}", f"演示承办人·{units[code].name['zh_CN']}",
                Role.handler, units[code].id) for code in CITY]
    existing = {u.username: u for u in session.exec(select(StaffUser).where(
        col(StaffUser.username).startswith("demo-")))}
    actors = {}
    for username, name, role, unit_id in wanted:
        user = existing.get(username)
        if user is None:
            user = StaffUser(username=username, display_name=name, role=role, unit_id=unit_id,
                             password_hash=UNUSABLE_HASH, is_active=False,
                             created_at=moment)
            session.add(user)
            session.flush()
            added["demo staff accounts"] += 1
        actors[username] = Actor(id=user.id, label=username, role=role, unit_id=unit_id)
    return actors


def _responsible(plan: CasePlan, units: dict[str, Unit], by_id: dict[int, Unit]
                 ) -> tuple[str, str]:
    """(handling mode, responsible city unit): never the unit concerned or one under it."""
    if plan.kind == SubmissionKind.suggestion:
        topic_unit = {"sugg-conduct": "LH-ZFW", "sugg-openness": "LH-FY",
                      "sugg-mechanism": "LH-ZFW"}
        return "direct", topic_unit.get(plan.code, CITY[3 + plan.number % 2])
    if plan.unit_code is None:
        return "direct", "LH-ZFW"
    concerned = units[plan.unit_code]
    if concerned.parent_id is not None:  # a county organ: its city counterpart escalates
        city = {u.kind: u.code for u in by_id.values() if u.code in CITY}
        return "escalated", city[concerned.kind]
    return "cross_unit", "LH-JCY" if plan.unit_code != "LH-JCY" else "LH-ZFW"


class _Runner:
    """Takes one planned case through the domain, each step at its own time."""

    def __init__(self, session: Session, keys: IntakeKeys, units: dict[str, Unit],
                 categories: dict[str, int], staff: dict[str, Actor]) -> None:
        self.session, self.keys, self.units, self.categories = session, keys, units, categories
        self.staff = staff
        self.by_id = {u.id: u for u in units.values() if u.id is not None}
        self.clock = FixedClock(datetime.now(UTC))

    def at(self, plan: CasePlan, days: float, hours: int = 0) -> FixedClock:
        self.clock.at = plan.received + timedelta(days=days, hours=hours)
        return self.clock

    def run(self, plan: CasePlan, added: Counter[str]) -> None:
        db, clock = self.session, self.at(plan, 0)
        token = sign_form_nonce(self.keys, plan.kind.value, _nonce(self.keys, plan.number),
                                clock)
        if plan.kind == SubmissionKind.tip:
            unit_id = self.units[plan.unit_code].id if plan.unit_code else None
            sub = submit_tip(db, self.keys, token, TipInput(
                content=plan.text, unit_concerned_id=unit_id, publish_consent=plan.consent),
                clock=clock).submission
        else:
            sub = submit_suggestion(db, self.keys, token, SuggestionInput(
                content=plan.text, category_id=self.categories[plan.code],
                publish_consent=plan.consent), clock=clock).submission
        added["demo cases"] += 1
        if plan.fate != SubmissionState.new:
            self._triage(plan, sub, added)

    def _triage(self, plan: CasePlan, sub: Submission, added: Counter[str]) -> None:
        db, moderator = self.session, self.staff["demo-moderator-1"]
        sub = claims.claim(db, moderator, sub.id, sub.version, clock=self.at(plan, 1, 2))  # type: ignore[arg-type]
        if plan.kind == SubmissionKind.tip:
            sub = triage.classify(db, moderator, sub.id, sub.version,  # type: ignore[arg-type]
                                  category_id=self.categories[plan.code],
                                  unit_concerned_id=sub.unit_concerned_id, priority="normal",
                                  clock=self.at(plan, 1, 3))
        if plan.fate == SubmissionState.in_review:
            return
        if plan.reject_reason is not None:
            triage.reject(db, moderator, sub.id, sub.version, reason=plan.reject_reason,  # type: ignore[arg-type]
                          public_reply=data.REJECTIONS[plan.reject_reason],
                          clock=self.at(plan, 2))
            return
        mode, code = _responsible(plan, self.units, self.by_id)
        handler = self.staff[f"demo-handler-{code.lower()}"]
        # No named handler: the demo handler's account is disabled; it becomes the
        # handler when it starts verifying.
        sub = triage.accept(db, moderator, sub.id, sub.version, mode=mode,  # type: ignore[arg-type]
                            responsible_unit_id=self.units[code].id, clock=self.at(plan, 2))
        if plan.fate != SubmissionState.accepted:
            self._handle(plan, sub, handler, added)

    def _handle(self, plan: CasePlan, sub: Submission, handler: Actor,
                added: Counter[str]) -> None:
        db = self.session
        sub = handling.start_verification(db, handler, sub.id, sub.version,  # type: ignore[arg-type]
                                          clock=self.at(plan, 4))
        if plan.question:
            sub = handling.ask_citizen(db, handler, sub.id, sub.version, data.QUESTION,  # type: ignore[arg-type]
                                       clock=self.at(plan, 6))
            question = followup.open_questions(db, sub.id)[0]  # type: ignore[arg-type]
            followup.answer_question(db, sub, question.id, data.ANSWER,  # type: ignore[arg-type]
                                     keys=self.keys, clock=self.at(plan, 7))
            db.refresh(sub)
        if plan.fate != SubmissionState.concluded or plan.outcome is None:
            return
        days = 12 + plan.number % 30
        sub = handling.conclude(db, handler, sub.id, sub.version, outcome=plan.outcome,  # type: ignore[arg-type]
                                finding=data.FINDINGS, public_reply=data.REPLIES[plan.outcome],
                                clock=self.at(plan, days))
        if plan.rating is not None:
            followup.rate(db, sub, plan.rating, keys=self.keys, clock=self.at(plan, days + 2))
        if plan.consent:
            self._public_reply(plan, sub, handler, days, added)

    def _public_reply(self, plan: CasePlan, sub: Submission, handler: Actor, days: int,
                      added: Counter[str]) -> None:
        db = self.session
        reply = public_replies.write(
            db, handler, sub.id, None,  # type: ignore[arg-type]
            summary=data.DEMO_SUMMARY_MARK + data.SUMMARIES[plan.code],
            reply_text=data.REPLIES[plan.outcome],  # type: ignore[index]
            clock=self.at(plan, days + 3))
        if plan.publish:
            public_replies.approve(db, self.staff["demo-moderator-2"], sub.id, reply.version,  # type: ignore[arg-type]
                                   clock=self.at(plan, days + 4))
            added["published replies"] += 1


def _receipts(keys: IntakeKeys, plans: list[CasePlan]) -> list[tuple[str, str]]:
    """Two cases worth following: a concluded one with a public reply, an open one."""
    picks = [("concluded, reply published", [p for p in plans if p.publish]),
             ("under verification, question answered", [p for p in plans if p.question]),
             ("being verified", [p for p in plans if p.fate == SubmissionState.verifying])]
    chosen = [(label, found[0]) for label, found in picks if found][:2]
    return [(label, format_receipt(derive_receipt(keys, _nonce(keys, plan.number))))
            for label, plan in chosen]


def load_demo_cases(session: Session, keys: IntakeKeys, count: int | None = None
                    ) -> DemoCases:
    """Add the demo cases that are missing (`DEMO_CASES` by default); returns a summary
    and two receipts. Load the demo campaign first (units and categories)."""
    units = {u.code: u for u in session.exec(select(Unit))}
    categories = {c.code: c.id for c in session.exec(select(Category)) if c.id is not None}
    plans = plan_cases(sorted(units.values(), key=lambda u: u.code), count or DEMO_CASES)
    wanted = {idempotency_hash(keys, _nonce(keys, p.number)): p for p in plans}
    present = set(session.exec(select(Submission.idempotency_hash).where(
        col(Submission.idempotency_hash).in_(wanted))))
    added: Counter[str] = Counter()
    missing = [plan for digest, plan in wanted.items() if digest not in present]
    if missing:
        staff = _staff(session, units, plans[0].received, added)
        runner = _Runner(session, keys, units, categories, staff)
        for plan in missing:
            runner.run(plan, added)
    session.flush()
    if not added:
        summary = f"demo cases: all {len(plans)} already loaded, nothing changed"
    else:
        summary = "demo cases: added " + ", ".join(
            f"{count} {what}" for what, count in sorted(added.items()))
    return DemoCases(summary, _receipts(keys, plans))
