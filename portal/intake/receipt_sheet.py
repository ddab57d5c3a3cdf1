"""The receipt as a plain-text file the citizen can keep.

The receipt is never stored, so the receipt page carries a signed "sheet" of what it
shows; posting it back (with CSRF) returns the file. The code travels only in a POST
body and the response, both under `/receipt` (never cached, never logged), never in a
URL. The signature means the portal only ever hands out a sheet it issued itself.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from moderation.intake.keys import IntakeKeys
from portal.errors import error_page
from portal.i18n import fmt_date
from portal.intake.config import intake_config
from portal.locale_context import current_locale
from portal.locale_context import gettext as _
from portal.routing import read_form

if TYPE_CHECKING:
    from portal.intake.pages import ReceiptView

SHEET_FIELD = "sheet"
SHEET_MAX_AGE = 24 * 3600  # the receipt page is shown once; a day to save it is plenty
SHEET_MAX_CHARS = 4000
DOWNLOAD_PATH = "/receipt/download"  # under /receipt: the headers middleware adds no-store
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _serializer(keys: IntakeKeys) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(keys.form_nonce, salt="minsheng.receipt.sheet")


def sheet_token(keys: IntakeKeys, view: ReceiptView) -> str:
    """The signed sheet a receipt page carries in its download form."""
    return str(_serializer(keys).dumps({
        "kind": view.kind, "receipt": view.receipt, "reference": view.reference,
        "received": view.received_on.isoformat(), "due": view.decision_due_on.isoformat(),
        "proof": view.proof,
    }))


def _open_sheet(keys: IntakeKeys, token: object) -> dict[str, str] | None:
    if not isinstance(token, str) or not token or len(token) > SHEET_MAX_CHARS:
        return None
    try:
        data = _serializer(keys).loads(token, max_age=SHEET_MAX_AGE)
    except BadSignature:  # also SignatureExpired
        return None
    wanted = ("kind", "receipt", "reference", "received", "due", "proof")
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in wanted):
        return None
    return data


def sheet_text(data: dict[str, str], track_url: str) -> str:
    """The file's text, in the reader's language."""
    locale = current_locale.get()

    def day(value: str) -> str:
        return fmt_date(date.fromisoformat(value), locale, "long")

    title = _("Your report has been received") if data["kind"] == "tip" \
        else _("Your suggestion has been received")
    lines = [
        _("Minsheng"), title, "",
        f"{_('Receipt code')}: {data['receipt']}",
        f"{_('Reference')}: {data['reference']}",
        f"{_('Received on')}: {day(data['received'])}",
        f"{_('Decision on acceptance due by')}: {day(data['due'])}",
        "",
        f"{_('Follow your case')}: {track_url}",
        _("Your receipt code is the only key to your case. We do not keep it, so we cannot "
          "send it to you again. Keep it safe and do not share it."),
        "",
        f"{_('Proof of submission')}:",
        data["proof"],
        "",
    ]
    return "\r\n".join(lines)


async def download_receipt(request: Request) -> Response:
    """POST /receipt/download: the signed sheet back as a text attachment (no-store)."""
    form = await read_form(request)
    data = _open_sheet(intake_config(request).keys, form.get(SHEET_FIELD))
    if data is None:
        return error_page(request, 400, _(
            "This receipt can no longer be downloaded. Write down the code shown on the "
            "page instead."), headers=NO_STORE)
    base = request.app.state.settings.base_url.rstrip("/")
    body = sheet_text(data, f"{base}/track").encode("utf-8-sig")  # BOM: Notepad reads UTF-8
    name = f"minsheng-receipt-{data['reference']}.txt"
    return Response(body, media_type="text/plain; charset=utf-8", headers={
        **NO_STORE, "Content-Disposition": f'attachment; filename="{name}"',
    })
