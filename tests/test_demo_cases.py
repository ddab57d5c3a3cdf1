"""Demo submissions (`portal demo`), acceptance 6: after the demo is loaded the queue,
/statistics (above the small-count threshold) and the public replies show demo data;
loading twice changes nothing; the printed receipts open their cases."""

from __future__ import annotations

import re

from sqlalchemy import func
from sqlmodel import SQLModel, select

from moderation.audit import verify
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import Submission, SubmissionState
from moderation.intake.texts import case_texts
from moderation.replies.models import PublicReply, ReplyState
from moderation.roles import Role
from portal.accounts.models import StaffUser
from portal.accounts.passwords import verify_password
from portal.demo import load_demo
from portal.demo_cases import load_demo_cases
from portal.demo_cases_data import DEMO_MARK, DEMO_SUMMARY_MARK
from tests.conftest import login, page
from tests.test_track import open_case

CASES = 26  # the full set (320) is the same code with a larger count


def counts(db) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {table.name: db.exec(select(func.count()).select_from(table)).one()
            for table in SQLModel.metadata.sorted_tables}


def test_demo_cases_fill_the_queue_statistics_and_replies(client, db, clock, app,
                                                           make_user) -> None:
    keys: IntakeKeys = app.state.intake_keys
    load_demo(db, clock)
    loaded = load_demo_cases(db, keys, count=CASES)
    db.commit()
    assert f"added {CASES} demo cases" in loaded.summary
    states = {s.state for s in db.exec(select(Submission))}
    assert states == set(SubmissionState)  # every state of the workflow is shown
    # Sealed like real ones: readable only through the submission's own key.
    assert all(case_texts(keys, s).content.startswith(DEMO_MARK)
               for s in db.exec(select(Submission)))
    assert len({s.received_at.month for s in db.exec(select(Submission))}) >= 3

    make_user(Role.moderator)
    login(client, "moderator1")
    queue = page(client.get("/staff/queue?tab=all"))
    assert len(queue.select("a.case-link")) >= 10

    stats = page(client.get("/statistics"))
    received = [int(td.get_text(strip=True)) for td in
                stats.select("table#months-table tbody tr td:first-of-type")
                if td.get_text(strip=True).isdigit()]
    assert received
    assert max(received) >= 5  # above the small-count threshold

    replies = page(client.get("/replies"))
    titles = [a.get_text() for a in replies.select(".reply-list .reply-title a")]
    assert titles
    assert all(t.startswith(DEMO_SUMMARY_MARK) for t in titles)
    published = db.exec(select(PublicReply).where(
        PublicReply.state == ReplyState.published)).all()
    assert len(published) >= 2
    assert db.exec(select(PublicReply).where(PublicReply.state == ReplyState.draft)).all()

    # The demo staff exist for the history, but cannot sign in.
    demo_staff = db.exec(select(StaffUser).where(StaffUser.username.startswith("demo-"))).all()  # type: ignore[attr-defined]
    assert demo_staff
    assert not any(u.is_active or verify_password(u.password_hash, "") for u in demo_staff)

    assert len(loaded.receipts) == 2
    client.cookies.clear()
    label, receipt = loaded.receipts[0]
    assert label == "concluded, reply published"
    case_page = page(open_case(client, receipt))
    assert case_page.select_one(".track-public-reply a[href^='/replies/']") is not None


def test_loading_twice_changes_nothing(db, clock, app) -> None:
    keys: IntakeKeys = app.state.intake_keys
    load_demo(db, clock)
    first = load_demo_cases(db, keys, count=10)
    db.commit()
    before = counts(db)
    again = load_demo_cases(db, keys, count=10)
    db.commit()
    assert "nothing changed" in again.summary
    assert counts(db) == before
    assert again.receipts == first.receipts
    assert all(re.fullmatch(r"\d[\d -]*\d", receipt) for _label, receipt in first.receipts)
    assert verify(db) == []
    # Every case went through the intake service: each has its own wrapped data key.
    assert all(s.wrapped_key for s in db.exec(select(Submission)))
