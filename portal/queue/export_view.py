"""GET /staff/queue/export.csv and .xlsx: the filtered queue in the reader's language.

Readable columns first (translated headers, labels, unit and category names, "merged
into …" for duplicates), then the code columns of `moderation.queue.export.COLUMNS`.
Each export is audited once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from moderation.audit import record
from moderation.errors import ValidationFailed
from moderation.intake.models import (
    Channel,
    HandlingMode,
    Outcome,
    Priority,
    SubmissionKind,
    SubmissionState,
)
from moderation.queue.export import COLUMNS, export_queue_rows
from moderation.queue.filters import QueueQuery
from moderation.sqltypes import pick
from portal.exports import XLSX_TYPE, Readable, csv_lines, header_row, table_row, xlsx_bytes
from portal.locale_context import current_locale, gettext
from portal.locale_context import lazy_gettext as N_
from portal.queue.common import queue_actor, tz_of
from portal.queue.labels import qlabel
from portal.queue.listing import params_of, queue_context
from portal.templating import render
from portal.track.common import intake_keys
from portal.web import db_session


def _labels(kind: type) -> dict[str, str]:
    return {member.value: qlabel(member) for member in kind}


def readable_columns(locale: str) -> list[Readable]:
    """The people's columns, with labels translated now (the body may stream later)."""
    kinds, channels = _labels(SubmissionKind), _labels(Channel)
    states, priorities = _labels(SubmissionState), _labels(Priority)
    modes, outcomes = _labels(HandlingMode), _labels(Outcome)
    yes, no = gettext("Yes"), gettext("No")
    merged = gettext("Merged into %(reference)s", reference="\0")

    def name(key: str):  # type: ignore[no-untyped-def]
        return lambda row: pick(row[key], locale, "zh_CN") if row[key] else ""

    def state(row: dict[str, Any]) -> str:
        if row["merged_into"]:
            return merged.replace("\0", row["merged_into"])
        return states.get(row["state"], row["state"])

    return [
        Readable(N_("Case number"), lambda row: row["reference"]),
        Readable(N_("Kind"), lambda row: kinds.get(row["kind"], row["kind"])),
        Readable(N_("Channel"), lambda row: channels.get(row["channel"], row["channel"])),
        Readable(N_("Status"), state),
        Readable(N_("Priority"), lambda row: priorities.get(row["priority"], "")),
        Readable(N_("Category"), name("category_name")),
        Readable(N_("Unit concerned"), name("unit_concerned_name")),
        Readable(N_("Responsible unit"), name("responsible_unit_name")),
        Readable(N_("Handling mode"), lambda row: modes.get(row["handling_mode"] or "", "")),
        Readable(N_("Received"), lambda row: row["received_at"]),
        Readable(N_("Decision due"), lambda row: row["decision_due_on"]),
        Readable(N_("Handling due"), lambda row: row["handling_due_on"]),
        Readable(N_("Overdue"), lambda row: yes if row["overdue"] == "yes" else no),
        Readable(N_("Awaiting the citizen"),
                 lambda row: yes if row["awaiting_citizen"] == "yes" else no),
        Readable(N_("Outcome"), lambda row: outcomes.get(row["outcome"] or "", "")),
        Readable(N_("Concluded on"), lambda row: row["concluded_on"]),
    ]


def _code(row: dict[str, Any], column: str) -> object:
    return row[column]


def _export(request: Request, kind: str) -> Response:
    actor = queue_actor(request)
    params = params_of(request)
    clock = request.app.state.clock
    locale = current_locale.get()
    db = Session(request.state.engine, expire_on_commit=False)
    try:
        query = QueueQuery.from_params(params)
        rows = export_queue_rows(db, actor, query, clock(), keys=intake_keys(request),
                                 tz=tz_of(request))
        record(db, actor, "queue.export", "queue", kind,
               after={k: v for k, v in params.items() if v}, clock=clock)
        db.commit()
    except ValidationFailed:
        db.close()
        with db_session(request) as fresh:
            context = queue_context(fresh, request, params)
        return render(request, "queue/queue.html", context, status_code=422)
    except BaseException:
        db.close()
        raise
    readable = readable_columns(locale)
    header = header_row(readable, COLUMNS)
    table = (table_row(row, readable, COLUMNS, _code) for row in rows)
    day = clock().strftime("%Y%m%d")
    headers = {"Content-Disposition": f'attachment; filename="queue-{day}.{kind}"',
               "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    if kind == "xlsx":
        try:
            data = xlsx_bytes(gettext("Queue"), header, table)
        finally:
            db.close()
        return Response(data, media_type=XLSX_TYPE, headers=headers)

    def body() -> Iterator[bytes]:
        try:
            for line in csv_lines(header, table):
                yield line.encode("utf-8")
        finally:
            db.close()

    return StreamingResponse(body(), media_type="text/csv; charset=utf-8", headers=headers)


def export_csv(request: Request) -> Response:
    """GET /staff/queue/export.csv: the filtered queue as CSV, streamed; audited."""
    return _export(request, "csv")


def export_xlsx(request: Request) -> Response:
    """GET /staff/queue/export.xlsx: the filtered queue as an XLSX workbook; audited."""
    return _export(request, "xlsx")
