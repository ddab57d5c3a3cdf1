"""Every staff route against every role, derived from the routes' own declarations.

Each route says who may use it where it is declared (`route(..., roles=...)`); this test
reads that table (`permission_table`) and checks that each role gets exactly 200 (GET) or
gets past the guard (POST) where declared, and 403 everywhere else; anonymous visitors
are sent to sign-in. A route built without a declaration cannot be listed, so it fails
here. The policy tests below pin the rules the declarations must never break.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select
from starlette.responses import PlainTextResponse
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
from portal.cli import main
from portal.content.models import Announcement, Pledge
from portal.demo import load_demo
from portal.routing import PUBLIC, Permission, permission_table, route
from tests.conftest import csrf_from, login, page
from tests.test_auth import fast_hashing  # noqa: F401 - fixture

TABLE = permission_table(all_routes())
# The sign-in steps and sign-out are the only public routes under /staff.
SIGN_IN = {"/staff/login", "/staff/login/totp", "/staff/logout"}


def staff_table(method: str) -> dict[str, frozenset[Role]]:
    """Path -> roles allowed, for the staff routes of `method`."""
    return {p.path: p.roles for p in TABLE if p.method == method and p.roles is not None}


GET_MATRIX = staff_table("GET")
POST_MATRIX = staff_table("POST")


def test_every_route_declares_who_may_use_it() -> None:
    assert len(TABLE) > 60
    for permission in TABLE:
        if permission.path.startswith("/staff"):
            assert (permission.roles is None) == (permission.path in SIGN_IN), permission
    assert {p.path for p in TABLE if p.roles is None and p.path.startswith("/staff")} == SIGN_IN


def test_a_route_without_a_declaration_is_refused() -> None:
    def endpoint(request):  # type: ignore[no-untyped-def]
        return PlainTextResponse("x")

    with pytest.raises(TypeError, match="roles"):
        route("/staff/undeclared", endpoint)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="non-empty"):
        route("/staff/nobody", endpoint, roles=set())
    with pytest.raises(TypeError, match=r"route\(\)"):
        permission_table([*all_routes(), Route("/staff/plain", endpoint)])
    assert permission_table([route("/open", endpoint, roles=PUBLIC)]) == [
        Permission("GET", "/open", None)]


def test_portal_routes_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["routes"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(TABLE)
    assert "POST  /staff/cases/{reference:str}/contact" in "\n".join(lines)
    contact = next(line for line in lines if "/staff/cases/{reference:str}/contact" in line)
    assert contact.split()[-1] == "moderator"
    assert next(line for line in lines if line.split()[1] == "/").split()[-1] == "public"


def test_separation_of_duties() -> None:
    queue_and_ledger = ("/staff/queue", "/staff/cases", "/staff/submissions",
                        "/staff/intake", "/staff/ledger", "/staff/leaders")
    for permission in TABLE:
        roles, path = permission.roles or frozenset(), permission.path
        if path.startswith(queue_and_ledger):
            assert not roles & {Role.admin, Role.press}, permission  # admins never read tips
        if path.startswith(("/staff/admin", "/staff/announcements", "/staff/campaign")):
            assert not roles & {Role.handler, Role.moderator}, permission
        if path.startswith("/staff/admin"):
            assert roles == {Role.admin}, permission
        if permission.method == "POST" and not path.startswith("/staff/account"):
            assert Role.leader not in roles, permission  # leaders change nothing


def routed_lead_with_file(db, settings, clock, unit_id: int) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """A tip with one file, accepted for `unit_id` (the handler's unit): its reference
    and file id, for the case page and the evidence download."""
    keys = IntakeKeys.from_secrets(settings.secret_key, settings.encryption_key)
    batch = UploadBatch(settings.upload_dir, new_envelope(db), UploadLimits())
    sink = batch.open("note.txt")
    sink.write(b"evidence\n")
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
