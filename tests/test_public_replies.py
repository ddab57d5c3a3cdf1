"""Public replies (回复公开), acceptance 4: a consenting suggestion, once concluded and
approved, is public (list, page, feed, sitemap, home) without any of the citizen's words
or details; a non-consenting one never is; the citizen can withdraw until publication."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, select

from moderation.audit import AuditEvent
from moderation.errors import InvalidTransition
from moderation.intake import followup
from moderation.intake.models import Rating, Submission
from moderation.replies import service
from moderation.replies.models import PublicReply, ReplyState
from tests.conftest import csrf_from, form_fields, page
from tests.queue_web_support import case_url
from tests.replies_support import conclude, publish, suggest, topic
from tests.test_feed import parse
from tests.test_intake_web import post_form, send
from tests.test_track import form_token, open_case

pytest_plugins = ("tests.queue_web_fixtures",)  # world, keys, signed_in

WORDS = "标记原话MARKER-WORDS-7313：户籍窗口的张警官态度恶劣"
NAME, PHONE, EMAIL = "赵标记MarkerName", "13955501234", "marker-replies@example.org"
SUMMARY = "群众建议周末开放户籍窗口，方便上班族办理。"
REPLY = "经研究，已采纳该建议：自下月起每周六上午开放户籍窗口。"
PUBLIC_PATHS = ("/", "/replies", "/feed.atom", "/sitemap.xml")


def citizen_sends(client: Any, category_id: int, consent: bool) -> str:
    """The real suggestion form, real-name with marker details; returns the receipt."""
    changes = {"content": WORDS, "category_id": str(category_id), "identity": "real_name",
               "contact_name": NAME, "contact_phone": PHONE, "contact_email": EMAIL}
    if consent:
        changes["publish_consent"] = "yes"
    confirmation = post_form(client, "/submit/suggestion", changes)
    assert confirmation.status_code == 200, confirmation.text[:500]
    consent_text = page(confirmation).select_one("#confirm-consent").get_text()
    assert ("published" in consent_text or "公开" in consent_text) if consent else True
    receipt = send(client, confirmation, "/submit/suggestion/confirm")
    assert receipt.status_code == 200
    return page(receipt).select_one("#receipt-code").get_text(strip=True)


def newest(db: Session) -> Submission:
    db.expire_all()
    return db.exec(select(Submission).order_by(Submission.id.desc())).first()  # type: ignore[union-attr]


def staff_post(client: Any, reference: str, step: str, **changes: str) -> Any:
    shown = client.get(case_url(reference))
    fields = form_fields(shown, f"form#reply-{step}")
    return client.post(f"{case_url(reference)}/public-reply/{step}", data={**fields, **changes})


def public_texts(client: Any, extra: tuple[str, ...] = ()) -> list[str]:
    texts = []
    for language in ("zh_CN", "en"):
        client.get(f"/lang/{language}?next=/")
        for path in (*PUBLIC_PATHS, *extra):
            response = client.get(path)
            assert response.status_code == 200, path
            texts.append(response.text)
    return texts


def test_consenting_suggestion_is_published_without_the_citizens_words(
        client, db, clock, world, keys, signed_in) -> None:
    category = topic(db)
    citizen_sends(client, category.id, consent=True)
    submission = newest(db)
    assert submission.publish_consent is True
    concluded = conclude(db, clock, world, submission)
    handler = signed_in("handler-v")
    shown = handler.get(case_url(concluded.reference))
    # The form starts from the conclusion's reply, never from the citizen's text.
    starting_text = page(shown).select_one("#f-reply-reply").get_text()
    assert starting_text == "已采纳，自下月起周六上午开放户籍窗口。"
    empty = staff_post(handler, concluded.reference, "write", summary="")
    assert empty.status_code == 422
    assert page(empty).select_one("#f-reply-summary-error") is not None
    saved = staff_post(handler, concluded.reference, "write", summary=SUMMARY, reply=REPLY)
    assert saved.status_code == 303
    draft = db.exec(select(PublicReply)).one()
    assert draft.state == ReplyState.draft
    assert client.get(f"/replies/{draft.id}").status_code == 404  # not approved yet
    assert "MARKER" not in client.get("/replies").text

    moderator = signed_in("mod1")
    approved = staff_post(moderator, concluded.reference, "approve")
    assert approved.status_code == 303
    followup.rate(db, db.get(Submission, submission.id), Rating.satisfied,  # type: ignore[arg-type]
                  comment=f"评价原话{WORDS}", keys=keys, clock=clock)
    db.commit()

    listing = page(client.get("/replies"))
    links = [a["href"] for a in listing.select(".reply-list .reply-title a")]
    assert links == [f"/replies/{draft.id}"]
    detail = page(client.get(f"/replies/{draft.id}"))
    assert detail.select_one(".reply-summary").get_text() == SUMMARY
    assert detail.select_one(".reply-answer").get_text() == REPLY
    facts = detail.select_one(".reply-facts").get_text()
    assert "other-city-police" in facts
    assert "满意" in facts
    feed = parse(client.get("/feed.atom"))
    atom = "{http://www.w3.org/2005/Atom}"
    assert [e.find(f"{atom}id").text for e in feed.findall(f"{atom}entry")] == [
        f"http://testserver/replies/{draft.id}"]
    assert f"http://testserver/replies/{draft.id}" in client.get("/sitemap.xml").text
    assert page(client.get("/")).select_one(".home-replies .reply-title a")["href"] == \
        f"/replies/{draft.id}"
    for text in public_texts(client, (f"/replies/{draft.id}",)):
        for marker in ("MARKER", NAME, PHONE, EMAIL, "评价原话", "内部核查记录",
                       submission.reference):
            assert marker not in text
    events = [e.action for e in db.exec(select(AuditEvent).where(
        AuditEvent.action.startswith("public_reply.")))]  # type: ignore[attr-defined]
    assert events == ["public_reply.write", "public_reply.approve"]


def test_a_case_without_consent_never_appears(client, db, clock, world, keys,
                                               signed_in) -> None:
    category = topic(db)
    citizen_sends(client, category.id, consent=False)
    submission = conclude(db, clock, world, newest(db))
    assert submission.publish_consent is False
    with pytest.raises(InvalidTransition):
        service.write(db, world.handler, submission.id, None, summary=SUMMARY,  # type: ignore[arg-type]
                      reply_text=REPLY, clock=clock)
    db.rollback()
    handler = signed_in("handler-v")
    shown = page(handler.get(case_url(submission.reference)))
    assert shown.select_one("#public-reply-title") is None
    url = case_url(submission.reference)
    forged = handler.post(f"{url}/public-reply/write",
                          data={"csrf_token": csrf_from(handler.get(url)), "summary": SUMMARY,
                                "reply": REPLY, "reply_version": ""})
    assert forged.status_code == 409
    assert page(forged).select_one("#f-reply-summary") is None  # no form: nothing to refill
    assert db.exec(select(PublicReply)).all() == []
    assert page(client.get("/replies")).select(".reply-item") == []


def test_the_citizen_withdraws_consent_before_publication(client, db, clock, world, keys,
                                                           signed_in) -> None:
    category = topic(db)
    result = suggest(db, keys, clock, category)
    submission = conclude(db, clock, world, result.submission)
    service.write(db, world.handler, submission.id, None, summary=SUMMARY,  # type: ignore[arg-type]
                  reply_text=REPLY, clock=clock)
    db.commit()
    clock.advance(minutes=37)
    case_page = open_case(client, result.receipt)
    action = "/track/case/consent/withdraw"
    withdrawn = client.post(action, data={"csrf_token": form_token(case_page, action)})
    assert withdrawn.status_code == 303
    assert withdrawn.headers["location"] == "/track/case?done=consent"
    after = page(client.get("/track/case"))
    assert after.select_one(f'form[action="{action}"]') is None
    db.expire_all()
    reply = db.exec(select(PublicReply)).one()
    assert reply.state == ReplyState.withdrawn
    assert reply.updated_at == clock().replace(minute=0)  # the hour only, as for citizens
    moderator = signed_in("mod1")
    refused = moderator.post(f"{case_url(submission.reference)}/public-reply/approve",
                             data={"csrf_token": csrf_from(moderator.get(case_url(
                                 submission.reference))), "reply_version": str(reply.version)})
    assert refused.status_code == 409
    assert page(client.get("/replies")).select(".reply-item") == []


def test_withdrawal_is_refused_once_published(client, db, clock, world, keys) -> None:
    result = suggest(db, keys, clock, topic(db))
    reply = publish(db, clock, world, conclude(db, clock, world, result.submission))
    case_page = open_case(client, result.receipt)
    assert page(case_page).select_one(f'a[href="/replies/{reply.id}"]') is not None
    action = "/track/case/consent/withdraw"
    assert page(case_page).select_one(f'form[action="{action}"]') is None
    refused = client.post(action, data={"csrf_token": csrf_from(case_page)})
    assert refused.status_code == 409
    assert page(refused).select_one(".track-public-reply .error-message") is not None
    assert client.get(f"/replies/{reply.id}").status_code == 200


def test_unpublish_needs_a_reason_and_is_audited(client, db, clock, world, keys,
                                                  signed_in) -> None:
    result = suggest(db, keys, clock, topic(db))
    reply = publish(db, clock, world, conclude(db, clock, world, result.submission))
    reference = result.submission.reference
    moderator = signed_in("mod2")
    missing = staff_post(moderator, reference, "unpublish", reason="  ")
    assert missing.status_code == 422
    assert page(missing).select_one("#f-unpublish-reason-error") is not None
    assert client.get(f"/replies/{reply.id}").status_code == 200
    done = staff_post(moderator, reference, "unpublish", reason="摘要中含有可识别的地点")
    assert done.status_code == 303
    assert client.get(f"/replies/{reply.id}").status_code == 404
    event = db.exec(select(AuditEvent).where(
        AuditEvent.action == "public_reply.unpublish")).one()
    assert event.after["reason"] == "摘要中含有可识别的地点"
    assert event.actor_label == "mod2"


def test_the_writer_cannot_approve_their_own_reply(db, clock, world, keys,
                                                   signed_in) -> None:
    result = suggest(db, keys, clock, topic(db))
    submission = conclude(db, clock, world, result.submission)
    moderator = signed_in("mod1")
    assert staff_post(moderator, submission.reference, "write", summary=SUMMARY,
                      reply=REPLY).status_code == 303
    shown = page(moderator.get(case_url(submission.reference)))
    assert shown.select_one("form#reply-approve") is None
    forged = moderator.post(f"{case_url(submission.reference)}/public-reply/approve",
                            data={"csrf_token": csrf_from(moderator.get(case_url(
                                submission.reference))), "reply_version": "1"})
    assert forged.status_code == 422
    other = signed_in("mod2")
    waiting = page(other.get("/staff/public-replies"))
    assert [a.get_text() for a in waiting.select("a.case-link")] == [submission.reference]
    assert staff_post(other, submission.reference, "approve").status_code == 303
    assert page(other.get("/staff/public-replies")).select("a.case-link") == []
    published = page(other.get("/staff/public-replies?state=published"))
    assert [a.get_text() for a in published.select("a.case-link")] == [submission.reference]
    assert other.get("/staff/public-replies?state=bogus").status_code == 400
    assert signed_in("handler-v").get("/staff/public-replies").status_code == 403
