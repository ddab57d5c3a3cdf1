"""The demo ledger from the article: content in both languages, spread, idempotent."""

from __future__ import annotations

from sqlmodel import func, select

from moderation.audit import AuditEvent
from moderation.ledger.export import export_csv, export_xlsx
from moderation.ledger.importer import import_ledger, read_file
from moderation.ledger.models import (
    EntryKind,
    LedgerCategory,
    LedgerEntry,
    LedgerItem,
    LedgerLookBack,
    LedgerMechanism,
    LedgerStatus,
    LookBackResult,
)
from moderation.ledger.queries import item_view, list_items
from portal.content.models import PledgeUpdate
from portal.demo import load_demo
from tests.ledger_support import STAFF


def both(text: dict[str, str]) -> bool:
    return bool(text.get("zh_CN")) and bool(text.get("en"))


def test_demo_fills_the_ledger_from_the_article(db, clock) -> None:
    load_demo(db, clock)
    db.commit()
    items = list(db.exec(select(LedgerItem)))
    assert len(items) >= 8
    assert {i.status for i in items} == set(LedgerStatus)
    assert any(not i.public for i in items)
    assert sum(i.public for i in items) >= 7
    for item in items:
        assert both(item.title), item.code
        assert both(item.public_summary), item.code
        assert item.measures, item.code
        assert all(both(measure) for measure in item.measures), item.code
        assert item.unit_id is not None
        assert item.lead_official
    parent = next(i for i in items if i.code == "WZGJ")
    children = [i for i in items if i.parent_id == parent.id]
    assert len(children) == 6
    total = sum(c.weight for c in children)
    expected = (2 * sum(c.progress * c.weight for c in children) + total) // (2 * total)
    assert parent.progress == expected
    mechanisms = list(db.exec(select(LedgerMechanism)))
    assert len(mechanisms) >= 5
    assert all(both(x.title) for x in mechanisms)
    assert {x.area.value for x in mechanisms} >= {"oversight", "capability", "discipline"}
    assert all(both(c.name) for c in db.exec(select(LedgerCategory)))
    assert any("606" in e.body["zh_CN"] for e in db.exec(select(LedgerEntry)))

    relapsed = db.exec(select(LedgerLookBack).where(
        LedgerLookBack.result == LookBackResult.relapsed)).one()
    item = db.get(LedgerItem, relapsed.item_id)
    assert item.status == LedgerStatus.in_progress
    view = item_view(db, item.id, public_only=True, now=clock())
    assert [e.kind for e in view.entries][-1] == EntryKind.relapse
    assert view.verifications  # it had been verified before the look-back

    updates = list(db.exec(select(PledgeUpdate)))
    assert len(updates) >= 4
    assert all(both(u.note) for u in updates)
    public_rows = list_items(db, public_only=True, now=clock())
    assert all(r.item.public for r in public_rows)
    assert [r.depth for r in public_rows if r.item.parent_id == parent.id] == [1] * 6


def test_demo_ledger_is_idempotent_and_round_trips(db, clock) -> None:
    load_demo(db, clock)
    db.commit()
    counts = [db.exec(select(func.count()).select_from(model)).one()
              for model in (LedgerItem, LedgerEntry, LedgerMechanism, PledgeUpdate)]
    assert "nothing changed" in load_demo(db, clock)
    assert [db.exec(select(func.count()).select_from(model)).one()
            for model in (LedgerItem, LedgerEntry, LedgerMechanism, PledgeUpdate)] == counts
    audits = db.exec(select(func.count()).select_from(AuditEvent)).one()
    for data, name in ((export_csv(db).encode(), "l.csv"), (export_xlsx(db), "l.xlsx")):
        summary = import_ledger(db, STAFF, read_file(data, name), clock=clock)
        assert summary.created == []
        assert summary.updated == []
    assert db.exec(select(func.count()).select_from(AuditEvent)).one() == audits
