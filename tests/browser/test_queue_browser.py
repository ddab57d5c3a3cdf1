"""The queue journey in real Chromium at a desk (1366×900): a citizen submits in one
browser context, a moderator and a handler act in others, the citizen answers and rates;
axe finds no violations on the queue page and the case page. (The same journey on a
phone is in test_caseworker_browser.py.)"""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, col, select

from moderation.audit import AuditEvent, verify
from moderation.clock import FixedClock
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import Submission, SubmissionState
from tests.browser.conftest import axe_violations
from tests.conftest import PASSWORD
from tests.queue_web_support import MARKERS, submit
from tests.test_auth import fast_hashing  # noqa: F401 - fixture
from tests.workflow_support import World

pytestmark = pytest.mark.browser
pytest_plugins = ("tests.queue_web_fixtures",)  # world
TIP = "某区分局户籍窗口民警在办理落户时索贿两千元，不给钱就一直拖着不办。"
QUESTION = "请问当时经办民警的警号是多少？"
ANSWER = "警号尾号是1234。"
DESK = {"width": 1366, "height": 900}
REPLY = "经核查，您反映的问题属实，涉事民警已被停职处理。"


def no_violations(page) -> None:  # type: ignore[no-untyped-def]
    violations = axe_violations(page)
    assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations] == []


@pytest.fixture
def staff_context(browser):  # type: ignore[no-untyped-def]
    """staff_context(): a fresh browser context (own cookies) and its page."""
    contexts = []

    def factory(javascript: bool = True):  # type: ignore[no-untyped-def]
        context = browser.new_context(locale="zh-CN", java_script_enabled=javascript,
                                      viewport=DESK)
        contexts.append(context)
        return context.new_page()

    yield factory
    for context in contexts:
        context.close()


def sign_in(page, url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url + "/staff/login")
    page.fill("#f-username", username)
    page.fill("#f-password", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")


def submit_action(page, action: str) -> None:  # type: ignore[no-untyped-def]
    with page.expect_navigation():
        page.click(f"form#do-{action} button[type=submit]")
    assert page.locator("p.flash").is_visible(), page.content()[:2000]


def test_queue_journey_in_chromium(live_server, browser_page, staff_context,  # type: ignore[no-untyped-def]
                                   db: Session, world: World) -> None:
    url = live_server.url
    citizen = browser_page

    # The citizen submits a real-name tip.
    citizen.goto(url + "/submit/tip")
    citizen.select_option("#f-unit_concerned_id", value=str(world.accused.id))
    citizen.fill("#f-content", TIP)
    citizen.check("#f-when_unsure")
    citizen.check("#f-identity-real_name")
    citizen.fill("#f-contact_name", MARKERS[0])
    citizen.fill("#f-contact_phone", MARKERS[1])
    with citizen.expect_navigation():
        citizen.click("form.intake-form button[type=submit]")
    with citizen.expect_navigation():
        citizen.click("button[name=action][value=send]")
    receipt = citizen.locator("#receipt-code").inner_text().replace("\n", "")
    assert re.fullmatch(r"\d{5}(-\d{5}){4}", receipt)

    # The moderator takes the next item, classifies it and accepts it off-site.
    moderator = staff_context()
    sign_in(moderator, url, "mod1")
    moderator.goto(url + "/staff/queue")
    assert moderator.locator(".queue-counters .counter-new .counter-count").inner_text() == "1"
    no_violations(moderator)
    with moderator.expect_navigation():
        moderator.click("form.take-next button[type=submit]")
    reference = moderator.locator(".case-reference").inner_text()
    no_violations(moderator)
    moderator.locator("summary#action-classify-title").click()  # folded: not the next step
    moderator.select_option("#f-classify-priority", value="high")
    submit_action(moderator, "classify")
    moderator.select_option("#f-accept-handling_mode", value="off_site")
    moderator.select_option("#f-accept-responsible_unit_id", value=str(world.verifier.id))
    # With JavaScript the handler list offers only the chosen unit's handlers.
    visible = moderator.locator("#f-accept-handler_id optgroup:not([disabled]) option")
    assert visible.all_inner_texts() == ["Test handler"]
    moderator.select_option("#f-accept-handler_id", value=str(world.handler.id))
    submit_action(moderator, "accept")

    # The handler (JavaScript off: every form works without it) starts verification and
    # asks a question. (axe runs in the JavaScript contexts.)
    handler = staff_context(javascript=False)
    sign_in(handler, url, "handler-v")
    handler.goto(url + "/staff/queue?tab=mine")
    with handler.expect_navigation():
        handler.click(f"a.case-link:text('{reference}')")
    assert all(marker not in handler.content() for marker in MARKERS)
    submit_action(handler, "start_verification")
    handler.locator("summary#action-ask-title").click()
    handler.fill("#f-ask-body", QUESTION)
    submit_action(handler, "ask")

    # The citizen answers on the track page.
    citizen.goto(url + "/track")
    citizen.fill("#f-receipt", receipt)
    with citizen.expect_navigation():
        citizen.click("form.track-form button[type=submit]")
    assert citizen.locator(".track-question .track-body").inner_text() == QUESTION
    citizen.locator(".track-question textarea").fill(ANSWER)
    with citizen.expect_navigation():
        citizen.click(".track-question button[type=submit]")

    # The handler concludes it substantiated with a public reply.
    handler.reload()
    assert ANSWER in handler.locator(".case-message-body").all_inner_texts()
    handler.select_option("#f-conclude-outcome", value="substantiated")
    handler.fill("#f-conclude-finding", "录像证实索贿属实。")
    handler.fill("#f-conclude-public_reply", REPLY)
    with handler.expect_navigation():  # a second step shows what the citizen will see
        handler.click("form#do-conclude button[name=step]")
    assert handler.locator(".preview-reply").inner_text() == REPLY
    with handler.expect_navigation():
        handler.click("form#confirm-conclude button.danger-confirm")
    assert handler.locator("p.flash").is_visible()

    # The citizen sees the conclusion and rates it.
    citizen.goto(url + "/track/case")
    assert REPLY in citizen.locator(".track-message .track-body").all_inner_texts()
    citizen.check("#f-rating-satisfied")
    with citizen.expect_navigation():
        citizen.click('form[action="/track/case/rating"] button[type=submit]')
    assert citizen.locator('form[action="/track/case/rating"]').count() == 0

    db.expire_all()
    case = db.exec(select(Submission).where(col(Submission.reference) == reference)).one()
    assert case.state == SubmissionState.concluded
    actions = [e.action for e in db.exec(select(AuditEvent).where(
        col(AuditEvent.target_type) == "submission",
        col(AuditEvent.target_id) == str(case.id)).order_by(col(AuditEvent.seq)))]
    assert actions == ["submission.claim", "submission.classify", "submission.accept",
                       "submission.start_verification", "submission.ask",
                       "submission.conclude"]
    assert verify(db) == []


def test_conflict_page_is_accessible(live_server, staff_context, db: Session,  # type: ignore[no-untyped-def]
                                     world: World) -> None:
    keys: IntakeKeys = live_server.app.state.intake_keys  # type: ignore[attr-defined]
    clock: FixedClock = live_server.app.state.clock  # type: ignore[attr-defined]
    sub = submit(db, keys, clock, world).submission
    first, second = staff_context(), staff_context()
    sign_in(first, live_server.url, "mod1")
    sign_in(second, live_server.url, "mod2")
    second.goto(f"{live_server.url}/staff/cases/{sub.reference}")
    first.goto(f"{live_server.url}/staff/cases/{sub.reference}")
    submit_action(first, "claim")
    second.locator("summary#action-ask-title").click()
    second.fill("#f-ask-body", "请补充事情发生的时间。")
    with second.expect_navigation():
        second.click("form#do-ask button[type=submit]")
    assert second.locator(".conflict-box").is_visible()
    assert second.locator("textarea.kept-body").input_value() == "请补充事情发生的时间。"
    no_violations(second)
