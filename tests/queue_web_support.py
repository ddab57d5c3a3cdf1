"""Helpers for the queue web tests: submissions sealed with the app's own keys and form
posting through the real case page (fixtures: `tests/queue_web_fixtures.py`)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.testclient import TestClient

from moderation.clock import FixedClock
from moderation.intake.keys import IntakeKeys
from moderation.intake.receipts import issue_form_nonce
from moderation.intake.service import IntakeResult, submit_tip
from moderation.intake.storage import Contact
from moderation.intake.validation import TipInput
from tests.conftest import form_fields, page
from tests.workflow_support import World

MARK_NAME = "王标记Marker"
MARK_PHONE = "13912345678"
MARK_EMAIL = "marker-citizen@example.org"
MARKERS = (MARK_NAME, MARK_PHONE, MARK_EMAIL)
CONTENT = "某区分局民警在办理户口时索贿两千元，拖延不办。"


def submit(db: Session, keys: IntakeKeys, clock: FixedClock, world: World, *,
           content: str = CONTENT, named: bool = False) -> IntakeResult:
    """A tip about `world.accused`, sealed with the app's keys; committed."""
    if len(content) < 20:
        content += "希望有关部门调查核实并依法处理。"  # intake wants some detail
    contact = Contact(MARK_NAME, MARK_PHONE, MARK_EMAIL) if named else Contact()
    result = submit_tip(db, keys, issue_form_nonce(keys, "tip", clock),
                        TipInput(content=content, unit_concerned_id=world.accused.id,
                                 anonymous=not named, contact=contact), clock=clock)
    db.commit()
    return result


def case_url(reference: str) -> str:
    return f"/staff/cases/{reference}"


def act(client: TestClient, reference: str, action: str, page_response: Any = None,
        **changes: str) -> Any:
    """Post the case page's form for `action` as shown (with `changes`)."""
    shown = page_response if page_response is not None else client.get(case_url(reference))
    assert shown.status_code in (200, 409, 422), shown.text[:300]
    fields = form_fields(shown, f"form#do-{action}")
    return client.post(f"{case_url(reference)}/{action}", data={**fields, **changes})


def follow(client: TestClient, response: Any) -> Any:
    assert response.status_code == 303, response.text[:1000]
    return client.get(response.headers["location"])


def actions_on(response: Any) -> list[str]:
    return [form["id"].removeprefix("do-") for form in page(response).select("form.action-form")]
