"""Acceptance 3: a tip concluded as substantiated through the workflow becomes a ledger
item over HTTP; the citizen's track page links it; progress appears on its public page."""

from __future__ import annotations

from sqlmodel import select

from moderation.intake.keys import IntakeKeys
from moderation.intake.models import Submission
from moderation.intake.receipts import issue_form_nonce
from moderation.intake.service import submit_tip
from moderation.intake.validation import TipInput
from moderation.ledger.cases import submissions_for_item
from moderation.ledger.models import LedgerItem
from moderation.workflow import claims, handling, triage
from tests.conftest import form_fields, login, page
from tests.test_track import open_case
from tests.workflow_support import CONTENT, make_world


def concluded_tip(db, clock, settings, world) -> tuple[Submission, str]:  # type: ignore[no-untyped-def]
    """A tip submitted with the app's keys (so /track opens it), taken by the workflow
    to concluded, substantiated."""
    keys = IntakeKeys.from_secrets(settings.secret_key, settings.encryption_key)
    result = submit_tip(db, keys, issue_form_nonce(keys, "tip", clock),
                        TipInput(content=CONTENT, unit_concerned_id=world.accused.id),
                        clock=clock)
    db.commit()
    sub = result.submission
    sub = claims.claim(db, world.moderator, sub.id, sub.version, clock=clock)
    sub = triage.accept(db, world.moderator, sub.id, sub.version, mode="off_site",
                        responsible_unit_id=world.verifier.id, handler_id=world.handler.id,
                        clock=clock)
    sub = handling.start_verification(db, world.handler, sub.id, sub.version, clock=clock)
    sub = handling.conclude(db, world.handler, sub.id, sub.version, outcome="substantiated",
                            finding="Confirmed by records.",
                            public_reply="Your report was substantiated.", clock=clock)
    db.commit()
    return sub, result.receipt


def test_case_to_ledger_to_track_to_public_progress(client, db, clock, settings,
                                                    make_user) -> None:
    world = make_world(db, make_user)
    case, receipt = concluded_tip(db, clock, settings, world)

    # The moderator opens the form for this case and puts it on the ledger.
    login(client, "mod1")
    case_page = client.get(f"/staff/cases/{case.reference}")
    assert case_page.status_code == 200
    button = page(case_page).select_one(".case-ledger a")
    assert button["href"] == f"/staff/ledger/new?case={case.reference}"
    form = client.get(button["href"])
    assert form.status_code == 200
    fields = form_fields(form, "form.ledger-form")
    assert page(form).select_one("form.ledger-form")["action"] == \
        f"/staff/ledger/from-case/{case.reference}"
    # The responsible unit defaults to the one that verified the case.
    assert fields["unit_id"] == str(world.verifier.id)
    assert CONTENT not in form.text  # the citizen's text is never copied
    fields.update({"title_zh_CN": "户籍窗口索要好处费整治", "title_en": "Bribes at the "
                   "household registration desk", "public": "on"})
    created = client.post(f"/staff/ledger/from-case/{case.reference}", data=fields)
    assert created.status_code == 303
    item = db.exec(select(LedgerItem)).one()
    assert submissions_for_item(db, item.id) == [case.id]

    # Progress added over HTTP, one public entry and one internal.
    item_url = f"/staff/ledger/{item.id}"
    for text, public in (("窗口已实行一次性告知", True), ("内部：约谈所长", False)):
        entry_form = page(client.get(item_url)).select_one(f"form[action='{item_url}/entries']")
        data = {"csrf_token": entry_form.select_one("input[name=csrf_token]")["value"],
                "happened_on": "2026-06-01", "body_zh_CN": text}
        if public:
            data["public"] = "on"
        assert client.post(f"{item_url}/entries", data=data).status_code == 303
    client.post("/staff/logout", data={"csrf_token": page(client.get("/staff/account"))
                                       .select_one("input[name=csrf_token]")["value"]})
    client.cookies.clear()

    # The citizen's track page says the report contributed, and links the public page.
    track = page(open_case(client, receipt))
    section = track.select_one(".track-ledger")
    assert section is not None
    assert [(a["href"], a.get_text()) for a in section.select("a")] == [
        (f"/ledger/{item.id}", "户籍窗口索要好处费整治")]

    public = client.get(f"/ledger/{item.id}")
    assert public.status_code == 200
    bodies = [p.get_text() for p in page(public).select(".ledger-entry-body")]
    assert bodies == ["窗口已实行一次性告知"]
    assert "约谈所长" not in public.text
    assert CONTENT not in public.text
