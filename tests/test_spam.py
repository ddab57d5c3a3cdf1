"""Possible spam (疑似广告): advertising-like texts go to their own queue tab with the
reason shown, instead of the new-items tab; nothing is dropped."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from moderation.clock import FixedClock
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import Channel, Submission, SubmissionState
from moderation.intake.receipts import issue_form_nonce
from moderation.intake.service import register_by_phone
from moderation.intake.spam import SpamSignal, decode_signals, spam_signals
from moderation.intake.validation import TipInput
from tests.conftest import page
from tests.queue_web_support import submit
from tests.test_auth import fast_hashing  # noqa: F401 - fixture
from tests.workflow_support import World

pytest_plugins = ("tests.queue_web_fixtures",)  # world, keys, signed_in

AD = "专业代办户口、驾照，加微信 dz_banli888 当天出证，价格优惠，欢迎咨询。"


@pytest.mark.parametrize(("text", "expected"), [
    (AD, [SpamSignal.wechat]),
    ("低价办证，ｖｘ：ａｂｃ１２３４５ 包过", [SpamSignal.wechat]),  # full-width letters
    ("刷单兼职日结，QQ 12345678，扣扣群 987654321", [SpamSignal.qq]),
    ("详情请看 https://example.top/x 或 www.ad-site.cn", [SpamSignal.link]),
    ("联系 13800000001 13900000002 或 010-88886666", [SpamSignal.phones]),
    ("加v了解：http://a.xyz", [SpamSignal.wechat, SpamSignal.link]),
])
def test_advertising_signals_are_found(text: str, expected: list[SpamSignal]) -> None:
    assert spam_signals(text) == expected


@pytest.mark.parametrize("text", [
    "派出所民警王某在微信群里辱骂群众，还让我们交好处费才给办户口。",
    "民警的电话是13800000001，他说不给钱就不办。",
    "办案民警说要找他们所长，所长电话 13900000002，一直打不通，材料放在qq邮箱里了。",
])
def test_ordinary_tips_are_not_flagged(text: str) -> None:
    assert spam_signals(text) == []


def test_possible_spam_has_its_own_tab_with_the_reason(
        db: Session, keys: IntakeKeys, clock: FixedClock, world: World, signed_in) -> None:  # type: ignore[no-untyped-def]
    ad = submit(db, keys, clock, world, content=AD).submission
    tip = submit(db, keys, clock, world).submission
    assert decode_signals(ad.spam_signals) == [SpamSignal.wechat]
    assert tip.spam_signals == ""
    moderator = signed_in("mod1")
    moderator.headers["Accept-Language"] = "en"

    def listed(tab: str) -> list[str]:
        response = moderator.get(f"/staff/queue?tab={tab}")
        assert response.status_code == 200
        return [a.get_text(strip=True) for a in page(response).select("a.case-link")]

    assert listed("new") == [tip.reference]
    assert listed("spam") == [ad.reference]
    assert set(listed("all")) == {ad.reference, tip.reference}  # nothing dropped
    row = page(moderator.get("/staff/queue?tab=spam")).select_one(
        f'tr[data-reference="{ad.reference}"]')
    assert row.select_one(".spam-reason").get_text(strip=True) == \
        "Possible spam: offers a WeChat contact"
    tabs = page(moderator.get("/staff/queue")).select_one(".queue-tabs a.tab-spam")
    assert tabs.select_one(".tab-count").get_text(strip=True) == "1"
    case = page(moderator.get(f"/staff/cases/{ad.reference}"))
    assert case.select_one("dd.spam-reason").get_text(strip=True) == "offers a WeChat contact"
    zh = moderator.get("/staff/queue?tab=spam", headers={"Accept-Language": "zh-CN"})
    assert "疑似广告" in page(zh).select_one(".queue-tabs a.tab-spam").get_text()


def test_a_call_registered_by_staff_is_not_flagged(
        db: Session, keys: IntakeKeys, clock: FixedClock, world: World) -> None:
    result = register_by_phone(
        db, keys, world.moderator, issue_form_nonce(keys, "register", clock), Channel.phone,
        TipInput(content=AD, unit_concerned_id=world.accused.id), clock=clock)
    db.commit()
    row = db.get(Submission, result.submission.id)
    assert row is not None
    assert row.state == SubmissionState.new
    assert row.spam_signals == ""
