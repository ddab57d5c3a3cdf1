"""Export of the ledger (CSV, XLSX) and import of a file, all rows or none.

The import reports every row's error (row number as a spreadsheet shows it, column,
translated message) and changes nothing when any row fails.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from moderation.ledger.columns import COLUMNS
from moderation.ledger.export import export_csv, export_xlsx
from moderation.ledger.importer import ImportFailed, RowError, import_ledger, read_file
from portal.ledger.access import ledger_actor
from portal.locale_context import gettext as _
from portal.templating import render
from portal.web import clock, db_session, redirect

IMPORT_MAX_BYTES = 5 * 1024 * 1024
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(body: bytes, media_type: str, name: str) -> Response:
    return Response(body, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def export_ledger_csv(request: Request) -> Response:
    """The whole ledger (internal items too) as CSV, UTF-8 with a BOM."""
    with db_session(request) as db:
        text = export_csv(db)
    return _download(("\ufeff" + text).encode("utf-8"), "text/csv; charset=utf-8",
                     "ledger.csv")


def export_ledger_xlsx(request: Request) -> Response:
    """The whole ledger as an XLSX workbook."""
    with db_session(request) as db:
        data = export_xlsx(db)
    return _download(data, XLSX_TYPE, "ledger.xlsx")


def _page(request: Request, errors: list[RowError] | None = None, message: str = "",
          status_code: int = 200, summary: dict[str, int] | None = None) -> Response:
    rows = [{"row": e.row, "column": e.column, "message": _(e.message)}
            for e in errors or []]
    return render(request, "ledger/staff_import.html", {
        "row_errors": rows, "message": message, "columns": COLUMNS, "summary": summary,
    }, status_code=status_code)


def import_form(request: Request) -> Response:
    """The import form, with the fixed columns explained."""
    summary = None
    if request.query_params.get("done") == "1":
        summary = {key: int(request.query_params.get(key, "0") or 0)
                   for key in ("created", "updated", "unchanged")
                   if request.query_params.get(key, "").isascii()
                   and request.query_params.get(key, "").isdigit()}
    return _page(request, summary=summary)


def _import(request: Request, data: bytes, name: str) -> Response:
    actor = ledger_actor(request)
    if not data:
        return _page(request, message=_("Choose a CSV or XLSX file to import."),
                     status_code=422)
    with db_session(request) as db:
        try:
            rows = read_file(data, name)
            summary = import_ledger(db, actor, rows, clock=clock(request))
            db.commit()
        except ImportFailed as failed:
            db.rollback()
            return _page(request, failed.errors, _(
                "Nothing was imported: correct the rows below and import the file again."),
                status_code=422)
    return redirect(f"/staff/ledger/import?done=1&created={len(summary.created)}"
                    f"&updated={len(summary.updated)}&unchanged={len(summary.unchanged)}")


async def import_post(request: Request) -> Response:
    """Import a CSV or XLSX file in one transaction."""
    form = await request.form()
    file = form.get("file")
    data, name = b"", ""
    if isinstance(file, UploadFile) and file.filename:
        data, name = await file.read(), file.filename
    return await run_in_threadpool(_import, request, data, name)

