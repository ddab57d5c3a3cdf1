"""`portal digest`: each queue user with an e-mail address gets the counts of their
queue, and nothing else (no reference, no content), over real SMTP (aiosmtpd)."""

from __future__ import annotations

from email import message_from_bytes

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from moderation.clock import FixedClock
from moderation.intake.models import SubmissionState
from portal.accounts.models import StaffUser
from portal.cli import main as portal_cli
from tests.test_cli import use_db  # noqa: F401 - fixture
from tests.test_notify import Inbox, inbox  # noqa: F401 - fixture
from tests.workflow_support import CONTENT, drive, make_world, submit


def body_of(raw: bytes) -> str:
    return message_from_bytes(raw).get_payload(decode=True).decode()


def test_digest_sends_counts_only(db: Session, make_user, clock: FixedClock,  # type: ignore[no-untyped-def]
                                  use_db: Engine, inbox: tuple[Inbox, int],  # noqa: F811
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    world = make_world(db, make_user)
    emails = {"mod1": "mod1@example.org", "handler-v": "handler@example.org",
              "press1": "press@example.org"}
    for user in db.exec(select(StaffUser)):
        user.email = emails.get(user.username)
        db.add(user)
    db.commit()
    new = [submit(db, clock, world, variant=i).submission for i in range(2)]
    routed = drive(db, clock, world, SubmissionState.accepted)
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(inbox[1]))
    monkeypatch.setenv("SMTP_FROM", "minsheng@example.org")
    monkeypatch.setattr("portal.cli.system_clock", clock)  # the digest counts "today"

    assert portal_cli(["digest"]) == 0
    received = {tuple(rcpt): body_of(raw) for rcpt, raw in inbox[0].messages}
    # press1 has an address too, but press staff have no queue: no digest for them.
    assert set(received) == {("mod1@example.org",), ("handler@example.org",)}
    moderator = received[("mod1@example.org",)]
    assert "新提交：2" in moderator
    assert "New: 2" in moderator
    assert "Overdue: 0" in moderator
    inbox[0].messages.clear()
    clock.advance(days=16)
    assert portal_cli(["digest"]) == 0
    later = {tuple(rcpt): body_of(raw) for rcpt, raw in inbox[0].messages}
    assert "Overdue: 2" in later[("mod1@example.org",)]
    handler = received[("handler@example.org",)]
    assert "Overdue: 0" in handler
    assert "New: 1" in handler
    assert "Mine: 1" in handler
    for body in received.values():
        assert "/staff/queue" in body
        assert all(s.reference not in body for s in [*new, routed])
        assert CONTENT[:6] not in body


def test_digest_without_smtp_sends_nothing(use_db: Engine, capsys) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    assert portal_cli(["digest"]) == 0
    assert "0 staff member(s)" in capsys.readouterr().out
