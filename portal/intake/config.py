"""Intake settings for the web layer, built once per app and kept on `app.state.intake`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.requests import Request

from moderation.clock import AtMostEvery
from moderation.intake.cleaning import WorkerLimits
from moderation.intake.files import UploadLimits
from moderation.intake.keys import IntakeKeys, hkdf
from moderation.intake.models import CONTENT_MAX
from moderation.intake.storage import clean_leftovers
from moderation.ratelimit import Limit, purge_expired
from portal.settings import Settings
from portal.streaming_form import StreamLimits

HOUR = timedelta(hours=1)
MB = 1024 * 1024


@dataclass(frozen=True)
class RatePlan:
    """Per-client and global limits: one pair for posting a form, one for sending it."""

    form_client: Limit = field(default_factory=lambda: Limit("intake-form", 30, HOUR))
    form_global: Limit = field(default_factory=lambda: Limit("intake-form-all", 3000, HOUR))
    send_client: Limit = field(default_factory=lambda: Limit("intake-send", 10, HOUR))
    send_global: Limit = field(default_factory=lambda: Limit("intake-send-all", 1000, HOUR))
    verify_client: Limit = field(default_factory=lambda: Limit("intake-verify", 60, HOUR))


@dataclass(frozen=True)
class IntakeChores:
    """Upkeep each worker does at most so often, on the requests that need it done."""

    # Expired rate counters: a DELETE per citizen request cost more than the counting
    # itself during a spike. Counters outlive their window by at most this.
    rate_counters: AtMostEvery = field(
        default_factory=lambda: AtMostEvery(timedelta(seconds=10)))
    # Day-old drafts: cleaning lists every draft, a cost that grew with the drafts
    # abandoned that day when each POST paid it. Start-up cleans too.
    drafts: AtMostEvery = field(default_factory=lambda: AtMostEvery(timedelta(minutes=1)))


@dataclass(frozen=True)
class IntakeConfig:
    """Keys, upload caps and limits of the intake pages."""

    keys: IntakeKeys
    pending_key: bytes = field(repr=False)
    upload_dir: Path
    limits: UploadLimits
    timezone: str
    rates: RatePlan = field(default_factory=RatePlan)
    pending_max_age: timedelta = timedelta(days=1)
    cleanup_grace: timedelta = timedelta(hours=1)

    @property
    def pending_dir(self) -> Path:
        return self.upload_dir / "pending"

    @property
    def body_limit(self) -> int:
        """The largest request body an evidence form accepts: all files plus the text."""
        return self.limits.total_bytes + 16 * MB

    @property
    def stream_limits(self) -> StreamLimits:
        # Generous on purpose: the upload batch enforces the real caps file by file, so a
        # citizen whose file is too big gets the form back filled in rather than an error.
        return StreamLimits(max_fields=100, max_field_bytes=CONTENT_MAX * 4 + 1024,
                            max_files=self.limits.count + 10,
                            max_file_bytes=self.limits.total_bytes,
                            max_total_file_bytes=self.limits.total_bytes + self.limits.file_bytes)


def build_intake_config(settings: Settings) -> IntakeConfig:
    """Derive the keys once and read the caps from the settings."""
    return IntakeConfig(
        keys=IntakeKeys.from_secrets(settings.secret_key, settings.encryption_key,
                                     settings.encryption_key_previous),
        pending_key=hkdf(settings.secret_key.encode(), "intake/web-pending"),
        upload_dir=Path(settings.upload_dir),
        limits=UploadLimits(file_bytes=settings.upload_max_file_bytes,
                            total_bytes=settings.upload_max_total_bytes,
                            count=settings.upload_max_files,
                            worker=WorkerLimits(memory_bytes=settings.upload_worker_memory_mb * MB,
                                                seconds=settings.upload_worker_seconds)),
        timezone=settings.timezone,
        rates=RatePlan(
            form_global=Limit("intake-form-all", settings.intake_forms_per_hour, HOUR),
            send_global=Limit("intake-send-all", settings.intake_sends_per_hour, HOUR)),
        cleanup_grace=timedelta(minutes=settings.cleanup_grace_minutes),
    )


def intake_config(request: Request) -> IntakeConfig:
    """The app's intake configuration."""
    return request.app.state.intake


def clean_intake_storage(config: IntakeConfig, engine: Engine) -> None:
    """Start-up: delete unfinished uploads, stale drafts and expired rate counters.

    Only leftovers older than the grace period go: workers sharing the upload folder
    never remove each other's uploads in flight, and a draft being sent when a worker
    crashed stays for the citizen's next "Send".
    """
    from portal.intake.pending import PendingStore

    PendingStore(config).clean(incomplete_older_than=config.cleanup_grace)
    if not config.upload_dir.is_dir():
        return
    with Session(engine) as session:
        clean_leftovers(config.upload_dir, session, older_than=config.cleanup_grace)
        purge_expired(session)
        session.commit()
