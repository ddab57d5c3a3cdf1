"""Bulk actions from the queue page: reject as spam, set the unit concerned, assign.
Each item is its own transition and audit row; the page then lists what happened to each."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from moderation.intake.models import Submission
from moderation.workflow import bulk
from portal.locale_context import lazy_gettext as N_
from portal.queue.common import error_text, form_date, form_int, form_text, queue_actor
from portal.queue.forms import BAD_DATE
from portal.templating import render
from portal.web import db_session

MAX_ITEMS = 100
ACTIONS = {
    "reject_spam": N_("Reject as spam"),
    "set_unit": N_("Set the unit concerned"),
    "assign": N_("Accept and assign to a unit"),
}
NOTHING_CHOSEN = N_("Choose at least one item and an action.")


@dataclass(frozen=True)
class BulkLine:
    reference: str
    ok: bool
    message: str  # message id


def _items(form: FormData) -> list[tuple[int, int]]:
    """The (id, version) pairs of the ticked items ("id:version"); junk is skipped."""
    out = []
    for raw in form.getlist("item")[:MAX_ITEMS]:
        sid, _sep, ver = str(raw).partition(":")
        if ((sid + ver).isascii() and sid.isdigit() and ver.isdigit()
                and len(sid) < 13 and len(ver) < 13):
            out.append((int(sid), int(ver)))
    return out


async def bulk_action(request: Request) -> Response:
    """POST /staff/queue/bulk: one action on each ticked item, with a per-item summary."""
    form = await request.form()
    return await run_in_threadpool(_run, request, form)


def _run(request: Request, form: FormData) -> Response:
    actor = queue_actor(request)
    clock = request.app.state.clock
    items = _items(form)
    action = form_text(form, "bulk_action")
    if not items or action not in ACTIONS:
        return render(request, "queue/bulk_result.html",
                      {"lines": [], "action": "", "problem": NOTHING_CHOSEN}, status_code=422)
    with db_session(request) as db:
        if action == "reject_spam":
            results = bulk.reject_as_spam(db, actor, items, form_text(form, "public_reply"),
                                          clock=clock)
        elif action == "set_unit":
            results = bulk.set_unit_concerned(db, actor, items,
                                              form_int(form, "unit_concerned_id"), clock=clock)
        else:
            errors: dict[str, str] = {}
            due = form_date(form, "handling_due_on", errors, BAD_DATE)
            unit_id = form_int(form, "responsible_unit_id")
            if errors or unit_id is None:
                problem = errors.get("handling_due_on") or N_("Choose a unit from the list.")
                return render(request, "queue/bulk_result.html",
                              {"lines": [], "action": action, "problem": problem},
                              status_code=422)
            results = bulk.assign(db, actor, items, mode=form_text(form, "handling_mode"),
                                  responsible_unit_id=unit_id,
                                  handler_id=form_int(form, "handler_id"), due_on=due,
                                  clock=clock)
        db.commit()
        refs = dict(db.exec(select(Submission.id, Submission.reference).where(
            col(Submission.id).in_([r.submission_id for r in results]))).all())
    lines = [BulkLine(refs.get(r.submission_id, f"#{r.submission_id}"), r.ok,
                      N_("Done.") if r.ok else error_text(r.error)) for r in results]
    return render(request, "queue/bulk_result.html",
                  {"lines": lines, "action": action, "problem": "",
                   "done": sum(1 for line in lines if line.ok)})
