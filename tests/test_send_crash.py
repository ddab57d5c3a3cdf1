"""A server killed (SIGKILL) in the middle of a citizen's "Send" loses nothing.

After a restart the same "Send" completes: one submission, the receipt its form gives,
the evidence readable. Several workers' start-up clean-ups leave each other's work alone.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select
from starlette.testclient import TestClient

from moderation.intake.keys import IntakeKeys
from moderation.intake.models import Submission, SubmissionFile
from moderation.intake.service import find_by_receipt
from moderation.intake.storage import open_stored
from tests.conftest import form_fields, page
from tests.live_process import ServerProcess
from tests.test_intake_web import CONTENT, RECEIPT, TEXT_MARKER, fields_of, receipt_of

SECRET = "crash-test-secret-" + "s" * 40


def _env(engine: Engine, tmp_path: Path) -> dict[str, str]:
    return {"SECRET_KEY": SECRET, "MINSHENG_MODE": "test", "DATA_DIR": str(tmp_path / "data"),
            "DATABASE_URL": engine.url.render_as_string(hide_password=False)}


def _confirmation(client: httpx.Client) -> dict[str, str]:
    form = client.get("/submit/tip")
    assert form.status_code == 200
    evidence = [("evidence", ("notes.txt", f"{TEXT_MARKER}\n记录\n".encode(), "text/plain"))]
    confirm = client.post("/submit/tip", data={**fields_of(form), "content": CONTENT},
                          files=evidence)
    assert confirm.status_code == 200, confirm.text[:500]
    return {**form_fields(confirm, "form.confirm-actions"), "action": "send"}


def _check_one_submission(engine: Engine, upload_dir: Path, code: str,
                          keys: IntakeKeys | None = None) -> None:
    keys = keys or IntakeKeys.from_secrets(SECRET)
    with Session(engine) as db:
        assert db.exec(select(func.count()).select_from(Submission)).one() == 1
        submission = find_by_receipt(db, keys, code)
        assert submission is not None
        row = db.exec(select(SubmissionFile)).one()
        with open_stored(upload_dir, keys, submission, row) as reader:
            assert TEXT_MARKER.encode() in reader.read()
    assert not list((upload_dir / "pending").iterdir())


def test_server_killed_after_the_commit_gives_the_same_receipt_after_restart(
        engine: Engine, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    env = _env(engine, tmp_path)
    client = httpx.Client(timeout=30, follow_redirects=True)
    request.addfinalizer(client.close)
    with ServerProcess({**env, "MINSHENG_TEST_CRASH_AT": "after_commit"},
                       log=tmp_path / "crashing.log") as crashing:
        client.base_url = httpx.URL(crashing.url)
        send = _confirmation(client)
        with pytest.raises(httpx.TransportError):
            client.post("/submit/tip/confirm", data=send)  # the citizen sees no receipt
        assert crashing.wait() == -9

    with ServerProcess(env) as restarted:
        client.base_url = httpx.URL(restarted.url)
        first = client.post("/submit/tip/confirm", data=send)  # Send again
        assert first.status_code == 200, first.text[:1000]
        code = page(first).select_one("#receipt-code").get_text(strip=True)
        assert RECEIPT.match(code)
        again = client.post("/submit/tip/confirm", data=send)  # a reload after that
        assert again.status_code == 409  # "already sent": the receipt is shown only once
        assert code not in again.text
    _check_one_submission(engine, tmp_path / "data" / "uploads", code)


def test_send_cut_off_before_its_commit_completes_on_the_next_send(
        app: Any, client: TestClient, engine: Engine, settings: Any) -> None:
    """The state a kill leaves between promoting the files and the commit."""
    from moderation.intake.receipts import open_form_nonce
    from moderation.intake.service import submit_tip
    from portal.intake.fields import from_data
    from portal.intake.pages import policy_of
    from portal.intake.pending import PendingStore, ResumedBatch

    form = client.get("/submit/tip")
    evidence = [("evidence", ("notes.txt", f"{TEXT_MARKER}\n记录\n".encode(), "text/plain"))]
    confirm = client.post("/submit/tip", data={**fields_of(form), "content": CONTENT},
                          files=evidence)
    send = {**form_fields(confirm, "form.confirm-actions"), "action": "send"}
    config = app.state.intake
    nonce = open_form_nonce(config.keys, send["form_token"], "tip", app.state.clock)
    claim = PendingStore(config).claim(nonce)
    assert claim is not None
    batch = ResumedBatch(config.upload_dir, claim, config.limits)
    with Session(engine) as db:
        submit_tip(db, config.keys, send["form_token"], from_data("tip", claim.draft.data),
                   uploads=batch, clock=app.state.clock, policy=policy_of(db, config))
        assert batch.promoted  # the files are in place; the process dies before commit
    os.close(claim.lock)  # what the kernel does to a killed process's lock

    response = client.post("/submit/tip/confirm", data=send)
    assert response.status_code == 303
    code = receipt_of(client.get(response.headers["location"]))
    _check_one_submission(engine, settings.upload_dir, code, config.keys)


def test_start_up_clean_up_spares_young_uploads_and_claimed_drafts(
        engine: Engine, tmp_path: Path) -> None:
    from portal.intake.config import build_intake_config, clean_intake_storage
    from portal.intake.pending import PendingStore
    from portal.settings import Settings

    settings = Settings(secret_key=SECRET, database_url="", data_dir=tmp_path,
                        upload_dir=tmp_path / "uploads", cleanup_grace_minutes=60)
    config = build_intake_config(settings)
    store = PendingStore(config)
    in_flight = store.new_upload_folder()  # another worker's upload, just begun
    (in_flight / "tmp-abc.raw").write_bytes(b"x")
    young_temp = config.upload_dir / "tmp-young.part"
    young_temp.write_bytes(b"x")
    old_temp = config.upload_dir / "tmp-old.part"
    old_temp.write_bytes(b"x")
    two_hours_ago = time.time() - 7200
    os.utime(old_temp, (two_hours_ago, two_hours_ago))
    abandoned = store.new_upload_folder()
    os.utime(abandoned, (two_hours_ago, two_hours_ago))

    clean_intake_storage(config, engine)

    assert in_flight.is_dir()
    assert young_temp.exists()
    assert not old_temp.exists()
    assert not abandoned.exists()
