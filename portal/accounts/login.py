"""Sign-in (password, then TOTP when the user has it) and sign-out."""

from __future__ import annotations

import math

from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from moderation.audit import record
from portal.accounts import devices, throttle, totp
from portal.accounts.forms import raw, text
from portal.accounts.models import RolePolicy, StaffUser
from portal.accounts.passwords import (
    MAX_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    verify_password,
)
from portal.accounts.permissions import actor_of
from portal.accounts.sessions import (
    current_user,
    end_session,
    load_session,
    pending_totp_user_id,
    session_data_after_sign_in,
    start_session,
)
from portal.errors import error_page
from portal.locale_context import gettext as _
from portal.locale_context import lazy_gettext as N_
from portal.locale_context import ngettext
from portal.templating import render
from portal.web import db_session, now, redirect, safe_next

LOGIN_PATH = "/staff/login"
TOTP_LOGIN_PATH = "/staff/login/totp"
TOTP_ENROL_PATH = "/staff/account/totp"
HOME = "/staff/"
LOGIN_FAILED = N_("Wrong user name or password.")
CODE_FAILED = N_("That code is not valid. Enter the current code from your app.")
USERNAME_MAX = 64
NEXT_STEP = N_("If this is your account, sign in from a browser where you have signed in "
               "before, or ask an administrator to lift the block.")


def throttled(request: Request, wait_seconds: int) -> Response:
    """The translated 429 page, with Retry-After."""
    minutes = max(1, math.ceil(wait_seconds / 60))
    detail = ngettext("Too many failed sign-in attempts. Please wait %(num)s minute and try "
                      "again.", "Too many failed sign-in attempts. Please wait %(num)s minutes "
                      "and try again.", minutes)
    detail = f"{detail} {_(NEXT_STEP)}"
    return error_page(request, 429, detail=detail, headers={"Retry-After": str(wait_seconds)})


def login_form(request: Request) -> Response:
    """The sign-in form (also for a signed-in user: signing in again replaces the session)."""
    next_url = safe_next(request.query_params.get("next"), "")
    return render(request, "auth/login.html",
                  {"username": "", "next": next_url, "error": None})


async def login_submit(request: Request) -> Response:
    """Check the password; begin a session (a pending one when a TOTP code is due)."""
    form = await request.form()
    return await run_in_threadpool(_login, request, form)


def _login(request: Request, form: FormData) -> Response:
    username, password = text(form, "username"), raw(form, "password")
    next_url = safe_next(text(form, "next"), "")
    at = now(request)
    with db_session(request) as db:
        user = None
        if username and len(username) <= USERNAME_MAX:
            user = db.exec(select(StaffUser).where(StaffUser.username == username)).first()
        attempt = throttle.Attempt.of(request, username,
                                      devices.recognised(request, user.id if user else None))
        wait = throttle.retry_after(request, db, attempt)
        if wait is not None:
            db.commit()
            return throttled(request, wait)
        usable = user is not None and user.is_active and len(password) <= MAX_PASSWORD_LENGTH
        # Always one Argon2 verification, so unknown names cost the same time.
        stored = user.password_hash if usable and user is not None else None
        verified = verify_password(stored, password[:MAX_PASSWORD_LENGTH])
        if not verified or user is None:
            throttle.record_failure(request, db, attempt)
            return render(request, "auth/login.html",
                          {"username": username, "next": next_url, "error": LOGIN_FAILED},
                          status_code=422)
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        user.last_login_at = at
        db.add(user)
        if user.totp_secret:
            response = redirect(TOTP_LOGIN_PATH)
            start_session(request, db, response, user,
                          data={"pending_totp": True, "next": next_url})
        else:
            response = redirect(_after_sign_in(db, user, next_url))
            _signed_in(request, db, response, user, attempt, two_factor=False)
        db.commit()
    return response


def _after_sign_in(db: Session, user: StaffUser, next_url: str) -> str:
    policy = db.get(RolePolicy, user.role)
    if policy is not None and policy.require_totp and not user.totp_secret:
        return TOTP_ENROL_PATH
    return next_url or HOME


def totp_form(request: Request) -> Response:
    """The second step: ask for the current code."""
    if pending_totp_user_id(request) is None:
        return redirect(LOGIN_PATH)
    return render(request, "auth/totp_login.html", {"error": None})


async def totp_submit(request: Request) -> Response:
    """Check the code (never one already used); then a fresh, full session."""
    form = await request.form()
    return await run_in_threadpool(_totp_login, request, form)


def _totp_login(request: Request, form: FormData) -> Response:
    user_id = pending_totp_user_id(request)
    row = load_session(request)
    if user_id is None or row is None:
        return redirect(LOGIN_PATH)
    at = now(request)
    with db_session(request) as db:
        user = db.get(StaffUser, user_id)
        if user is None or not user.totp_secret:
            return redirect(LOGIN_PATH)
        attempt = throttle.Attempt.of(request, user.username,
                                      devices.recognised(request, user.id))
        wait = throttle.retry_after(request, db, attempt)
        if wait is not None:
            db.commit()
            return throttled(request, wait)
        secret = totp.unseal_any(totp.opening_keys(request.app.state.settings), user.totp_secret)
        step = totp.matching_step(secret, totp.normalise_code(text(form, "code")),
                                  at, user.totp_last_step)
        if step is None or not totp.claim_step(db, user_id, step):
            db.rollback()
            throttle.record_failure(request, db, attempt)
            return render(request, "auth/totp_login.html", {"error": CODE_FAILED},
                          status_code=422)
        response = redirect(_after_sign_in(db, user, safe_next(row.data.get("next"), "")))
        _signed_in(request, db, response, user, attempt, two_factor=True)
        db.commit()
    return response


def _signed_in(request: Request, db: Session, response: Response, user: StaffUser,
               attempt: throttle.Attempt, *, two_factor: bool) -> None:
    """A full sign-in: its counter cleared, a fresh session, this browser remembered."""
    throttle.clear(request, db, attempt)
    # Crossing an authentication boundary: a new session identifier.
    start_session(request, db, response, user,
                  data=session_data_after_sign_in(request.app.state.clock()))
    devices.remember(request, response, user.id)  # type: ignore[arg-type]
    # Who signed in and when; never the client address (no PII beyond the account).
    record(db, actor_of(user), "account.sign_in", "staffuser", user.id,
           after={"two_factor": two_factor}, clock=request.app.state.clock)


def logout(request: Request) -> Response:
    """End the session (its row and its cookie)."""
    response = redirect(LOGIN_PATH)
    user = current_user(request)
    with db_session(request) as db:
        end_session(request, db, response)
        if user is not None:
            record(db, actor_of(user), "account.sign_out", "staffuser", user.id,
                   clock=request.app.state.clock)
        db.commit()
    return response
