"""Every table the portal has, imported in one place for Alembic and `create_all`."""

from moderation.audit import AuditEvent, AuditHead
from moderation.units import Unit
from portal.accounts.models import LoginThrottle, RolePolicy, StaffUser, WebSession
from portal.content.models import (
    Announcement,
    Campaign,
    CampaignStage,
    CampaignTask,
    HeadlineFigure,
    Pledge,
)

__all__ = [
    "Announcement",
    "AuditEvent",
    "AuditHead",
    "Campaign",
    "CampaignStage",
    "CampaignTask",
    "HeadlineFigure",
    "LoginThrottle",
    "Pledge",
    "RolePolicy",
    "StaffUser",
    "Unit",
    "WebSession",
]
