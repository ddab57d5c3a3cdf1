"""Caseworkers' screens over HTTP: a refused accept comes back at its form with the unit
barred, near-identical tips are offered as the same matter and read "merged into …"
everywhere, destructive actions take a second step, exports speak the reader's language,
thumbnails are audited once per view."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from sqlmodel import Session, col, select

from moderation.audit import AuditEvent
from moderation.clock import FixedClock
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import Submission, SubmissionState
from moderation.workflow import claims
from portal.queue.forms import normalize_reference
from tests.conftest import csrf_from, form_fields, page
from tests.queue_web_support import act, case_url, follow, submit
from tests.test_auth import fast_hashing  # noqa: F401 - fixture
from tests.workflow_support import World

pytest_plugins = ("tests.queue_web_fixtures",)
STORY = "某区分局户籍窗口民警在办理落户时索要好处费两千元，不给钱就一直拖着不办，前后跑了五趟。"


def claimed(db: Session, clock: FixedClock, world: World, keys: IntakeKeys,
            content: str = STORY) -> Submission:
    sub = submit(db, keys, clock, world, content=content).submission
    assert sub.id is not None
    claims.claim(db, world.moderator, sub.id, sub.version, clock=clock)
    db.commit()
    return sub


def test_refused_accept_returns_at_the_form_with_the_unit_barred(  # type: ignore[no-untyped-def]
        db: Session, keys: IntakeKeys, clock: FixedClock, world: World, signed_in) -> None:
    sub = claimed(db, clock, world, keys)
    mod = signed_in("mod1")
    shown = mod.get(case_url(sub.reference))
    form = page(shown).select_one("form#do-accept")
    assert form["action"].endswith("/accept#do-accept")  # the browser lands on the form
    barred = form.select_one(f"option[value='{world.accused.id}']")
    below = form.select_one(f"option[value='{world.child.id}']")
    assert barred.has_attr("disabled")
    assert below.has_attr("disabled")
    assert not form.select_one(f"option[value='{world.verifier.id}']").has_attr("disabled")
    assert not form.select_one(f"option[value='{world.parent.id}']").has_attr("disabled")
    groups = [g["label"] for g in form.select("#f-accept-responsible_unit_id optgroup")]
    assert len(groups) == 4  # above, other units, the unit itself, units under it

    # The server still refuses it, and the form comes back with what was typed.
    refused = act(mod, sub.reference, "accept", shown, handling_mode="off_site",
                  responsible_unit_id=str(world.accused.id), handling_due_on="2026-06-10")
    assert refused.status_code == 422
    again = page(refused)
    assert again.select_one("#f-accept-responsible_unit_id-error") is not None
    assert again.select_one("#f-accept-handling_due_on")["value"] == "2026-06-10"
    assert again.select_one("#f-accept-handling_mode option[selected]")["value"] == "off_site"
    assert again.select_one(f"#f-accept-responsible_unit_id option[value='{world.accused.id}']"
                            ).has_attr("disabled")
    assert fresh_state(db, sub) == SubmissionState.in_review


def fresh_state(db: Session, sub: Submission) -> SubmissionState:
    db.expire_all()
    found = db.get(Submission, sub.id)
    assert found is not None
    return found.state


def test_destructive_actions_are_confirmed_on_a_second_step(  # type: ignore[no-untyped-def]
        db: Session, keys: IntakeKeys, clock: FixedClock, world: World, signed_in) -> None:
    sub = claimed(db, clock, world, keys)
    mod = signed_in("mod1")
    shown = mod.get(case_url(sub.reference))
    reply = "您反映的内容不属于本次活动受理范围。<b>x</b>"
    review = act(mod, sub.reference, "reject", shown, step="review", reason="out_of_scope",
                 public_reply=reply)
    assert review.status_code == 200
    confirm = page(review)
    assert confirm.select_one(".preview-reply").get_text() == reply  # escaped, as typed
    assert confirm.select_one(".preview-status").get_text() == "不予受理"
    assert fresh_state(db, sub) == SubmissionState.in_review  # nothing happened yet
    # "Go back and change it" brings the case page with the form open and filled.
    fields = form_fields(review, "form#confirm-reject")
    back = mod.post(f"{case_url(sub.reference)}/reject", data={**fields, "step": "edit"})
    assert back.status_code == 200
    assert page(back).select_one("#f-reject-public_reply").get_text() == reply
    assert page(back).select_one("details.danger-zone").has_attr("open")
    done = mod.post(f"{case_url(sub.reference)}/reject", data=fields)
    assert done.status_code == 303
    assert fresh_state(db, sub) == SubmissionState.rejected


def test_same_story_is_offered_and_merged_into_reads_everywhere(  # type: ignore[no-untyped-def]
        db: Session, keys: IntakeKeys, clock: FixedClock, world: World, signed_in,
        client) -> None:
    first = submit(db, keys, clock, world, content=STORY)
    second = submit(db, keys, clock, world, content=STORY + "请尽快查处。")
    mod = signed_in("mod1")
    shown = mod.get(case_url(second.submission.reference))
    similar = [a.get_text() for a in page(shown).select(".similar-list > li > a")]
    assert similar == [first.submission.reference]
    offer = form_fields(shown, "form.same-matter")
    assert offer["main_reference"] == first.submission.reference
    # Typed in any letter case, without the prefix: the same case.
    bare = first.submission.reference.removeprefix("MS-").lower()
    merged = follow(mod, act(mod, second.submission.reference, "mark_duplicate", shown,
                             main_reference=bare))
    assert page(merged).select_one(".case-header .status-badge").get_text() == \
        f"已合并至 {first.submission.reference}"

    rows = list(csv.reader(io.StringIO(
        mod.get("/staff/queue/export.csv").text.lstrip("\ufeff"))))
    header = rows[0]
    by_ref = {row[header.index("reference")]: row for row in rows[1:]}
    row = by_ref[second.submission.reference]
    assert row[header.index("状态")] == f"已合并至 {first.submission.reference}"
    assert row[header.index("merged_into")] == first.submission.reference

    # The citizen of the second tip reads "merged into another case" on the track page
    # (the other case's number stays private).
    form = client.get("/track")
    client.post("/track", data={"csrf_token": csrf_from(form),
                                "receipt": second.receipt})
    track = page(client.get("/track/case"))
    assert track.select_one(".track-merged").get_text() == "已合并至另一件来信"
    assert first.submission.reference not in str(track)


def test_exports_speak_the_readers_language(  # type: ignore[no-untyped-def]
        db: Session, keys: IntakeKeys, clock: FixedClock, world: World, signed_in) -> None:
    sub = submit(db, keys, clock, world, content="=HYPERLINK(\"http://x\") " + STORY)
    mod = signed_in("mod1")
    text = mod.get("/staff/queue/export.csv").text.lstrip("\ufeff")
    header, row = list(csv.reader(io.StringIO(text)))[:2]
    assert header[:5] == ["编号", "类型", "渠道", "状态", "优先级"]
    assert "reference" in header
    assert "state" in header
    assert row[:5] == [sub.submission.reference, "举报", "网站", "新提交", "一般"]
    assert row[header.index("state")] == "new"
    data = mod.get("/staff/queue/export.xlsx")
    assert data.status_code == 200
    sheet = load_workbook(io.BytesIO(data.content)).worksheets[0]
    cells = [[c.value for c in r] for r in sheet.iter_rows(max_row=2)]
    assert cells[0][:5] == header[:5]
    assert cells[1][:5] == row[:5]
    assert all(c.data_type == "s" for c in next(sheet.iter_rows(min_row=2, max_row=2))
               if isinstance(c.value, str))
    english = signed_in("mod2")
    english.headers["Accept-Language"] = "en"
    en_header = next(csv.reader(io.StringIO(
        english.get("/staff/queue/export.csv").text.lstrip("\ufeff"))))
    assert en_header[:5] == ["Case number", "Kind", "Channel", "Status", "Priority"]
    assert db.exec(select(AuditEvent).where(col(AuditEvent.action) == "queue.export")
                   ).all()


def test_reference_typed_any_way() -> None:
    for typed in ("ms-abcd-efgh", "ABCDEFGH", "abcd efgh", " MS-ABCD-EFGH ", "msabcdefgh"):
        assert normalize_reference(typed) == "MS-ABCD-EFGH"
    assert normalize_reference("MS-XXXX-XXX") == "MS-XXXX-XXX"


def test_thumbnails_of_cleaned_images_audited_once_per_view(  # type: ignore[no-untyped-def]
        db: Session, keys: IntakeKeys, clock: FixedClock, world: World, signed_in,
        settings) -> None:
    from tests.browser.test_caseworker_browser import tip_with_photo

    sub = tip_with_photo(db, keys, clock, world, settings, STORY).submission
    mod = signed_in("mod1")
    shown = page(mod.get(case_url(sub.reference)))
    thumbs = [img["src"] for img in shown.select("img.evidence-thumb")]
    assert len(thumbs) == 1
    assert shown.select_one(".file-facts").get_text().startswith("图片 (JPG) · ")
    views = lambda: db.exec(select(AuditEvent).where(  # noqa: E731
        col(AuditEvent.action) == "submission.files_view")).all()
    assert len(views()) == 1
    image = mod.get(thumbs[0])
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/jpeg"
    assert image.headers["content-security-policy"].startswith("sandbox")
    assert image.content.startswith(b"\xff\xd8")
    assert len(views()) == 1  # the thumbnail itself is not audited again
    # Leaders read the case but fetch no files; other units' handlers do not see it.
    leader_page = page(signed_in("leader1").get(case_url(sub.reference)))
    assert leader_page.select("img.evidence-thumb") == []
    assert signed_in("leader1").get(thumbs[0]).status_code == 403
    assert signed_in("handler-a").get(thumbs[0]).status_code == 404
    assert len(views()) == 1
