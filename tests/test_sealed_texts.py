"""Encrypted at rest means all of it (issue 8, acceptance 3).

A tip and its follow-ups go in through the real forms with marker words in every field a
citizen writes; then the raw bytes of the database (SQLite: the main file and its WAL;
PostgreSQL: a pg_dump) hold none of them, while the queue's search still finds the case
by each word. Erasing the key makes all of it unreadable and unsearchable at once.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, select
from starlette.testclient import TestClient

from moderation.clock import FixedClock
from moderation.intake import followup
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import CaseMessage, Submission
from moderation.intake.storage import erase
from moderation.intake.texts import case_texts
from moderation.queue.filters import QueueQuery
from moderation.queue.listing import list_queue
from moderation.queue.models import SubmissionSearch
from moderation.roles import Actor, Role
from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL, csrf_from, login, page
from tests.queue_support import KEYS, NOW, actor, add_submission
from tests.test_anonymity import raw_database_bytes
from tests.test_followup import conclude
from tests.test_intake_web import CONTENT, receipt_of, send, tip_confirmation

# Words that occur nowhere else: one per place a citizen writes, Chinese and Latin.
CONTENT_WORD, PERSON, BADGE = "鲸鲨犀鸟", "鹬蚌渔翁", "QX7731"
WHEN, WHERE = "ZEBRAWHEN", "鹈鹕渡口"
MESSAGE, ANSWER = "鸵鸸补充", "鸬鹚回答"
COMMENT, REASON = "鹧鸪评价", "鹦鹉复核"
MARKERS = (CONTENT_WORD, PERSON, BADGE, WHEN, WHERE, MESSAGE, ANSWER, COMMENT, REASON)


def database_bytes(engine: Engine) -> bytes:
    """SQLite: the main file and its WAL as they are; PostgreSQL: a full pg_dump."""
    if not ON_POSTGRES:
        return raw_database_bytes(engine)
    url = make_url(TEST_DATABASE_URL).set(database=engine.url.database)
    dump = subprocess.run(
        ["pg_dump", "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432),
         "-U", url.username or "postgres", "--data-only", url.database or ""],
        check=True, capture_output=True, timeout=60)
    return dump.stdout


def queue_references(client: TestClient, q: str) -> list[str]:
    response = client.get("/staff/queue", params={"q": q})
    assert response.status_code == 200
    return [a.get_text(strip=True) for a in page(response).select("a.case-link")]


@pytest.mark.skipif(ON_POSTGRES and shutil.which("pg_dump") is None, reason="no pg_dump")
def test_citizen_words_are_nowhere_in_the_database_yet_found_by_search(
        app: Any, client: TestClient, engine: Engine, db: Session, clock: FixedClock,
        make_user) -> None:  # type: ignore[no-untyped-def]
    keys: IntakeKeys = app.state.intake_keys
    citizen = client
    confirmation = tip_confirmation(
        citizen, content=f"{CONTENT}{CONTENT_WORD}。", person_name=PERSON,
        person_badge=BADGE, happened_when=WHEN, happened_where=WHERE)
    receipt = receipt_of(send(citizen, confirmation))
    submission = db.exec(select(Submission)).one()
    moderator = make_user(Role.moderator)
    question = followup.ask_question(db, actor(moderator), submission, "请说明时间。", clock)
    db.commit()

    form = citizen.get("/track")
    assert citizen.post("/track", data={"csrf_token": csrf_from(form),
                                        "receipt": receipt}).status_code == 303
    case = citizen.get("/track/case")
    assert citizen.post("/track/case/message", data={
        "csrf_token": csrf_from(case), "body": MESSAGE}).status_code == 303
    assert citizen.post(f"/track/case/questions/{question.id}/answer", data={
        "csrf_token": csrf_from(case), "body": ANSWER}).status_code == 303
    conclude(db, submission, clock)
    case = citizen.get("/track/case")
    assert citizen.post("/track/case/rating", data={
        "csrf_token": csrf_from(case), "rating": "mostly",
        "comment": COMMENT}).status_code == 303
    assert citizen.post("/track/case/review", data={
        "csrf_token": csrf_from(case), "reason": REASON}).status_code == 303

    # Everything arrived, and opens with the keys ...
    db.expire_all()
    texts = case_texts(keys, db.get(Submission, submission.id))  # type: ignore[arg-type]
    assert CONTENT_WORD in texts.content
    assert texts.happened_when == WHEN
    assert PERSON in texts.people_concerned
    assert BADGE in texts.people_concerned
    assert texts.happened_where == WHERE
    bodies = [texts.message_body(m) for m in db.exec(select(CaseMessage))]
    assert MESSAGE in bodies
    assert ANSWER in bodies
    assert texts.rating_comment(followup.current_rating(db, texts.submission)) == COMMENT
    assert texts.review_reason(followup.current_review(db, texts.submission)) == REASON
    # ... yet no byte of the database shows any of it.
    raw = database_bytes(engine)
    assert submission.reference.encode() in raw  # the dump really holds the rows
    for marker in MARKERS:
        assert marker.encode() not in raw, f"{marker!r} is in the database in plaintext"
        assert marker.lower().encode() not in raw

    # The queue's search finds the case by each of the indexed fields.
    citizen.cookies.clear()
    staff = citizen
    login(staff, moderator.username)
    for word in (CONTENT_WORD[:2], "犀鸟", PERSON[:2], BADGE.lower(), WHERE[2:]):
        assert queue_references(staff, word) == [submission.reference], word
    assert queue_references(staff, "鲸鱼") == []
    case_page = page(staff.get(f"/staff/cases/{submission.reference}"))
    assert CONTENT_WORD in case_page.select_one(".case-content").get_text()
    assert MESSAGE in case_page.select_one(".case-timeline").get_text()


def test_erasing_the_key_makes_text_messages_and_index_unreadable(
        db: Session, clock: FixedClock, make_user, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    row = add_submission(db, f"{CONTENT}{CONTENT_WORD}", people_concerned=PERSON)
    followup.add_message(db, row, MESSAGE, keys=KEYS, clock=clock)
    db.commit()
    mod = actor(make_user(Role.moderator))

    def found(q: str) -> list[str]:
        return [i.reference for i in list_queue(db, mod, QueueQuery(text=q), NOW,
                                                keys=KEYS).items]

    assert found(CONTENT_WORD[:2]) == [row.reference]
    erase(db, row, tmp_path, Actor.system("retention"), clock=clock)
    db.commit()
    texts = case_texts(KEYS, row)
    assert texts.erased
    assert (texts.content, texts.people_concerned) == ("", "")
    message = db.exec(select(CaseMessage)).one()
    assert message.body_sealed is not None
    assert texts.message_body(message) == ""
    assert db.get(SubmissionSearch, row.id) is None
    assert (found(CONTENT_WORD[:2]), found(PERSON[:2])) == ([], [])
    # The queue still lists the case (its workflow fields), with no excerpt.
    listed = list_queue(db, mod, QueueQuery(), NOW, keys=KEYS).items
    assert [(i.reference, i.excerpt) for i in listed] == [(row.reference, "")]
    with pytest.raises(followup.FollowupRefused):
        followup.add_message(db, row, "还有", keys=KEYS, clock=clock)
