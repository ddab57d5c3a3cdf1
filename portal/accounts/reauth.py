"""Re-authentication for what matters ("sudo mode").

Turning two-factor sign-in on or off, changing a password, changing an account's role,
unit or access to reporters' identity, and changing security settings ask for the
current password (and the two-factor code, where enrolled) unless the member of staff
confirmed it within the last few minutes. Someone with a moment at an unlocked screen
can then read, but not take the account over or widen anyone's access.

The confirmation is asked inside the form that needs it (no extra page, no JavaScript):
`reauth_due(request)` tells the template to show the fields, and `confirm()` checks them
in the handler. A successful sign-in counts as a confirmation.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from portal.accounts import throttle, totp
from portal.accounts.forms import REQUIRED, raw, text
from portal.accounts.login import throttled
from portal.accounts.models import StaffUser
from portal.accounts.passwords import verify_password
from portal.accounts.sessions import REAUTH_KEY as SESSION_KEY
from portal.accounts.sessions import load_session, set_session_data
from portal.locale_context import lazy_gettext as N_
from portal.web import now

REAUTH_MINUTES = 10
PASSWORD_FIELD = "reauth_password"  # noqa: S105 - a form field name
CODE_FIELD = "reauth_code"
WRONG_PASSWORD = N_("The current password is not correct.")
WRONG_CODE = N_("The code is not correct or has been used. Use the current code.")


def reauth_due(request: Request) -> bool:
    """True when the signed-in user must confirm their password before a sensitive change."""
    row = load_session(request)
    stamp = row.data.get(SESSION_KEY) if row else None
    if not isinstance(stamp, str):
        return True
    try:
        confirmed = datetime.fromisoformat(stamp)
    except ValueError:
        return True
    return now(request) - confirmed > timedelta(minutes=REAUTH_MINUTES)


def mark_confirmed(request: Request, db: Session) -> None:
    """Record in the session that the user has just proved who they are."""
    set_session_data(request, db, **{SESSION_KEY: now(request).isoformat()})


def confirm(request: Request, db: Session, user: StaffUser, form: FormData,
            errors: dict[str, str], *, asked_in: str = PASSWORD_FIELD,
            always: bool = False) -> Response | None:
    """Pass when confirmed recently; else check the password (and code) sent in `form`.

    `always`: the form asks the password every time (changing it, turning two-factor
    off); the two-factor code is still asked only when the confirmation is due.
    Adds field errors to `errors` when they are missing or wrong (failures count like
    sign-in failures); returns a 429 response when the account or client is throttled.
    On success the confirmation is renewed for the next few minutes (not committed).
    """
    due = reauth_due(request)
    if not due and not always:
        return None
    at = now(request)
    keys = throttle.request_keys(request, user.username)
    wait = throttle.retry_after(db, keys, at)
    if wait is not None:
        return throttled(request, wait)
    password = raw(form, asked_in)
    if not password or not verify_password(user.password_hash, password):
        errors[asked_in] = WRONG_PASSWORD if password else REQUIRED
    elif due and user.totp_secret:
        secret = totp.unseal(totp.sealing_key(request.app.state.settings), user.totp_secret)
        step = totp.matching_step(secret, totp.normalise_code(text(form, CODE_FIELD)), at,
                                  user.totp_last_step)
        if step is None or not totp.claim_step(db, user.id, step):  # type: ignore[arg-type]
            errors[CODE_FIELD] = WRONG_CODE if text(form, CODE_FIELD) else REQUIRED
    if asked_in in errors or CODE_FIELD in errors:
        throttle.record_failure(db, keys, at, throttle.Limits.of(request.app.state.settings))
        return None
    mark_confirmed(request, db)
    return None


def reauth_context(request: Request, user: StaffUser) -> dict[str, object]:
    """What `auth/_reauth.html` needs to show the confirmation fields, or not."""
    return {"due": reauth_due(request), "totp": bool(user.totp_secret),
            "minutes": REAUTH_MINUTES}
