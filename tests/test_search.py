"""Chinese search through the blind index: indexed on SQLite (FTS5) and PostgreSQL (GIN),
two-character words found, single characters refused, the index kept in step with intake
and holding no readable token."""

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
from moderation.intake.storage import data_key_of
from moderation.intake.texts import SubmissionText, seal_submission_text
from moderation.intake.validation import TipInput
from moderation.queue import messages as m
from moderation.queue import search
from moderation.queue.blind import blind_document, blind_query, token_hash
from moderation.queue.filters import QueueQuery
from moderation.queue.listing import list_queue
from moderation.queue.models import SubmissionSearch
from moderation.queue.search import QUERY_MAX, index_submission
from moderation.queue.tokens import Term, document_tokens, query_terms
from moderation.roles import Role
from tests.conftest import ON_POSTGRES
from tests.queue_support import KEYS, NOW, actor, add_submission

BRIBE = "派出所民警在办理户口时索贿两千元，拖延不办。Officer ID 012345."
OTHER = "法院立案窗口工作人员态度冷漠，群众多次往返。"


@pytest.fixture
def moderator(make_user):  # type: ignore[no-untyped-def]
    return actor(make_user(Role.moderator))


def found(db: Session, who, q: str) -> set[str]:  # type: ignore[no-untyped-def]
    page = list_queue(db, who, QueueQuery(text=q), NOW, keys=KEYS, limit=100)
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


def test_longer_phrases_need_every_bigram(db: Session, moderator) -> None:  # type: ignore[no-untyped-def]
    bribe = add_submission(db, BRIBE)
    apart = add_submission(db, "民警很好。后来有人索贿。")
    assert found(db, moderator, "户口时索贿") == {bribe.reference}
    assert found(db, moderator, "民警在办理") == {bribe.reference}
    # Both words occur in `apart`, but not the bigram 警索 that joins them.
    assert found(db, moderator, "民警索贿") == set()
    # Separate words are all required, anywhere.
    assert found(db, moderator, "民警 索贿") == {bribe.reference, apart.reference}
    # A phrase never spans two runs of text: "贿，拖" is not "贿拖".
    assert found(db, moderator, "索贿两千元拖延") == set()


def test_single_characters_are_refused_with_a_message(db: Session, moderator) -> None:  # type: ignore[no-untyped-def]
    bribe = add_submission(db, BRIBE)
    for query in ("贿", "院 5", "a"):
        with pytest.raises(ValidationFailed) as error:
            found(db, moderator, query)
        assert error.value.errors == {"q": m.QUERY_TOO_SHORT}
    # A lone character beside a real word is left out; the word still searches.
    assert found(db, moderator, "贿 索贿") == {bribe.reference}


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
    row.text_sealed = seal_submission_text(data_key_of(KEYS, row), row.reference,
                                           SubmissionText(OTHER))
    index_submission(db, KEYS, row)  # opens the new text with the data key
    db.commit()
    assert found(db, moderator, "索贿") == set()
    assert found(db, moderator, "立案") == {row.reference}


def test_the_index_holds_sorted_unique_keyed_hashes_only(db: Session) -> None:
    row = add_submission(db, "民警索贿，民警索贿。", people_concerned="王某")
    document = db.get(SubmissionSearch, row.id).document  # type: ignore[union-attr]
    hashes = document.split()
    assert hashes == sorted(set(hashes))  # no order, no counts
    assert all(len(h) == 16 and set(h) <= set("abcdefghijklmnop") for h in hashes)
    assert token_hash(KEYS.search, "民警") in hashes
    assert "民警" not in document
    assert "王某" not in document
    # Another key gives other hashes: without the search key nothing can be checked.
    other = IntakeKeys.from_secrets("another-secret-" + "o" * 40)
    assert set(blind_document(other.search, "民警索贿").split()).isdisjoint(hashes)
    assert blind_query(KEYS.search, "民警 索贿") == sorted(
        [token_hash(KEYS.search, "民警"), token_hash(KEYS.search, "索贿")])


def test_search_is_answered_by_the_index(db: Session) -> None:
    add_submission(db, BRIBE)
    if ON_POSTGRES:
        db.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(db.execute(text(
            "EXPLAIN SELECT submission_id FROM submissionsearch "
            "WHERE search_vector @@ 'abcdabcdabcdabcd'::tsquery")).scalars())
        assert "ix_submissionsearch_vector" in plan
    else:
        plan = "\n".join(str(r[-1]) for r in db.execute(text(
            "EXPLAIN QUERY PLAN SELECT rowid FROM submission_fts "
            "WHERE submission_fts MATCH '\"abcdabcdabcdabcd\"'")))
        assert "VIRTUAL TABLE INDEX" in plan


def test_many_matches_give_the_same_page_through_the_sort_index(
        db: Session, moderator, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    bribe = add_submission(db, BRIBE)
    add_submission(db, OTHER)
    few = found(db, moderator, "民警 索贿")
    monkeypatch.setattr(search, "FEW_MATCHES", 0)  # every search now counts as "many"
    assert found(db, moderator, "民警 索贿") == few == {bribe.reference}
    assert found(db, moderator, "鲸鲨") == set()


def test_postgresql_looks_up_few_matches_by_id_and_many_through_the_index(
        db: Session, moderator, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
        statements: list[str]) -> None:
    """A word with no or few matches was planned as a walk over every row (3.4 s at a
    million rows on PostgreSQL): its ids now come from the index first."""
    bribe = add_submission(db, BRIBE)
    add_submission(db, OTHER)
    statements.clear()
    assert found(db, moderator, "民警 索贿") == {bribe.reference}
    assert found(db, moderator, "鲸鲨") == set()
    asked_first = [s for s in statements if "submissionsearch" in s and "LIMIT" in s]
    assert len(asked_first) == (2 if ON_POSTGRES else 0)
    monkeypatch.setattr(search, "MANY_MATCHES", 0)  # every search now counts as "many"
    assert found(db, moderator, "民警 索贿") == {bribe.reference}
