"""What the queue pages share: the actor, the clock and time zone, loading a case by its
reference with visibility, reading ids and versions from forms, names for display."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request

from moderation.errors import (
    AlreadyClaimed,
    DomainError,
    InvalidTransition,
    NotFound,
    NotPermitted,
    StaleVersion,
    ValidationFailed,
)
from moderation.intake.models import Submission
from moderation.roles import Actor, Role
from moderation.sqltypes import LocalizedText
from moderation.units import Unit, unit_tree
from moderation.workflow.transitions import can_see
from portal.accounts.models import StaffUser
from portal.accounts.permissions import actor_of, staff_user
from portal.locale_context import lazy_gettext as N_
from portal.worker_cache import CachedData

REFERENCE_MAX = 16
ID_MAX_DIGITS = 12
_staff = StaffUser.__table__  # type: ignore[attr-defined]

# Short, translated reasons for one item of a bulk action (and the conflict page).
ERROR_TEXT: list[tuple[type[DomainError], str]] = [
    (StaleVersion, N_("Someone else changed it meanwhile.")),
    (AlreadyClaimed, N_("Another moderator is working on it.")),
    (InvalidTransition, N_("This is not possible in its current state.")),
    (NotFound, N_("Not found.")),
    (NotPermitted, N_("Your role may not do this.")),
    (ValidationFailed, N_("Some of what you entered could not be accepted.")),
]


def queue_actor(request: Request) -> Actor:
    """The domain actor of the signed-in staff member."""
    return actor_of(staff_user(request))


def tz_of(request: Request) -> str:
    return request.app.state.settings.timezone


def may_open(submission: Submission, actor: Actor) -> bool:
    """Moderators and leaders (read-only) open any case; handlers their unit's leads."""
    return actor.role == Role.leader or can_see(submission, actor)


def find_case(db: Session, actor: Actor, reference: str) -> Submission:
    """The case with this reference as `actor` may see it; NotFound otherwise (a handler
    cannot learn that another unit's lead exists)."""
    reference = reference[:REFERENCE_MAX + 1]
    row = db.exec(select(Submission).where(col(Submission.reference) == reference)
                  .execution_options(populate_existing=True)).first()
    if row is None or not may_open(row, actor):
        raise NotFound(f"case {reference}")
    return row


def form_int(form: FormData | dict, name: str) -> int | None:
    """An optional id from a form ("" -> None); None also for junk (the domain refuses)."""
    raw = str(form.get(name) or "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > ID_MAX_DIGITS:
        return 0  # no row has id 0: the domain answers "choose from the list"
    return int(raw)


def form_version(form: FormData | dict) -> int:
    """The version the user saw; a form without one is malformed (400)."""
    raw = str(form.get("version") or "").strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > ID_MAX_DIGITS:
        raise HTTPException(status_code=400)
    return int(raw)


def form_date(form: FormData | dict, name: str, errors: dict[str, str],
              message: str) -> date | None:
    raw = str(form.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = message
        return None


def form_text(form: FormData | dict, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def unit_names(db: Session) -> dict[int, LocalizedText]:
    return {u.id: u.name for u in db.exec(select(Unit)) if u.id is not None}


def unit_options(db: Session) -> list[tuple[str, LocalizedText, int]]:
    """The active unit tree as (id, name, depth), parents first."""
    return [(str(u.id), u.name, depth) for u, depth in unit_tree(db)]


def staff_names(db: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = db.exec(select(_staff.c.id, _staff.c.display_name)  # type: ignore[call-overload]
                   .where(_staff.c.id.in_(wanted))).all()
    return {row[0]: row[1] for row in rows}


def all_staff_names(db: Session) -> dict[int, str]:
    """Every account's display name, by id (a few hundred rows at most)."""
    rows = db.exec(select(_staff.c.id, _staff.c.display_name)).all()  # type: ignore[call-overload]
    return {row[0]: row[1] for row in rows}


def handlers_by_unit(db: Session) -> dict[int, list[tuple[int, str]]]:
    """Active handlers, by unit: the accept form offers the handlers of each unit."""
    rows = db.exec(select(_staff.c.id, _staff.c.display_name, _staff.c.unit_id)  # type: ignore[call-overload]
                   .where(_staff.c.role == Role.handler.value,
                          _staff.c.is_active.is_(True), _staff.c.unit_id.is_not(None))
                   .order_by(_staff.c.display_name, _staff.c.id)).all()
    out: dict[int, list[tuple[int, str]]] = {}
    for staff_id, name, unit_id in rows:
        out.setdefault(unit_id, []).append((staff_id, name))
    return out


def error_text(error: DomainError | None) -> str:
    """The message id of a domain error for a one-line summary."""
    if isinstance(error, ValidationFailed) and error.errors:
        return next(iter(error.errors.values()))
    for kind, text in ERROR_TEXT:
        if isinstance(error, kind):
            return text
    return N_("This is not possible in its current state.")


# Per-worker copies for the queue page (`portal.worker_cache`): they change rarely.
UNIT_NAMES = CachedData("queue.unit_names", frozenset({"unit"}), unit_names)
UNIT_OPTIONS = CachedData("queue.unit_options", frozenset({"unit"}), unit_options)
HANDLERS_BY_UNIT = CachedData("queue.handlers_by_unit", frozenset({"staffuser"}),
                              handlers_by_unit)
# Who claimed or handles each row: a query on every queue page was 8 % of its time
# (py-spy, a million submissions on PostgreSQL).
STAFF_NAMES = CachedData("queue.staff_names", frozenset({"staffuser"}), all_staff_names)
