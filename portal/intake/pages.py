"""Rendering the intake pages: the forms (filled in again on errors), the confirmation,
the receipt, and translated refusals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace
from typing import Any

from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import NoMatchFound

from moderation.intake import messages as m
from moderation.intake.deadlines import rules_for
from moderation.intake.files import StoredUpload
from moderation.intake.models import Category, Channel, MetadataStatus, SubmissionKind
from moderation.intake.service import IntakePolicy
from moderation.intake.validation import TextRules
from moderation.ratelimit import Decision
from moderation.sqltypes import LocalizedText
from moderation.units import Unit, unit_tree
from portal import i18n
from portal.errors import error_page
from portal.intake.config import IntakeConfig, intake_config
from portal.intake.receipt_sheet import NO_STORE, sheet_token
from portal.locale_context import gettext as _
from portal.locale_context import lazy_gettext, request_locale
from portal.slotted_pages import escaped, render_slotted, slot
from portal.templating import render
from portal.web import db_session
from portal.worker_cache import CachedData, cached, cached_async


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
    MetadataStatus.partial: lazy_gettext(
        "Tags, location and times removed. The video stream itself may still carry details "
        "of the camera or app that recorded it."),
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


CLOCK_RULES = CachedData("intake.clock_rules", frozenset({"clockpolicy"}), rules_for)


def cached_policy(request: Request) -> IntakePolicy:
    """`policy_of` with the clocks from the worker cache (they change once a campaign)."""
    return IntakePolicy(clocks=cached(request, CLOCK_RULES), text=TextRules(),
                        timezone=intake_config(request).timezone)


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


@dataclass(frozen=True)
class FormChoices:
    """The units and suggestion categories a form offers (plain values, cacheable)."""

    units: tuple[tuple[int, LocalizedText, int], ...]
    categories: tuple[tuple[int, LocalizedText], ...]


def _load_choices(session: Session) -> FormChoices:
    units = tuple((unit.id, unit.name, depth) for unit, depth in unit_tree(session))
    categories = session.exec(
        select(Category).where(Category.active == True)  # noqa: E712
        .where(Category.kind == SubmissionKind.suggestion)
        .order_by(Category.position, Category.id))  # type: ignore[arg-type]
    return FormChoices(units, tuple((c.id, c.name) for c in categories))  # type: ignore[misc]


FORM_CHOICES = CachedData("intake.form_choices", frozenset({"unit", "category"}),
                          _load_choices)


@dataclass(frozen=True)
class Named:
    """A unit or category as the confirmation page shows it."""

    name: LocalizedText


def chosen_names(request: Request, unit_id: int | None,
                 category_id: int | None) -> tuple[Named | None, Named | None]:
    """The chosen unit and category, from the cached choices (the database for ones no
    longer offered)."""
    choices = cached(request, FORM_CHOICES)
    units = {uid: name for uid, name, _depth in choices.units}
    categories = dict(choices.categories)
    found: list[Named | None] = []
    for wanted, offered, model in ((unit_id, units, Unit), (category_id, categories, Category)):
        if not wanted:
            found.append(None)
        elif wanted in offered:
            found.append(Named(offered[wanted]))
        else:
            with db_session(request) as session:
                row = session.get(model, wanted)
            found.append(Named(row.name) if row else None)
    return found[0], found[1]


def form_context(request: Request, form_token: str, state: FormState,
                 choices: FormChoices | None = None) -> dict[str, Any]:
    """Everything the field macros need."""
    config = intake_config(request)
    choices = choices or cached(request, FORM_CHOICES)
    rules = TextRules()
    values = {"identity": "anonymous", **state.values}
    return {"units": choices.units, "categories": choices.categories,
            "values": values, "errors": state.errors,
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


async def blank_form_page(request: Request, kind: FormKind,
                          new_token: Callable[[], str]) -> Response:
    """The empty form: rendered once per worker and language, with fresh tokens.

    Async on purpose: with the choices cached, answering costs no trip to a thread.
    """
    if request.scope.get("query_string"):
        return await run_in_threadpool(form_page, request, kind, new_token(), FormState())
    choices = await cached_async(request, FORM_CHOICES)

    def context() -> dict[str, Any]:  # built only when the page is rendered
        return {**form_context(request, "", FormState(), choices), "kind": kind}

    return render_slotted(request, f"intake/{kind.name}_form.html", context,
                          sources=(choices,), slots={"form_token": new_token},
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


CITIZEN_RECEIPT_TEMPLATE = "intake/receipt.html"


def receipt_page(request: Request, view: ReceiptView, template: str = CITIZEN_RECEIPT_TEMPLATE,
                 extra: dict[str, Any] | None = None) -> Response:
    """The receipt, shown once: never cached, never in a URL."""
    locale = request_locale(request.scope)
    values = {"reference": view.reference, "proof": view.proof,
              "receipt_sheet": sheet_token(intake_config(request).keys, view),
              "received_on": i18n.fmt_date(view.received_on, locale),
              "decision_due_on": i18n.fmt_date(view.decision_due_on, locale)}
    context = {"track_url": track_url(request), "kind_label": _(KIND_LABELS[view.kind])}
    if template != CITIZEN_RECEIPT_TEMPLATE or extra:
        return render(request, template, {"view": view, **values, **context, **(extra or {})},
                      headers=NO_STORE)
    # A citizen's receipt page is the same for every receipt of a kind but for its values:
    # rendered once per kind and language with placeholders, filled in per request (with
    # the confirmation page done the same way, about 9 % more submissions per second in
    # bench.post_load). The stored copy holds placeholders only, never a receipt.
    groups = view.groups
    slots: dict[str, Callable[[], str]] = {
        name: escaped(value) for name, value in values.items()}
    slots |= {f"group{i}": escaped(group) for i, group in enumerate(groups)}
    markers = SimpleNamespace(kind=view.kind, reference=slot("reference"),
                              proof=slot("proof"),
                              groups=[slot(f"group{i}") for i in range(len(groups))])
    return render_slotted(request, template, {"view": markers, **context}, sources=(),
                          slots=slots, headers=NO_STORE, variant=(view.kind, len(groups)))


def refused(request: Request, status: int, message: str | None = None) -> Response:
    """A translated error page for a refused form."""
    return error_page(request, status, _(message) if message else None, headers=NO_STORE)


def too_many(request: Request, decision: Decision) -> Response:
    """429 with the domain's translated rate-limit message."""
    return error_page(request, 429, _(m.RATE_LIMITED),
                      headers={**NO_STORE, "Retry-After": str(decision.retry_after)})
