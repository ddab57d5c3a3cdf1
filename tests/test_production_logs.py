"""Production logs: no traceback from any source (uvicorn's own "Exception in ASGI
application" included) and no personal data, from a real production server process."""

from __future__ import annotations

import contextlib
import socket
from pathlib import Path

import httpx2 as httpx
from sqlmodel import Session, select

from moderation.clock import system_clock
from moderation.intake.files import UploadBatch, UploadLimits, new_envelope
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import SubmissionFile
from moderation.intake.receipts import issue_form_nonce
from moderation.intake.service import submit_tip
from moderation.intake.storage import Contact
from moderation.intake.validation import TipInput
from moderation.roles import Role
from portal.accounts.models import StaffUser
from portal.accounts.passwords import hash_password
from portal.db import make_engine
from portal.migrate import upgrade
from tests.conftest import PASSWORD, form_fields
from tests.live_process import ServerProcess
from tests.test_intake_web import fields_of

SECRET = "production-logs-secret-" + "p" * 40
NAME, PHONE, EMAIL = "LogMarkerName", "13911112222", "log-marker@example.org"
CONTENT = "派出所民警 LogMarkerContent 索要好处费，拖延办理户口。"


class Browser:
    """Keeps cookies by hand: production cookies are Secure, and this is plain http."""

    def __init__(self, base: str) -> None:
        self.client = httpx.Client(base_url=base, timeout=30)
        self.jar: dict[str, str] = {}

    def request(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        cookie = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        response = self.client.request(method, path, headers={"Cookie": cookie}, **kwargs)
        for header in response.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            self.jar[name] = rest.split(";", 1)[0]
        return response


def _seed(url: str, upload_dir: Path) -> tuple[str, int]:
    """A real-name tip with a four-chunk file whose second chunk is then damaged."""
    engine = make_engine(url)
    upgrade(engine)
    keys = IntakeKeys.from_secrets(SECRET)
    with Session(engine) as db:
        db.add(StaffUser(username="moderator1", display_name="M", role=Role.moderator,
                         password_hash=hash_password(PASSWORD), created_at=system_clock()))
        batch = UploadBatch(upload_dir, new_envelope(db), UploadLimits())
        sink = batch.open("long.txt")
        sink.write(("证据 LogMarkerFile line\n" * 9000).encode())
        sink.finish()
        result = submit_tip(db, keys, issue_form_nonce(keys, "tip", system_clock), TipInput(
            content=CONTENT, anonymous=False, contact=Contact(NAME, PHONE, EMAIL)),
            uploads=batch, clock=system_clock)
        db.commit()
        row = db.exec(select(SubmissionFile)).one()
        path = upload_dir / row.stored_name
        damaged = bytearray(path.read_bytes())
        damaged[12 + 65536 + 16 + 100] ^= 0xFF  # inside the second chunk
        path.write_bytes(bytes(damaged))
        reference, file_id = result.submission.reference, row.id
    engine.dispose()
    return reference, file_id


def test_production_logs_have_no_traceback_and_no_personal_data(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'prod.sqlite3'}"
    reference, file_id = _seed(url, tmp_path / "uploads")
    log = tmp_path / "server.log"
    env = {"SECRET_KEY": SECRET, "MINSHENG_MODE": "production", "DATABASE_URL": url,
           "DATA_DIR": str(tmp_path), "UPLOAD_DIR": str(tmp_path / "uploads")}
    with ServerProcess(env, log=log) as server:
        browser = Browser(server.url)
        form = browser.request("GET", "/submit/tip")
        confirm = browser.request("POST", "/submit/tip", data={
            **fields_of(form), "content": CONTENT, "identity": "real_name",
            "contact_name": NAME, "contact_phone": PHONE, "contact_email": EMAIL},
            files=[("evidence", ("", b"", "application/octet-stream"))])
        assert confirm.status_code == 200, confirm.text[:300]
        sent = browser.request("POST", "/submit/tip/confirm", data={
            **form_fields(confirm, "form.confirm-actions"), "action": "send"})
        assert sent.status_code == 303
        login = browser.request("GET", "/staff/login")
        assert browser.request("POST", "/staff/login", data={
            **form_fields(login), "username": "moderator1",
            "password": PASSWORD}).status_code == 303
        # The damaged middle chunk cuts the download short after its headers.
        with contextlib.suppress(httpx.TransportError):
            browser.request("GET", f"/staff/submissions/{reference}/files/{file_id}")
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            sock.sendall(b"NONSENSE / HTTP/9\r\n\x00\r\n\r\n")  # uvicorn's own warning
            sock.settimeout(10)
            sock.recv(1024)
        browser.client.close()
    text = log.read_text()
    assert "Exception in ASGI application" in text  # the source fired...
    assert "Traceback" not in text  # ...and printed no traceback
    assert 'File "' not in text
    for personal in (NAME, PHONE, EMAIL, "LogMarkerContent", "LogMarkerFile", "127.0.0.1:"):
        assert personal not in text, personal
