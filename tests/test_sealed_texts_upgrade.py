"""A database filled before texts were sealed (revision 0002) upgrades and keeps working:
migration 0003 seals every citizen text with its submission's key, rewrites the search
index as blind hashes, drops the texts of erased submissions, and leaves no plaintext in
the database bytes (SQLite file and WAL; PostgreSQL dump)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import MetaData, Table, insert
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, select

from moderation.intake.crypto import new_data_key, wrap_key
from moderation.intake.models import CaseMessage, CaseRating, ReviewRequest, Submission
from moderation.intake.texts import case_texts
from moderation.queue.filters import QueueQuery
from moderation.queue.listing import list_queue
from moderation.queue.models import SubmissionSearch
from moderation.queue.tokens import document_text
from moderation.roles import Actor, Role
from portal.migrate import upgrade
from tests.queue_support import KEYS, NOW
from tests.test_migrations import empty_engine  # noqa: F401  (fixture)
from tests.test_sealed_texts import database_bytes

CONTENT, PEOPLE, WHERE = "派出所民警鸮鹗索要好处费两千元。", "姓名: 鹳鹤", "鹡鸰路口"
MESSAGE, RATING, REVIEW, STAFF = "补充鸨鹬情况", "鹪鹩满意", "鹫鹞复核", "已收到，正在核查。"
ERASED = "已销毁的鸻鹛内容"
MARKERS = ("鸮鹗", "鹳鹤", "鹡鸰", "鸨鹬", "鹪鹩", "鹫鹞", "鸻鹛")


def _row(conn: Connection, table: str, **values: object) -> int:
    result = conn.execute(insert(Table(table, MetaData(), autoload_with=conn)).values(**values))
    return result.inserted_primary_key[0]  # type: ignore[index]


def _submission(conn: Connection, reference: str, content: str, wrapped: bytes | None,
                **extra: object) -> int:
    at = datetime(2026, 5, 1, 2, tzinfo=UTC)
    return _row(conn, "submission", reference=reference, kind="tip", channel="web",
                state="new", version=1, receipt_hash=reference + "r" * 50,
                idempotency_hash=reference + "i" * 50, received_at=at, content=content,
                anonymous=True, wrapped_key=wrapped, content_sha256="0" * 64,
                decision_due_on=date(2026, 5, 16), extended=False, extension_reason="",
                priority="normal", finding="", awaiting_citizen=False, needs_decision=False,
                **{"people_concerned": "", "happened_when": "", "happened_where": "", **extra})


def fill_at_0002(engine: Engine) -> None:
    at = datetime(2026, 5, 1, 2, tzinfo=UTC)
    with engine.begin() as conn:
        kept = _submission(conn, "MS-AAAA-0001", CONTENT,
                           wrap_key(KEYS.master, new_data_key(), "MS-AAAA-0001"),
                           people_concerned=PEOPLE, happened_where=WHERE)
        gone = _submission(conn, "MS-AAAA-0002", ERASED, None)
        for sid, text in ((kept, document_text(CONTENT, PEOPLE, WHERE, "MS-AAAA-0001")),
                          (gone, document_text(ERASED))):
            _row(conn, "submissionsearch", submission_id=sid, document=text)
        for sid, author, body in ((kept, "citizen", MESSAGE), (kept, "staff", STAFF),
                                  (gone, "citizen", ERASED)):
            _row(conn, "casemessage", submission_id=sid, author=author, kind="message",
                 body=body, public=True, created_at=at)
        _row(conn, "caserating", submission_id=kept, rating="mostly", comment=RATING,
             created_at=at)
        _row(conn, "reviewrequest", submission_id=kept, reason=REVIEW, status="pending",
             created_at=at)


def test_a_0002_database_upgrades_to_sealed_texts_and_still_works(
        empty_engine: Engine) -> None:  # noqa: F811
    upgrade(empty_engine, "0002")
    fill_at_0002(empty_engine)
    with pytest.raises(RuntimeError, match="intake keys"):
        upgrade(empty_engine)  # rows to seal, but no keys: refused, nothing changed
    upgrade(empty_engine, keys=KEYS)

    with Session(empty_engine) as db:
        kept, gone = db.exec(select(Submission).order_by(Submission.id)).all()
        texts = case_texts(KEYS, kept)
        assert (texts.content, texts.people_concerned, texts.happened_where) == (
            CONTENT, PEOPLE, WHERE)
        bodies = [texts.message_body(m) for m in db.exec(
            select(CaseMessage).where(CaseMessage.submission_id == kept.id)
            .order_by(CaseMessage.id))]
        assert bodies == [MESSAGE, STAFF]
        assert texts.rating_comment(db.exec(select(CaseRating)).one()) == RATING
        assert texts.review_reason(db.exec(select(ReviewRequest)).one()) == REVIEW
        assert gone.text_sealed is None
        assert db.get(SubmissionSearch, gone.id) is None
        moderator = Actor(id=1, label="mod", role=Role.moderator)
        for word in ("鸮鹗", "鹳鹤", "鹡鸰", "ms-aaaa-0001"):
            page = list_queue(db, moderator, QueueQuery(text=word), NOW, keys=KEYS)
            assert [i.reference for i in page.items] == ["MS-AAAA-0001"], word
        assert list_queue(db, moderator, QueueQuery(text="鸻鹛"), NOW, keys=KEYS).items == []
    raw = database_bytes(empty_engine)
    assert b"MS-AAAA-0001" in raw
    for marker in MARKERS:
        assert marker.encode() not in raw, f"{marker!r} survived the upgrade in plaintext"
