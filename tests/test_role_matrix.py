"""Every staff route against every role: exactly 200 or 403 (anonymous: 303 to sign-in).

The tables are written by hand on purpose: a new staff route fails
`test_every_staff_route_is_in_the_matrix` until someone decides who may use it.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select
from starlette.routing import Route

from moderation.intake.files import UploadBatch, UploadLimits, new_envelope
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import SubmissionFile
from moderation.intake.receipts import issue_form_nonce
from moderation.intake.service import submit_tip
from moderation.intake.storage import Contact
from moderation.intake.validation import TipInput
from moderation.ledger.evidence import store_evidence
from moderation.ledger.models import LedgerItem
from moderation.ledger.timeline import add_entry, attach_evidence
from moderation.roles import Actor, Role
from moderation.units import Unit
from moderation.workflow import claims, triage
from portal.accounts.models import StaffUser
from portal.app import all_routes
from portal.content.models import Announcement, Pledge
from portal.demo import load_demo
from tests.conftest import csrf_from, login, page
from tests.test_auth import fast_hashing  # noqa: F401 - fixture

ALL = frozenset(Role)
ADMIN = frozenset({Role.admin})
PRESS = frozenset({Role.press, Role.admin})
MODERATOR = frozenset({Role.moderator})  # tips are never handled by admins
QUEUE = frozenset({Role.moderator, Role.handler, Role.leader})  # leaders read only
CASE_WRITERS = frozenset({Role.moderator, Role.handler})
# The ledger: moderators and handlers edit (handlers their unit's items), leaders read
# and export, only moderators verify, look back and import; press and admins stay out.
LEDGER_READ = frozenset({Role.moderator, Role.handler, Role.leader})
LEDGER_EDIT = frozenset({Role.moderator, Role.handler})
LEDGER_EXPORT = frozenset({Role.moderator, Role.leader})
LEADERS = frozenset({Role.leader})

# GET routes: path as declared -> roles that get 200 (every other role gets 403).
GET_MATRIX: dict[str, frozenset[Role]] = {
    "/staff/": ALL,
    "/staff/account": ALL,
    "/staff/account/totp": ALL,
    "/staff/announcements": PRESS,
    "/staff/announcements/new": PRESS,
    "/staff/announcements/{id:int}": PRESS,
    "/staff/campaign": PRESS,
    "/staff/campaign/texts": PRESS,
    "/staff/campaign/{kind:str}/new": PRESS,
    "/staff/campaign/{kind:str}/{id:int}": PRESS,
    "/staff/admin/users": ADMIN,
    "/staff/admin/users/new": ADMIN,
    "/staff/admin/users/{user_id:int}": ADMIN,
    "/staff/admin/units": ADMIN,
    "/staff/admin/units/new": ADMIN,
    "/staff/admin/units/{unit_id:int}": ADMIN,
    "/staff/admin/policy": ADMIN,
    "/staff/intake/new": MODERATOR,
    "/staff/queue": QUEUE,
    "/staff/queue/export.csv": frozenset({Role.moderator, Role.leader}),
    "/staff/cases/{reference:str}": QUEUE,
    "/staff/submissions/{reference:str}/files/{file_id:int}": CASE_WRITERS,
    "/staff/submissions/{reference:str}/files/{file_id:int}/thumb": CASE_WRITERS,
    "/staff/ledger": LEDGER_READ,
    "/staff/ledger/new": LEDGER_EDIT,
    "/staff/ledger/export.csv": LEDGER_EXPORT,
    "/staff/ledger/export.xlsx": LEDGER_EXPORT,
    "/staff/ledger/import": MODERATOR,
    "/staff/ledger/evidence/{evidence_id:int}": LEDGER_READ,
    "/staff/ledger/{item_id:int}": LEDGER_READ,
    "/staff/ledger/{item_id:int}/edit": LEDGER_EDIT,
    "/staff/leaders": LEADERS,
}

# POST routes: path as declared -> roles allowed; the others get 403 before anything happens.
POST_MATRIX: dict[str, frozenset[Role]] = {
    "/staff/account/password": ALL,
    "/staff/account/totp": ALL,
    "/staff/account/totp/disable": ALL,
    "/staff/announcements/new": PRESS,
    "/staff/announcements/{id:int}": PRESS,
    "/staff/announcements/{id:int}/{action:str}": PRESS,
    "/staff/campaign/texts": PRESS,
    "/staff/campaign/{kind:str}/new": PRESS,
    "/staff/campaign/{kind:str}/{id:int}": PRESS,
    "/staff/campaign/{kind:str}/{id:int}/delete": PRESS,
    "/staff/admin/users/new": ADMIN,
    "/staff/admin/users/{user_id:int}": ADMIN,
    "/staff/admin/users/{user_id:int}/password": ADMIN,
    "/staff/admin/users/{user_id:int}/totp-reset": ADMIN,
    "/staff/admin/units/new": ADMIN,
    "/staff/admin/units/{unit_id:int}": ADMIN,
    "/staff/admin/policy": ADMIN,
    "/staff/intake/new": MODERATOR,
    "/staff/queue/next": MODERATOR,
    "/staff/queue/bulk": MODERATOR,
    "/staff/cases/{reference:str}/contact": MODERATOR,
    "/staff/cases/{reference:str}/{action:str}": CASE_WRITERS,
    "/staff/ledger/new": LEDGER_EDIT,
    "/staff/ledger/from-case/{reference:str}": LEDGER_EDIT,
    "/staff/ledger/import": MODERATOR,
    "/staff/ledger/{item_id:int}/edit": LEDGER_EDIT,
    "/staff/ledger/{item_id:int}/status": LEDGER_EDIT,
    "/staff/ledger/{item_id:int}/progress": LEDGER_EDIT,
    "/staff/ledger/{item_id:int}/entries": LEDGER_EDIT,
    "/staff/ledger/{item_id:int}/mechanisms": LEDGER_EDIT,
    "/staff/ledger/{item_id:int}/verify": MODERATOR,
    "/staff/ledger/{item_id:int}/lookbacks": MODERATOR,
    "/staff/ledger/lookbacks/{lookback_id:int}": MODERATOR,
    "/staff/ledger/{item_id:int}/cases": LEDGER_EDIT,
    "/staff/ledger/{item_id:int}/cases/unlink": LEDGER_EDIT,
}

# Reachable without a role: the sign-in steps and sign-out.
OPEN = {"/staff/login", "/staff/login/totp", "/staff/logout"}


def staff_routes(method: str) -> dict[str, Route]:
    return {r.path: r for r in all_routes()
            if isinstance(r, Route) and r.path.startswith("/staff") and method in r.methods}


def test_every_staff_route_is_in_the_matrix() -> None:
    for method, matrix in (("GET", GET_MATRIX), ("POST", POST_MATRIX)):
        routes = staff_routes(method)
        missing = set(routes) - set(matrix) - OPEN
        assert not missing, f"{method} staff routes missing from the role matrix: {missing}"
        assert not set(matrix) - set(routes), f"{method} matrix lists unknown routes"
        for path, expected in matrix.items():
            allowed = getattr(routes[path].endpoint, "allowed_roles", None)
            assert allowed is not None, f"{method} {path} lacks require_roles"
            assert allowed == expected, f"{method} {path}: {sorted(allowed)}"


def test_handler_never_reaches_admin_or_press_routes() -> None:
    for matrix in (GET_MATRIX, POST_MATRIX):
        for path, roles in matrix.items():
            if path.startswith(("/staff/admin", "/staff/announcements", "/staff/campaign")):
                assert Role.handler not in roles, path


def png_bytes() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def routed_lead_with_file(db, settings, clock, unit_id: int) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """A tip with one file, accepted for `unit_id` (the handler's unit): its reference
    and file id, for the case page and the evidence download."""
    keys = IntakeKeys.from_secrets(settings.secret_key, settings.encryption_key)
    batch = UploadBatch(settings.upload_dir, new_envelope(db), UploadLimits())
    sink = batch.open("photo.png")  # an image: the thumbnail route serves it too
    sink.write(png_bytes())
    sink.finish()
    result = submit_tip(db, keys, issue_form_nonce(keys, "tip", clock), TipInput(
        content="派出所民警索要好处费，拖延办理户口，请调查。", anonymous=True,
        contact=Contact()), uploads=batch, clock=clock)
    moderator = db.exec(select(StaffUser).where(StaffUser.role == Role.moderator)).one()
    actor = Actor(id=moderator.id, label=moderator.username, role=Role.moderator)
    sub = claims.claim(db, actor, result.submission.id, 1, clock=clock)
    triage.accept(db, actor, sub.id, sub.version, mode="off_site",
                  responsible_unit_id=unit_id, clock=clock)
    db.commit()
    row = db.exec(select(SubmissionFile)).one()
    return sub.reference, row.id


def ledger_item_with_evidence(db, settings, clock, unit_id: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """A demo ledger item of `unit_id` (the handler's unit) with one evidence file."""
    item = db.exec(select(LedgerItem).where(LedgerItem.unit_id == unit_id)
                   .order_by(LedgerItem.id)).first()
    actor = Actor.system("matrix")
    entry = add_entry(db, actor, item.id, happened_on=date(2026, 5, 1),
                      body={"zh_CN": "证据"}, public=False, clock=clock)
    stored = store_evidence(settings.upload_dir, b"ledger evidence\n", "evidence.txt")
    evidence = attach_evidence(db, actor, entry.id, stored, clock=clock)
    db.commit()
    return item.id, evidence.id


@pytest.fixture
def urls(db, clock, make_user, settings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Each route path with its parameters filled from the demo campaign."""
    load_demo(db, clock=clock)
    db.commit()
    unit = db.exec(select(Unit).order_by(Unit.id)).first()
    announcement = db.exec(select(Announcement).order_by(Announcement.id)).first()
    pledge = db.exec(select(Pledge).order_by(Pledge.id)).first()
    for role in Role:
        make_user(role, unit_id=unit.id if role == Role.handler else None)
    user = db.exec(select(StaffUser).order_by(StaffUser.id)).first()
    reference, file_id = routed_lead_with_file(db, settings, clock, unit.id)
    values = {"{id:int}": str(announcement.id), "{user_id:int}": str(user.id),
              "{unit_id:int}": str(unit.id), "{action:str}": "pin",
              "{reference:str}": reference, "{file_id:int}": str(file_id)}
    item_id, evidence_id = ledger_item_with_evidence(db, settings, clock, unit.id)
    values.update({"{item_id:int}": str(item_id), "{evidence_id:int}": str(evidence_id),
                   "{lookback_id:int}": "1"})
    urls = {}
    for path in {*GET_MATRIX, *POST_MATRIX}:
        url = path
        if path.startswith("/staff/campaign/{kind:str}"):
            url = url.replace("{kind:str}", "pledges").replace("{id:int}", str(pledge.id))
        for name, value in values.items():
            url = url.replace(name, value)
        urls[path] = url
    return urls


@pytest.mark.parametrize("role", list(Role))
def test_get_matrix(client, urls, role: Role) -> None:
    login(client, f"{role.value}1")
    for path, roles in GET_MATRIX.items():
        response = client.get(urls[path])
        expected = 200 if role in roles else 403
        assert response.status_code == expected, f"{role} GET {urls[path]}"


@pytest.mark.parametrize("role", list(Role))
def test_post_matrix_refuses_other_roles(client, urls, role: Role) -> None:
    login(client, f"{role.value}1")
    token = csrf_from(client.get("/staff/account"))
    for path, roles in POST_MATRIX.items():
        if role in roles:
            continue
        response = client.post(urls[path], data={"csrf_token": token})
        assert response.status_code == 403, f"{role} POST {urls[path]}"


def test_anonymous_is_sent_to_sign_in(client, urls) -> None:
    for path in GET_MATRIX:
        response = client.get(urls[path])
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/staff/login?next=/staff")
    assert client.get("/staff/login").status_code == 200


@pytest.mark.parametrize(("role", "links"), [
    (Role.press, ["/staff/announcements", "/staff/campaign"]),
    (Role.admin, ["/staff/admin/users", "/staff/admin/units", "/staff/admin/policy"]),
    (Role.handler, ["/staff/queue"]),
    (Role.leader, ["/staff/queue", "/staff/queue/export.csv"]),
])
def test_dashboard_links_what_the_role_can_do(client, urls, role: Role, links) -> None:
    login(client, f"{role.value}1")
    html = page(client.get("/staff/"))
    assert [a["href"] for a in html.select("main .dash-links a")] == links
    if not links:
        assert html.select_one("main p.notice") is not None
