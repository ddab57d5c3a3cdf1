"""Admin page for the retention policy: how long each kind of case is kept."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from moderation.audit import record
from moderation.retention import POLICY_ID, RetentionPolicy, policy_of
from portal.accounts.permissions import actor_of, staff_user
from portal.accounts.reauth import confirm, reauth_context
from portal.locale_context import lazy_gettext
from portal.routing import read_form
from portal.templating import render
from portal.web import clock, db_session, redirect

RETENTION_PATH = "/staff/admin/retention"
MAX_DAYS = 36500
# (field, label, hint): shown in this order on the admin page and the privacy page.
FIELDS = (
    ("spam_days", lazy_gettext("Rejected as spam"),
     lazy_gettext("Days after the decision.")),
    ("rejected_days", lazy_gettext("Rejected for another reason"),
     lazy_gettext("Days after the decision (out of scope, abusive, duplicate, too little "
                  "information).")),
    ("concluded_days", lazy_gettext("Concluded cases"),
     lazy_gettext("Days after the conclusion. The text, files and contact details are "
                  "erased; the anonymous counts stay.")),
    ("contact_grace_days", lazy_gettext("Contact details of concluded cases"),
     lazy_gettext("Days after the conclusion; the rest of the case is kept until the "
                  "line above.")),
)
DAYS_INVALID = lazy_gettext("Enter a whole number of days from 1 to 36500.")


def _values(policy: RetentionPolicy) -> dict[str, str]:
    return {name: str(getattr(policy, name)) for name, _label, _hint in FIELDS}


def _page(request: Request, values: dict[str, str], errors: dict[str, str],
          status: int = 200) -> Response:
    return render(request, "admin/retention.html", {
        "fields": FIELDS, "values": values, "errors": errors,
        "reauth": reauth_context(request, staff_user(request)),
        "saved": request.query_params.get("saved") == "1"}, status_code=status)


def retention_form(request: Request) -> Response:
    """The retention policy form."""
    with db_session(request) as db:
        values = _values(policy_of(db))
    return _page(request, values, {})


async def retention_save(request: Request) -> Response:
    """Save the retention policy (audited); the form comes back filled on a bad number."""
    form = await read_form(request)
    values = {name: str(form.get(name) or "").strip()[:12] for name, _l, _h in FIELDS}
    errors = {name: DAYS_INVALID for name, value in values.items()
              if not (value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_DAYS)}
    if errors:
        return _page(request, values, errors, 422)
    with db_session(request) as db:
        policy = db.get(RetentionPolicy, POLICY_ID) or RetentionPolicy()
        before = _values(policy)
        if before != values:
            blocked = confirm(request, db, staff_user(request), form, errors)
            if blocked is not None:
                return blocked
            if errors:  # retention erases cases: the admin confirms it is them
                return _page(request, values, errors, 422)
            for name, value in values.items():
                setattr(policy, name, int(value))
            policy.updated_at = clock(request)()
            db.add(policy)
            record(db, actor_of(staff_user(request)), "retention.policy", "retentionpolicy",
                   POLICY_ID, before=before, after=values, clock=clock(request))
            db.commit()
    return redirect(f"{RETENTION_PATH}?saved=1")
