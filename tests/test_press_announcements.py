"""Press staff write announcements: sanitised bodies, publication rules, bad input, audit."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from PIL import Image
from sqlmodel import select

from moderation.audit import AuditEvent
from moderation.roles import Role
from portal.accounts.models import StaffUser, WebSession
from portal.content import announcements as domain
from portal.content.models import Announcement, AnnouncementStatus
from portal.i18n import translations
from tests.conftest import csrf_from, foreign_scripts, form_fields, page

HOSTILE = (
    "Intro paragraph.\n\n<script>alert(1)</script>\n\n"
    "A [x](javascript:alert(1)) link and <img src=x onerror=alert(1)> inline.\n\n"
    "[safe](https://example.org)"
)


@pytest.fixture
def sign_in(client, db, clock):  # type: ignore[no-untyped-def]
    """Sign the test client in as a new user of `role` (a server-side session row)."""

    def do(role: Role, username: str | None = None) -> StaffUser:
        # No password is needed (and hashing one is slow): the session is made directly.
        user = StaffUser(username=username or f"{role.value}1", display_name=f"Test {role}",
                         password_hash="!", role=role, created_at=clock())
        db.add(user)
        db.commit()
        db.refresh(user)
        token = secrets.token_urlsafe(32)
        db.add(WebSession(id_hash=hashlib.sha256(token.encode()).hexdigest(), kind="staff",
                          user_id=user.id, data={}, created_at=clock(), last_seen_at=clock(),
                          expires_at=clock() + timedelta(hours=8)))
        db.commit()
        client.cookies.set("ms_staff", token, path="/staff")
        return user

    return do


@pytest.fixture
def press(sign_in):  # type: ignore[no-untyped-def]
    return sign_in(Role.press)


def new_form(client) -> tuple[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    response = client.get("/staff/announcements/new")
    assert response.status_code == 200
    return csrf_from(response), form_fields(response, "form.press-form")


def submit(client, url: str, fields: dict[str, str], files=None):  # type: ignore[no-untyped-def]
    return client.post(url, data=fields, files=files or {"cover": ("", b"", "")})


def filled(**overrides: str) -> dict[str, str]:
    fields = {
        "category": "news", "title_zh_CN": "标题", "title_en": "Title",
        "summary_zh_CN": "摘要", "summary_en": "Summary",
        "body_markdown_zh_CN": HOSTILE, "body_markdown_en": "English body",
    }
    fields.update(overrides)
    return fields


def create(client, action: str = "save", **overrides: str):  # type: ignore[no-untyped-def]
    token, fields = new_form(client)
    fields.update(filled(**overrides), csrf_token=token, action=action)
    return submit(client, "/staff/announcements/new", fields)


def audit_actions(db) -> list[str]:  # type: ignore[no-untyped-def]
    db.expire_all()
    return [e.action for e in db.exec(select(AuditEvent).order_by(AuditEvent.seq))]


def assert_harmless(fragment: str) -> None:
    soup = page(type("R", (), {"text": fragment})())
    assert soup.select("script") == []
    assert [a for a in soup.select("a") if "javascript" in a.get("href", "").lower()] == []
    assert [tag for tag in soup.find_all(True) if any(k.startswith("on") for k in tag.attrs)] \
        == []
    assert soup.select("img") == []  # the only image was hostile
    assert "<script" not in fragment


def test_publish_hostile_markdown_stores_sanitised_html(client, db, press) -> None:
    response = create(client, action="publish")
    assert response.status_code == 303
    assert response.headers["location"].endswith("?done=publish")
    row = db.exec(select(Announcement)).one()
    assert row.status == AnnouncementStatus.published
    html = row.body_html["zh_CN"]
    assert_harmless(html)
    links = page(type("R", (), {"text": html})()).select("a")
    assert [(a["href"], a["rel"]) for a in links] == [
        ("https://example.org", ["nofollow", "noopener"])]
    assert row.body_markdown["zh_CN"] == HOSTILE  # the source is kept as written
    edit_page = page(client.get(f"/staff/announcements/{row.id}"))
    assert edit_page.select_one(f"a[href='/announcements/{row.id}']") is not None
    assert audit_actions(db) == ["announcement.create", "announcement.publish"]


def test_preview_shows_sanitised_body_and_saves_nothing(client, db, press) -> None:
    response = create(client, action="preview")
    assert response.status_code == 200
    preview = page(response).select_one(".press-preview")
    assert preview is not None
    body = preview.select_one("[lang=zh-CN] .rich-text")
    assert body is not None
    assert "Intro paragraph." in body.text
    assert_harmless(str(body))
    assert foreign_scripts(page(response)) == []
    # The form comes back as typed, and nothing was stored.
    fields = form_fields(response, "form.press-form")
    assert fields["body_markdown_zh_CN"] == HOSTILE
    assert fields["title_en"] == "Title"
    assert db.exec(select(Announcement)).all() == []
    assert audit_actions(db) == []


def test_schedule_then_visible_only_after_time(client, db, clock, press) -> None:
    response = create(client, action="schedule", publish_at="2026-06-02T09:30")
    assert response.status_code == 303
    row = db.exec(select(Announcement)).one()
    assert row.status == AnnouncementStatus.scheduled
    # 09:30 in Shanghai is 01:30 UTC.
    assert row.publish_at == datetime(2026, 6, 2, 1, 30, tzinfo=UTC)
    assert not domain.is_public(row, clock())
    assert db.exec(select(Announcement).where(domain.public_clause(clock()))).all() == []
    clock.advance(hours=23, minutes=29)
    assert not domain.is_public(row, clock())
    clock.advance(minutes=1)
    assert domain.is_public(row, clock())
    assert db.exec(select(Announcement).where(domain.public_clause(clock()))).one().id == row.id
    assert audit_actions(db) == ["announcement.create", "announcement.schedule"]


def test_schedule_in_the_past_is_refused_and_form_kept(client, db, press) -> None:
    response = create(client, action="schedule", publish_at="2026-05-01T09:00")
    assert response.status_code == 422
    assert page(response).select_one("#f-publish_at-error") is not None
    assert form_fields(response, "form.press-form")["publish_at"] == "2026-05-01T09:00"
    assert db.exec(select(Announcement)).all() == []


def test_control_characters_are_dropped_not_a_500(client, db, press) -> None:
    response = create(client, title_en="Ti\x00tle", body_markdown_en="a\r\nb\x00")
    assert response.status_code == 303
    row = db.exec(select(Announcement)).one()
    assert row.title["en"] == "Title"
    assert row.body_markdown["en"] == "a\nb"


def test_draft_and_archived_are_not_public(clock) -> None:
    row = Announcement(category="news", status=AnnouncementStatus.draft,
                       publish_at=clock() - timedelta(days=1), created_at=clock(),
                       updated_at=clock())
    assert not domain.is_public(row, clock())
    row.status = AnnouncementStatus.archived
    assert not domain.is_public(row, clock())
    row.status = AnnouncementStatus.published
    assert domain.is_public(row, clock())


def test_edit_and_status_actions_each_audited(client, db, press) -> None:
    create(client)
    row = db.exec(select(Announcement)).one()
    edit = client.get(f"/staff/announcements/{row.id}")
    assert edit.status_code == 200
    fields = form_fields(edit, "form.press-form")
    assert fields["title_en"] == "Title"
    assert fields["version"] == "1"
    fields.update(title_en="New title", csrf_token=csrf_from(edit), action="save")
    assert submit(client, f"/staff/announcements/{row.id}", fields).status_code == 303
    for action in ("publish", "pin", "unpin", "unpublish", "archive"):
        db.expire_all()
        current = db.get(Announcement, row.id)
        response = client.post(f"/staff/announcements/{row.id}/{action}", data={
            "csrf_token": csrf_from(edit), "version": str(current.version)})
        assert response.status_code == 303, action
    db.expire_all()
    final = db.get(Announcement, row.id)
    assert final.status == AnnouncementStatus.archived
    assert final.title["en"] == "New title"
    edit_page = page(client.get(f"/staff/announcements/{row.id}"))
    assert edit_page.select(f"a[href='/announcements/{row.id}']") == []  # archived: off the site
    assert audit_actions(db) == [
        "announcement.create", "announcement.update", "announcement.publish",
        "announcement.pin", "announcement.unpin", "announcement.unpublish",
        "announcement.archive"]
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "announcement.update")).one()
    assert event.before["title"]["en"] == "Title"
    assert event.after["title"]["en"] == "New title"


def test_stale_version_is_409_and_keeps_text(client, db, press) -> None:
    create(client)
    row = db.exec(select(Announcement)).one()
    edit = client.get(f"/staff/announcements/{row.id}")
    fields = form_fields(edit, "form.press-form")
    client.post(f"/staff/announcements/{row.id}/pin",
                data={"csrf_token": csrf_from(edit), "version": "1"})
    fields.update(title_en="Mine", csrf_token=csrf_from(edit), action="save")
    response = submit(client, f"/staff/announcements/{row.id}", fields)
    assert response.status_code == 409
    assert form_fields(response, "form.press-form")["title_en"] == "Mine"


def test_list_filters_by_status(client, db, press) -> None:
    create(client, title_en="Draft one", title_zh_CN="草稿")
    create(client, action="publish", title_en="Live one", title_zh_CN="已发布")
    everything = page(client.get("/staff/announcements", headers={"Accept-Language": "en"}))
    assert len(everything.select("table.press-table tbody tr")) == 2
    published = page(client.get("/staff/announcements?status=published",
                                headers={"Accept-Language": "en"}))
    rows = published.select("table.press-table tbody tr")
    assert [r.select_one("a").text for r in rows] == ["Live one"]
    assert rows[0].select_one(".status-badge").text == "Published"


def _jpeg(size: tuple[int, int] = (16, 16)) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_cover_upload_is_stored_and_kept(client, db, settings, press) -> None:
    token, fields = new_form(client)
    fields.update(filled(cover_alt_zh_CN="蓝色方块"), csrf_token=token, action="save")
    response = submit(client, "/staff/announcements/new", fields,
                      files={"cover": ("photo.jpg", _jpeg(), "image/jpeg")})
    assert response.status_code == 303
    row = db.exec(select(Announcement)).one()
    assert row.cover_image
    assert row.cover_image.endswith(".jpg")
    assert (settings.upload_dir / "covers" / row.cover_image).is_file()
    assert row.cover_alt == {"zh_CN": "蓝色方块"}


@pytest.mark.parametrize(("overrides", "upload", "status", "field", "message"), [
    pytest.param({}, ("big.jpg", b"\xff\xd8" + b"0" * (5 * 1024 * 1024), "image/jpeg"), 413,
                 "cover", ("The image is larger than %(limit)s MB. Please choose a smaller one.",
                           {"limit": "5"}),
                 id="oversized-cover"),
    pytest.param({}, ("notes.jpg", b"just some text, not a picture", "image/jpeg"), 415,
                 "cover", ("Only JPEG, PNG or WebP images can be used as a cover.", {}),
                 id="text-named-jpg"),
    pytest.param({"title_en": "T" * 201}, None, 422, "title_en",
                 ("Use at most %(limit)s characters.", {"limit": 200}), id="overlong-title"),
    pytest.param({"publish_at": "2026-13-45T25:99"}, None, 422, "publish_at",
                 ("Enter a date and time as YYYY-MM-DD HH:MM.", {}), id="malformed-date"),
    pytest.param({"category": "gossip"}, None, 422, "category",
                 ("Choose one of the listed options.", {}), id="unknown-category"),
    pytest.param({"title_zh_CN": ""}, None, 422, "title_zh_CN",
                 ("This field is required in the default language.", {}), id="missing-title"),
])
def test_bad_input_gets_4xx_translated_and_refilled(client, db, press, overrides, upload,
                                                    status, field, message) -> None:
    msgid, variables = message
    for language in ("en", "zh_CN"):
        client.cookies.set("lang", language)
        token, fields = new_form(client)
        fields.update(filled(summary_en="Keep me", **overrides), csrf_token=token,
                      action="save")
        files = {"cover": upload} if upload else None
        response = submit(client, "/staff/announcements/new", fields, files=files)
        assert response.status_code == status
        soup = page(response)
        shown = soup.select_one(f"#f-{field}-error")
        assert shown is not None
        # The message comes from the catalog of the reader's language.
        assert shown.text == translations(language).gettext(msgid) % variables
        assert soup.select_one(f"#f-{field}")["aria-describedby"].endswith(f"f-{field}-error")
        assert soup.select_one(f".error-summary a[href='#f-{field}']") is not None
        again = form_fields(response, "form.press-form")
        assert again["summary_en"] == "Keep me"
        assert again["body_markdown_zh_CN"] == HOSTILE
        for key in ("title_en", "publish_at"):
            if key in overrides:
                assert again[key] == overrides[key]
    assert db.exec(select(Announcement)).all() == []


@pytest.mark.parametrize("role", [Role.handler, Role.moderator])
def test_other_roles_are_refused(client, sign_in, role) -> None:
    sign_in(role)
    assert client.get("/staff/announcements").status_code == 403
    assert client.get("/staff/campaign").status_code == 403


def test_anonymous_is_sent_to_sign_in(client) -> None:
    response = client.get("/staff/announcements/new")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/staff/login")
