"""The editing forms of the press area: which fields, of what kind, within which limits.

Per-language texts are JSON columns, so their length limits live here.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.content.fields import (
    BOOL,
    CHOICE,
    DATE,
    DATETIME,
    EMAIL,
    INT,
    LOCALIZED,
    MARKDOWN,
    PHONE,
    UNIT,
    FieldSpec,
)
from portal.content.models import (
    AnnouncementCategory,
    CampaignStage,
    CampaignTask,
    HeadlineFigure,
    Pledge,
    PledgeStatus,
)
from portal.locale_context import lazy_gettext

TITLE_MAX = 200
SUMMARY_MAX = 500
BODY_MAX = 50_000
ALT_MAX = 300

ANNOUNCEMENT_FIELDS = (
    FieldSpec("category", lazy_gettext("Category"), CHOICE, choices=AnnouncementCategory,
              required=True),
    FieldSpec("title", lazy_gettext("Title"), LOCALIZED, max_length=TITLE_MAX, required=True),
    FieldSpec("summary", lazy_gettext("Summary"), LOCALIZED, max_length=SUMMARY_MAX, multiline=True,
              hint=lazy_gettext("One or two sentences shown in lists and the feed.")),
    FieldSpec("body_markdown", lazy_gettext("Text"), MARKDOWN, max_length=BODY_MAX, multiline=True,
              hint=lazy_gettext("Markdown: blank line between paragraphs, # for headings, "
                                "[text](https://...) for links.")),
    FieldSpec("cover_alt", lazy_gettext("Cover image description"), LOCALIZED, max_length=ALT_MAX,
              hint=lazy_gettext("What the picture shows, for people who cannot see it.")),
    FieldSpec("pinned", lazy_gettext("Pin to the top of lists"), BOOL),
    FieldSpec("publish_at", lazy_gettext("Publication time (China time)"), DATETIME,
              hint=lazy_gettext("Used by Schedule. Publish now uses the current time.")),
)

CAMPAIGN_FIELDS = (
    FieldSpec("name", lazy_gettext("Campaign name"), LOCALIZED, max_length=200, required=True),
    FieldSpec("tagline", lazy_gettext("Tagline"), LOCALIZED, max_length=300),
    FieldSpec("overall_requirement", lazy_gettext("Overall requirement"), LOCALIZED,
              max_length=2000, multiline=True),
    FieldSpec("intro", lazy_gettext("Introduction"), LOCALIZED, max_length=10_000,
              multiline=True),
    FieldSpec("how_to_report", lazy_gettext("How to report"), MARKDOWN, max_length=20_000,
              multiline=True, hint=lazy_gettext("Markdown.")),
    FieldSpec("confidentiality", lazy_gettext("Confidentiality"), MARKDOWN, max_length=10_000,
              multiline=True, hint=lazy_gettext("Markdown.")),
    FieldSpec("hotline_phone", lazy_gettext("Hotline phone"), PHONE, max_length=64),
    FieldSpec("hotline_hours", lazy_gettext("Hotline hours"), LOCALIZED, max_length=200),
    FieldSpec("mailbox_address", lazy_gettext("Mailbox address"), LOCALIZED, max_length=500,
              multiline=True),
    FieldSpec("email", lazy_gettext("Email"), EMAIL, max_length=254),
    FieldSpec("starts_on", lazy_gettext("Start date"), DATE),
    FieldSpec("ends_on", lazy_gettext("End date"), DATE),
)

POSITION = FieldSpec("position", lazy_gettext("Order"), INT, minimum=0, maximum=10_000,
                     hint=lazy_gettext("Lower numbers come first."))


@dataclass(frozen=True)
class RowKind:
    """One kind of campaign row that press staff add, edit and delete."""

    slug: str  # in URLs
    model: type
    title: str  # plural heading
    singular: str
    fields: tuple[FieldSpec, ...]
    label_field: str  # the per-language field that names a row in lists


ROW_KINDS: dict[str, RowKind] = {
    kind.slug: kind for kind in (
        RowKind("tasks", CampaignTask, lazy_gettext("Tasks"), lazy_gettext("Task"), (
            FieldSpec("title", lazy_gettext("Title"), LOCALIZED, max_length=200, required=True),
            FieldSpec("description", lazy_gettext("Description"), LOCALIZED, max_length=5000,
                      multiline=True),
            POSITION,
        ), "title"),
        RowKind("stages", CampaignStage, lazy_gettext("Stages"), lazy_gettext("Stage"), (
            FieldSpec("name", lazy_gettext("Name"), LOCALIZED, max_length=200, required=True),
            FieldSpec("description", lazy_gettext("Description"), LOCALIZED, max_length=5000,
                      multiline=True),
            FieldSpec("starts_on", lazy_gettext("Start date"), DATE),
            FieldSpec("ends_on", lazy_gettext("End date"), DATE),
            POSITION,
        ), "name"),
        RowKind("figures", HeadlineFigure, lazy_gettext("Headline figures"),
                lazy_gettext("Headline figure"), (
            FieldSpec("label", lazy_gettext("Label"), LOCALIZED, max_length=100, required=True),
            FieldSpec("value", lazy_gettext("Value"), INT, minimum=0, maximum=10**12),
            FieldSpec("suffix", lazy_gettext("Suffix"), LOCALIZED, max_length=20,
                      hint=lazy_gettext("Shown after the number, e.g. + or a unit.")),
            FieldSpec("as_of", lazy_gettext("As of"), DATE),
            POSITION,
        ), "label"),
        RowKind("pledges", Pledge, lazy_gettext("Pledges"), lazy_gettext("Pledge"), (
            FieldSpec("title", lazy_gettext("Title"), LOCALIZED, max_length=200, required=True),
            FieldSpec("description", lazy_gettext("Description"), LOCALIZED, max_length=5000,
                      multiline=True),
            FieldSpec("unit_id", lazy_gettext("Responsible unit"), UNIT),
            FieldSpec("status", lazy_gettext("Status"), CHOICE, choices=PledgeStatus,
                      required=True),
            FieldSpec("progress", lazy_gettext("Progress (%)"), INT, minimum=0, maximum=100),
            POSITION,
        ), "title"),
    )
}
