"""Translatable labels for every enum value shown in the UI."""

from __future__ import annotations

import enum

from moderation.roles import Role
from moderation.units import UnitKind
from portal.content.models import AnnouncementCategory, AnnouncementStatus, PledgeStatus
from portal.locale_context import gettext, lazy_gettext

LABELS: dict[enum.Enum, str] = {
    Role.admin: lazy_gettext("Administrator"),
    Role.moderator: lazy_gettext("Moderator"),
    Role.handler: lazy_gettext("Unit handler"),
    Role.press: lazy_gettext("Press staff"),
    Role.leader: lazy_gettext("Leader (read-only)"),
    UnitKind.committee: lazy_gettext("Political-legal committee"),
    UnitKind.court: lazy_gettext("Court"),
    UnitKind.procuratorate: lazy_gettext("Procuratorate"),
    UnitKind.police: lazy_gettext("Public security"),
    UnitKind.justice: lazy_gettext("Justice bureau"),
    UnitKind.county: lazy_gettext("County or district"),
    UnitKind.other: lazy_gettext("Other"),
    AnnouncementCategory.press_conference: lazy_gettext("Press conferences"),
    AnnouncementCategory.news: lazy_gettext("News"),
    AnnouncementCategory.hero_story: lazy_gettext("Hero stories"),
    AnnouncementCategory.warning_case: lazy_gettext("Warning cases"),
    AnnouncementCategory.notice: lazy_gettext("Notices"),
    AnnouncementStatus.draft: lazy_gettext("Draft"),
    AnnouncementStatus.scheduled: lazy_gettext("Scheduled"),
    AnnouncementStatus.published: lazy_gettext("Published"),
    AnnouncementStatus.archived: lazy_gettext("Archived"),
    PledgeStatus.planned: lazy_gettext("Planned"),
    PledgeStatus.in_progress: lazy_gettext("In progress"),
    PledgeStatus.fulfilled: lazy_gettext("Fulfilled"),
}


def label(value: enum.Enum) -> str:
    """The translated label of an enum value (its value when none is defined)."""
    text = LABELS.get(value)
    return gettext(text) if text else str(getattr(value, "value", value))
