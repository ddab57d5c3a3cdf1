"""Admin pages for staff accounts: list, create, edit, reset password or TOTP."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from moderation.audit import record
from moderation.roles import Role
from moderation.units import Unit
from portal.accounts import totp
from portal.accounts.forms import check_text, checked, max_length, raw, text
from portal.accounts.models import StaffUser
from portal.accounts.notices import notify_security_change
from portal.accounts.passwords import hash_password, password_problem
from portal.accounts.permissions import actor_of, staff_user
from portal.accounts.reauth import confirm, reauth_context
from portal.accounts.sessions import end_user_sessions
from portal.admin.common import get_or_404, parse_id, unit_names, unit_options
from portal.labels import label
from portal.locale_context import lazy_gettext as N_
from portal.templating import render
from portal.web import clock, db_session, now, redirect

USERS_PATH = "/staff/admin/users"
USERNAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
BAD_USERNAME = N_("Use letters, digits, dots, hyphens and underscores only.")
USERNAME_TAKEN = N_("This user name is already taken.")
BAD_EMAIL = N_("Enter an email address like name@example.org.")
BAD_ROLE = N_("Choose one of the listed roles.")
BAD_UNIT = N_("Choose one of the listed units.")
HANDLER_NEEDS_UNIT = N_("A unit handler must belong to a unit.")
OWN_ADMIN = N_("You cannot remove your own administrator access.")
SAVED = {
    "created": N_("The account has been created."),
    "updated": N_("The account has been saved."),
    "password": N_("The password has been reset and the user signed out."),
    "totp": N_("Two-factor sign-in has been reset for this account."),
}


# Changes that widen or narrow what an account may do: they ask for re-authentication.
ACCESS_FIELDS = ("role", "unit_id", "is_active", "can_view_identity")


def snapshot(user: StaffUser) -> dict[str, Any]:
    """The audited view of an account (never the password hash or the TOTP secret)."""
    return {
        "username": user.username, "display_name": user.display_name, "email": user.email,
        "role": user.role.value, "unit_id": user.unit_id, "is_active": user.is_active,
        "can_view_identity": user.can_view_identity, "totp_enabled": bool(user.totp_secret),
    }


def _values_of(user: StaffUser) -> dict[str, Any]:
    return {**snapshot(user), "unit_id": user.unit_id or ""}


def _form_page(request: Request, db: Session, values: dict[str, Any],
               errors: dict[str, str], *, user: StaffUser | None,
               status_code: int = 200) -> Response:
    keep = parse_id(str(values.get("unit_id") or ""))
    return render(request, "admin/user_form.html", {
        "user": user, "values": values, "errors": errors,
        "roles": [(role.value, label(role), 0) for role in Role],
        "units": unit_options(request, db, keep=keep),
        "limits": {name: max_length(StaffUser, name)
                   for name in ("username", "display_name", "email")},
        "saved": SAVED.get(request.query_params.get("saved", "")),
        "reauth": reauth_context(request, staff_user(request)),
    }, status_code=status_code)


def user_list(request: Request) -> Response:
    """Every staff account."""
    with db_session(request) as db:
        users = list(db.exec(select(StaffUser).order_by(StaffUser.username)))
        names = unit_names(request, db)
    return render(request, "admin/users.html", {
        "users": users, "unit_names": names,
        "saved": SAVED.get(request.query_params.get("saved", "")),
    })


def user_new(request: Request) -> Response:
    """The form for a new account."""
    values = {"username": "", "display_name": "", "email": "", "role": Role.moderator.value,
              "unit_id": "", "is_active": True, "can_view_identity": False}
    with db_session(request) as db:
        return _form_page(request, db, values, {}, user=None)


def _read(db: Session, form: FormData, *, user: StaffUser | None,
          actor: StaffUser) -> tuple[dict[str, Any], dict[str, str]]:
    """The submitted values and the errors found in them."""
    values: dict[str, Any] = {
        "username": user.username if user else text(form, "username"),
        "display_name": text(form, "display_name"), "email": text(form, "email"),
        "role": text(form, "role"), "unit_id": text(form, "unit_id"),
        "is_active": checked(form, "is_active"),
        "can_view_identity": checked(form, "can_view_identity"),
    }
    errors: dict[str, str] = {}
    if user is None:
        name = values["username"]
        check_text(errors, "username", name, max_length(StaffUser, "username"))
        if "username" not in errors and not USERNAME_RE.fullmatch(name):
            errors["username"] = BAD_USERNAME
        if "username" not in errors and db.exec(
                select(StaffUser).where(StaffUser.username == name)).first():
            errors["username"] = USERNAME_TAKEN
        problem = password_problem(raw(form, "password"), name)
        if problem:
            errors["password"] = problem
    check_text(errors, "display_name", values["display_name"],
               max_length(StaffUser, "display_name"))
    check_text(errors, "email", values["email"], max_length(StaffUser, "email"),
               required=False)
    if "email" not in errors and values["email"] and "@" not in values["email"]:
        errors["email"] = BAD_EMAIL
    if values["role"] not in {role.value for role in Role}:
        errors["role"] = BAD_ROLE
    unit_id = parse_id(values["unit_id"])
    if values["unit_id"] and (unit_id is None or db.get(Unit, unit_id) is None):
        errors["unit_id"] = BAD_UNIT
    elif values["role"] == Role.handler.value and unit_id is None:
        errors["unit_id"] = HANDLER_NEEDS_UNIT
    if user is not None and user.id == actor.id:
        if values["role"] != Role.admin.value:
            errors.setdefault("role", OWN_ADMIN)
        if not values["is_active"]:
            errors["is_active"] = OWN_ADMIN
    return values, errors


def _apply(user: StaffUser, values: dict[str, Any]) -> None:
    user.display_name = values["display_name"]
    user.email = values["email"] or None
    user.role = Role(values["role"])
    user.unit_id = parse_id(values["unit_id"])
    user.is_active = values["is_active"]
    user.can_view_identity = values["can_view_identity"]


async def user_create(request: Request) -> Response:
    """Create an account."""
    form = await request.form()
    return await run_in_threadpool(_user_create, request, form)


def _user_create(request: Request, form: FormData) -> Response:
    admin = staff_user(request)
    with db_session(request) as db:
        values, errors = _read(db, form, user=None, actor=admin)
        blocked = confirm(request, db, admin, form, errors)
        if blocked is not None:
            return blocked
        if errors:
            return _form_page(request, db, values, errors, user=None, status_code=422)
        user = StaffUser(username=values["username"], display_name="", role=Role.moderator,
                         password_hash=hash_password(raw(form, "password")),
                         created_at=now(request))
        _apply(user, values)
        db.add(user)
        db.flush()
        record(db, actor_of(admin), "user.create", "staffuser", user.id,
               after=snapshot(user), clock=clock(request))
        db.commit()
    return redirect(f"{USERS_PATH}/{user.id}?saved=created")


def user_edit(request: Request) -> Response:
    """The form to edit an account."""
    with db_session(request) as db:
        user = get_or_404(db, StaffUser, request.path_params["user_id"])
        return _form_page(request, db, _values_of(user), {}, user=user)


async def user_update(request: Request) -> Response:
    """Save an account; disabling it ends its sessions."""
    form = await request.form()
    return await run_in_threadpool(_user_update, request, form)


def _user_update(request: Request, form: FormData) -> Response:
    admin = staff_user(request)
    with db_session(request) as db:
        user = get_or_404(db, StaffUser, request.path_params["user_id"])
        values, errors = _read(db, form, user=user, actor=admin)
        if errors:
            return _form_page(request, db, values, errors, user=user, status_code=422)
        before = snapshot(user)
        _apply(user, values)
        widened = {k for k in ACCESS_FIELDS if snapshot(user)[k] != before[k]}
        if widened:
            db.expire(user)  # a throttled failure commits: it must not carry the change
            blocked = confirm(request, db, admin, form, errors)
            if blocked is not None:
                return blocked
            if errors:
                return _form_page(request, db, values, errors, user=user, status_code=422)
            _apply(user, values)
        db.add(user)
        if before["is_active"] and not user.is_active:
            end_user_sessions(db, user.id)  # type: ignore[arg-type]
        after = snapshot(user)
        if after != before:
            record(db, actor_of(admin), "user.update", "staffuser", user.id,
                   before=before, after=after, clock=clock(request))
        db.commit()
    if widened:
        notify_security_change(request.app.state.settings, user, "access")
    return redirect(f"{USERS_PATH}/{user.id}?saved=updated")


async def user_reset_password(request: Request) -> Response:
    """Set a new password for an account and sign it out everywhere."""
    form = await request.form()
    return await run_in_threadpool(_user_reset_password, request, form)


def _user_reset_password(request: Request, form: FormData) -> Response:
    admin = staff_user(request)
    password = raw(form, "new_password")
    with db_session(request) as db:
        user = get_or_404(db, StaffUser, request.path_params["user_id"])
        errors: dict[str, str] = {}
        problem = password_problem(password, user.username)
        if problem:
            errors["new_password"] = problem
        blocked = confirm(request, db, admin, form, errors)
        if blocked is not None:
            return blocked
        if errors:
            return _form_page(request, db, _values_of(user), errors, user=user,
                              status_code=422)
        user.password_hash = hash_password(password)
        db.add(user)
        end_user_sessions(db, user.id)  # type: ignore[arg-type]
        record(db, actor_of(admin), "user.password_reset", "staffuser", user.id,
               clock=clock(request))
        db.commit()
    notify_security_change(request.app.state.settings, user, "password-reset")
    return redirect(f"{USERS_PATH}/{user.id}?saved=password")


async def user_reset_totp(request: Request) -> Response:
    """Turn off TOTP for an account whose phone is lost (it must enrol again if required)."""
    form = await request.form()
    return await run_in_threadpool(_user_reset_totp, request, form)


def _user_reset_totp(request: Request, form: FormData) -> Response:
    admin = staff_user(request)
    with db_session(request) as db:
        user = get_or_404(db, StaffUser, request.path_params["user_id"])
        if not user.totp_secret:
            return redirect(f"{USERS_PATH}/{user.id}")
        errors: dict[str, str] = {}
        blocked = confirm(request, db, admin, form, errors)
        if blocked is not None:
            return blocked
        if errors:
            return _form_page(request, db, _values_of(user), errors, user=user,
                              status_code=422)
        totp.turn_off(db, actor_of(admin), user, "user.totp_reset", clock(request))
        db.commit()
    notify_security_change(request.app.state.settings, user, "totp-reset")
    return redirect(f"{USERS_PATH}/{user.id}?saved=totp")
