"""Acceptance 1 over HTTP, through the real forms: a citizen submits a tip at /submit/tip;
a moderator claims, classifies and accepts it off-site (异地办理) to another unit; that
unit's handler asks a question; the citizen answers at /track; the handler concludes it
substantiated with a public reply; the citizen sees the conclusion and rates it. The
audit log holds each step, verifies, and `portal audit verify` agrees. The citizen, who
gave an e-mail address, gets "there is an update" notices without any case content."""

from __future__ import annotations

import dataclasses

import pytest
from sqlmodel import Session, col, select
from starlette.testclient import TestClient

from moderation.audit import AuditEvent, verify
from moderation.intake.models import CaseRating, Submission, SubmissionState
from portal.cli import main as portal_cli
from portal.settings import Settings
from tests.conftest import csrf_from, form_fields, page
from tests.queue_web_support import MARKERS, act, case_url, follow
from tests.test_auth import fast_hashing  # noqa: F401 - fixture
from tests.test_cli import use_db  # noqa: F401 - fixture
from tests.test_intake_web import receipt_of, send, tip_confirmation
from tests.test_notify import Inbox, inbox  # noqa: F401 - fixture
from tests.test_track import open_case, status_of
from tests.workflow_support import World

pytest_plugins = ("tests.queue_web_fixtures",)  # world, signed_in
TIP = "某区分局户籍窗口民警在办理落户时索贿两千元，不给钱就一直拖着不办。"
QUESTION = "请问当时经办民警的警号或者外貌特征是什么？"
ANSWER = "警号尾号是1234，戴眼镜，大约四十岁。"
NOTE = "内部：已调取户籍窗口录像，正在比对。"
FINDING = "经调取录像和询问当事民警，索贿事实属实，已移送纪检监察部门。"
REPLY = "经核查，您反映的问题属实，涉事民警已被停职并移送纪检监察部门处理。感谢您的监督。"


@pytest.fixture
def settings(settings: Settings, inbox: tuple[Inbox, int]) -> Settings:  # noqa: F811
    """The test settings with SMTP pointed at the aiosmtpd inbox on loopback."""
    return dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=inbox[1],
                              smtp_from="minsheng@example.org")


def reference_of_new_item(client: TestClient) -> str:
    listing = client.get("/staff/queue?tab=new")
    assert listing.status_code == 200
    links = page(listing).select("a.case-link")
    assert len(links) == 1
    return links[0].get_text(strip=True)


def test_journey_from_tip_to_rating(client: TestClient, db: Session, world: World,  # type: ignore[no-untyped-def]
                                    signed_in, inbox: tuple[Inbox, int],  # noqa: F811
                                    use_db) -> None:  # noqa: F811
    # 1. The citizen submits a real-name tip through the public form.
    confirmation = tip_confirmation(
        client, content=TIP, unit_concerned_id=str(world.accused.id), identity="real_name",
        contact_name=MARKERS[0], contact_phone=MARKERS[1], contact_email=MARKERS[2])
    receipt = receipt_of(send(client, confirmation))

    # 2. A moderator finds it in the queue, claims, classifies and accepts it off-site.
    mod = signed_in("mod1")
    reference = reference_of_new_item(mod)
    opened = mod.get(case_url(reference))
    assert page(opened).select_one(".case-content").get_text() == TIP
    claimed = follow(mod, act(mod, reference, "claim", opened))
    classified = follow(mod, act(mod, reference, "classify", claimed, priority="high",
                                 unit_concerned_id=str(world.accused.id)))
    accepted = follow(mod, act(
        mod, reference, "accept", classified, handling_mode="off_site",
        responsible_unit_id=str(world.verifier.id), handler_id=str(world.handler.id)))
    assert page(accepted).select_one(".case-badges .status-badge").get_text(strip=True)
    assert all(marker not in accepted.text for marker in MARKERS)

    # 3. The handler of the verifying unit starts, notes and asks the citizen.
    handler = signed_in("handler-v")
    listing = handler.get("/staff/queue?tab=mine")
    assert [a.get_text() for a in page(listing).select("a.case-link")] == [reference]
    started = follow(handler, act(handler, reference, "start_verification"))
    noted = follow(handler, act(handler, reference, "note", started, body=NOTE))
    asked = follow(handler, act(handler, reference, "ask", noted, body=QUESTION))
    assert all(marker not in r.text for r in (started, noted, asked) for marker in MARKERS)
    assert len(inbox[0].messages) == 1  # the question: "there is an update"

    # 4. The citizen opens the track page with the receipt and answers.
    track = open_case(client, receipt)
    assert NOTE not in track.text
    form = page(track).select_one("form[action^='/track/case/questions/']")
    assert form.select_one("input[name=csrf_token]") is not None
    # As a browser sends it: multipart (the form takes files), the file input left empty.
    answered = client.post(form["action"], data={"csrf_token": csrf_from(track),
                                                 "body": ANSWER},
                           files=[("files", ("", b"", "application/octet-stream"))])
    assert answered.status_code == 303

    # 5. The handler sees the answer and concludes the lead as substantiated.
    after_answer = handler.get(case_url(reference))
    assert ANSWER in [b.get_text() for b in page(after_answer).select(".case-message-body")]
    concluded = follow(handler, act(handler, reference, "conclude", after_answer,
                                    outcome="substantiated", finding=FINDING,
                                    public_reply=REPLY))
    assert "conclude" not in [f["id"] for f in page(concluded).select("form.action-form")]
    assert len(inbox[0].messages) == 2

    # 6. The citizen sees the conclusion (never the finding or the note) and rates it.
    track = client.get("/track/case")
    assert status_of(track) == "status-concluded"
    assert REPLY in track.text
    assert FINDING not in track.text
    assert NOTE not in track.text
    rated = client.post("/track/case/rating", data={
        **form_fields(track, 'form[action="/track/case/rating"]'), "rating": "satisfied",
        "comment": "处理得很及时。"})
    assert rated.status_code == 303
    assert page(client.get("/track/case")).select_one(
        'form[action="/track/case/rating"]') is None

    # The database agrees, the audit log has every staff step, and the chain verifies.
    db.expire_all()
    case = db.exec(select(Submission).where(col(Submission.reference) == reference)).one()
    assert (case.state, case.outcome.value, case.handling_mode.value) == \
        (SubmissionState.concluded, "substantiated", "off_site")
    assert [r.rating.value for r in db.exec(select(CaseRating))] == ["satisfied"]
    steps = [(e.actor_label, e.action) for e in db.exec(select(AuditEvent).where(
        col(AuditEvent.target_type) == "submission",
        col(AuditEvent.target_id) == str(case.id)).order_by(col(AuditEvent.seq)))]
    assert steps == [
        ("mod1", "submission.claim"), ("mod1", "submission.classify"),
        ("mod1", "submission.accept"), ("handler-v", "submission.start_verification"),
        ("handler-v", "submission.note"), ("handler-v", "submission.ask"),
        ("handler-v", "submission.conclude")]
    audit_text = str([(e.before, e.after) for e in db.exec(select(AuditEvent))])
    assert all(marker not in audit_text for marker in MARKERS)
    assert FINDING not in audit_text
    assert verify(db) == []
    assert portal_cli(["audit", "verify"]) == 0

    # The notices said only "there is an update", to the address the citizen gave.
    for recipients, raw in inbox[0].messages:
        assert recipients == [MARKERS[2]]
        assert QUESTION.encode() not in raw
        assert REPLY.encode() not in raw
        assert reference.encode() not in raw
