"""Applying the retention policy: `portal retention apply [--dry-run]` and a daily job.

The job runs in every worker, once an hour after a first delay; a conditional update of
the policy row lets exactly one worker apply the policy each day.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from moderation.clock import Clock
from moderation.retention import (
    apply,
    claim_daily_run,
    plan,
    policy_of,
    remove_erased_files,
)
from moderation.roles import Actor

log = logging.getLogger("portal.retention")
JOB_ACTOR = Actor.system("retention")
FIRST_RUN_AFTER = 600.0  # seconds after start-up: never in the way of a deploy
CHECK_EVERY = 3600.0


def apply_now(engine: Engine, upload_dir: Path, clock: Clock, actor: Actor = JOB_ACTOR, *,
              dry_run: bool = False, daily: bool = False) -> dict[str, int] | None:
    """Apply the policy (or, with `dry_run`, count what would go). None: not today's worker."""
    with Session(engine) as session:
        policy = policy_of(session)
        if dry_run:
            return plan(session, policy, clock()).counts()
        if daily and not claim_daily_run(session, clock().date()):
            session.rollback()
            return None
        counts = apply(session, policy, upload_dir, actor, clock)
        session.commit()
        remove_erased_files(session)
    return counts


async def daily_job(engine: Engine, upload_dir: Path, clock: Clock) -> None:
    """Run forever (cancelled at shutdown): apply the policy once a day."""
    await asyncio.sleep(FIRST_RUN_AFTER)
    while True:
        try:
            counts = await run_in_threadpool(apply_now, engine, upload_dir, clock, daily=True)
            if counts is not None:
                log.info("retention applied: %s", counts)
        except Exception as exc:  # an outage: try again at the next check
            log.warning("retention not applied: %s", type(exc).__name__)
        await asyncio.sleep(CHECK_EVERY)
