"""/track over HTTP: the receipt opens a short citizen session; wrong receipts are generic
and throttled; the case page shows what the citizen may see and takes their follow-up."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlmodel import Session, select
from starlette.testclient import TestClient

from moderation.clock import FixedClock
from moderation.intake import followup
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import (
    CaseRating,
    ReviewRequest,
    SubmissionFile,
    SubmissionState,
)
from moderation.intake.receipts import damm_digit, parse_receipt
from moderation.intake.texts import case_texts
from moderation.roles import Role
from portal.accounts.models import WebSession
from portal.settings import Settings
from tests.conftest import csrf_from, page
from tests.test_followup import Case, conclude, make_case, staff_actor
from tests.test_intake_sanitize import jpeg_with_gps


@pytest.fixture
def keys(settings: Settings) -> IntakeKeys:
    return IntakeKeys.from_secrets(settings.secret_key, settings.encryption_key)


@pytest.fixture
def case(db: Session, keys: IntakeKeys, clock: FixedClock) -> Case:
    return make_case(db, keys, clock)


def enter_receipt(client: TestClient, receipt: str) -> Any:
    form = client.get("/track")
    assert form.status_code == 200
    return client.post("/track", data={"csrf_token": csrf_from(form), "receipt": receipt})


def open_case(client: TestClient, receipt: str) -> Any:
    response = enter_receipt(client, receipt)
    assert response.status_code == 303, response.text[:300]
    assert response.headers["location"] == "/track/case"
    case_page = client.get("/track/case")
    assert case_page.status_code == 200
    return case_page


def form_token(response: Any, action: str) -> str:
    form = page(response).select_one(f'form[action="{action}"]')
    assert form is not None, f"no form posting to {action}"
    return form.select_one("input[name=csrf_token]")["value"]


def status_of(response: Any) -> str:
    label = page(response).select_one(".track-status-label")
    return next(c for c in label["class"] if c.startswith("status-"))


def messages_on(response: Any) -> list[str]:
    return [p.get_text(strip=True) for p in page(response).select(".track-message .track-body")]


# --- entering a receipt ------------------------------------------------------------------

def test_good_receipt_opens_a_short_strict_session_on_the_case(
        client: TestClient, db: Session, case: Case, clock: FixedClock) -> None:
    clock.advance(minutes=37, seconds=12)  # the row must not show it
    # Lenient parsing: spaces instead of dashes, full-width digits.
    typed = " ".join(case.receipt.split("-")).replace("1", "１")
    response = enter_receipt(client, typed)
    assert response.status_code == 303
    assert response.headers["location"] == "/track/case"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("ms_track=")
    attributes = {part.strip().split("=")[0].lower(): part.strip()
                  for part in cookie.split(";")[1:]}
    assert attributes["path"] == "Path=/track"
    assert "httponly" in attributes
    assert attributes["samesite"].lower() == "samesite=strict"
    assert "secure" not in attributes  # test mode; production adds it
    row = db.exec(select(WebSession)).one()
    assert (row.kind, row.user_id) == ("citizen", None)
    # The row neither names the case nor keeps a time finer than the hour.
    assert list(row.data) == ["sealed"]
    assert str(case.submission.id) not in json.dumps(row.data).replace(row.data["sealed"], "")
    for moment in (row.created_at, row.last_seen_at, row.expires_at):
        assert (moment.minute, moment.second, moment.microsecond) == (0, 0, 0)
    case_page = client.get("/track/case")
    assert case_page.status_code == 200
    assert case_page.headers["cache-control"] == "no-store"
    assert status_of(case_page) == "status-received"
    html = page(case_page)
    assert html.select_one(".track-reference").get_text(strip=True) == case.submission.reference
    due = [t["datetime"] for t in html.select(".track-facts dd time")]
    assert case.submission.decision_due_on.isoformat() in due


def test_every_wrong_receipt_gets_the_same_generic_answer(client: TestClient,
                                                         case: Case) -> None:
    digits = parse_receipt(case.receipt)
    bad_check = digits[:-1] + str((int(digits[-1]) + 1) % 10)
    unknown = "1" * 31 + damm_digit("1" * 31)
    answers = []
    for typed in ("hello", bad_check, unknown, ""):
        response = enter_receipt(client, typed)
        assert response.status_code == 422
        assert "set-cookie" not in response.headers or "ms_track" not in \
            response.headers["set-cookie"]
        error = page(response).select_one("#f-receipt-error")
        field = page(response).select_one("#f-receipt")
        assert field["aria-invalid"] == "true"
        assert "f-receipt-error" in field["aria-describedby"]
        answers.append(error.get_text(strip=True))
    assert len(set(answers)) == 1


def test_twenty_wrong_receipts_are_throttled_with_429(client: TestClient, case: Case,
                                                      db: Session) -> None:
    statuses = [enter_receipt(client, f"0000-0000-{n:04d}").status_code for n in range(20)]
    assert statuses == [422] * 10 + [429] * 10
    blocked = enter_receipt(client, case.receipt)  # even the right one, while blocked
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert page(blocked).select_one("#f-receipt-error").get_text(strip=True)
    assert db.exec(select(WebSession)).all() == []


def test_throttle_window_passes(client: TestClient, case: Case, clock: FixedClock) -> None:
    for n in range(11):
        enter_receipt(client, f"bad {n}")
    assert enter_receipt(client, case.receipt).status_code == 429
    clock.advance(minutes=15)
    assert enter_receipt(client, case.receipt).status_code == 303


def test_idle_session_expires_and_active_one_lasts(client: TestClient, case: Case,
                                                   clock: FixedClock, db: Session) -> None:
    open_case(client, case.receipt)
    for _ in range(3):
        clock.advance(minutes=10)
        assert client.get("/track/case").status_code == 200
    clock.advance(minutes=16)
    gone = client.get("/track/case")
    assert gone.status_code == 303
    assert gone.headers["location"] == "/track?ended=1"
    assert db.exec(select(WebSession)).all() == []
    assert page(client.get("/track?ended=1")).select_one("p.flash")


def test_no_session_no_case(client: TestClient, case: Case) -> None:
    assert client.get("/track/case").headers["location"] == "/track?ended=1"
    client.cookies.set("ms_track", "forged-token", path="/track")
    assert client.get("/track/case").status_code == 303


def test_sign_out_ends_the_session(client: TestClient, case: Case, db: Session) -> None:
    case_page = open_case(client, case.receipt)
    out = client.post("/track/sign-out",
                      data={"csrf_token": form_token(case_page, "/track/sign-out")})
    assert out.status_code == 303
    assert out.headers["location"] == "/track?signed_out=1"
    assert 'ms_track=""' in out.headers["set-cookie"] or "Max-Age=0" in out.headers["set-cookie"]
    assert db.exec(select(WebSession)).all() == []
    assert client.get("/track/case").status_code == 303


def test_receipt_never_in_cookies_urls_locations_or_session_rows(
        client: TestClient, case: Case, db: Session, engine) -> None:  # type: ignore[no-untyped-def]
    digits = parse_receipt(case.receipt)
    seen: list[str] = []
    responses = [enter_receipt(client, case.receipt), client.get("/track/case")]
    token = form_token(responses[-1], "/track/case/message")
    responses.append(client.post("/track/case/message",
                                 data={"csrf_token": token, "body": "more facts here"}))
    responses.append(client.get("/track/case?done=message"))
    for response in responses:
        seen.append(str(response.request.url))
        seen.extend(response.headers.get_list("set-cookie"))
        seen.append(response.headers.get("location", ""))
    seen.extend(f"{c.name}={c.value}" for c in client.cookies.jar)
    seen.extend(str(row.data) + row.id_hash for row in db.exec(select(WebSession)))
    flat = re.sub(r"[^0-9]", "", " ".join(seen))
    assert digits not in flat
    assert case.receipt not in " ".join(seen)
    assert all(case.receipt not in page(r).get_text() for r in responses[1:])


# --- the case page and its forms ---------------------------------------------------------

def test_message_and_file_are_added(client: TestClient, case: Case, db: Session) -> None:
    case_page = open_case(client, case.receipt)
    token = form_token(case_page, "/track/case/message")
    response = client.post("/track/case/message",
                           data={"csrf_token": token, "body": "补充：<b>证人</b>姓李。"},
                           files=[("files", ("现场.jpg", jpeg_with_gps(), "image/jpeg"))])
    assert response.status_code == 303, response.text[:500]
    assert response.headers["location"] == "/track/case?done=message"
    after = client.get(response.headers["location"])
    assert messages_on(after) == ["补充：<b>证人</b>姓李。"]  # escaped, shown as typed
    assert page(after).select_one(".track-message b") is None
    assert [li.get_text(strip=True) for li in page(after).select(".track-message li")] == \
        ["现场.jpg"]
    assert page(after).select_one("p.flash")
    row = db.exec(select(SubmissionFile)).one()
    assert row.message_id is not None
    assert row.media_type == "image/jpeg"


def test_bad_file_or_empty_message_comes_back_with_the_text(client: TestClient,
                                                           case: Case) -> None:
    case_page = open_case(client, case.receipt)
    token = form_token(case_page, "/track/case/message")
    lying = client.post("/track/case/message",
                        data={"csrf_token": token, "body": "my typed text"},
                        files=[("files", ("scan.pdf", b"just some plain text\n" * 5,
                                          "application/pdf"))])
    assert lying.status_code == 422
    html = page(lying)
    assert html.select_one("#f-message-body").get_text() == "my typed text"
    assert html.select_one("#f-message-files-error").get_text(strip=True)
    assert "f-message-files-error" in html.select_one("#f-message-files")["aria-describedby"]
    empty = client.post("/track/case/message", data={"csrf_token": token, "body": "  "})
    assert empty.status_code == 422
    assert page(empty).select_one("#f-message-body-error")
    assert messages_on(client.get("/track/case")) == []


def test_message_without_csrf_or_multipart_is_refused(client: TestClient, case: Case) -> None:
    open_case(client, case.receipt)
    assert client.post("/track/case/message", data={"body": "x"},
                       files=[("files", ("a.txt", b"hello", "text/plain"))]).status_code == 403
    assert client.post("/track/case/message", data={"body": "x"}).status_code == 403
    plain = client.post("/track/case/message", content=b"body=x",
                        headers={"content-type": "text/plain"})
    assert plain.status_code == 415
    assert messages_on(client.get("/track/case")) == []


def test_question_is_answered_on_the_track_page(client: TestClient, case: Case, db: Session,
                                                clock: FixedClock, make_user) -> None:  # type: ignore[no-untyped-def]
    actor = staff_actor(db, make_user, Role.moderator, username="moderator1")
    question = followup.ask_question(db, actor, case.submission, "具体是哪一天？", clock)
    db.commit()
    case_page = open_case(client, case.receipt)
    action = f"/track/case/questions/{question.id}/answer"
    box = page(case_page).select_one(".track-question")
    assert box.select_one(".track-body").get_text(strip=True) == "具体是哪一天？"
    response = client.post(action, data={"csrf_token": form_token(case_page, action),
                                         "body": "五月三日上午"})
    assert response.status_code == 303
    after = client.get("/track/case")
    assert page(after).select_one(".track-question") is None
    assert messages_on(after) == ["具体是哪一天？", "五月三日上午"]
    again = client.post(action, data={"csrf_token": csrf_from(after), "body": "again"})
    assert again.status_code == 409


def test_concluded_case_is_rated_once(client: TestClient, case: Case, db: Session,
                                      clock: FixedClock, keys: IntakeKeys) -> None:
    case_page = open_case(client, case.receipt)
    assert page(case_page).select_one('form[action="/track/case/rating"]') is None
    conclude(db, case.submission, clock)
    case_page = client.get("/track/case")
    assert status_of(case_page) == "status-concluded"
    token = form_token(case_page, "/track/case/rating")
    assert [i["value"] for i in page(case_page).select("input[name=rating]")] == \
        ["satisfied", "mostly", "dissatisfied"]
    missing = client.post("/track/case/rating", data={"csrf_token": token, "comment": "kept"})
    assert missing.status_code == 422
    assert page(missing).select_one("#f-rating-comment").get_text() == "kept"
    done = client.post("/track/case/rating",
                       data={"csrf_token": token, "rating": "mostly", "comment": "还行"})
    assert done.status_code == 303
    after = client.get("/track/case")
    assert page(after).select_one('form[action="/track/case/rating"]') is None
    again = client.post("/track/case/rating", data={"csrf_token": token, "rating": "satisfied"})
    assert again.status_code == 409
    texts = case_texts(keys, case.submission)
    assert [(r.rating.value, texts.rating_comment(r))
            for r in db.exec(select(CaseRating))] == \
        [("mostly", "还行")]


def test_review_request_accepted_within_30_days(client: TestClient, case: Case, db: Session,
                                                clock: FixedClock, keys: IntakeKeys) -> None:
    conclude(db, case.submission, clock)
    clock.advance(days=30)
    case_page = open_case(client, case.receipt)
    deadlines = [t["datetime"] for t in page(case_page).select(".track-facts dd time")]
    assert "2026-07-01" in deadlines
    token = form_token(case_page, "/track/case/review")
    response = client.post("/track/case/review",
                           data={"csrf_token": token, "reason": "结论与事实不符"})
    assert response.status_code == 303
    assert page(client.get("/track/case")).select_one('form[action="/track/case/review"]') \
        is None
    texts = case_texts(keys, case.submission)
    assert [texts.review_reason(r) for r in db.exec(select(ReviewRequest))] == ["结论与事实不符"]


def test_review_request_refused_after_30_days(client: TestClient, case: Case, db: Session,
                                              clock: FixedClock) -> None:
    conclude(db, case.submission, clock)
    assert page(open_case(client, case.receipt)).select_one('form[action="/track/case/review"]')
    clock.advance(days=31)
    late_page = open_case(client, case.receipt)
    assert page(late_page).select_one('form[action="/track/case/review"]') is None
    assert page(late_page).select_one(".track-review p").get_text(strip=True)
    # The server refuses too (a form kept open in another tab, or a forged post).
    token = form_token(late_page, "/track/sign-out")
    refused = client.post("/track/case/review", data={"csrf_token": token, "reason": "late"})
    assert refused.status_code == 409
    assert page(refused).select_one(".track-review .error-message").get_text(strip=True)
    assert db.exec(select(ReviewRequest)).all() == []


def test_internal_notes_and_staff_names_never_shown(client: TestClient, case: Case,
                                                    db: Session, clock: FixedClock,
                                                    make_user) -> None:  # type: ignore[no-untyped-def]
    actor = staff_actor(db, make_user, Role.moderator, username="mod-secret-name")
    followup.reply(db, actor, case.submission, "INTERNAL-NOTE-7731", clock, public=False)
    followup.reply(db, actor, case.submission, "我们已收到并在核查。", clock)
    db.commit()
    case_page = open_case(client, case.receipt)
    text = case_page.text
    assert "INTERNAL-NOTE-7731" not in text
    assert "mod-secret-name" not in text
    assert "Zhang-Secret" not in text
    assert messages_on(case_page) == ["我们已收到并在核查。"]


def test_duplicate_case_shows_the_main_case_status(client: TestClient, case: Case,
                                                   db: Session, keys: IntakeKeys,
                                                   clock: FixedClock) -> None:
    main = make_case(db, keys, clock)
    main.submission.state = SubmissionState.verifying
    case.submission.state = SubmissionState.rejected
    case.submission.duplicate_of_id = main.submission.id
    db.commit()
    case_page = open_case(client, case.receipt)
    assert status_of(case_page) == "status-being_handled"
    assert page(case_page).select_one(".track-status .hint")
    assert main.submission.reference not in case_page.text  # the other case stays private


def test_hostile_followups_get_4xx_and_store_nothing(client: TestClient, case: Case,
                                                    db: Session, settings: Settings) -> None:
    token = form_token(open_case(client, case.receipt), "/track/case/message")
    huge = client.post("/track/case/message", data={"csrf_token": token, "body": "x" * 10**7},
                       files=[("files", ("a.txt", b"hello there\n", "text/plain"))])
    assert huge.status_code == 413
    assert page(huge).select_one("#f-message-body-error").get_text(strip=True)
    eleven = [("files", (f"n{i}.txt", f"note {i}\n".encode(), "text/plain")) for i in range(11)]
    too_many = client.post("/track/case/message", data={"csrf_token": token, "body": "hi"},
                           files=eleven)
    assert too_many.status_code == 413
    assert page(too_many).select_one("#f-message-files-error")
    nul = client.post("/track/case/message", data={"csrf_token": token, "body": "a\x00b"},
                      files=[("files", ("a.txt", b"hello there\n", "text/plain"))])
    assert nul.status_code == 422
    assert messages_on(client.get("/track/case")) == []
    assert db.exec(select(SubmissionFile)).all() == []
    assert [p for p in settings.upload_dir.iterdir() if p.is_file()] == []
