"""What the track pages share: intake keys, upload caps and clock rules from settings."""

from __future__ import annotations

from sqlmodel import Session
from starlette.requests import Request

from moderation.intake.deadlines import ClockRules, rules_for
from moderation.intake.files import UploadLimits
from moderation.intake.keys import IntakeKeys
from portal.settings import Settings


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def intake_keys(request: Request) -> IntakeKeys:
    """The app's intake keys, derived once from the settings and kept on the app."""
    state = request.app.state
    intake = getattr(state, "intake", None)  # portal.intake.config.IntakeConfig, if built
    if intake is not None:
        return intake.keys
    keys = getattr(state, "intake_keys", None)
    if keys is None:
        settings = settings_of(request)
        keys = IntakeKeys.from_secrets(settings.secret_key, settings.encryption_key,
                                       settings.encryption_key_previous)
        state.intake_keys = keys
    return keys


def upload_limits(settings: Settings) -> UploadLimits:
    """Caps for one follow-up form's files."""
    return UploadLimits(file_bytes=settings.upload_max_file_bytes,
                        total_bytes=settings.upload_max_total_bytes,
                        count=settings.upload_max_files)


def clock_rules(db: Session) -> ClockRules:
    """The campaign's statutory clocks (its policy row, else the defaults)."""
    return rules_for(db)
