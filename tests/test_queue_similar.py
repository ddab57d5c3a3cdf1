"""Similar-case hints: same unit or person concerned, and similar text."""

from __future__ import annotations

from sqlmodel import Session

from moderation.queue.similar import jaccard, similar_cases
from tests.queue_support import KEYS, add_submission, add_unit

TEXT = "城东派出所民警王某在办理户口迁移时索要好处费两千元，拖延三个月不办。"
NEAR = "城东派出所民警王某办理户口迁移时索要好处费，拖延了三个月还不办理。"
FAR = "法院立案窗口工作人员态度冷漠，群众多次往返仍未立案。"


def test_same_unit_and_similar_text_is_a_hint(db: Session) -> None:
    police, court = add_unit(db, "police"), add_unit(db, "court")
    original = add_submission(db, TEXT, unit_concerned_id=police.id)
    near = add_submission(db, NEAR, unit_concerned_id=police.id)
    add_submission(db, FAR, unit_concerned_id=police.id)  # same unit, other matter
    add_submission(db, NEAR, unit_concerned_id=court.id)  # same text, other unit, no name
    hints = similar_cases(db, KEYS, original)
    assert [h.submission_id for h in hints] == [near.id]
    assert hints[0].same_unit
    assert 0.3 <= hints[0].score < 1


def test_same_person_concerned_across_units(db: Session) -> None:
    police, court = add_unit(db, "police"), add_unit(db, "court")
    original = add_submission(db, TEXT, unit_concerned_id=police.id, people_concerned="王某")
    other_unit = add_submission(db, NEAR, unit_concerned_id=court.id)  # mentions 王某
    hints = similar_cases(db, KEYS, original)
    assert [(h.submission_id, h.same_unit) for h in hints] == [(other_unit.id, False)]


def test_no_unit_no_person_no_hints(db: Session) -> None:
    original = add_submission(db, TEXT)
    add_submission(db, TEXT)
    assert similar_cases(db, KEYS, original) == []


def test_jaccard() -> None:
    assert jaccard({"a", "b"}, {"b", "c"}) == 1 / 3
    assert jaccard(set(), set()) == 0.0
