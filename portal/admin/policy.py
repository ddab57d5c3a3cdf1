"""Admin page for the per-role security policy (TOTP required or not)."""

from __future__ import annotations

from sqlmodel import Session, select
from starlette.requests import Request
from starlette.responses import Response

from moderation.audit import record
from moderation.roles import Role
from portal.accounts.models import RolePolicy
from portal.accounts.permissions import actor_of, staff_user
from portal.accounts.reauth import confirm, reauth_context
from portal.routing import read_form
from portal.templating import render
from portal.web import clock, db_session, redirect

POLICY_PATH = "/staff/admin/policy"


def current_policy(db: Session) -> dict[str, bool]:
    """Whether TOTP is required, per role value."""
    stored = {row.role: row.require_totp for row in db.exec(select(RolePolicy))}
    return {role.value: stored.get(role, False) for role in Role}


def policy_form(request: Request) -> Response:
    """The policy form."""
    with db_session(request) as db:
        policy = current_policy(db)
    return _policy_page(request, policy)


def _policy_page(request: Request, policy: dict[str, bool],
                 errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    return render(request, "admin/policy.html", {
        "roles": list(Role), "policy": policy,
        "saved": request.query_params.get("saved") == "1",
        "reauth": reauth_context(request, staff_user(request)), "errors": errors or {},
    }, status_code=status_code)


async def policy_save(request: Request) -> Response:
    """Save which roles must use TOTP."""
    form = await read_form(request)
    wanted = {role.value: form.get(f"require_totp_{role.value}") is not None for role in Role}
    with db_session(request) as db:
        before = current_policy(db)
        if wanted != before:
            errors: dict[str, str] = {}
            blocked = confirm(request, db, staff_user(request), form, errors)
            if blocked is not None:
                return blocked
            if errors:
                return _policy_page(request, wanted, errors, 422)
            for role in Role:
                row = db.get(RolePolicy, role) or RolePolicy(role=role)
                row.require_totp = wanted[role.value]
                db.add(row)
            record(db, actor_of(staff_user(request)), "policy.update", "rolepolicy", "totp",
                   before=before, after=wanted, clock=clock(request))
            db.commit()
    return redirect(f"{POLICY_PATH}?saved=1")
