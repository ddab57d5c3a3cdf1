"""The search tokeniser, one for documents and queries, so both sides always agree.

Chinese has no spaces, and many words have two characters (索贿, 民警), so a run of CJK
characters becomes its overlapping bigrams plus its last character alone:
"民警索贿" -> 民警 警索 索贿 贿. Any substring of two or more characters is then a
phrase of adjacent bigrams; a single character is the prefix of some token (the trailing
unigram makes that true for the last character too, and keeps a phrase from spanning two
runs). Other words (Latin, digits, Cyrillic, ...) become lower-cased whole tokens.
The documents are these tokens joined by spaces, which SQLite FTS5 (unicode61) and
PostgreSQL's `to_tsvector('simple', ...)` both split back into the same tokens.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_CJK = (
    "\u3040-\u30ff"  # kana
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uac00-\ud7af"  # hangul syllables
    "\uf900-\ufaff"  # compatibility ideographs
    "\U00020000-\U0003134f"  # extensions B-G
)
_TOKEN = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+)")
# Long enough for real words, short enough that nobody pastes a whole paragraph of
# Latin text as one token.
_WORD_MAX = 40


def normalize(text: str) -> str:
    """NFKC (full-width letters and digits become ASCII) and lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def document_tokens(text: str) -> list[str]:
    """The tokens of a document, in order (bigrams + trailing unigram per CJK run)."""
    out: list[str] = []
    for match in _TOKEN.finditer(normalize(text)):
        run, word = match.group(1), match.group(2)
        if run:
            out.extend(run[i:i + 2] for i in range(len(run) - 1))
            out.append(run[-1])
        else:
            out.append(word[:_WORD_MAX])
    return out


def document_text(*parts: str) -> str:
    """The indexed text of several fields (each field tokenised on its own)."""
    return " ".join(" ".join(document_tokens(part)) for part in parts if part).strip()


@dataclass(frozen=True)
class Term:
    """One query term: tokens that must be adjacent; with `prefix`, the last is a prefix."""

    tokens: tuple[str, ...]
    prefix: bool = False


def query_terms(text: str, max_terms: int = 8) -> list[Term]:
    """The terms of a query; every term must match (AND). Whitespace separates terms.

    CJK runs give their bigrams; a run that ends inside the term also gives its trailing
    unigram (the document has it there). A term that ends with a lone CJK character ends
    with a prefix: "索" matches every token that starts with 索.
    """
    terms: list[Term] = []
    for chunk in normalize(text).split():
        pieces = list(_TOKEN.finditer(chunk))
        tokens: list[str] = []
        prefix = False
        for i, match in enumerate(pieces):
            run, word = match.group(1), match.group(2)
            last = i == len(pieces) - 1
            if word:
                tokens.append(word[:_WORD_MAX])
            elif len(run) == 1:
                tokens.append(run)
                prefix = last
            else:
                tokens.extend(run[j:j + 2] for j in range(len(run) - 1))
                if not last:
                    tokens.append(run[-1])
        if tokens:
            terms.append(Term(tuple(tokens), prefix))
        if len(terms) == max_terms:
            break
    return terms
