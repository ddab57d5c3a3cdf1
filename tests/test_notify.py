"""SMTP update notices, against a real aiosmtpd server on loopback."""

from __future__ import annotations

import dataclasses
import logging
import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import Session

from moderation.clock import FixedClock
from moderation.intake.keys import IntakeKeys
from moderation.intake.receipts import parse_receipt
from moderation.intake.storage import erase
from moderation.roles import Actor, Role
from portal.notify import notify_update
from portal.settings import Settings, SettingsError
from tests.test_followup import CONTENT, make_case

EMAIL = "citizen-7731@example.com"


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def keys(settings: Settings) -> IntakeKeys:
    return IntakeKeys.from_secrets(settings.secret_key, settings.encryption_key)


def smtp(settings: Settings, port: int) -> Settings:
    return dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=port,
                               smtp_from="minsheng@example.org")


def body_of(raw: bytes) -> tuple[Message, str]:
    message = message_from_bytes(raw)
    return message, message.get_payload(decode=True).decode()


def test_real_name_citizen_gets_a_notice_without_case_content(
        db: Session, settings: Settings, keys: IntakeKeys, clock: FixedClock,
        inbox: tuple[Inbox, int]) -> None:
    handler, port = inbox
    case = make_case(db, keys, clock, name="李四", email=EMAIL)
    assert notify_update(smtp(settings, port), keys, case.submission) is True
    assert len(handler.messages) == 1
    recipients, raw = handler.messages[0]
    assert recipients == [EMAIL]
    message, body = body_of(raw)
    assert message["From"] == "minsheng@example.org"
    assert f"{settings.base_url}/track" in body
    text = raw.decode("utf-8", "replace") + body + str(message["Subject"])
    for secret in (CONTENT, "Marker-content", case.submission.reference, case.receipt,
                   parse_receipt(case.receipt), "李四"):
        assert secret not in text


def test_no_notice_when_off_anonymous_or_without_email(
        db: Session, settings: Settings, keys: IntakeKeys, clock: FixedClock,
        inbox: tuple[Inbox, int]) -> None:
    handler, port = inbox
    named = make_case(db, keys, clock, name="李四", email=EMAIL)
    assert settings.smtp_host == ""  # off by default
    assert notify_update(settings, keys, named.submission) is False
    anonymous = make_case(db, keys, clock)
    assert notify_update(smtp(settings, port), keys, anonymous.submission) is False
    phone_only = make_case(db, keys, clock, name="王五", phone="13800138000")
    assert notify_update(smtp(settings, port), keys, phone_only.submission) is False
    erased = make_case(db, keys, clock, name="赵六", email="zhao@example.com")
    erase(db, erased.submission, settings.upload_dir,
          Actor(id=1, label="admin", role=Role.admin), clock=clock)
    assert notify_update(smtp(settings, port), keys, erased.submission) is False
    assert handler.messages == []


def test_failure_is_logged_without_the_address_and_never_raises(
        db: Session, settings: Settings, keys: IntakeKeys, clock: FixedClock,
        caplog: pytest.LogCaptureFixture) -> None:
    case = make_case(db, keys, clock, name="李四", email=EMAIL)
    caplog.set_level(logging.DEBUG)
    closed_port = free_port()  # nothing listens there
    assert notify_update(smtp(settings, closed_port), keys, case.submission) is False
    assert "update notice not sent" in caplog.text
    assert EMAIL not in caplog.text
    assert "李四" not in caplog.text


def test_smtp_settings_are_read_and_checked() -> None:
    base = {"SECRET_KEY": "k" * 40, "MINSHENG_MODE": "test"}
    settings = Settings.from_env({**base, "SMTP_HOST": "mail.example.org", "SMTP_PORT": "587",
                                  "SMTP_FROM": "noreply@example.org", "SMTP_STARTTLS": "true"},
                                 env_file=None)
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_starttls) == \
        ("mail.example.org", 587, True)
    assert Settings.from_env(base, env_file=None).smtp_host == ""
    with pytest.raises(SettingsError):
        Settings.from_env({**base, "SMTP_HOST": "mail.example.org"}, env_file=None)

