"""The blind index: keyed hashes of search tokens, so the index never shows the text.

Each token of a submission's text (CJK bigrams, lower-cased words; see `tokens`) becomes
HMAC-SHA256(search key, token), cut to 64 bits and spelt as 16 letters a-p, so SQLite
FTS5 and PostgreSQL's `to_tsvector('simple', ...)` both keep it as one plain word. A
document holds each hash once, sorted: neither the order of the words nor how often
they occur is kept. A query hashes its tokens the same way; a two-character Chinese
word is one bigram, so one lookup. Without the search key (derived from the master
key) the hashes cannot be checked against guessed words; what stays visible is how many
documents share a hash.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from moderation.queue.tokens import document_tokens, query_terms

HASH_BYTES = 8
_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")  # one letter per 4 bits
# Single characters are not indexed: one CJK character or one digit finds too much to
# help a search, and their hashes would be the easiest to match by frequency.
MIN_TOKEN = 2


def token_hash(key: bytes, token: str) -> str:
    """The blind form of one token: 16 letters a-p."""
    digest = hmac.digest(key, token.encode(), hashlib.sha256)[:HASH_BYTES]
    return digest.hex().translate(_LETTERS)


def _indexable(tokens: Iterable[str]) -> set[str]:
    return {t for t in tokens if len(t) >= MIN_TOKEN}


def blind_document(key: bytes, *parts: str) -> str:
    """The indexed document of several texts: their token hashes, once each, sorted."""
    tokens: set[str] = set()
    for part in parts:
        if part:
            tokens |= _indexable(document_tokens(part))
    return " ".join(sorted(token_hash(key, t) for t in tokens))


def blind_query(key: bytes, text: str, max_terms: int = 8) -> list[str]:
    """The token hashes a document must all hold to match `text` (empty: nothing to find)."""
    tokens: set[str] = set()
    for term in query_terms(text, max_terms):
        tokens |= _indexable(term.tokens)
    return sorted(token_hash(key, t) for t in tokens)
