"""The case page over HTTP: the forms `allowed_actions` gives each user, domain errors as
the right 4xx with translated pages and input kept, the conflict page for two moderators,
sealed identity (handlers never get contact details), internal notes never on /track, and
evidence downloads for the responsible unit only."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, select
from starlette.testclient import TestClient

from moderation.audit import AuditEvent, verify
from moderation.clock import FixedClock
from moderation.intake.files import UploadBatch, UploadLimits, new_envelope
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import (
    CaseMessage,
    RejectReason,
    Submission,
    SubmissionFile,
    SubmissionState,
)
from moderation.intake.receipts import issue_form_nonce
from moderation.intake.service import submit_tip
from moderation.intake.storage import Contact
from moderation.intake.validation import TipInput
from moderation.workflow import claims, triage
from moderation.workflow.messages import REJECT_REPLIES, SELF_ROUTING
from portal.settings import Settings
from tests.conftest import csrf_from, form_fields, page
from tests.queue_web_support import (
    MARKERS,
    act,
    actions_on,
    case_url,
    follow,
    submit,
)
from tests.test_auth import fast_hashing  # noqa: F401 - fixture
from tests.test_track import open_case
from tests.workflow_support import World, drive

pytest_plugins = ("tests.queue_web_fixtures",)  # world, keys, signed_in


def fresh(db: Session, submission: Submission) -> Submission:
    db.expire_all()
    row = db.get(Submission, submission.id)
    assert row is not None
    return row


def claimed(db: Session, clock: FixedClock, world: World, keys: IntakeKeys,
            **kwargs: Any) -> Submission:
    sub = submit(db, keys, clock, world, **kwargs).submission
    assert sub.id is not None
    sub = claims.claim(db, world.moderator, sub.id, sub.version, clock=clock)
    db.commit()
    return sub


# --- forms per role and state -------------------------------------------------------------

def test_forms_follow_allowed_actions(db: Session, keys: IntakeKeys, clock: FixedClock,  # type: ignore[no-untyped-def]
                                      world: World, signed_in) -> None:
    new = submit(db, keys, clock, world).submission
    mod = signed_in("mod1")
    shown = mod.get(case_url(new.reference))
    assert shown.status_code == 200
    assert shown.headers["cache-control"] == "no-store"
    # The usual next step first, then the folded ones, the destructive ones last.
    assert actions_on(shown) == ["claim", "classify", "reply", "note", "ask", "reject",
                                 "mark_duplicate"]
    for form in page(shown).select("form.action-form"):
        assert form.select_one("input[name=version]")["value"] == str(new.version)
        assert form.select_one("input[name=csrf_token]") is not None
    # GET never changes state: still new, nobody holds it.
    assert fresh(db, new).state == SubmissionState.new
    after_claim = follow(mod, act(mod, new.reference, "claim", shown))
    assert page(after_claim).select_one("p.flash") is not None
    assert "accept" in actions_on(after_claim)
    # A second moderator sees no forms while the claim holds.
    other = signed_in("mod2").get(case_url(new.reference))
    assert actions_on(other) == []
    verifying = drive(db, clock, world, SubmissionState.verifying)
    handler_page = signed_in("handler-v").get(case_url(verifying.reference))
    assert actions_on(handler_page) == ["conclude", "note", "ask", "extend"]
    leader_page = signed_in("leader1").get(case_url(verifying.reference))
    assert leader_page.status_code == 200
    assert actions_on(leader_page) == []


def test_reject_reply_is_prefilled_from_the_reasons_template(
        db: Session, keys: IntakeKeys, clock: FixedClock, world: World, signed_in) -> None:  # type: ignore[no-untyped-def]
    sub = claimed(db, clock, world, keys)
    mod = signed_in("mod1")
    mod.headers["Accept-Language"] = "en"
    shown = mod.get(case_url(sub.reference) + "?reason=out_of_scope")
    fields = form_fields(shown, "form#do-reject")
    assert fields["reason"] == "out_of_scope"
    templates = {a["data-reason"]: a["data-template"]
                 for a in page(shown).select("form#do-reject a[data-reason]")}
    assert "duplicate" not in templates
    response = act(mod, sub.reference, "reject", shown)
    done = follow(mod, response)
    assert page(done).select_one(".case-message-body").get_text() == \
        fields["public_reply"]
    assert fields["public_reply"] == templates["out_of_scope"] == \
        REJECT_REPLIES[RejectReason.out_of_scope]  # English asked for: the message id
    assert fresh(db, sub).reject_reason == RejectReason.out_of_scope


# --- domain errors -> 4xx -----------------------------------------------------------------

def test_each_domain_error_gets_its_status_and_a_translated_page(
        db: Session, keys: IntakeKeys, clock: FixedClock, world: World, signed_in) -> None:  # type: ignore[no-untyped-def]
    sub = claimed(db, clock, world, keys)
    mod = signed_in("mod1")
    shown = mod.get(case_url(sub.reference))

    # ValidationFailed: 422, the form refilled, the error next to its field.
    empty = act(mod, sub.reference, "reject", shown, public_reply="", reason="spam")
    assert empty.status_code == 422
    html = page(empty)
    assert html.select_one("#f-reject-public_reply-error").get_text(strip=True)
    assert html.select_one("#f-reject-public_reply")["aria-invalid"] == "true"
    assert html.select_one(".error-summary") is not None
    assert html.select_one("html")["lang"] == "zh-CN"

    # RoutingRefused: 422 with the routing message, in Chinese by default.
    kept_date = "2026-06-20"
    refused = act(mod, sub.reference, "accept", shown, handling_mode="direct",
                  responsible_unit_id=str(world.accused.id), handling_due_on=kept_date)
    assert refused.status_code == 422
    message = page(refused).select_one("#f-accept-responsible_unit_id-error").get_text()
    assert message
    assert message != SELF_ROUTING
    assert form_fields(refused, "form#do-accept")["handling_due_on"] == kept_date
    bad_date = act(mod, sub.reference, "accept", shown, handling_due_on="31/02/2026",
                   responsible_unit_id=str(world.verifier.id))
    assert bad_date.status_code == 422
    assert page(bad_date).select_one("#f-accept-handling_due_on-error") is not None

    # NotPermitted: 403 (concluding is a handler's step, whatever the state).
    not_mine = mod.post(f"{case_url(sub.reference)}/conclude",
                        data={**form_fields(shown, "form#do-reply"), "outcome": "noted"})
    assert not_mine.status_code == 403

    # InvalidTransition: 409 (accepting twice; the second form carries the new version).
    accepted = act(mod, sub.reference, "accept", shown,
                   responsible_unit_id=str(world.verifier.id))
    assert accepted.status_code == 303
    again = mod.post(f"{case_url(sub.reference)}/accept", data={
        **form_fields(mod.get(case_url(sub.reference)), "form#do-reply"),
        "handling_mode": "off_site", "responsible_unit_id": str(world.verifier.id)})
    assert again.status_code == 409
    assert page(again).select_one(".conflict-box") is not None
    assert [t["class"] for t in page(again).select(".kept-input textarea")][:1] == \
        [["kept-handling_mode"]]

    # NotPermitted: 403 (a handler may not classify, even on their own unit's lead).
    handler = signed_in("handler-v")
    handler_page = handler.get(case_url(sub.reference))
    token_version = form_fields(handler_page, "form#do-note")
    forbidden = handler.post(f"{case_url(sub.reference)}/classify",
                             data={**token_version, "priority": "high"})
    assert forbidden.status_code == 403
    assert page(forbidden).select_one("h1").get_text(strip=True)

    # NotFound: 404 for a handler of another unit, and for unknown cases or actions.
    other = signed_in("handler-a")
    assert other.get(case_url(sub.reference)).status_code == 404
    other_token = csrf_from(other.get("/staff/queue"))
    assert other.post(f"{case_url(sub.reference)}/note", data={
        **token_version, "csrf_token": other_token, "body": "x"}).status_code == 404
    assert mod.get(case_url("MS-NONE-NONE")).status_code == 404
    mod_fields = form_fields(mod.get(case_url(sub.reference)), "form#do-reply")
    assert mod.post(f"{case_url(sub.reference)}/explode",
                    data=mod_fields).status_code == 404

    # A form without its version is malformed (400); roles outside the queue get 403.
    assert mod.post(f"{case_url(sub.reference)}/reply",
                    data={"csrf_token": csrf_from(shown), "body": "hi"}).status_code == 400
    admin = signed_in("admin1")
    assert admin.get(case_url(sub.reference)).status_code == 403
    assert admin.post(f"{case_url(sub.reference)}/reply",
                      data={"csrf_token": csrf_from(admin.get("/staff/account")),
                            "version": "1", "body": "x"}).status_code == 403
    assert verify(db) == []


def test_two_moderators_the_second_gets_the_conflict_page_with_input_kept(
        db: Session, keys: IntakeKeys, clock: FixedClock, world: World, signed_in) -> None:  # type: ignore[no-untyped-def]
    sub = submit(db, keys, clock, world).submission
    first, second = signed_in("mod1"), signed_in("mod2")
    seen_by_first = first.get(case_url(sub.reference))
    seen_by_second = second.get(case_url(sub.reference))
    assert follow(first, act(first, sub.reference, "claim", seen_by_first)).status_code == 200

    typed = "请补充：事情发生在哪个派出所？大概是什么时间？"
    conflict = act(second, sub.reference, "ask", seen_by_second, body=typed)
    assert conflict.status_code == 409
    html = page(conflict)
    box = html.select_one(".conflict-box")
    assert box is not None
    changed = {row["class"][0].removeprefix("change-"): [c.get_text(strip=True)
                                                         for c in row.select("td")]
               for row in box.select(".conflict-changes tbody tr")}
    assert set(changed) >= {"state", "claimed_by_id"}
    assert changed["claimed_by_id"][1] == "Test moderator"
    # The typed text is still there: the claim now holds, so the form cannot be sent,
    # but the input is kept for copying.
    kept = [t.get_text() for t in box.select("textarea.kept-body")]
    assert kept == [typed]
    assert fresh(db, sub).claimed_by_id == world.moderator.id
    assert db.exec(select(CaseMessage)).all() == []

    # Once the claim is released, the same stale form keeps the input in a live form.
    released = follow(first, act(first, sub.reference, "release"))
    assert released.status_code == 200
    again = act(second, sub.reference, "classify", seen_by_second, priority="urgent")
    assert again.status_code == 409
    fields = form_fields(again, "form#do-classify")
    assert fields["priority"] == "urgent"
    assert fields["version"] == str(fresh(db, sub).version)
    resent = second.post(f"{case_url(sub.reference)}/classify", data=fields)
    assert resent.status_code == 303
    assert fresh(db, sub).priority.value == "urgent"


def test_claimed_item_refuses_another_moderator_with_409(
        db: Session, keys: IntakeKeys, clock: FixedClock, world: World, signed_in) -> None:  # type: ignore[no-untyped-def]
    sub = claimed(db, clock, world, keys)
    second = signed_in("mod2")
    fields = {"csrf_token": csrf_from(second.get(case_url(sub.reference))),
              "version": str(sub.version), "body": "我的回复"}
    response = second.post(f"{case_url(sub.reference)}/reply", data=fields)
    assert response.status_code == 409
    assert "Test moderator" in page(response).select_one(".conflict-box").get_text()
    assert [t.get_text() for t in page(response).select("textarea.kept-body")] == ["我的回复"]
    clock.advance(minutes=20)  # the claim expired: the second moderator may take over
    taken = act(second, sub.reference, "claim")
    assert taken.status_code == 303
    assert fresh(db, sub).claimed_by_id == world.moderator2.id


# --- identity, notes, files -----------------------------------------------------------------

def test_handler_html_never_contains_contact_details(
        db: Session, keys: IntakeKeys, clock: FixedClock, world: World, signed_in) -> None:  # type: ignore[no-untyped-def]
    sub = claimed(db, clock, world, keys, named=True)
    sub = triage.accept(db, world.moderator, sub.id, sub.version, mode="off_site",
                        responsible_unit_id=world.verifier.id, handler_id=world.handler.id,
                        clock=clock)
    db.commit()
    handler = signed_in("handler-v")
    pages = [handler.get(url) for url in (
        "/staff/", "/staff/queue", "/staff/queue?tab=new", "/staff/queue?tab=mine",
        "/staff/queue?q=索贿", case_url(sub.reference))]
    started = follow(handler, act(handler, sub.reference, "start_verification", pages[-1]))
    pages.append(started)
    pages.append(act(handler, sub.reference, "note", started, body=""))  # 422 page
    assert pages[-1].status_code == 422
    token = csrf_from(started)
    pages.append(handler.post(f"{case_url(sub.reference)}/contact",
                              data={"csrf_token": token}))
    assert pages[-1].status_code == 403
    for response in pages:
        for marker in MARKERS:
            assert marker not in response.text, (response.url, marker)
    assert page(pages[5]).select_one('form[action$="/contact"]') is None
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "identity.view")).all() == []


def test_granted_moderator_sees_contact_details_behind_an_audited_post(
        db: Session, keys: IntakeKeys, clock: FixedClock, world: World, signed_in) -> None:  # type: ignore[no-untyped-def]
    sub = submit(db, keys, clock, world, named=True).submission
    plain_mod = signed_in("mod1")
    plain_page = plain_mod.get(case_url(sub.reference))
    assert page(plain_page).select_one('form[action$="/contact"]') is None
    assert all(m not in plain_page.text for m in MARKERS)
    granted = signed_in("mod-granted")
    shown = granted.get(case_url(sub.reference))
    assert all(m not in shown.text for m in MARKERS)
    form = page(shown).select_one(f'form[action="{case_url(sub.reference)}/contact"]')
    assert form is not None
    response = granted.post(f"{case_url(sub.reference)}/contact",
                            data={"csrf_token": csrf_from(shown)})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    values = [dd.get_text(strip=True) for dd in page(response).select(".case-contact dd")]
    assert values == list(MARKERS)
    events = db.exec(select(AuditEvent).where(AuditEvent.action == "identity.view")).all()
    assert [(e.actor_label, e.after["reference"]) for e in events] == \
        [("mod-granted", sub.reference)]
    assert all(m not in str(e.after) for e in events for m in MARKERS)
    assert plain_mod.post(f"{case_url(sub.reference)}/contact",
                          data={"csrf_token": csrf_from(plain_page)}).status_code == 403


def test_internal_note_never_reaches_the_track_page(
        db: Session, keys: IntakeKeys, clock: FixedClock, world: World, signed_in,  # type: ignore[no-untyped-def]
        client: TestClient) -> None:
    result = submit(db, keys, clock, world)
    sub = result.submission
    mod = signed_in("mod1")
    note = "内部备注NoteMarker：该民警此前有类似投诉。"
    noted = follow(mod, act(mod, sub.reference, "note", body=note))
    assert [li for li in page(noted).select(".case-message.is-internal")]
    follow(mod, act(mod, sub.reference, "reply", noted, body="已收到，正在审核。"))
    track = open_case(client, result.receipt)
    assert "NoteMarker" not in track.text
    assert "已收到，正在审核。" in track.text


def test_evidence_download_for_the_responsible_unit_only(
        db: Session, keys: IntakeKeys, clock: FixedClock, world: World, signed_in,  # type: ignore[no-untyped-def]
        settings: Settings) -> None:
    batch = UploadBatch(settings.upload_dir, new_envelope(db), UploadLimits())
    sink = batch.open("说明.txt")
    sink.write("证据EvidenceMarker\n".encode())
    sink.finish()
    result = submit_tip(db, keys, issue_form_nonce(keys, "tip", clock), TipInput(
        content="某区分局民警索要好处费，拖延办理户口，证据见附件。",
        unit_concerned_id=world.accused.id, anonymous=True, contact=Contact()),
        uploads=batch, clock=clock)
    db.commit()
    sub = claims.claim(db, world.moderator, result.submission.id, 1, clock=clock)
    triage.accept(db, world.moderator, sub.id, sub.version, mode="off_site",
                  responsible_unit_id=world.verifier.id, clock=clock)
    db.commit()
    row = db.exec(select(SubmissionFile)).one()
    handler = signed_in("handler-v")
    link = page(handler.get(case_url(sub.reference))).select_one(".case-files a")["href"]
    assert link == f"/staff/submissions/{sub.reference}/files/{row.id}"
    download = handler.get(link)
    assert download.status_code == 200
    assert "EvidenceMarker" in download.text
    assert signed_in("handler-a").get(link).status_code == 404
    assert signed_in("leader1").get(link).status_code == 403
    events = db.exec(select(AuditEvent).where(
        AuditEvent.action == "submission.file_download")).all()
    assert [e.actor_label for e in events] == ["handler-v"]


@pytest.mark.parametrize("action", ["mark_duplicate"])
def test_mark_duplicate_links_both_ways(db: Session, keys: IntakeKeys, clock: FixedClock,  # type: ignore[no-untyped-def]
                                        world: World, signed_in, action: str) -> None:
    main = submit(db, keys, clock, world).submission
    same = "同一件事：某区分局民警索贿两千元，拖延办理户口。"
    dup = claimed(db, clock, world, keys, content=same)
    mod = signed_in("mod1")
    unknown = act(mod, dup.reference, action, main_reference="MS-XXXX-XXXX")
    assert unknown.status_code == 422
    assert page(unknown).select_one("#f-mark_duplicate-main_reference-error") is not None
    assert form_fields(unknown, "form#do-mark_duplicate")["main_reference"] == "MS-XXXX-XXXX"
    done = follow(mod, act(mod, dup.reference, action, main_reference=main.reference))
    assert page(done).select_one("a.main-case").get_text() == main.reference
    main_page = mod.get(case_url(main.reference))
    assert [a.get_text() for a in page(main_page).select(".duplicate-list a")] == \
        [dup.reference]
    # Already linked as a duplicate: not offered again as a similar case.
    assert page(main_page).select(".similar-list a") == []
