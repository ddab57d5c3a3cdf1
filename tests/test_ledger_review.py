"""Verification, look-back reviews (回头看), timeline entries, evidence and pledges."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from moderation.audit import AuditEvent, verify
from moderation.errors import InvalidTransition, ValidationFailed
from moderation.intake.errors import FileRejected
from moderation.ledger import messages as m
from moderation.ledger.evidence import evidence_path, store_evidence
from moderation.ledger.items import change_status
from moderation.ledger.models import (
    EntryKind,
    LedgerStatus,
    LookBackResult,
    MechanismArea,
    VerificationResult,
)
from moderation.ledger.queries import item_view
from moderation.ledger.review import record_lookback, schedule_lookback
from moderation.ledger.review import verify as verify_item
from moderation.ledger.timeline import add_entry, add_mechanism, attach_evidence
from portal.content.models import Campaign, Pledge, PledgeStatus
from portal.content.pledge_updates import add_pledge_update, pledge_updates
from tests.ledger_support import STAFF, make_item, make_unit

REASON = {"zh_CN": "回头看发现问题反弹。", "en": "The look-back found the problem back."}


def verified_item(db, clock, code: str = "U1"):  # type: ignore[no-untyped-def]
    item = make_item(db, clock, make_unit(db, code), public=True,
                     status=LedgerStatus.rectified)
    verify_item(db, STAFF, item.id, verifier="市教育整顿办", verified_on=date(2026, 5, 20),
                result=VerificationResult.passed, note={"zh_CN": "整改到位"},
                version=item.version, clock=clock)
    return item


def test_verification_passes_a_rectified_item_only(db, clock) -> None:
    item = make_item(db, clock, make_unit(db))
    with pytest.raises(InvalidTransition):
        verify_item(db, STAFF, item.id, verifier="督导组", verified_on=date(2026, 5, 1),
                    result=VerificationResult.passed, note={}, version=item.version,
                    clock=clock)
    item = verified_item(db, clock, "U2")
    assert (item.status, item.progress) == (LedgerStatus.verified, 100)


def test_failed_verification_reopens_with_an_internal_note(db, clock) -> None:
    item = make_item(db, clock, make_unit(db), status=LedgerStatus.rectified)
    verify_item(db, STAFF, item.id, verifier="督导组", verified_on=date(2026, 5, 2),
                result=VerificationResult.failed, note={"zh_CN": "整改不彻底"},
                version=item.version, clock=clock)
    assert (item.status, item.progress) == (LedgerStatus.in_progress, 10)
    view = item_view(db, item.id, public_only=False, now=clock())
    assert [(e.kind, e.public) for e in view.entries] == [(EntryKind.verification, False)]


def test_look_back_relapse_reopens_with_a_public_reason(db, clock) -> None:
    item = verified_item(db, clock)
    look = schedule_lookback(db, STAFF, item.id, scheduled_on=date(2026, 5, 30), clock=clock)
    record_lookback(db, STAFF, look.id, done_on=date(2026, 5, 31),
                    result=LookBackResult.relapsed, note=REASON, version=item.version,
                    clock=clock)
    assert (item.status, item.progress) == (LedgerStatus.in_progress, 10)
    public = item_view(db, item.id, public_only=True, now=clock())
    assert [(e.kind, e.body, e.happened_on) for e in public.entries] == [
        (EntryKind.relapse, REASON, date(2026, 5, 31))]
    assert [lb.result for lb in public.lookbacks] == [LookBackResult.relapsed]
    with pytest.raises(InvalidTransition):
        record_lookback(db, STAFF, look.id, done_on=date(2026, 6, 1),
                        result=LookBackResult.held, note={}, version=item.version, clock=clock)
    db.commit()
    actions = set(db.exec(select(AuditEvent.action)))
    assert {"ledger_lookback.schedule", "ledger_lookback.record", "ledger_item.relapsed",
            "ledger_entry.create"} <= actions
    assert verify(db) == []


def test_relapse_needs_a_reason_and_held_changes_nothing(db, clock) -> None:
    item = verified_item(db, clock)
    look = schedule_lookback(db, STAFF, item.id, scheduled_on=date(2026, 5, 30), clock=clock)
    with pytest.raises(ValidationFailed) as failed:
        record_lookback(db, STAFF, look.id, done_on=date(2026, 5, 31),
                        result=LookBackResult.relapsed, note={}, version=item.version,
                        clock=clock)
    assert failed.value.errors == {"note": m.RELAPSE_REASON}
    record_lookback(db, STAFF, look.id, done_on=date(2026, 5, 31), result=LookBackResult.held,
                    note={}, version=item.version, clock=clock)
    assert item.status == LedgerStatus.verified
    planned = make_item(db, clock, make_unit(db, "U2"), "未整改")
    with pytest.raises(InvalidTransition):
        schedule_lookback(db, STAFF, planned.id, scheduled_on=date(2026, 6, 1), clock=clock)


def test_public_view_hides_internal_entries_items_and_evidence(db, clock, tmp_path) -> None:
    unit = make_unit(db)
    item = make_item(db, clock, unit, public=True)
    hidden = make_item(db, clock, unit, "内部事项", public=False, parent_id=item.id)
    add_entry(db, STAFF, item.id, happened_on=date(2026, 5, 1), public=True,
              body={"zh_CN": "公开进展", "en": "Public progress"}, clock=clock)
    internal = add_entry(db, STAFF, item.id, happened_on=date(2026, 5, 2), public=False,
                         body={"zh_CN": "INTERNAL-MARKER"}, clock=clock)
    stored = store_evidence(tmp_path, "会议纪要\n".encode(), "纪要.txt")
    attach_evidence(db, STAFF, internal.id, stored, clock=clock)
    add_mechanism(db, STAFF, item.id, title={"zh_CN": "受案立案监督机制"},
                  area=MechanismArea.oversight, established_on=date(2026, 5, 3), clock=clock)
    public = item_view(db, item.id, public_only=True, now=clock())
    assert [e.body["zh_CN"] for e in public.entries] == ["公开进展"]
    assert public.children == []
    assert public.evidence == {}
    assert public.submission_ids == []
    assert [mech.area for mech in public.mechanisms] == [MechanismArea.oversight]
    staff = item_view(db, item.id, public_only=False, now=clock())
    assert [c.item.id for c in staff.children] == [hidden.id]
    assert [e.display_name for e in staff.evidence[internal.id]] == ["纪要.txt"]
    assert evidence_path(tmp_path, stored.stored_name) is not None
    assert evidence_path(tmp_path, "../../etc/passwd") is None
    with pytest.raises(FileRejected):
        store_evidence(tmp_path, b"\x00\x01binary", "x.bin")


def test_pledge_updates_are_dated_audited_and_set_the_latest(db, clock) -> None:
    campaign = Campaign(slug="c", name={"zh_CN": "活动"})
    db.add(campaign)
    db.flush()
    pledge = Pledge(campaign_id=campaign.id, title={"zh_CN": "走访服务"})
    db.add(pledge)
    db.flush()
    add_pledge_update(db, STAFF, pledge.id, happened_on=date(2026, 5, 1),
                      status=PledgeStatus.in_progress, progress=40,
                      note={"zh_CN": "全面铺开", "en": "Under way"}, clock=clock)
    add_pledge_update(db, STAFF, pledge.id, happened_on=date(2026, 4, 1),
                      status=PledgeStatus.in_progress, progress=10, note={}, clock=clock)
    assert (pledge.status, pledge.progress) == (PledgeStatus.in_progress, 40)  # older: kept
    with pytest.raises(ValidationFailed) as failed:
        add_pledge_update(db, STAFF, pledge.id, happened_on=date(2026, 5, 2),
                          status=PledgeStatus.fulfilled, progress=101, note={}, clock=clock)
    assert failed.value.errors == {"progress": m.BAD_PROGRESS}
    updates = pledge_updates(db, [pledge.id])[pledge.id]
    assert [u.progress for u in updates] == [10, 40]
    db.commit()
    assert list(db.exec(select(AuditEvent.action))) == ["pledge.progress", "pledge.progress"]
    assert verify(db) == []


def test_change_status_back_from_rectified_is_allowed(db, clock) -> None:
    item = make_item(db, clock, make_unit(db), status=LedgerStatus.rectified)
    change_status(db, STAFF, item.id, LedgerStatus.in_progress, version=item.version,
                  clock=clock)
    assert item.progress == 10


def test_deleting_a_pledge_removes_its_updates(db, clock) -> None:
    from portal.content.campaign_edit import delete_row
    from portal.content.models import PledgeUpdate

    campaign = Campaign(slug="c", name={"zh_CN": "活动"})
    db.add(campaign)
    db.flush()
    pledge = Pledge(campaign_id=campaign.id, title={"zh_CN": "走访服务"})
    db.add(pledge)
    db.flush()
    add_pledge_update(db, STAFF, pledge.id, happened_on=date(2026, 5, 1),
                      status=PledgeStatus.in_progress, progress=40, note={}, clock=clock)
    db.commit()
    delete_row(db, STAFF, Pledge, pledge.id, clock=clock)
    db.commit()
    assert db.exec(select(PledgeUpdate)).all() == []
