"""Property-based fuzzing (Hypothesis) of the parsers that strangers' bytes reach first:
the streaming multipart reader and the spreadsheet reader of every import.

A fixed number of derandomized examples per run keeps the suite's time and results
stable; no example database is written (it would land in the repository).
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from starlette.requests import Request

from moderation.spreadsheet import TableBudget, TableRejected, read_csv, read_table
from portal.streaming_form import FormRejected, StreamLimits, read_streamed_form

FUZZ = settings(max_examples=80, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FUZZ_SLOW = settings(FUZZ, max_examples=40)  # each example opens a whole workbook
BOUNDARY = b"----minsheng-fuzz-7Yx"
LIMITS = StreamLimits(max_fields=20, max_field_bytes=4096, max_files=4, max_file_bytes=8192,
                      max_total_file_bytes=16384)


class MemorySink:
    def __init__(self) -> None:
        self.data = bytearray()
        self.aborted = False

    def write(self, chunk: bytes) -> None:
        self.data.extend(chunk)

    def abort(self) -> None:
        self.aborted = True


def _request(body: bytes, cuts: list[int], content_type: bytes | None = None) -> Request:
    pieces = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]
    headers = [(b"content-type",
                content_type or b"multipart/form-data; boundary=" + BOUNDARY)]

    async def receive() -> dict[str, Any]:
        chunk = pieces.pop(0) if pieces else b""
        return {"type": "http.request", "body": chunk, "more_body": bool(pieces)}

    scope = {"type": "http", "method": "POST", "path": "/", "headers": headers,
             "query_string": b""}
    return Request(scope, receive)  # type: ignore[arg-type]


def _parse(body: bytes, cuts: list[int]) -> tuple[Any, list[MemorySink]]:
    sinks: list[MemorySink] = []

    def open_sink(_field: str, _name: str, _type: str) -> MemorySink:
        sinks.append(MemorySink())
        return sinks[-1]

    form = asyncio.run(read_streamed_form(_request(body, cuts), open_sink, LIMITS,
                                          check_csrf=False))
    return form, sinks


def _multipart(fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]]) -> bytes:
    out = bytearray()
    for name, value in fields:
        out += b"--" + BOUNDARY + b"\r\n"
        out += f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        out += value.encode() + b"\r\n"
    for name, filename, data in files:
        out += b"--" + BOUNDARY + b"\r\n"
        out += (f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n").encode()
        out += data + b"\r\n"
    out += b"--" + BOUNDARY + b"--\r\n"
    return bytes(out)


NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_0123456789", min_size=1, max_size=12)
VALUES = st.text(st.characters(blacklist_categories=("Cs",)), max_size=200)
FILES = st.tuples(NAMES, NAMES.map(lambda n: n + ".bin"), st.binary(max_size=2000))


def _cuts(body_size: int, data: st.DataObject) -> list[int]:
    return sorted(set(data.draw(st.lists(st.integers(1, max(body_size - 1, 1)), max_size=6))))


@FUZZ
@given(fields=st.lists(st.tuples(NAMES, VALUES), max_size=8),
       files=st.lists(FILES, max_size=3), data=st.data())
def test_multipart_reader_round_trips_valid_forms(fields: list[tuple[str, str]],
                                                  files: list[tuple[str, str, bytes]],
                                                  data: st.DataObject) -> None:
    body = _multipart(fields, files)
    form, sinks = _parse(body, _cuts(len(body), data))
    assert list(form.fields.multi_items()) == fields
    assert [bytes(s.data) for s in sinks] == [d for _n, _f, d in files]


@FUZZ
@given(base=st.lists(st.tuples(NAMES, VALUES), min_size=1, max_size=4),
       flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=12),
       cut=st.integers(0, 10_000), tail=st.binary(max_size=300), data=st.data())
def test_multipart_reader_answers_mutated_bodies_with_form_rejected(
        base: list[tuple[str, str]], flips: list[tuple[int, int]], cut: int, tail: bytes,
        data: st.DataObject) -> None:
    body = bytearray(_multipart(base, [("evidence", "a.bin", b"\x00\xff" * 50)]))
    for position, value in flips:
        body[position % len(body)] = value
    mutated = bytes(body[: max(cut, 1)]) + tail
    sinks: list[MemorySink] = []
    refused = _refusal(lambda: sinks.extend(_parse(mutated, _cuts(len(mutated), data))[1]))
    if isinstance(refused, FormRejected):
        assert 400 <= refused.status < 500
    else:
        assert all(not s.aborted for s in sinks)


def _refusal(call: Any) -> Exception | None:
    """The domain refusal `call` raised, or None; any other exception fails the test."""
    try:
        call()
    except (FormRejected, TableRejected) as exc:
        return exc
    return None


@FUZZ
@given(st.binary(max_size=3000), st.sampled_from(["x.csv", "x.xlsx", "x"]))
def test_spreadsheet_reader_takes_any_bytes(data: bytes, name: str) -> None:
    tables: list[list[list[str]]] = []
    refused = _refusal(lambda: tables.append(
        read_table(data, name, TableBudget(max_rows=50, max_columns=20))))
    if refused is not None:
        assert isinstance(refused, TableRejected)
        assert refused.reason in ("bad_file", "hostile", "too_big", "empty")
    else:
        assert all(isinstance(cell, str) for row in tables[0] for cell in row)


def _xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


VALID_XLSX = _xlsx([["code", "title_zh_CN"], ["A1", "整改"], ["A2", "台账"]])


@FUZZ_SLOW
@given(flips=st.lists(st.tuples(st.integers(0, len(VALID_XLSX) - 1), st.integers(0, 255)),
                      min_size=1, max_size=8), cut=st.integers(100, len(VALID_XLSX)))
def test_spreadsheet_reader_answers_mutated_workbooks(flips: list[tuple[int, int]],
                                                      cut: int) -> None:
    data = bytearray(VALID_XLSX[:cut])
    for position, value in flips:
        data[position % len(data)] = value
    with contextlib.suppress(TableRejected):
        read_table(bytes(data), "x.xlsx", TableBudget(max_rows=50, max_columns=20))


CELLS = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30)


@FUZZ
@given(st.lists(st.lists(CELLS, min_size=1, max_size=6), min_size=1, max_size=12))
def test_valid_csv_comes_out_as_written(rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    assert read_csv(out.getvalue().encode("utf-8-sig")) == rows


@pytest.mark.parametrize("rows", [[["code", "title"], ["A1", "整改"]], [["a"] * 20] * 50])
def test_valid_workbooks_come_out_as_written(rows: list[list[str]]) -> None:
    assert read_table(_xlsx(rows), "x.xlsx", TableBudget(max_rows=60, max_columns=20)) == rows

