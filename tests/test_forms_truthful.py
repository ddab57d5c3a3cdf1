"""Forms that tell the truth: what is marked optional can be left empty, what is required
is marked in both languages, the error summary names each field by its label and links
to it, a suggestion speaks of suggestions, and the person concerned is one group."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, select
from starlette.testclient import TestClient

from moderation.intake.models import Category
from tests.conftest import page
from tests.test_intake_web import (
    CONTENT,
    NO_FILE,
    fields_of,
    topic,  # noqa: F401 - fixture
)

MARKERS = {"zh-CN": ("（选填）", "（必填）"), "en": ("(optional)", "(required)")}


def marked(doc: Any, marker: str) -> set[str]:
    """The names of the fields whose label, or whose group's legend, carries `marker`."""
    names = set()
    for label in doc.select("form.intake-form label[for]"):
        if marker in label.get_text():
            field = doc.select_one(f"#{label['for']}")
            names.add(field["name"])
    for legend in doc.select("form.intake-form legend"):
        if marker in legend.get_text():
            names.update(f["name"] for f in legend.parent.select("input[name]"))
    return names


@pytest.mark.parametrize("language", ["zh-CN", "en"])
@pytest.mark.parametrize("path", ["/submit/tip", "/submit/suggestion"])
@pytest.mark.usefixtures("topic")
def test_required_fields_are_marked_in_both_languages(client: TestClient, path: str,
                                                      language: str) -> None:
    optional, required = MARKERS[language]
    doc = page(client.get(path, headers={"Accept-Language": language}))
    assert "content" in marked(doc, required)
    assert "content" not in marked(doc, optional)
    if path.endswith("suggestion"):
        assert "category_id" in marked(doc, required)
    else:
        assert {"unit_concerned_id", "person_name", "happened_when"} <= marked(doc, optional)
    name_label = doc.select_one('label[for="f-contact_name"]').get_text()
    assert optional not in name_label  # required for a real-name report
    assert ("实名时必填" if language == "zh-CN" else "required with your name") in name_label


@pytest.mark.parametrize("path", ["/submit/tip", "/submit/suggestion"])
@pytest.mark.usefixtures("topic")
def test_every_field_marked_optional_can_be_left_empty(client: TestClient, db: Session,
                                                       path: str) -> None:
    category = db.exec(select(Category)).one()
    form = client.get(path, headers={"Accept-Language": "en"})
    optional = marked(page(form), "(optional)")
    assert optional  # the form does mark some fields optional
    data = {**fields_of(form), "content": CONTENT, "category_id": str(category.id)}
    data.update({name: "" for name in optional - {"evidence"}})  # files: none sent
    response = client.post(path, data=data, files=NO_FILE)
    assert response.status_code == 200, response.text[:1500]
    assert page(response).select_one("form.confirm-actions") is not None


@pytest.mark.usefixtures("topic")
def test_error_summary_names_fields_by_label_and_links_to_them(client: TestClient) -> None:
    client.headers["Accept-Language"] = "en"
    form = client.get("/submit/suggestion")
    data = {**fields_of(form), "content": "", "category_id": "", "identity": "real_name",
            "contact_name": "", "contact_phone": "", "contact_email": ""}
    response = client.post("/submit/suggestion", data=data, files=NO_FILE)
    assert response.status_code == 422
    doc = page(response)
    items = doc.select(".error-summary li a")
    named = {a.select_one(".error-field").get_text(strip=True): a["href"] for a in items}
    assert named == {"What do you suggest?": "#f-content", "Topic": "#f-category_id",
                     "Your name": "#f-contact_name", "Phone number": "#f-contact_phone"}
    for href in named.values():
        assert doc.select_one(href) is not None
    texts = " ".join(a.get_text(" ", strip=True) for a in items)
    assert "report" not in texts.lower()  # a suggestion's messages speak of suggestions
    # The form comes back as typed.
    assert doc.select_one("#f-identity-real_name").has_attr("checked")


@pytest.mark.parametrize(("language", "word"), [("en", "report"), ("zh-CN", "举报")])
@pytest.mark.usefixtures("topic")
def test_suggestion_form_never_speaks_of_tips(client: TestClient, language: str,
                                              word: str) -> None:
    doc = page(client.get("/submit/suggestion", headers={"Accept-Language": language}))
    text = doc.select_one("form.intake-form").get_text(" ", strip=True)
    assert word not in text.lower()


def test_person_concerned_is_one_group_with_a_persons_name(client: TestClient) -> None:
    doc = page(client.get("/submit/tip"))
    groups = [fs for fs in doc.select("form.intake-form fieldset")
              if fs.select_one("#f-person_name") is not None]
    assert len(groups) == 1
    assert groups[0].select_one("#f-unit_concerned_id") is not None
    legend = groups[0].find("legend").get_text(strip=True)
    assert legend == "被反映的单位和人员"
    assert doc.select_one('label[for="f-person_name"]').get_text().startswith("姓名")
    assert "名称" not in doc.select_one('label[for="f-person_name"]').get_text()
