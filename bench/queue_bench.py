"""Queue benchmark at the domain level: fill N submissions, time pages, counts, search.

    python -m bench.queue_bench [--db sqlite|postgres] [--n 1000000] [--runs 200]

SQLite uses a temporary file (removed at the end); PostgreSQL a database of its own
(`bench_queue` on the local server, dropped and created again; `--pg-url` or
BENCH_DATABASE_URL to change). Submissions are bulk inserted (a million take minutes)
with text built from the campaign article in shared/seed plus typical tip phrases, sealed
with a data key per submission and indexed through the blind index (keyed token hashes),
as intake stores them; every call measured is the real domain function, SQL and
decryption included. Never part of the test suite.
"""

from __future__ import annotations

import argparse
import functools
import multiprocessing
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from moderation.intake.crypto import new_data_key, wrap_key
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import (
    Category,
    Channel,
    Priority,
    Submission,
    SubmissionKind,
    SubmissionState,
)
from moderation.intake.texts import SubmissionText, seal_submission_text
from moderation.queue import blind
from moderation.queue.blind import blind_document
from moderation.queue.counts import header_counts, queue_counts
from moderation.queue.filters import QueueQuery, SortKey, Tab
from moderation.queue.listing import list_queue
from moderation.queue.models import SubmissionSearch
from moderation.queue.similar import similar_cases
from moderation.roles import Actor, Role
from moderation.units import Unit
from portal.accounts.models import StaffUser
from portal.db import make_engine
from portal.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
SEED_DIRS = (ROOT.parent / "shared" / "seed", ROOT / "shared" / "seed",
             ROOT.parent.parent / "shared" / "seed")  # a worktree under wt/
PG_URL = os.environ.get("BENCH_DATABASE_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/bench_queue")
# The data is as old as it would be today: the portal served by the HTTP benchmarks runs
# on the real clock, and a queue filled for another date would be all overdue.
NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
# The filtered lists look at the five months before the last day.
PERIOD = ((NOW - timedelta(days=151)).date(), (NOW - timedelta(days=1)).date())
BENCH_SECRET = "queue-bench-secret-" + "b" * 40
KEYS = IntakeKeys.from_secrets(BENCH_SECRET)
UNITS = 20
CHUNK = 5_000
PHRASES = (
    "派出所民警在办理户口时索贿两千元。", "民警执法态度粗暴，辱骂群众。",
    "法官收受当事人财物，违规办理案件。", "检察院办案拖延，一年没有结果。",
    "司法所工作人员吃拿卡要。", "交警队辅警索要好处费。", "看守所违规为在押人员传递信息。",
    "律师反映立案难、执行难。", "建议延长政务大厅的办公时间。", "希望公开办案进度查询渠道。",
    "某干警充当黑恶势力保护伞。", "执行局长期不执行已生效判决。",
    "窗口人员推诿扯皮，群众多次往返。",
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"


def seed_sentences() -> list[str]:
    for folder in SEED_DIRS:
        files = sorted(folder.glob("*.txt")) if folder.is_dir() else []
        if files:
            raw = "".join(f.read_text(encoding="utf-8") for f in files)
            parts = [s.strip() for s in re.split(r"(?<=[。！？])", raw)]
            return [s for s in parts if 8 <= len(s) <= 200]
    sys.exit("no seed article found in shared/seed")


def make_database(kind: str, pg_url: str) -> tuple[Engine, str]:
    if kind == "sqlite":
        path = Path(tempfile.mkdtemp(prefix="queue-bench-")) / "bench.sqlite3"
        return make_engine(f"sqlite:///{path}"), str(path)
    url = make_url(pg_url)
    server = make_engine(url.set(database="postgres").render_as_string(hide_password=False),
                         isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    server.dispose()
    return make_engine(url.render_as_string(hide_password=False)), str(url.database)


def state_for(age_days: int, rng: random.Random, states: list[SubmissionState]) -> SubmissionState:
    """A state that fits the age, as in a working queue: undecided items are recent,
    leads are concluded within about 75 days; 2% of items are stragglers (overdue)."""
    if age_days < 15 or rng.random() < 0.02:
        return rng.choice(states)
    if age_days < 75:
        return rng.choice([SubmissionState.rejected, SubmissionState.accepted,
                           SubmissionState.verifying, SubmissionState.concluded])
    return rng.choice([SubmissionState.rejected, SubmissionState.concluded])


STATES = ([SubmissionState.new] * 30 + [SubmissionState.in_review] * 10
          + [SubmissionState.rejected] * 15 + [SubmissionState.accepted] * 10
          + [SubmissionState.verifying] * 10 + [SubmissionState.concluded] * 25)


def _memoise_token_hashes() -> None:
    # The bench text comes from one article, so its tokens repeat: their hashes are
    # memoised to fill quickly (the portal itself never keeps plaintext tokens).
    blind.token_hash = functools.lru_cache(maxsize=None)(blind.token_hash)  # type: ignore[assignment]


def _chunk(job: tuple[int, int, int, list[int], list[int], int]
           ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Submission and search rows `first`..`last`, sealed and indexed as intake does."""
    first, last, seed, unit_ids, category_ids, handler_id = job
    rng = random.Random(seed)
    sentences = _SENTENCES or seed_sentences()
    rows: list[dict[str, Any]] = []
    docs: list[dict[str, Any]] = []
    for i in range(first, last + 1):
        age = rng.randrange(24 * 365)
        received = NOW - timedelta(hours=age)
        state = state_for(age // 24, rng, STATES)
        accepted = state in (SubmissionState.accepted, SubmissionState.verifying,
                             SubmissionState.concluded)
        content = "".join(rng.sample(sentences, rng.randint(1, 3)))
        if rng.random() < 0.6:
            content = rng.choice(PHRASES) + content
        people = rng.choice(SURNAMES) + "某" if rng.random() < 0.5 else ""
        reference = f"MS-{i:04X}-{rng.getrandbits(16):04X}"[:16]
        data_key = new_data_key()
        local_day = (received + timedelta(hours=8)).date()
        rows.append({
            "id": i, "reference": reference,
            "kind": (SubmissionKind.tip if rng.random() < 0.7 else SubmissionKind.suggestion),
            "channel": rng.choice(list(Channel)), "state": state, "version": 1,
            "receipt_hash": f"r{i:063d}", "idempotency_hash": f"i{i:063d}",
            "received_at": received, "unit_concerned_id": rng.choice(unit_ids),
            "category_id": rng.choice(category_ids),
            "wrapped_key": wrap_key(KEYS.master, data_key, reference),
            "text_sealed": seal_submission_text(data_key, reference,
                                                SubmissionText(content, people)),
            "anonymous": True, "content_sha256": "0" * 64,
            "decision_due_on": local_day + timedelta(days=15),
            "handling_due_on": (local_day + timedelta(days=75)) if accepted else None,
            "extended": False, "extension_reason": "",
            "priority": rng.choice(list(Priority)),
            "responsible_unit_id": rng.choice(unit_ids) if accepted else None,
            "handler_id": handler_id if accepted and rng.random() < 0.1 else None,
            "awaiting_citizen": rng.random() < 0.03, "needs_decision": False,
            "finding": "",
        })
        docs.append({"submission_id": i,
                     "document": blind_document(KEYS.search, content, people, "", reference)})
    return rows, docs


_SENTENCES: list[str] = []


def fill(engine: Engine, n: int, rng: random.Random) -> dict[str, Any]:
    """Units, categories, staff, then `n` submissions and their search rows in bulk."""
    _SENTENCES[:] = seed_sentences()  # read once; the forked builders inherit it
    with Session(engine) as session:
        units = [Unit(code=f"u{i:02d}", name={"zh_CN": f"单位{i}", "en": f"Unit {i}"})
                 for i in range(UNITS)]
        categories = [Category(code=f"c{i}", name={"zh_CN": f"类别{i}", "en": f"C{i}"})
                      for i in range(8)]
        session.add_all(units + categories)
        session.flush()
        no_login = "!"  # not a hash: these accounts never sign in
        moderator = StaffUser(username="mod", display_name="mod", password_hash=no_login,
                              role=Role.moderator, created_at=NOW)
        handler = StaffUser(username="handler", display_name="handler", password_hash=no_login,
                            role=Role.handler, unit_id=units[3].id, created_at=NOW)
        session.add_all([moderator, handler])
        session.commit()
        unit_ids = [u.id for u in units]
        category_ids = [c.id for c in categories]
        ids = {"moderator": moderator.id, "handler": handler.id, "units": unit_ids}
    started = time.perf_counter()
    jobs = [(first, min(first + CHUNK - 1, n), rng.getrandbits(32), unit_ids, category_ids,
             ids["handler"]) for first in range(1, n + 1, CHUNK)]
    # Sealing and indexing a million texts is the slow part: build the chunks in one
    # process per core while this one inserts them, in order.
    engine.dispose()  # no open connection is copied into the forked builders
    context = multiprocessing.get_context("fork")
    with context.Pool(os.cpu_count() or 2, initializer=_memoise_token_hashes) as pool, \
            engine.begin() as conn:
        for rows, docs in pool.imap(_chunk, jobs):
            conn.execute(insert(Submission.__table__), rows)  # type: ignore[attr-defined]
            conn.execute(insert(SubmissionSearch.__table__), docs)  # type: ignore[attr-defined]
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT setval('submission_id_seq', :n)"), {"n": n})
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
            conn.execute(text("INSERT INTO submission_fts(submission_fts) VALUES ('optimize')"))
            conn.commit()
    ids["fill_seconds"] = time.perf_counter() - started
    return ids


def page(session: Session, who: Actor, query: QueueQuery, **options: Any) -> object:
    """One queue page, with the keys that open excerpts and hash the search text."""
    return list_queue(session, who, query, NOW, keys=KEYS, **options)


def measure(engine: Engine, runs: int, call: Callable[[Session], object]) -> tuple[float, float]:
    """p50 and p95 in milliseconds of `call` with a fresh session each run."""
    with Session(engine) as session:
        call(session)  # warm the caches
    timings = []
    for _ in range(runs):
        with Session(engine) as session:
            started = time.perf_counter()
            call(session)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    engine, where = make_database(args.db, args.pg_url)
    upgrade(engine)
    ids = fill(engine, args.n, random.Random(args.seed))
    print(f"{args.db} ({where}): {args.n:,} submissions filled in {ids['fill_seconds']:.1f} s")
    mod = Actor(id=ids["moderator"], label="mod", role=Role.moderator)
    handler = Actor(id=ids["handler"], label="handler", role=Role.handler, unit_id=ids["units"][3])
    unit = ids["units"][5]
    filtered = QueueQuery(state=SubmissionState.accepted, unit_id=unit,
                          received_from=PERIOD[0], received_to=PERIOD[1])
    with Session(engine) as session:
        second = list_queue(session, mod, QueueQuery(), NOW, keys=KEYS).next_cursor
        sample = session.get(Submission, args.n // 2)
    cases: list[tuple[str, str, float, Callable[[Session], object]]] = [
        ("first page (all, newest)", "page", 20, lambda s: page(s, mod, QueueQuery())),
        ("second page (cursor)", "page", 20,
         lambda s: page(s, mod, QueueQuery(), after=second)),
        ("tab new", "page", 20, lambda s: page(s, mod, QueueQuery(tab=Tab.new))),
        ("tab overdue, by due date", "page", 20, lambda s: page(
            s, mod, QueueQuery(tab=Tab.overdue, sort=SortKey.due, descending=False))),
        ("filtered: state+unit+dates", "page", 20, lambda s: page(s, mod, filtered)),
        ("handler first page", "page", 20, lambda s: page(s, handler, QueueQuery())),
        ("header counters", "page", 20, lambda s: header_counts(s, mod, NOW)),
        ("all five tab counts", "page", 20, lambda s: queue_counts(s, mod, NOW)),
        ("search 索贿 (2 chars)", "search", 300,
         lambda s: page(s, mod, QueueQuery(text="索贿"))),
        ("search 干警 (2 chars, common)", "search", 300,
         lambda s: page(s, mod, QueueQuery(text="干警"))),
        ("search 民警索贿 (phrase)", "search", 300,
         lambda s: page(s, mod, QueueQuery(text="民警在办理户口时索贿"))),
        ("search 顽瘴痼疾 + state", "search", 300, lambda s: page(
            s, mod, QueueQuery(text="顽瘴痼疾", state=SubmissionState.new))),
        ("search 民警 索贿 (two words)", "search", 300,
         lambda s: page(s, mod, QueueQuery(text="民警 索贿"))),
        ("search 王某 (people concerned)", "search", 300,
         lambda s: page(s, mod, QueueQuery(text="王某"))),
        ("search, nothing matches", "search", 300,
         lambda s: page(s, mod, QueueQuery(text="鲸鲨"))),
        ("similar cases", "hint", 300,
         lambda s: similar_cases(s, KEYS, sample)),  # type: ignore[arg-type]
    ]
    print(f"{'case':34} {'p50 ms':>8} {'p95 ms':>8} {'target':>7}  ok")
    failed = 0
    for name, _kind, target, call in cases:
        p50, p95 = measure(engine, args.runs, call)
        ok = p95 < target
        failed += not ok
        print(f"{name:34} {p50:8.1f} {p95:8.1f} {target:7.0f}  {'yes' if ok else 'NO'}")
    engine.dispose()
    if args.db == "sqlite":
        shutil.rmtree(Path(where).parent, ignore_errors=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
