"""Receipt codes: entropy, format, check digit, lenient parsing, signed form nonces."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

import pytest

from moderation.clock import FixedClock
from moderation.intake.errors import FormTokenInvalid
from moderation.intake.keys import IntakeKeys
from moderation.intake.receipts import (
    RANDOM_DIGITS,
    damm_digit,
    derive_receipt,
    format_receipt,
    idempotency_hash,
    issue_form_nonce,
    open_form_nonce,
    parse_receipt,
    random_receipt,
    receipt_hash,
)

KEYS = IntakeKeys.from_secrets("intake-test-secret-" + "k" * 40)


def test_receipt_has_about_80_bits_in_five_groups_of_five() -> None:
    assert RANDOM_DIGITS * math.log2(10) >= 79
    receipt = derive_receipt(KEYS, b"n" * 32)
    assert re.fullmatch(r"\d{25}", receipt)
    assert re.fullmatch(r"(\d{5}-){4}\d{5}", format_receipt(receipt))
    assert damm_digit(receipt) == "0"  # a valid code checks to zero


def test_receipts_do_not_repeat_and_use_every_digit() -> None:
    codes = {random_receipt() for _ in range(2000)}
    assert len(codes) == 2000
    first_digits = {code[0] for code in codes}
    assert first_digits == set("0123456789")  # leading zeros are kept, not dropped


def test_receipt_is_derived_from_the_nonce_with_the_server_key() -> None:
    other = IntakeKeys.from_secrets("another-secret-" + "z" * 40)
    assert derive_receipt(KEYS, b"a" * 32) == derive_receipt(KEYS, b"a" * 32)
    assert derive_receipt(KEYS, b"a" * 32) != derive_receipt(KEYS, b"b" * 32)
    assert derive_receipt(KEYS, b"a" * 32) != derive_receipt(other, b"a" * 32)


def test_check_digit_catches_every_single_digit_error_and_adjacent_swap() -> None:
    receipt = derive_receipt(KEYS, b"x" * 32)
    for i in range(len(receipt)):
        for d in "0123456789":
            if d != receipt[i]:
                assert parse_receipt(receipt[:i] + d + receipt[i + 1:]) is None
    for i in range(len(receipt) - 1):
        if receipt[i] != receipt[i + 1]:
            swapped = receipt[:i] + receipt[i + 1] + receipt[i] + receipt[i + 2:]
            assert parse_receipt(swapped) is None


def test_parsing_is_lenient_about_spaces_dashes_and_full_width_digits() -> None:
    receipt = derive_receipt(KEYS, b"y" * 32)
    shown = format_receipt(receipt)
    full_width = shown.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
    for typed in (shown, receipt, shown.replace("-", " "), f"  {shown}\n", full_width,
                  " ".join(receipt)):
        assert parse_receipt(typed) == receipt
    for bad in ("", "abc", receipt[:-1], receipt + "0", shown.replace("-", "x"), "1" * 500):
        assert parse_receipt(bad) is None


def test_codes_issued_in_the_old_32_digit_format_still_parse() -> None:
    legacy = "7" * 31 + damm_digit("7" * 31)
    shown = "-".join(legacy[i:i + 4] for i in range(0, 32, 4))
    assert parse_receipt(shown) == legacy
    assert parse_receipt(shown.replace("7", "７")) == legacy
    assert format_receipt(legacy) == shown  # shown again as it was printed
    assert parse_receipt(legacy[:-1] + str((int(legacy[-1]) + 1) % 10)) is None
    assert parse_receipt(legacy[:30]) is None  # neither length


def test_hashes_are_keyed_and_differ_per_purpose() -> None:
    receipt = derive_receipt(KEYS, b"z" * 32)
    digest = receipt_hash(KEYS, receipt)
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert receipt not in digest
    assert digest != receipt_hash(IntakeKeys.from_secrets("x" * 40), receipt)
    assert idempotency_hash(KEYS, b"z" * 32) != digest


def test_form_nonce_round_trip_purpose_and_expiry() -> None:
    clock = FixedClock(datetime(2026, 6, 1, 2, 0, tzinfo=UTC))
    token = issue_form_nonce(KEYS, "tip", clock)
    nonce = open_form_nonce(KEYS, token, "tip", clock)
    assert len(nonce) == 32
    assert issue_form_nonce(KEYS, "tip", clock) != token  # random per form
    with pytest.raises(FormTokenInvalid) as wrong_purpose:
        open_form_nonce(KEYS, token, "suggestion", clock)
    assert not wrong_purpose.value.expired
    with pytest.raises(FormTokenInvalid):
        open_form_nonce(KEYS, token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1],
                        "tip", clock)
    clock.advance(hours=25)
    with pytest.raises(FormTokenInvalid) as late:
        open_form_nonce(KEYS, token, "tip", clock)
    assert late.value.expired
    for junk in ("", "x" * 600, "not.a.token"):
        with pytest.raises(FormTokenInvalid):
            open_form_nonce(KEYS, junk, "tip", clock)


def test_keys_never_show_in_repr() -> None:
    assert "redacted" in repr(KEYS)
    assert KEYS.master.hex() not in repr(KEYS)
