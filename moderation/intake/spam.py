"""Possible spam (疑似广告): texts that look like advertising are set aside, never dropped.

A submission whose text offers a WeChat or QQ contact, carries a link, or lists many
phone numbers is kept like any other, with the reasons stored as short codes; the
queue shows it in a "possible spam" tab instead of the new-items tab, with the reasons,
until a moderator looks at it. A real tip may quote a link or a number, which is why a
person decides. The rule runs on the plain text at intake; only the codes are stored.
"""

from __future__ import annotations

import enum
import re
import unicodedata


class SpamSignal(enum.StrEnum):
    wechat = "wechat"  # a WeChat contact offer (加微信, vx: abc123)
    qq = "qq"  # a QQ number offered
    link = "link"  # a web address
    phones = "phones"  # many phone numbers


SIGNALS_MAX = 64  # the stored, comma-separated codes
MANY_PHONES = 3

_WECHAT = re.compile(
    r"加\s*(?:我\s*)?(?:微信|威信|薇信|v信|vx|wx|v(?![a-z]))"
    r"|(?:微信|威信|薇信|v信|vx|wx|weixin|wechat)\s*(?:号|id)?\s*[:：]?\s*[a-z][-_a-z0-9]{5,19}"
    r"|(?:微信|威信|薇信|v信|vx|wx|weixin|wechat)\s*(?:号|id)?\s*[:：]?\s*1[3-9]\d{9}")
_QQ = re.compile(r"(?:qq|扣扣|企鹅)\s*(?:号|群)?\s*[:：]?\s*[1-9]\d{4,11}(?!\d)")
_LINK = re.compile(
    r"(?:https?://|www\.)\S+"
    r"|\b[a-z0-9][-a-z0-9]*\.(?:com|cn|net|org|top|xyz|vip|cc|shop|info|club|site|online)\b")
_PHONE = re.compile(r"(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|400-?\d{3}-?\d{4})(?!\d)")


def spam_signals(*texts: str) -> list[SpamSignal]:
    """The advertising signals found in the given texts (empty: nothing suspicious)."""
    # NFKC folds full-width letters and digits (ｖｘ，１３８…) that spammers use to hide.
    text = unicodedata.normalize("NFKC", " ".join(texts)).lower()
    found = []
    if _WECHAT.search(text):
        found.append(SpamSignal.wechat)
    if _QQ.search(text):
        found.append(SpamSignal.qq)
    if _LINK.search(text):
        found.append(SpamSignal.link)
    if len({re.sub(r"\D", "", n) for n in _PHONE.findall(text)}) >= MANY_PHONES:
        found.append(SpamSignal.phones)
    return found


def encode_signals(signals: list[SpamSignal]) -> str:
    """The stored form: comma-separated codes ("" when there are none)."""
    return ",".join(signal.value for signal in signals)


def decode_signals(stored: str | None) -> list[SpamSignal]:
    """The codes back from the stored form (unknown codes are skipped)."""
    return [SpamSignal(code) for code in (stored or "").split(",")
            if code in SpamSignal.__members__]
