"""Every table the portal has, imported in one place for Alembic and `create_all`."""

from moderation.audit import AuditEvent, AuditHead
from moderation.intake.handover import ReceiptHandover
from moderation.intake.models import (
    CaseMessage,
    CaseRating,
    Category,
    ClockPolicy,
    ReviewRequest,
    Submission,
    SubmissionFile,
)
from moderation.keycheck import KeyCheck
from moderation.ledger.models import (
    LedgerCaseLink,
    LedgerCategory,
    LedgerEntry,
    LedgerEvidence,
    LedgerItem,
    LedgerLookBack,
    LedgerMechanism,
    LedgerVerification,
)
from moderation.queue.models import SubmissionSearch
from moderation.ratelimit import RateCounter
from moderation.replies.models import PublicReply
from moderation.retention import RetentionPolicy
from moderation.units import Unit
from moderation.workflow.models import WorkflowPolicy
from portal.accounts.models import RolePolicy, StaffUser, WebSession
from portal.content.models import (
    Announcement,
    Campaign,
    CampaignStage,
    CampaignTask,
    HeadlineFigure,
    Pledge,
    PledgeUpdate,
)

__all__ = [
    "Announcement",
    "AuditEvent",
    "AuditHead",
    "Campaign",
    "CampaignStage",
    "CampaignTask",
    "CaseMessage",
    "CaseRating",
    "Category",
    "ClockPolicy",
    "HeadlineFigure",
    "KeyCheck",
    "LedgerCaseLink",
    "LedgerCategory",
    "LedgerEntry",
    "LedgerEvidence",
    "LedgerItem",
    "LedgerLookBack",
    "LedgerMechanism",
    "LedgerVerification",
    "Pledge",
    "PledgeUpdate",
    "PublicReply",
    "RateCounter",
    "ReceiptHandover",
    "RetentionPolicy",
    "ReviewRequest",
    "RolePolicy",
    "StaffUser",
    "Submission",
    "SubmissionFile",
    "SubmissionSearch",
    "Unit",
    "WebSession",
    "WorkflowPolicy",
]
