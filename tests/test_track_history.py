"""The citizen's case page tells the whole story: each step in the order it happened,
with its date and the outcome in words, even when several happen within one hour."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.testclient import TestClient

from moderation.clock import FixedClock
from moderation.intake import followup
from moderation.intake.case_history import StepKind, case_history
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import Rating, Submission
from moderation.intake.receipts import issue_form_nonce
from moderation.intake.service import submit_tip
from moderation.intake.validation import TipInput
from moderation.workflow import claims, handling, review, triage
from tests.conftest import page
from tests.test_track import open_case
from tests.workflow_support import make_world

STORY = "所里民警收钱办户口。Marker-story-5521"
QUESTION, ANSWER = "具体是哪一天？", "五月三日上午。"
REPLY = "经核查，反映的问题属实，已对相关民警立案审查。"
UPHOLD = "复查后维持原结论。"
INTERNAL = "Finding-internal-marker-9913"


def take_case_through_every_step(db: Session, keys: IntakeKeys, clock: FixedClock,
                                 make_user: Any) -> tuple[str, int]:
    """Accept, question, answer, conclude, review requested and decided, rating; the
    question, its answer and the conclusion all fall within one hour."""
    world = make_world(db, make_user)
    result = submit_tip(db, keys, issue_form_nonce(keys, "tip", clock),
                        TipInput(content=STORY, unit_concerned_id=world.accused.id,
                                 people_concerned="王某"), clock=clock)
    db.commit()
    sub = result.submission
    assert sub.id is not None
    mod, handler = world.moderator, world.handler
    clock.advance(hours=3)
    sub = claims.claim(db, mod, sub.id, sub.version, clock=clock)
    sub = triage.accept(db, mod, sub.id, sub.version, mode="off_site",
                        responsible_unit_id=world.verifier.id, handler_id=handler.id,
                        clock=clock)
    clock.advance(days=1)
    sub = handling.start_verification(db, handler, sub.id, sub.version, clock=clock)
    clock.advance(days=2, minutes=10)  # 05:10
    sub = handling.ask_citizen(db, handler, sub.id, sub.version, QUESTION, clock=clock)
    db.commit()
    question = followup.open_questions(db, sub.id)[0]
    clock.advance(minutes=40)  # 05:50, stored as 05:00: before the question by the clock
    followup.answer_question(db, sub, question.id, ANSWER, keys=keys, clock=clock)  # type: ignore[arg-type]
    db.commit()
    clock.advance(minutes=5)
    sub = handling.conclude(db, handler, sub.id, sub.version, outcome="substantiated",
                            finding=INTERNAL, public_reply=REPLY, clock=clock)
    db.commit()
    clock.advance(days=2)
    followup.request_review(db, sub, "证据不全。", keys=keys, clock=clock)
    db.commit()
    clock.advance(days=1)
    sub = review.uphold(db, mod, sub.id, sub.version, UPHOLD, clock=clock)
    db.commit()
    followup.rate(db, sub, Rating.mostly, keys=keys, clock=clock)
    db.commit()
    return result.receipt, sub.id


def test_case_page_shows_each_step_in_order_with_outcome_in_words(
        client: TestClient, db: Session, app: Any, clock: FixedClock, make_user: Any) -> None:
    keys = app.state.intake_keys
    receipt, sub_id = take_case_through_every_step(db, keys, clock, make_user)
    # The domain's order: the answer stored at 02:00 still follows the 02:10 question.
    steps = case_history(db, keys, db.get(Submission, sub_id))  # type: ignore[arg-type]
    assert [s.kind for s in steps] == [
        StepKind.received, StepKind.accepted, StepKind.verifying, StepKind.question,
        StepKind.answer, StepKind.concluded, StepKind.review_requested, StepKind.upheld,
        StepKind.rated]
    assert steps[4].at == steps[3].at  # the same hour: only the sequence orders them
    assert (steps[5].outcome, steps[5].body) == ("substantiated", REPLY)
    assert all(INTERNAL not in s.body for s in steps)

    client.headers["Accept-Language"] = "en"
    doc = page(open_case(client, receipt))
    steps = doc.select("ol.track-history > li.track-step")
    titles = [s.select_one(".step-title").get_text(strip=True) for s in steps]
    assert titles == [
        "Received", "Accepted", "Under verification", "Question for you", "Your answer",
        "Concluded", "You requested a review", "Review decided: the conclusion stands",
        "Your rating"]
    assert all(s.select_one("time[datetime]") for s in steps)  # each with its date
    dates = [s.select_one("time")["datetime"] for s in steps]
    assert dates == sorted(dates)
    assert "from another area" in steps[1].select_one(".step-detail").get_text()
    assert steps[5].select_one(".step-outcome").get_text(" ", strip=True) == \
        "Outcome: Substantiated"
    assert steps[5].select_one(".track-body").get_text(strip=True) == REPLY
    assert steps[7].select_one(".track-body").get_text(strip=True) == UPHOLD
    assert steps[8].select_one(".step-rating").get_text(strip=True) == "Mostly satisfied"
    status = doc.select_one(".track-status-label").get_text(" ", strip=True)
    assert "Substantiated" in status
    assert INTERNAL not in doc.get_text()
    # What the citizen sent, in their own words.
    sent = doc.select_one(".track-sent")
    assert sent.select_one(".track-sent-body").get_text(strip=True) == STORY
    assert "王某" in sent.get_text()
    # After rating, the rating given instead of the form.
    rating = doc.select_one(".track-rating")
    assert rating.select_one("form") is None
    assert "Mostly satisfied" in rating.get_text()

    client.headers["Accept-Language"] = "zh-CN"
    zh = page(client.get("/track/case"))
    assert "查实" in zh.select_one(".track-status-label").get_text()
    assert "异地办理" in zh.select("ol.track-history > li")[1].get_text()
