"""Security review of the citizen side: hostile inputs that used to give a 500, and rate
counters that outlived their window."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import Session, func, select
from starlette.testclient import TestClient

from moderation.clock import FixedClock
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import Submission
from moderation.ratelimit import RateCounter
from moderation.roles import Role
from portal.settings import Settings
from tests.conftest import BASE_URL, csrf_from, login
from tests.test_auth import fast_hashing  # noqa: F401 - fixture
from tests.test_followup import Case, make_case
from tests.test_intake_web import CONTENT, NO_FILE, fields_of

HUGE_ID = "9" * 25  # matches Starlette's `int` convertor, overflows every database integer


@pytest.fixture
def lenient(app: Any) -> Iterator[TestClient]:
    """A client that reports a server error as a 500 instead of raising it."""
    with TestClient(app, base_url=BASE_URL, follow_redirects=False,
                    raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def case(db: Session, settings: Settings, clock: FixedClock) -> Case:
    return make_case(db, IntakeKeys.from_secrets(settings.secret_key, settings.encryption_key),
                     clock)


def submissions(db: Session) -> int:
    db.expire_all()
    return db.exec(select(func.count()).select_from(Submission)).one()


@pytest.mark.parametrize("value", ["²", "١٢", "𝟙"])
def test_non_ascii_digits_in_the_unit_or_category_are_a_4xx(
        lenient: TestClient, db: Session, value: str) -> None:
    tip = lenient.post("/submit/tip", files=NO_FILE, data={
        **fields_of(lenient.get("/submit/tip")), "content": CONTENT,
        "unit_concerned_id": value})
    suggestion = lenient.post("/submit/suggestion", files=NO_FILE, data={
        **fields_of(lenient.get("/submit/suggestion")), "content": CONTENT,
        "category_id": value})
    assert (tip.status_code, suggestion.status_code) == (422, 422)
    assert CONTENT in tip.text  # the form comes back filled in
    assert submissions(db) == 0


@pytest.mark.parametrize("value", ["²", "9" * 5000])
def test_odd_kept_file_indexes_are_ignored(lenient: TestClient, value: str) -> None:
    response = lenient.post("/submit/tip", files=NO_FILE, data={
        **fields_of(lenient.get("/submit/tip")), "content": CONTENT, "keep_file": value})
    assert response.status_code == 200  # the confirmation page
    assert CONTENT in response.text


def test_an_out_of_range_question_id_is_not_found(lenient: TestClient, case: Case) -> None:
    form = lenient.get("/track")
    opened = lenient.post("/track", data={"csrf_token": csrf_from(form),
                                          "receipt": case.receipt})
    assert opened.status_code == 303
    token = csrf_from(lenient.get("/track/case"))
    response = lenient.post(f"/track/case/questions/{HUGE_ID}/answer",
                            data={"csrf_token": token, "body": "An answer."})
    assert response.status_code == 404


def test_an_out_of_range_file_id_is_not_found(lenient: TestClient, case: Case,
                                              make_user: Any) -> None:
    make_user(Role.moderator, username="mod1")
    login(lenient, "mod1")
    response = lenient.get(
        f"/staff/submissions/{case.submission.reference}/files/{HUGE_ID}")
    assert response.status_code == 404


def test_expired_rate_counters_are_purged_while_the_server_runs(
        client: TestClient, db: Session, clock: FixedClock) -> None:
    # Counter keys are HMACs of the client address under a key derived from the secret:
    # a counter row kept past its window lets whoever holds the database and the secret
    # search the address space for who posted when. Rows must go once their window ends.
    form = client.get("/track")
    client.post("/track", data={"csrf_token": csrf_from(form), "receipt": "1234"})
    db.expire_all()
    first = set(db.exec(select(RateCounter.key)).all())
    assert first
    clock.advance(days=2)
    form = client.get("/track")
    client.post("/track", data={"csrf_token": csrf_from(form), "receipt": "1234"})
    db.expire_all()
    left = set(db.exec(select(RateCounter.key)).all())
    assert left
    assert not (first & left)
