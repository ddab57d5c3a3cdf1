"""Chinese full-text search: indexed on SQLite (FTS5) and PostgreSQL (GIN), two-character
words found, one character handled, the index kept in step with intake."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlmodel import Session

from moderation.clock import FixedClock
from moderation.errors import ValidationFailed
from moderation.intake.keys import IntakeKeys
from moderation.intake.receipts import issue_form_nonce
from moderation.intake.service import submit_tip
from moderation.intake.validation import TipInput
from moderation.queue.filters import QueueQuery
from moderation.queue.listing import list_queue
from moderation.queue.search import QUERY_MAX, index_submission, search_document
from moderation.queue.tokens import Term, document_tokens, query_terms
from moderation.roles import Role
from tests.conftest import ON_POSTGRES
from tests.queue_support import NOW, actor, add_submission

KEYS = IntakeKeys.from_secrets("queue-search-secret-" + "s" * 40)
BRIBE = "派出所民警在办理户口时索贿两千元，拖延不办。Officer ID 012345."
OTHER = "法院立案窗口工作人员态度冷漠，群众多次往返。"


@pytest.fixture
def moderator(make_user):  # type: ignore[no-untyped-def]
    return actor(make_user(Role.moderator))


def found(db: Session, who, q: str) -> set[str]:  # type: ignore[no-untyped-def]
    page = list_queue(db, who, QueueQuery(text=q), NOW, limit=100)
    return {item.reference for item in page.items}


def test_tokens_are_bigrams_with_a_trailing_unigram_and_lower_case_words() -> None:
    assert document_tokens("民警索贿，ABC-12") == ["民警", "警索", "索贿", "贿", "abc", "12"]
    assert document_tokens("ＡＢＣ１２") == ["abc12"]  # full width folds to ASCII
    assert query_terms("索贿") == [Term(("索贿",))]
    assert query_terms("民警索贿") == [Term(("民警", "警索", "索贿"))]
    assert query_terms("索") == [Term(("索",), prefix=True)]
    assert query_terms("民警 abc") == [Term(("民警",)), Term(("abc",))]
    assert query_terms("，。！") == []


@pytest.mark.parametrize("word", ["索贿", "民警", "派出", "拖延"])
def test_two_character_chinese_word_finds_the_submission(db: Session, moderator, word) -> None:  # type: ignore[no-untyped-def]
    bribe = add_submission(db, BRIBE)
    add_submission(db, OTHER)
    assert found(db, moderator, word) == {bribe.reference}


def test_longer_phrases_match_as_substrings_only(db: Session, moderator) -> None:  # type: ignore[no-untyped-def]
    bribe = add_submission(db, BRIBE)
    apart = add_submission(db, "民警很好。后来有人索贿。")
    assert found(db, moderator, "户口时索贿") == {bribe.reference}
    assert found(db, moderator, "民警在办理") == {bribe.reference}
    # Both words occur in `apart`, but not as the phrase "民警索贿".
    assert found(db, moderator, "民警索贿") == set()
    # Separate words are all required, anywhere.
    assert found(db, moderator, "民警 索贿") == {bribe.reference, apart.reference}
    # A phrase never spans two runs of text: "贿，拖" is not "贿拖".
    assert found(db, moderator, "索贿两千元拖延") == set()


def test_single_character_uses_the_index_as_a_prefix(db: Session, moderator) -> None:  # type: ignore[no-untyped-def]
    bribe = add_submission(db, BRIBE)
    court = add_submission(db, OTHER)
    assert found(db, moderator, "贿") == {bribe.reference}  # only ever second in a bigram
    assert found(db, moderator, "院") == {court.reference}
    assert found(db, moderator, "办") == {bribe.reference}  # the last char of a run: "办。"
    assert found(db, moderator, "鲸") == set()


def test_latin_words_numbers_and_reference_are_case_insensitive(db: Session, moderator) -> None:  # type: ignore[no-untyped-def]
    bribe = add_submission(db, BRIBE, reference="MS-7K3Q-9D2F")
    add_submission(db, OTHER)
    assert found(db, moderator, "officer") == {bribe.reference}
    assert found(db, moderator, "OFFICER 012345") == {bribe.reference}
    assert found(db, moderator, "ms-7k3q-9d2f") == {bribe.reference}
    assert found(db, moderator, "offic") == set()  # whole words, not prefixes


def test_punctuation_only_query_matches_nothing_and_long_query_is_refused(
        db: Session, moderator) -> None:  # type: ignore[no-untyped-def]
    add_submission(db, BRIBE)
    assert found(db, moderator, "，。！") == set()
    assert len(found(db, moderator, "   ")) == 1  # blank: no search at all
    with pytest.raises(ValidationFailed) as error:
        found(db, moderator, "索" * (QUERY_MAX + 1))
    assert "q" in error.value.errors


def test_people_concerned_and_place_are_searchable(db: Session, moderator) -> None:  # type: ignore[no-untyped-def]
    row = add_submission(db, OTHER, people_concerned="王某", happened_where="户籍窗口")
    assert found(db, moderator, "王某") == {row.reference}
    assert found(db, moderator, "户籍") == {row.reference}


def test_intake_indexes_new_submissions(db: Session, moderator, make_user) -> None:  # type: ignore[no-untyped-def]
    clock = FixedClock(datetime(2026, 6, 1, 2, 37, tzinfo=UTC))
    form = issue_form_nonce(KEYS, "tip", clock)
    result = submit_tip(db, KEYS, form, TipInput(content=BRIBE, people_concerned="李某"),
                        clock=clock)
    db.commit()
    assert found(db, moderator, "索贿") == {result.submission.reference}
    assert found(db, moderator, "李某") == {result.submission.reference}


def test_reindexing_follows_a_content_change(db: Session, moderator) -> None:  # type: ignore[no-untyped-def]
    row = add_submission(db, BRIBE)
    row.content = OTHER
    index_submission(db, row)
    db.commit()
    assert found(db, moderator, "索贿") == set()
    assert found(db, moderator, "立案") == {row.reference}
    assert search_document(row).split()[:2] == ["法院", "院立"]


def test_search_is_answered_by_the_index(db: Session) -> None:
    add_submission(db, BRIBE)
    if ON_POSTGRES:
        db.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(db.execute(text(
            "EXPLAIN SELECT submission_id FROM submissionsearch "
            "WHERE search_vector @@ '索贿'::tsquery")).scalars())
        assert "ix_submissionsearch_vector" in plan
    else:
        plan = "\n".join(str(r[-1]) for r in db.execute(text(
            "EXPLAIN QUERY PLAN SELECT rowid FROM submission_fts "
            "WHERE submission_fts MATCH '\"索贿\"'")))
        assert "VIRTUAL TABLE INDEX" in plan
