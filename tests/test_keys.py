"""Keys: a wrong key stops the start-up; rotation re-wraps keys and TOTP secrets; an
unreadable file is a clean error page with an audit row, never a broken download."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from starlette.testclient import TestClient

from moderation.audit import AuditEvent, verify
from moderation.clock import FixedClock
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import Submission, SubmissionFile
from moderation.intake.storage import contact_of, data_key_of, display_name_of, open_stored
from moderation.keycheck import KeysDoNotMatch, fingerprint
from moderation.roles import Actor, Role
from portal.accounts import totp
from portal.accounts.models import StaffUser
from portal.app import create_app
from portal.ops.keys import rotate
from portal.settings import Settings
from tests.conftest import BASE_URL, login, page
from tests.test_auth import fast_hashing  # noqa: F401 - fixture
from tests.test_staff_download import CONTACT, TEXT, files_of, upload, url  # noqa: F401

OLD = "old-encryption-key-" + "o" * 40
NEW = "new-encryption-key-" + "n" * 40


def _start(settings: Settings, engine: Engine, clock: FixedClock) -> TestClient:
    client = TestClient(create_app(settings, engine=engine, clock=clock), base_url=BASE_URL,
                        follow_redirects=False)
    client.__enter__()
    return client


def test_a_wrong_key_stops_the_start_naming_the_setting(
        settings: Settings, engine: Engine, clock: FixedClock,
        caplog: pytest.LogCaptureFixture) -> None:
    first = dataclasses.replace(settings, encryption_key=OLD)
    _start(first, engine, clock).__exit__(None, None, None)  # writes the canary
    wrong = dataclasses.replace(settings, encryption_key=NEW)
    with pytest.raises(KeysDoNotMatch, match="ENCRYPTION_KEY does not open the data"), \
            TestClient(create_app(wrong, engine=engine, clock=clock)):
        pass
    assert "refusing to start: ENCRYPTION_KEY" in caplog.text
    derived = dataclasses.replace(settings, encryption_key="")
    with pytest.raises(KeysDoNotMatch, match=r"^SECRET_KEY"), \
            TestClient(create_app(derived, engine=engine, clock=clock)):
        pass
    _start(first, engine, clock).__exit__(None, None, None)  # the right key starts


def test_rotation_rewraps_every_key_and_totp_secret_and_the_old_key_can_go(
        settings: Settings, engine: Engine, db: Session, clock: FixedClock,
        make_user, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.test_staff_download import upload as make_upload

    old = dataclasses.replace(settings, encryption_key=OLD)
    _start(old, engine, clock).__exit__(None, None, None)
    cases = [make_upload.__wrapped__(db, old, clock) for _ in range(3)]  # type: ignore[attr-defined]
    make_user(Role.moderator)
    enrolled = make_user(Role.leader)
    secret = totp.new_secret()
    enrolled.totp_secret = totp.seal(totp.sealing_key(old), secret)
    db.add(enrolled)
    db.commit()

    # Step 1: every worker gets the new key, the old one as previous: readers go on.
    during = dataclasses.replace(settings, encryption_key=NEW, encryption_key_previous=OLD)
    keys_during = IntakeKeys.from_secrets(during.secret_key, NEW, OLD)
    client = _start(during, engine, clock)
    login(client, "moderator1")
    row = files_of(db, cases[0])["text/plain"]
    assert client.get(url(cases[0], row)).content == TEXT
    # Step 2: rotate (run twice: an interrupted rotation resumes, doing nothing twice).
    report = rotate(engine, during, keys_during, Actor.system("cli"), clock)
    assert (report.rewrapped, report.unreadable, report.totp_resealed) == (3, 0, 1)
    again = rotate(engine, during, keys_during, Actor.system("cli"), clock)
    assert (again.rewrapped, again.already, again.totp_resealed) == (0, 3, 0)
    client.__exit__(None, None, None)

    # Step 3: the old key removed. Everything opens; the old key alone no longer starts.
    after = dataclasses.replace(settings, encryption_key=NEW)
    keys = IntakeKeys.from_secrets(after.secret_key, NEW)
    client = _start(after, engine, clock)
    login(client, "moderator1")
    db.expire_all()
    for case in cases:
        submission = db.get(Submission, case.submission.id)
        assert contact_of(keys, submission) == CONTACT
        for stored in db.exec(select(SubmissionFile).where(
                SubmissionFile.submission_id == submission.id)):
            display_name_of(keys, submission, stored)
            with open_stored(after.upload_dir, keys, submission, stored) as reader:
                assert reader.read()
            assert client.get(url(case, stored)).status_code == 200
    client.__exit__(None, None, None)
    user = db.exec(select(StaffUser).where(StaffUser.username == "leader1")).one()
    assert totp.unseal(totp.sealing_key(after), user.totp_secret) == secret
    assert totp.unseal(totp.sealing_key(old), user.totp_secret) is None
    from moderation.queue.search import search_clause

    found = db.exec(select(Submission.id).where(search_clause(db, keys, "ContentMarker"))).all()
    assert sorted(found) == sorted(c.submission.id for c in cases)  # the index was re-keyed
    with pytest.raises(KeysDoNotMatch):
        _start(old, engine, clock)
    assert verify(db) == []
    rotations = db.exec(select(AuditEvent).where(AuditEvent.action == "keys.rotate")).all()
    assert len(rotations) == 2
    assert fingerprint(keys.master) != fingerprint(IntakeKeys.from_secrets("x" * 40, OLD).master)
    with pytest.raises(Exception, match="does not open"):
        data_key_of(IntakeKeys.from_secrets(after.secret_key, OLD),
                    db.get(Submission, cases[0].submission.id))


def test_an_unreadable_file_is_a_clean_error_page_and_an_audit_row(
        client: TestClient, db: Session, upload, make_user,  # type: ignore[no-untyped-def]  # noqa: F811
        settings: Settings) -> None:
    make_user(Role.moderator)
    login(client, "moderator1")
    client.headers["Accept-Language"] = "en"
    row = files_of(db, upload)["application/pdf"]
    path = Path(settings.upload_dir) / row.stored_name
    damaged = bytearray(path.read_bytes())
    damaged[-5] ^= 0xFF  # the last chunk's tag no longer matches
    path.write_bytes(bytes(damaged))
    response = client.get(url(upload, row))
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "content-disposition" not in response.headers
    assert "cannot be opened with the portal's keys" in page(response).get_text()
    audit = db.exec(select(AuditEvent).where(
        AuditEvent.action == "submission.file_unreadable")).one()
    assert audit.target_id == str(upload.submission.id)
    assert not db.exec(select(AuditEvent).where(
        AuditEvent.action == "submission.file_download")).all()
