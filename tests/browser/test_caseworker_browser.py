"""Caseworkers' screens in real Chromium at a desk (1366×900) and on a phone (390×844).

At the desk: the queue, the new-case page (at most 1,800 px tall), claim and "same matter
as". On the phone, the whole journey: claim, classify, a refused accept that comes back
at its form, accept, start, ask, the citizen's answer on the track page, conclude with
its second step; then the ledger and the leaders' dashboard, in Chinese and English. (The
same journey at the desk is in test_queue_browser.py.) No page scrolls sideways on the
phone, axe finds no violation, and screenshots of the case page and the queue are kept
as test artefacts."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import Session, col, select

from moderation.clock import FixedClock
from moderation.intake.files import UploadBatch, UploadLimits, new_envelope
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import Submission, SubmissionState
from moderation.intake.receipts import issue_form_nonce
from moderation.intake.service import IntakeResult, submit_tip
from moderation.intake.storage import Contact
from moderation.intake.validation import TipInput
from tests.browser.conftest import axe_violations
from tests.browser.test_queue_browser import sign_in
from tests.test_auth import fast_hashing  # noqa: F401 - fixture
from tests.workflow_support import World

pytestmark = pytest.mark.browser
pytest_plugins = ("tests.queue_web_fixtures",)  # world
DESK = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
STORY = ("某区分局户籍窗口民警在办理落户时索要好处费两千元，不给钱就一直拖着不办，"
         "前后跑了五趟，窗口民警还说上面有人也没用。")
ANSWER = "是上个月十二号上午去办的。"
ARTEFACTS = Path(os.environ.get("MINSHENG_ARTEFACTS", "test-artefacts")) / "screenshots"


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (30, 90, 160)).save(out, "JPEG")
    return out.getvalue()


def tip_with_photo(db: Session, keys: IntakeKeys, clock: FixedClock, world: World,
                   settings, text: str) -> IntakeResult:  # type: ignore[no-untyped-def]
    batch = UploadBatch(settings.upload_dir, new_envelope(db), UploadLimits())
    sink = batch.open("window.jpg")
    sink.write(photo())
    sink.finish()
    result = submit_tip(db, keys, issue_form_nonce(keys, "tip", clock), TipInput(
        content=text, unit_concerned_id=world.accused.id, people_concerned="户籍窗口民警",
        anonymous=True, contact=Contact()), uploads=batch, clock=clock)
    db.commit()
    return result


def check_page(page, name: str, *, axe: bool = True) -> None:  # type: ignore[no-untyped-def]
    """No sideways scrolling, no axe violation; a screenshot kept as an artefact (the
    whole page for the case page and the queue, the first screen otherwise)."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"),
                    full_page=name.startswith(("case-", "queue-")))
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px"
    if axe:
        violations = axe_violations(page)
        assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations] == [], name


def confirm(page, action: str) -> None:  # type: ignore[no-untyped-def]
    """Press a destructive action's button, check the second step, confirm it."""
    with page.expect_navigation():
        page.click(f"form#do-{action} button[name=step]")
    with page.expect_navigation():
        page.click(f"form#confirm-{action} button.danger-confirm")
    assert page.locator("p.flash").is_visible()


def test_caseworker_screens_at_desk_and_phone(live_server, browser, db: Session,  # type: ignore[no-untyped-def]
                                             world: World, settings) -> None:
    url = live_server.url
    keys: IntakeKeys = live_server.app.state.intake_keys  # type: ignore[attr-defined]
    clock: FixedClock = live_server.app.state.clock  # type: ignore[attr-defined]
    sent_first = tip_with_photo(db, keys, clock, world, settings, STORY)
    first = sent_first.submission
    second = tip_with_photo(db, keys, clock, world, settings, STORY + "请尽快查处。").submission
    desk = browser.new_context(locale="zh-CN", viewport=DESK)
    phone = browser.new_context(locale="zh-CN", viewport=PHONE)
    handler_phone = browser.new_context(locale="zh-CN", viewport=PHONE)
    citizen_phone = browser.new_context(locale="zh-CN", viewport=PHONE)
    leader_phone = browser.new_context(locale="zh-CN", viewport=PHONE)
    try:
        # The moderator, at a desk: queue, then the new case, which fits in 1,800 px.
        mod = desk.new_page()
        sign_in(mod, url, "mod1")
        mod.goto(url + "/staff/queue?tab=new")
        check_page(mod, "queue-desk-zh")
        with mod.expect_navigation():
            mod.click(f"a.case-link:text('{second.reference}')")
        height = mod.evaluate("document.documentElement.scrollHeight")
        assert height <= 1800, f"the new-case page is {height}px tall"
        # The thumbnail loads lazily, from the sandbox (the first call starts its helper
        # process): wait until the image has arrived, then check what arrived.
        mod.wait_for_function(
            "() => { const i = document.querySelector('img.evidence-thumb');"
            " return i && i.complete && i.naturalWidth > 0; }")
        assert mod.locator("img.evidence-thumb").evaluate("i => i.naturalWidth") == 320
        # The near-identical earlier tip is offered as the same matter.
        assert first.reference in mod.locator(".similar-list").inner_text()
        check_page(mod, "case-new-desk-zh")
        with mod.expect_navigation():
            mod.click("form#do-claim button[type=submit]")
        assert mod.evaluate("document.documentElement.scrollHeight") <= 1800
        check_page(mod, "case-claimed-desk-zh", axe=False)
        # One step: "same matter as" the first tip, confirmed with what the citizen sees.
        with mod.expect_navigation():
            mod.click(f"form.same-matter button:has-text('{first.reference}')")
        assert first.reference in mod.locator(".preview-status").inner_text()
        check_page(mod, "confirm-duplicate-desk-zh")
        with mod.expect_navigation():
            mod.click("form#confirm-mark_duplicate button.danger-confirm")
        assert mod.locator("a.main-case").inner_text() == first.reference

        # The first tip: claimed, classified and accepted off-site on the phone.
        mphone = phone.new_page()
        sign_in(mphone, url, "mod2")
        mphone.goto(url + "/staff/queue")
        check_page(mphone, "queue-phone-zh", axe=False)  # the desk run checked this page
        mphone.goto(f"{url}/staff/cases/{first.reference}")
        check_page(mphone, "case-new-phone-zh", axe=False)
        with mphone.expect_navigation():
            mphone.click("form#do-claim button[type=submit]")
        check_page(mphone, "case-claimed-phone-zh")
        mphone.locator("summary#action-classify-title").click()  # folded: not the next step
        mphone.select_option("#f-classify-priority", value="high")
        with mphone.expect_navigation():
            mphone.click("form#do-classify button[type=submit]")
        assert mphone.locator("p.flash").is_visible()
        barred = mphone.locator(
            f"#f-accept-responsible_unit_id option[value='{world.accused.id}']")
        assert barred.is_disabled()
        # A refused accept (no unit chosen) comes back at the accept form, not the top.
        with mphone.expect_navigation():
            mphone.click("form#do-accept button[type=submit]")
        assert mphone.evaluate("location.hash") == "#do-accept"
        assert mphone.evaluate("window.scrollY") > 0
        assert mphone.locator("#f-accept-responsible_unit_id-error").is_visible()
        mphone.select_option("#f-accept-handling_mode", value="off_site")
        mphone.select_option("#f-accept-responsible_unit_id", value=str(world.verifier.id))
        with mphone.expect_navigation():
            mphone.click("form#do-accept button[type=submit]")
        assert mphone.locator("p.flash").is_visible()

        # The handler, on the phone: start, ask, then conclude with the second step.
        handler = handler_phone.new_page()
        sign_in(handler, url, "handler-v")
        handler.goto(url + "/staff/queue")
        with handler.expect_navigation():
            handler.click(f"a.case-link:text('{first.reference}')")
        with handler.expect_navigation():
            handler.click("form#do-start_verification button[type=submit]")
        handler.locator("summary#action-ask-title").click()
        handler.fill("#f-ask-body", "请问是哪一天去办理的？")
        with handler.expect_navigation():
            handler.click("form#do-ask button[type=submit]")

        # The citizen answers on the phone; the handler sees the answer in the thread.
        citizen = citizen_phone.new_page()
        citizen.goto(url + "/track")
        citizen.fill("#f-receipt", sent_first.receipt)
        with citizen.expect_navigation():
            citizen.click("form.track-form button[type=submit]")
        citizen.locator(".track-question textarea").fill(ANSWER)
        with citizen.expect_navigation():
            citizen.click(".track-question button[type=submit]")
        check_page(citizen, "track-answered-phone-zh")
        handler.reload()
        assert ANSWER in handler.locator(".case-message-body").all_inner_texts()
        handler.select_option("#f-conclude-outcome", value="substantiated")
        handler.fill("#f-conclude-finding", "调取录像，情况属实。")
        handler.fill("#f-conclude-public_reply", "经核查，您反映的问题属实，已依规处理。")
        check_page(handler, "case-verifying-phone-zh")
        confirm(handler, "conclude")
        check_page(handler, "case-concluded-phone-zh", axe=False)
        handler.goto(url + "/staff/ledger")
        check_page(handler, "ledger-phone-zh")

        # The leaders' dashboard on the phone; the same screens in English.
        leader = leader_phone.new_page()
        sign_in(leader, url, "leader1")
        leader.goto(url + "/staff/leaders")
        check_page(leader, "leaders-phone-zh")
        leader.goto(f"{url}/lang/en?next=/staff/leaders")
        check_page(leader, "leaders-phone-en")
        handler.goto(f"{url}/lang/en?next=/staff/cases/{first.reference}")
        check_page(handler, "case-concluded-phone-en")
        handler.goto(url + "/staff/ledger")
        check_page(handler, "ledger-phone-en")
        mod.goto(f"{url}/lang/en?next=/staff/cases/{first.reference}")
        check_page(mod, "case-concluded-desk-en", axe=False)  # the phone run checked it
        mod.goto(f"{url}/staff/queue")
        check_page(mod, "queue-desk-en")
    finally:
        for context in (desk, phone, handler_phone, citizen_phone, leader_phone):
            context.close()

    db.expire_all()
    states = {s.reference: s.state for s in db.exec(select(Submission).where(
        col(Submission.reference).in_([first.reference, second.reference])))}
    assert states == {first.reference: SubmissionState.concluded,
                      second.reference: SubmissionState.rejected}
