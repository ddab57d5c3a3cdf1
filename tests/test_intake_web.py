"""Citizen forms over HTTP: form -> confirmation -> send -> receipt, through the real forms.

Helpers here (`intake_client`, `tip_confirmation`, `send`, ...) are reused by the other
intake web tests.
"""

from __future__ import annotations

import io
import re
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pypdf
import pytest
from PIL import Image
from sqlmodel import Session, func, select
from starlette.testclient import TestClient

from moderation.audit import AuditEvent
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import (
    Category,
    Channel,
    MetadataStatus,
    Submission,
    SubmissionFile,
    SubmissionKind,
)
from moderation.intake.service import find_by_receipt, proof_for
from moderation.intake.storage import contact_of, display_name_of, open_stored
from moderation.intake.texts import case_texts
from moderation.ratelimit import Limit, RateCounter
from moderation.roles import Role
from moderation.units import Unit
from portal.intake.config import RatePlan
from portal.intake.pending import PendingStore
from tests.conftest import form_fields, login, page
from tests.test_auth import fast_hashing  # noqa: F401 - fixture
from tests.test_intake_sanitize import GPS_IFD, jpeg_with_gps, pdf_with_author

CONTENT = "派出所民警在办理户口时索要好处费，拖延不办。This happened twice in May."
TEXT_MARKER = "TEXT-EVIDENCE-MARKER-证据-4417"
NAME, PHONE, EMAIL = "Zhang Marker-Name", "13900004417", "marker4417@example.org"
RECEIPT = re.compile(r"^\d{5}(-\d{5}){4}$")
# What a browser sends for a file input left empty (the form is multipart all the same).
NO_FILE = [("evidence", ("", b"", "application/octet-stream"))]


def three_files() -> list[tuple[str, tuple[str, bytes, str]]]:
    """A JPEG with GPS EXIF, a PDF with an author, and a text file."""
    return [
        ("evidence", ("photo.jpg", jpeg_with_gps(), "image/jpeg")),
        ("evidence", ("statement.pdf", pdf_with_author(), "application/pdf")),
        ("evidence", ("notes.txt", f"{TEXT_MARKER}\n记录\n".encode(), "text/plain")),
    ]


@pytest.fixture
def unit(db: Session) -> Unit:
    row = Unit(code="psb-x", name={"zh_CN": "某派出所", "en": "A police station"})
    db.add(row)
    db.commit()
    return row


@pytest.fixture
def topic(db: Session) -> Category:
    row = Category(code="sugg-x", name={"zh_CN": "办事效率", "en": "Efficiency"},
                   kind=SubmissionKind.suggestion)
    db.add(row)
    db.commit()
    return row


@pytest.fixture
def keys(app: Any) -> IntakeKeys:
    return app.state.intake_keys


def stored_files(upload_dir: Path) -> list[Path]:
    """Every file under the upload folder (drafts included)."""
    return sorted(p for p in upload_dir.rglob("*") if p.is_file()) if upload_dir.exists() else []


def submissions(db: Session) -> int:
    db.expire_all()
    return db.exec(select(func.count()).select_from(Submission)).one()


def fields_of(response: Any, selector: str = "form.intake-form") -> dict[str, str]:
    """The form's text fields as the browser would send them (no file inputs)."""
    fields = form_fields(response, selector)
    fields.pop("evidence", None)
    return fields


def post_form(client: TestClient, path: str, changes: dict[str, Any],
              files: list | None = None, form: Any = None) -> Any:
    """GET the form (or use `form`), fill it in, POST it with files."""
    form = form if form is not None else client.get(path)
    assert form.status_code == 200
    data: dict[str, Any] = {**fields_of(form), **changes}
    return client.post(path, data=data, files=files or NO_FILE)


def tip_confirmation(client: TestClient, files: list | None = None, **changes: Any) -> Any:
    response = post_form(client, "/submit/tip", {"content": CONTENT, **changes}, files)
    assert response.status_code == 200, response.text[:2000]
    assert page(response).select_one("form.confirm-actions") is not None
    return response


def send(client: TestClient, confirmation: Any, path: str = "/submit/tip/confirm") -> Any:
    """Press Send and follow the redirect to the receipt page, as a browser does."""
    response = client.post(path, data=send_data(confirmation))
    if response.status_code != 303:
        return response
    assert response.headers["location"] == "/submit/receipt"
    assert response.headers["cache-control"] == "no-store"
    return client.get(response.headers["location"])


def send_data(confirmation: Any) -> dict[str, str]:
    """The fields the confirmation page's Send button posts."""
    return {**form_fields(confirmation, "form.confirm-actions"), "action": "send"}


def receipt_of(response: Any) -> str:
    assert response.status_code == 200, response.text[:2000]
    code = page(response).select_one("#receipt-code").get_text(strip=True)
    assert RECEIPT.match(code), code
    return code


def proof_of(response: Any) -> str:
    return page(response).select_one("#proof-text").get_text(strip=True)


def test_choose_page_offers_both_forms_and_explains_identity(client: TestClient) -> None:
    client.headers["Accept-Language"] = "en"
    response = client.get("/submit")
    assert response.status_code == 200
    doc = page(response)
    assert {a["href"] for a in doc.select("a.button-cta")} == {"/submit/tip",
                                                              "/submit/suggestion"}
    explained = doc.select_one("dl.identity-explained").get_text(" ", strip=True)
    assert "granted permission to see contact details" in explained
    assert "never see them" in explained
    how_to = page(client.get("/how-to-report"))
    assert how_to.select_one('a.button[href="/submit"]') is not None


def test_forms_are_no_store_and_have_a_hidden_honeypot(client: TestClient, unit: Unit) -> None:
    response = client.get("/submit/tip")
    assert response.headers["cache-control"] == "no-store"
    doc = page(response)
    form = doc.select_one("form.intake-form")
    assert form["enctype"] == "multipart/form-data"
    names = [i["name"] for i in form.select("input[type=hidden]")]
    assert names[:2] == ["csrf_token", "form_token"]  # the token comes before any file
    trap = form.select_one("input[name=website]")
    assert trap["tabindex"] == "-1"
    assert trap["autocomplete"] == "off"
    assert trap.find_parent(class_="hp-field")["aria-hidden"] == "true"
    options = [o.get("value") for o in form.select("select[name=unit_concerned_id] option")]
    assert options == ["", str(unit.id)]  # "not sure" first, then the unit tree
    assert form.select_one("input[type=file][name=evidence][multiple]") is not None
    assert {i["value"] for i in form.select("input[name=identity]")} == {"anonymous",
                                                                       "real_name"}


def test_real_name_tip_with_three_files_is_confirmed_then_stored(
        client: TestClient, db: Session, unit: Unit, keys: IntakeKeys, settings: Any) -> None:
    client.headers["Accept-Language"] = "en"
    confirmation = tip_confirmation(
        client, three_files(), unit_concerned_id=str(unit.id), person_name="王某",
        person_badge="012345", happened_when="2026年5月", identity="real_name",
        contact_name=NAME, contact_phone=PHONE, contact_email=EMAIL)
    assert confirmation.headers["cache-control"] == "no-store"
    doc = page(confirmation)
    summary = doc.select_one(".confirm-summary").get_text(" ", strip=True)
    for shown in (CONTENT, "A police station", "王某", "012345", "2026年5月", NAME, PHONE, EMAIL):
        assert shown in summary
    rows = [[td.get_text(strip=True) for td in tr.select("td")]
            for tr in doc.select("table.confirm-files tbody tr")]
    assert [r[0] for r in rows] == ["photo.jpg", "statement.pdf", "notes.txt"]
    assert all(re.match(r"^\d+(\.\d)? (B|KB|MB)$", r[1]) for r in rows)
    assert [r[3] for r in rows] == ["Metadata removed", "Metadata removed",
                                    "This kind of file carries no metadata"]
    assert submissions(db) == 0  # nothing is sent before "Send"

    receipt = send(client, confirmation)
    code = receipt_of(receipt)
    assert receipt.headers["cache-control"] == "no-store"
    assert code not in receipt.headers.get("set-cookie", "")
    assert page(receipt).select_one('a[href="/verify"]') is not None

    submission = db.exec(select(Submission)).one()
    assert find_by_receipt(db, keys, code).id == submission.id
    assert submission.kind == SubmissionKind.tip
    assert not submission.anonymous
    assert submission.unit_concerned_id == unit.id
    assert "012345" in case_texts(keys, submission).people_concerned
    assert contact_of(keys, submission).phone == PHONE
    rows_ = list(db.exec(select(SubmissionFile).order_by(SubmissionFile.id)))
    assert [display_name_of(keys, submission, r) for r in rows_] == [
        "photo.jpg", "statement.pdf", "notes.txt"]
    assert [r.metadata_status for r in rows_] == [
        MetadataStatus.stripped, MetadataStatus.stripped, MetadataStatus.none]
    upload_dir = settings.upload_dir
    with open_stored(upload_dir, keys, submission, rows_[0]) as reader:
        image = Image.open(io.BytesIO(reader.read()))
        assert GPS_IFD not in image.getexif()
    with open_stored(upload_dir, keys, submission, rows_[1]) as reader:
        assert "/Author" not in (pypdf.PdfReader(io.BytesIO(reader.read())).metadata or {})
    # On disk: only the three encrypted files, no draft, no plaintext.
    on_disk = stored_files(upload_dir)
    assert sorted(p.name for p in on_disk) == sorted(r.stored_name for r in rows_)
    blob = b"".join(p.read_bytes() for p in on_disk)
    for secret in (TEXT_MARKER, PHONE, EMAIL, "SecretPdfAuthor"):
        assert secret.encode() not in blob


def test_same_form_sent_twice_gives_one_submission_and_no_second_receipt(
        client: TestClient, db: Session, settings: Any) -> None:
    form = client.get("/submit/tip")
    confirmation = post_form(client, "/submit/tip", {"content": CONTENT},
                             three_files()[2:], form=form)
    first = receipt_of(send(client, confirmation))
    resent = send(client, confirmation)  # Back, then Send again: stored once, code not shown
    assert resent.status_code == 409
    assert first not in resent.text
    # Back to the form page and the whole form sent again: still one submission.
    again = post_form(client, "/submit/tip", {"content": CONTENT}, three_files()[2:], form=form)
    assert send(client, again).status_code == 409
    assert submissions(db) == 1
    assert db.exec(select(func.count()).select_from(SubmissionFile)).one() == 1
    assert len(stored_files(settings.upload_dir)) == 1


def test_a_sent_form_changed_afterwards_is_refused(client: TestClient, db: Session) -> None:
    client.headers["Accept-Language"] = "en"
    form = client.get("/submit/tip")
    first = post_form(client, "/submit/tip", {"content": CONTENT}, form=form)
    receipt_of(send(client, first))
    changed = post_form(client, "/submit/tip", {"content": CONTENT + " More."}, form=form)
    response = send(client, changed)
    assert response.status_code == 409
    assert "already sent with different content" in response.text
    assert submissions(db) == 1


def test_receipt_is_never_reachable_by_url(client: TestClient) -> None:
    confirmation = tip_confirmation(client)
    code = receipt_of(send(client, confirmation))
    again = client.get("/submit/tip/confirm")
    assert again.status_code == 303
    assert again.headers["location"] == "/submit/tip"
    assert code not in again.text
    assert all(code not in value for value in client.cookies.values())


def test_change_brings_the_form_back_with_text_and_files(
        client: TestClient, db: Session, keys: IntakeKeys, settings: Any) -> None:
    confirmation = tip_confirmation(client, three_files()[:2], happened_where="户籍窗口")
    data = {**form_fields(confirmation, "form.confirm-actions"), "action": "change"}
    form = client.post("/submit/tip/confirm", data=data)
    assert form.status_code == 200
    doc = page(form)
    assert doc.select_one("textarea[name=content]").get_text() == CONTENT
    assert doc.select_one("input[name=happened_where]")["value"] == "户籍窗口"
    kept = doc.select("input[name=keep_file]")
    assert [k.find_next("label").get_text(strip=True).split(" (")[0] for k in kept] == [
        "photo.jpg", "statement.pdf"]
    assert all(k.has_attr("checked") for k in kept)
    # Drop the photo, keep the PDF, add the text file (the kept file is re-keyed).
    fields = {**fields_of(form), "keep_file": ["1"]}
    confirmation = client.post("/submit/tip", data=fields, files=three_files()[2:])
    assert confirmation.status_code == 200, confirmation.text[:1000]
    names = [td.get_text(strip=True) for td in
             page(confirmation).select("table.confirm-files tbody td.file-name")]
    assert names == ["statement.pdf", "notes.txt"]
    receipt_of(send(client, confirmation))
    submission = db.exec(select(Submission)).one()
    rows = list(db.exec(select(SubmissionFile).order_by(SubmissionFile.id)))
    assert [display_name_of(keys, submission, r) for r in rows] == ["statement.pdf", "notes.txt"]
    with open_stored(settings.upload_dir, keys, submission, rows[1]) as reader:
        assert TEXT_MARKER.encode() in reader.read()


def test_change_without_new_files_keeps_the_draft_key(client: TestClient, db: Session,
                                                      keys: IntakeKeys) -> None:
    confirmation = tip_confirmation(client, three_files()[2:])
    data = {**form_fields(confirmation, "form.confirm-actions"), "action": "change"}
    form = client.post("/submit/tip/confirm", data=data)
    edited = client.post("/submit/tip", data={**fields_of(form), "content": CONTENT + " 补充"},
                         files=NO_FILE)
    assert edited.status_code == 200
    assert [td.get_text(strip=True) for td in
            page(edited).select("table.confirm-files td.file-name")] == ["notes.txt"]
    receipt_of(send(client, edited))
    assert case_texts(keys, db.exec(select(Submission)).one()).content.endswith("补充")


def test_invalid_input_comes_back_filled_in_and_stores_nothing(
        client: TestClient, db: Session, settings: Any) -> None:
    client.headers["Accept-Language"] = "en"
    response = post_form(client, "/submit/tip",
                         {"content": "太短", "person_name": "<b>李某</b>",
                          "identity": "real_name", "contact_name": NAME,
                          "contact_phone": "not a phone"}, three_files()[2:])
    assert response.status_code == 422
    doc = page(response)
    area = doc.select_one("textarea[name=content]")
    assert area.get_text() == "太短"
    assert area["aria-invalid"] == "true"
    assert "f-content-error" in area["aria-describedby"]
    assert "in more detail" in doc.select_one("#f-content-error").get_text()
    assert doc.select_one("#f-contact_phone-error") is not None
    assert doc.select_one("input[name=person_name]")["value"] == "<b>李某</b>"  # escaped
    assert "<b>李某</b>" not in response.text
    assert doc.select_one("#f-evidence-again") is not None  # files must be attached again
    assert submissions(db) == 0
    assert stored_files(settings.upload_dir) == []


def test_suggestion_with_topic_is_stored(client: TestClient, db: Session,
                                         topic: Category) -> None:
    form = client.get("/submit/suggestion")
    options = [o.get("value") for o in page(form).select("select[name=category_id] option")]
    assert options == ["", str(topic.id)]
    content = "建议延长户籍窗口的办公时间。"
    confirmation = post_form(client, "/submit/suggestion",
                             {"category_id": str(topic.id), "content": content}, form=form)
    assert confirmation.status_code == 200, confirmation.text[:1000]
    receipt = send(client, confirmation, "/submit/suggestion/confirm")
    receipt_of(receipt)
    submission = db.exec(select(Submission)).one()
    assert submission.kind == SubmissionKind.suggestion
    assert submission.category_id == topic.id
    assert submission.anonymous


def test_suggestion_without_topic_is_refused(client: TestClient, db: Session,
                                             topic: Category) -> None:
    response = post_form(client, "/submit/suggestion", {"content": "建议延长户籍窗口的办公时间。"})
    assert response.status_code == 422
    assert page(response).select_one("#f-category_id-error") is not None
    assert submissions(db) == 0


def test_the_form_step_takes_offered_choices_from_the_cache_and_send_asks_the_database(
        client: TestClient, db: Session, topic: Category, statements: list[str]) -> None:
    content = "建议延长户籍窗口的办公时间。"
    form = client.get("/submit/suggestion")
    statements.clear()
    confirmation = post_form(client, "/submit/suggestion",
                             {"category_id": str(topic.id), "content": content}, form=form)
    assert confirmation.status_code == 200, confirmation.text[:1000]
    assert not [s for s in statements if "FROM category" in s]

    unoffered = post_form(client, "/submit/suggestion",
                          {"category_id": str(topic.id + 1000), "content": content})
    assert unoffered.status_code == 422
    assert page(unoffered).select_one("#f-category_id-error") is not None

    topic.active = False  # retired between the confirmation page and Send
    db.add(topic)
    db.commit()
    sent = client.post("/submit/suggestion/confirm", data=send_data(confirmation))
    assert sent.status_code == 422
    assert page(sent).select_one("#f-category_id-error") is not None
    assert submissions(db) == 0


def test_proof_verifies_and_fails_with_one_character_changed(client: TestClient) -> None:
    client.headers["Accept-Language"] = "en"
    proof = proof_of(send(client, tip_confirmation(client)))
    assert proof.startswith("MSP1.")
    form = client.get("/verify")
    token = form_fields(form, "form.verify-form")["csrf_token"]
    valid = client.post("/verify", data={"csrf_token": token, "proof": proof})
    doc = page(valid)
    assert doc.select_one(".verify-valid") is not None
    assert doc.select_one(".verify-valid .reference").get_text() == proof.split(".")[1]
    last = proof[-1]
    tampered = proof[:-1] + ("0" if last != "0" else "1")
    invalid = client.post("/verify", data={"csrf_token": token, "proof": tampered})
    assert page(invalid).select_one(".verify-invalid") is not None
    assert page(invalid).select_one(".verify-valid") is None
    assert "not valid" in invalid.text


def test_the_receipt_page_shows_what_the_handover_carries_without_a_query(
        client: TestClient, db: Session, keys: IntakeKeys, statements: list[str]) -> None:
    sent = client.post("/submit/tip/confirm", data=send_data(tip_confirmation(client)))
    assert sent.status_code == 303
    statements.clear()
    receipt = client.get("/submit/receipt")
    code = receipt_of(receipt)
    assert not [s for s in statements if "FROM submission" in s]
    stored = find_by_receipt(db, keys, code)
    assert stored is not None
    shown = page(receipt)
    assert stored.reference in shown.get_text()
    proof = proof_of(receipt)
    assert proof.split(".")[1] == stored.reference
    assert proof == proof_for(keys, stored)  # same day, same digest as the stored row


def test_honeypot_is_refused_and_nothing_stored(client: TestClient, db: Session,
                                                settings: Any) -> None:
    response = post_form(client, "/submit/tip", {"content": CONTENT, "website": "http://spam"},
                         three_files()[2:])
    assert response.status_code == 400
    assert submissions(db) == 0
    assert stored_files(settings.upload_dir) == []


def test_files_are_cleaned_only_for_a_form_that_can_be_kept(
        client: TestClient, settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bot's form (honeypot) or a forged token costs no sandboxed cleaning, and a kept
    form's files are cleaned in the same worker-thread trip as the rest of the step."""
    from moderation.intake import files

    cleaned: list[str] = []
    real = files.clean_in_worker

    def counted(job, *args):  # type: ignore[no-untyped-def]
        cleaned.append(job.display_name)
        return real(job, *args)

    monkeypatch.setattr(files, "clean_in_worker", counted)
    one_file = three_files()[:1]  # a photo: plain text is copied without the sandbox
    bot = post_form(client, "/submit/tip", {"content": CONTENT, "website": "http://spam"},
                    one_file)
    forged = post_form(client, "/submit/tip", {"content": CONTENT, "form_token": "x.y"},
                       one_file)
    assert (bot.status_code, forged.status_code) == (400, 400)
    assert cleaned == []
    assert stored_files(settings.upload_dir) == []
    tip_confirmation(client, one_file)
    assert len(cleaned) == 1


def test_rate_limit_gives_a_translated_429(client: TestClient, app: Any, db: Session) -> None:
    client.headers["Accept-Language"] = "en"
    config = app.state.intake
    app.state.intake = replace(config, rates=RatePlan(
        form_client=Limit("intake-form", 2, timedelta(hours=1))))
    form = client.get("/submit/tip")
    for _ in range(2):
        assert post_form(client, "/submit/tip", {"content": CONTENT}, form=form).status_code == 200
    refused = post_form(client, "/submit/tip", {"content": CONTENT}, form=form)
    assert refused.status_code == 429
    assert "Too many attempts" in page(refused).select_one("main").get_text()
    assert int(refused.headers["retry-after"]) > 0
    assert submissions(db) == 0


def test_every_send_is_counted_once_the_refused_ones_too(client: TestClient, app: Any,
                                                        db: Session) -> None:
    """The Send's count shares the transaction that stores the submission: a Send that
    stores nothing (a resend, a changed form) is counted all the same."""
    client.headers["Accept-Language"] = "en"
    config = app.state.intake
    app.state.intake = replace(config, rates=RatePlan(
        send_client=Limit("intake-send", 5, timedelta(hours=1))))
    form = client.get("/submit/tip")
    first = post_form(client, "/submit/tip", {"content": CONTENT}, form=form)
    receipt_of(send(client, first))  # 1
    # 2: this worker now holds a block of portal-wide hits, so later Sends write no
    # portal-wide row and their count waits for the Send's own commit.
    receipt_of(send(client, tip_confirmation(client)))
    assert send(client, first).status_code == 409  # 3: sent already, no draft left
    changed = post_form(client, "/submit/tip", {"content": CONTENT + " More."}, form=form)
    assert send(client, changed).status_code == 409  # 4: the same form, other content
    receipt_of(send(client, tip_confirmation(client)))  # 5
    assert send(client, tip_confirmation(client)).status_code == 429  # 6: over the limit
    db.expire_all()
    counts = db.exec(select(RateCounter.count).where(RateCounter.scope == "intake-send"))
    assert sorted(counts) == [6]
    assert submissions(db) == 3


def test_expired_form_comes_back_filled_with_a_fresh_token(client: TestClient, clock: Any,
                                                           db: Session) -> None:
    client.headers["Accept-Language"] = "en"
    form = client.get("/submit/tip")
    old_token = fields_of(form)["form_token"]
    clock.advance(days=2)
    response = post_form(client, "/submit/tip", {"content": CONTENT}, form=form)
    assert response.status_code == 400
    doc = page(response)
    assert "expired" in doc.select_one(".error-summary").get_text()
    assert doc.select_one("textarea[name=content]").get_text() == CONTENT
    assert doc.select_one("input[name=form_token]")["value"] != old_token
    assert submissions(db) == 0


def test_old_drafts_are_cleaned(client: TestClient, app: Any, settings: Any) -> None:
    tip_confirmation(client, three_files()[2:])
    store = PendingStore(app.state.intake)
    assert len(stored_files(settings.upload_dir)) == 2  # the file and the manifest
    assert store.clean() == 0
    assert store.clean(now=time.time() + 2 * 86400) == 1
    assert stored_files(settings.upload_dir) == []


def test_drafts_are_listed_neither_on_every_post_nor_on_every_send(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cleaning and claiming list every draft in the folder: a cost that grew with the
    drafts abandoned that day, paid by each citizen. Cleaning runs once a minute per
    worker; Send lists the folder only when its own draft is not where it should be."""
    import portal.intake.pending as pending

    cleanings: list[int] = []
    real_clean = PendingStore.clean
    monkeypatch.setattr(PendingStore, "clean",
                        lambda self, **kw: cleanings.append(1) or real_clean(self, **kw))
    tip_confirmation(client)
    confirmation = tip_confirmation(client)
    assert len(cleanings) == 1  # the first POST of this worker, not the second

    def no_listing(folder: Any) -> list[Any]:
        raise AssertionError(f"{folder} was listed")

    monkeypatch.setattr(pending, "list_quietly", no_listing)
    receipt_of(send(client, confirmation))


def test_the_form_step_with_a_file_makes_two_trips_to_worker_threads(
        client: TestClient, unit: Unit, thread_trips: list[object]) -> None:
    """The limits are counted in one trip; the file's last bytes are written, cleaned,
    checked and saved with the draft in the other."""
    form = client.get("/submit/tip")
    thread_trips.clear()
    note = [("evidence", ("note.txt", "现场情况记录。\n".encode() * 50, "text/plain"))]
    response = post_form(client, "/submit/tip", {"content": CONTENT}, note, form=form)
    assert response.status_code == 200
    assert page(response).select_one("form.confirm-actions") is not None
    assert len(thread_trips) == 2
    receipt_of(send(client, response))  # the file was written whole: Send stores it


# --- hotline intake ----------------------------------------------------------------------

def test_moderator_registers_a_phone_tip_and_reads_the_receipt(
        client: TestClient, db: Session, make_user: Any, keys: IntakeKeys, unit: Unit) -> None:
    moderator = make_user(Role.moderator)
    login(client, moderator.username)
    form = client.get("/staff/intake/new")
    assert form.status_code == 200
    fields = {**fields_of(form), "kind": "tip", "channel": "phone", "content": CONTENT,
              "unit_concerned_id": str(unit.id), "identity": "real_name",
              "contact_name": NAME, "contact_phone": PHONE}
    posted = client.post("/staff/intake/new", data=fields, files=three_files()[2:])
    assert posted.status_code == 303
    response = client.get(posted.headers["location"])
    code = receipt_of(response)
    assert response.headers["cache-control"] == "no-store"
    submission = find_by_receipt(db, keys, code.replace("-", " "))  # read out, typed back
    assert submission is not None
    assert submission.channel == Channel.phone
    assert submission.registered_by_id == moderator.id
    assert contact_of(keys, submission).name == NAME
    events = list(db.exec(select(AuditEvent).where(AuditEvent.action == "submission.register")))
    assert len(events) == 1
    # The same registration posted again creates nothing new and shows no code.
    again = client.post("/staff/intake/new", data=fields, files=three_files()[2:])
    assert again.status_code == 409
    assert code not in again.text
    assert submissions(db) == 1


def test_hotline_form_errors_come_back_filled_in(client: TestClient, db: Session,
                                                 make_user: Any) -> None:
    login(client, make_user(Role.moderator).username)
    form = client.get("/staff/intake/new")
    fields = {**fields_of(form), "kind": "suggestion", "channel": "fax", "content": "短"}
    response = client.post("/staff/intake/new", data=fields, files=NO_FILE)
    assert response.status_code == 422
    doc = page(response)
    assert doc.select_one("#f-channel-error") is not None
    assert doc.select_one("#f-category_id-error") is not None
    assert doc.select_one("input[name=kind][value=suggestion]").has_attr("checked")
    assert submissions(db) == 0


@pytest.mark.parametrize("role", [Role.press, Role.handler, Role.admin, Role.leader])
def test_hotline_is_for_moderators_only(client: TestClient, db: Session, make_user: Any,
                                        unit: Unit, role: Role) -> None:
    login(client, make_user(role, unit_id=unit.id if role == Role.handler else None).username)
    assert client.get("/staff/intake/new").status_code == 403
    token = form_fields(client.get("/staff/account"), "form[method=post]")["csrf_token"]
    response = client.post("/staff/intake/new", data={"csrf_token": token, "content": CONTENT,
                                                      "channel": "phone"})
    assert response.status_code == 403
    assert submissions(db) == 0


def test_a_cookie_of_another_site_on_the_domain_breaks_neither_language_nor_sending(
        client: TestClient, db: Session) -> None:
    """Analytics on a shared government domain set cookies such as `{"a":1}`, which
    `SimpleCookie` refused along with every other cookie of the header: the language
    choice was lost, and so was the CSRF cookie, so no form could be sent."""
    client.cookies.set("site_tracker", '{"visit":1,"src":"weibo"}')
    client.get("/lang/en?next=/")
    assert page(client.get("/")).html["lang"] == "en"
    receipt_of(send(client, tip_confirmation(client)))
    assert submissions(db) == 1
