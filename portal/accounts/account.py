"""My account: change my password, set up or turn off TOTP two-factor sign-in."""

from __future__ import annotations

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from moderation.audit import record
from moderation.roles import Role
from portal.accounts import throttle, totp
from portal.accounts.forms import raw, text
from portal.accounts.login import CODE_FAILED, HOME, throttled
from portal.accounts.models import RolePolicy, StaffUser
from portal.accounts.notices import notify_security_change
from portal.accounts.passwords import hash_password, password_problem
from portal.accounts.permissions import actor_of, staff_user
from portal.accounts.reauth import confirm, reauth_context
from portal.accounts.sessions import (
    end_user_sessions,
    load_session,
    session_data_after_sign_in,
    set_session_data,
    start_session,
    totp_enrolment_due,
)
from portal.locale_context import gettext as _
from portal.locale_context import lazy_gettext as N_
from portal.templating import render
from portal.web import clock, db_session, now, redirect

ACCOUNT_PATH = "/staff/account"
WRONG_PASSWORD = N_("The current password is not correct.")
NO_MATCH = N_("The two new passwords do not match.")
TOTP_REQUIRED = N_("Your role requires two-factor sign-in; it cannot be turned off.")
SAVED = {
    "password": N_("Your password has been changed."),
    "totp-on": N_("Two-factor sign-in is now on."),
    "totp-off": N_("Two-factor sign-in is now off."),
}
ISSUER = "Minsheng"


def _totp_required(db: Session, role: Role) -> bool:
    policy = db.get(RolePolicy, role)
    return policy is not None and policy.require_totp


def _account_page(request: Request, *, errors: dict[str, str] | None = None,
                  status_code: int = 200) -> Response:
    user = staff_user(request)
    with db_session(request) as db:
        required = _totp_required(db, user.role)
    saved = SAVED.get(request.query_params.get("saved", ""))
    return render(request, "auth/account.html", {
        "user": user, "totp_required": required, "errors": errors or {},
        "saved": saved, "reauth": reauth_context(request, user),
    }, status_code=status_code)


def account(request: Request) -> Response:
    """My account page."""
    return _account_page(request)


async def change_password(request: Request) -> Response:
    """Change my own password (the current one is asked again)."""
    form = await request.form()
    return await run_in_threadpool(_change_password, request, form)


def _change_password(request: Request, form: FormData) -> Response:
    new, confirm_new = raw(form, "new_password"), raw(form, "new_password_confirm")
    errors: dict[str, str] = {}
    with db_session(request) as db:
        user = db.get(StaffUser, staff_user(request).id)
        assert user is not None
        blocked = confirm(request, db, user, form, errors, asked_in="current_password",
                          always=True)
        if blocked is not None:
            return blocked
        problem = password_problem(new, user.username)
        if problem:
            errors["new_password"] = problem
        elif new != confirm_new:
            errors["new_password_confirm"] = NO_MATCH
        if errors:
            return _account_page(request, errors=errors, status_code=422)
        user.password_hash = hash_password(new)
        db.add(user)
        record(db, actor_of(user), "account.password_change", "staffuser", user.id,
               clock=clock(request))
        # Other sessions (maybe someone else's) end; this one starts afresh.
        end_user_sessions(db, user.id)  # type: ignore[arg-type]
        response = redirect(f"{ACCOUNT_PATH}?saved=password")
        start_session(request, db, response, user, data=session_data_after_sign_in(now(request)))
        db.commit()
    notify_security_change(request.app.state.settings, user, "password")
    return response


def _enrol_page(request: Request, secret: str, *, error: str | None = None,
                errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    user = staff_user(request)
    uri = totp.provisioning_uri(secret, user.username, ISSUER)
    return render(request, "auth/totp_enrol.html", {
        "secret": totp.grouped(secret),
        "qr": totp.qr_svg(uri, _("QR code for your authenticator app")),
        "error": error,
        "enrolment_due": totp_enrolment_due(request),
        "reauth": reauth_context(request, user), "errors": errors or {},
    }, status_code=status_code)


def totp_enrol(request: Request) -> Response:
    """Show a new secret and its QR code; the secret is kept in the session until confirmed."""
    user = staff_user(request)
    if user.totp_secret:
        return redirect(ACCOUNT_PATH)
    row = load_session(request)
    secret = row.data.get("totp_enrol_secret") if row else None
    if not secret:
        secret = totp.new_secret()
        with db_session(request) as db:
            set_session_data(request, db, totp_enrol_secret=secret)
            db.commit()
    return _enrol_page(request, secret)


async def totp_confirm(request: Request) -> Response:
    """Store the secret once the user proves their app shows the right code."""
    form = await request.form()
    return await run_in_threadpool(_totp_confirm, request, form)


def _totp_confirm(request: Request, form: FormData) -> Response:
    row = load_session(request)
    secret = row.data.get("totp_enrol_secret") if row else None
    if not secret:
        return redirect(ACCOUNT_PATH + "/totp")
    at = now(request)
    due = totp_enrolment_due(request)
    with db_session(request) as db:
        user = db.get(StaffUser, staff_user(request).id)
        assert user is not None
        if user.totp_secret:
            return redirect(ACCOUNT_PATH)
        attempt = throttle.Attempt.of(request, user.username, None)
        wait = throttle.retry_after(request, db, attempt)
        if wait is not None:
            return throttled(request, wait)
        errors: dict[str, str] = {}
        blocked = confirm(request, db, user, form, errors)
        if blocked is not None:
            return blocked
        if errors:
            return _enrol_page(request, secret, errors=errors, status_code=422)
        step = totp.matching_step(secret, totp.normalise_code(text(form, "code")), at)
        if step is None:
            throttle.record_failure(request, db, attempt)
            return _enrol_page(request, secret, error=CODE_FAILED, status_code=422)
        sealed = totp.seal(totp.sealing_key(request.app.state.settings), secret)
        user.totp_secret, user.totp_last_step = sealed, step
        db.add(user)
        set_session_data(request, db, totp_enrol_secret=None)
        record(db, actor_of(user), "account.totp_enable", "staffuser", user.id,
               before={"totp_enabled": False}, after={"totp_enabled": True},
               clock=clock(request))
        db.commit()
    notify_security_change(request.app.state.settings, user, "totp-on")
    return redirect(HOME if due else f"{ACCOUNT_PATH}?saved=totp-on")


async def totp_disable(request: Request) -> Response:
    """Turn TOTP off (current password asked again; refused when the role requires it)."""
    form = await request.form()
    return await run_in_threadpool(_totp_disable, request, form)


def _totp_disable(request: Request, form: FormData) -> Response:
    errors: dict[str, str] = {}
    with db_session(request) as db:
        user = db.get(StaffUser, staff_user(request).id)
        assert user is not None
        if not user.totp_secret:
            return redirect(ACCOUNT_PATH)
        if _totp_required(db, user.role):
            return _account_page(request, errors={"totp": TOTP_REQUIRED}, status_code=422)
        blocked = confirm(request, db, user, form, errors, asked_in="totp_password",
                          always=True)
        if blocked is not None:
            return blocked
        if errors:
            return _account_page(request, errors=errors, status_code=422)
        totp.turn_off(db, actor_of(user), user, "account.totp_disable", clock(request))
        db.commit()
    notify_security_change(request.app.state.settings, user, "totp-off")
    return redirect(f"{ACCOUNT_PATH}?saved=totp-off")
