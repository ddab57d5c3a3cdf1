"""Rendering the intake pages: the forms (filled in again on errors), the confirmation,
the receipt, and translated refusals."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import NoMatchFound

from moderation.intake import messages as m
from moderation.intake.deadlines import rules_for
from moderation.intake.files import StoredUpload
from moderation.intake.models import Category, Channel, MetadataStatus, SubmissionKind
from moderation.intake.ratelimit import Decision
from moderation.intake.service import IntakePolicy
from moderation.intake.validation import TextRules
from moderation.units import unit_tree
from portal.errors import error_page
from portal.intake.config import IntakeConfig, intake_config
from portal.locale_context import gettext as _
from portal.locale_context import lazy_gettext
from portal.templating import render
from portal.web import db_session

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@dataclass(frozen=True)
class FormKind:
    """One of the public forms: its domain kind, nonce purpose and addresses."""

    name: str  # "tip" or "suggestion"
    kind: SubmissionKind
    path: str
    title: str  # English msgid

    @property
    def purpose(self) -> str:
        return self.name


TIP = FormKind("tip", SubmissionKind.tip, "/submit/tip", lazy_gettext("Report misconduct"))
SUGGESTION = FormKind("suggestion", SubmissionKind.suggestion, "/submit/suggestion",
                      lazy_gettext("Make a suggestion"))

KIND_LABELS = {"tip": lazy_gettext("Report (tip)"), "suggestion": lazy_gettext("Suggestion")}
CHANNEL_LABELS = {
    Channel.phone: lazy_gettext("Phone call"), Channel.letter: lazy_gettext("Letter"),
    Channel.visit: lazy_gettext("Visit in person"), Channel.email: lazy_gettext("Email"),
}
METADATA_LABELS = {
    MetadataStatus.stripped: lazy_gettext("Metadata removed"),
    MetadataStatus.none: lazy_gettext("This kind of file carries no metadata"),
    MetadataStatus.kept: lazy_gettext("Metadata could not be removed"),
}
STREAM_MESSAGES = {
    "not_multipart": lazy_gettext("The form was not sent in the expected format. "
                                  "Please reload the page and try again."),
    "malformed": lazy_gettext("The form was not sent in the expected format. "
                              "Please reload the page and try again."),
    "invalid_encoding": lazy_gettext("The form contained text that could not be read. "
                                     "Please reload the page and try again."),
    "too_many_fields": lazy_gettext("The form contained more fields than it accepts."),
    "field_too_large": lazy_gettext("A text you entered is longer than this form accepts."),
    "too_many_files": m.FILE_MESSAGES["too_many"],
    "file_too_large": m.FILE_MESSAGES["too_large"],
    "total_too_large": m.FILE_MESSAGES["total_too_large"],
}
DRAFT_GONE = lazy_gettext("This form has expired. Please fill it in again.")
FILES_GONE = lazy_gettext("Your text is kept, but the attached files were lost. "
                          "Please attach them again and send.")


def human_size(size: int) -> str:
    """A file size people read easily (bytes, KB or MB)."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def policy_of(session: Session, config: IntakeConfig) -> IntakePolicy:
    """The campaign's clocks and text rules, in the configured time zone."""
    return IntakePolicy(clocks=rules_for(session), text=TextRules(), timezone=config.timezone)


@dataclass
class FormState:
    """What a form page shows besides its fields."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    file_errors: list[tuple[str, str]] = field(default_factory=list)
    kept: list[StoredUpload] = field(default_factory=list)
    keep: set[int] = field(default_factory=set)
    notice: str | None = None
    files_dropped: bool = False


def _choices(session: Session) -> dict[str, Any]:
    units = [(unit.id, unit.name, depth) for unit, depth in unit_tree(session)]
    categories = list(session.exec(
        select(Category).where(Category.active == True)  # noqa: E712
        .where(Category.kind == SubmissionKind.suggestion)
        .order_by(Category.position, Category.id)))  # type: ignore[arg-type]
    return {"units": units, "categories": [(c.id, c.name) for c in categories]}


def form_context(request: Request, form_token: str, state: FormState) -> dict[str, Any]:
    """Everything the field macros need."""
    config = intake_config(request)
    with db_session(request) as session:
        choices = _choices(session)
    rules = TextRules()
    values = {"identity": "anonymous", **state.values}
    return {**choices, "values": values, "errors": state.errors,
            "file_errors": state.file_errors, "kept": list(enumerate(state.kept)),
            "keep": state.keep, "notice": state.notice, "files_dropped": state.files_dropped,
            "form_token": form_token, "max_files": config.limits.count,
            "max_file_bytes": config.limits.file_bytes,
            "max_file_size": human_size(config.limits.file_bytes),
            "tip_min": rules.tip_min_chars, "suggestion_min": rules.suggestion_min_chars,
            "human_size": human_size}


def form_page(request: Request, kind: FormKind, form_token: str, state: FormState,
              status: int = 200) -> Response:
    """The tip or suggestion form, filled in with `state`."""
    context = {**form_context(request, form_token, state), "kind": kind}
    return render(request, f"intake/{kind.name}_form.html", context, status_code=status,
                  headers=NO_STORE)


@dataclass(frozen=True)
class ReceiptView:
    """What the receipt page shows (the receipt itself exists only in this response)."""

    kind: str
    reference: str
    receipt: str
    proof: str
    received_on: date
    decision_due_on: date
    channel: str = "web"

    @property
    def groups(self) -> list[str]:
        return self.receipt.split("-")


def track_url(request: Request) -> str | None:
    """The follow-up page once it exists."""
    try:
        return str(request.app.url_path_for("track"))
    except NoMatchFound:
        return None


def receipt_page(request: Request, view: ReceiptView, template: str = "intake/receipt.html",
                 extra: dict[str, Any] | None = None) -> Response:
    """The receipt, shown once: never cached, never in a URL."""
    return render(request, template,
                  {"view": view, "track_url": track_url(request),
                   "kind_label": _(KIND_LABELS[view.kind]), **(extra or {})},
                  headers=NO_STORE)


def refused(request: Request, status: int, message: str | None = None) -> Response:
    """A translated error page for a refused form."""
    return error_page(request, status, _(message) if message else None, headers=NO_STORE)


def too_many(request: Request, decision: Decision) -> Response:
    """429 with the domain's translated rate-limit message."""
    return error_page(request, 429, _(m.RATE_LIMITED),
                      headers={**NO_STORE, "Retry-After": str(decision.retry_after)})
