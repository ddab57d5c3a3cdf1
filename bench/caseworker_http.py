"""Caseworkers' pages over HTTP: p50/p95 of the case page (similar cases, next item in
the list), the leaders' dashboard with and without a unit filter, and the queue's CSV
and XLSX exports of one filtered list.

    python -m bench.caseworker_http [--db sqlite|postgres] [--n 20000] [--requests 50]

Fills the database with `bench.queue_bench.fill`, signs in a moderator and a leader by
inserting session rows, then times sequential requests on one keep-alive connection.
Loopback only; the server is stopped at the end. Never part of the test suite.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from bench.http_load import HOST, free_port, portal_env, server
from bench.queue_bench import BENCH_SECRET, PERIOD, PG_URL, fill, make_database
from bench.queue_http import sign_in, timed
from moderation.intake.models import Submission, SubmissionState
from moderation.roles import Role
from portal.accounts.models import StaffUser
from portal.migrate import upgrade


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--pg-url", default=PG_URL.replace("bench_queue", "bench_caseworker"))
    args = parser.parse_args()

    engine, where = make_database(args.db, args.pg_url)
    upgrade(engine)
    ids = fill(engine, args.n, random.Random(4))
    with Session(engine) as session:
        no_login = "!"  # not a hash: this account never signs in
        leader = StaffUser(username="leader", display_name="leader", password_hash=no_login,
                           role=Role.leader, created_at=datetime.now(UTC))
        session.add(leader)
        session.commit()
        leader_id = leader.id
        reference = session.execute(select(Submission.reference).where(
            Submission.state == SubmissionState.new).order_by(Submission.id.desc())).scalar()
    moderator_cookie = sign_in(engine, ids["moderator"])
    leader_cookie = sign_in(engine, leader_id)
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    print(f"{args.db} ({where}): {args.n:,} submissions filled in {ids['fill_seconds']:.1f} s")

    unit = ids["units"][5]
    period = f"from={PERIOD[0]}&to={PERIOD[1]}"
    paths = {
        "case page (new)": (f"/staff/cases/{reference}?queue=tab%3Dnew", moderator_cookie),
        "dashboard": ("/staff/leaders", leader_cookie),
        "dashboard unit+period": (f"/staff/leaders?unit={unit}&{period}", leader_cookie),
        "export CSV (filtered)": (f"/staff/queue/export.csv?unit={unit}&{period}",
                                  moderator_cookie),
        "export XLSX (filtered)": (f"/staff/queue/export.xlsx?unit={unit}&{period}",
                                   moderator_cookie),
    }
    workdir = Path(tempfile.mkdtemp(prefix="caseworker-http-"))
    # The fill seals texts with the bench's keys: the server must derive the same ones.
    env = portal_env(workdir, url) | {"SECRET_KEY": BENCH_SECRET}
    port = free_port()
    results = {}
    with server([sys.executable, "-m", "portal.cli", "serve", "--host", HOST,
                 "--port", str(port)], f"http://{HOST}:{port}/", env, workdir / "portal.log"):
        for name, (path, cookie) in paths.items():
            results[name] = timed(port, path, args.requests, cookie)
    print(f"{'case':24} {'p50 ms':>8} {'p95 ms':>8}")
    for name, (p50, p95) in results.items():
        print(f"{name:24} {p50:8.1f} {p95:8.1f}")
    shutil.rmtree(workdir, ignore_errors=True)
    if args.db == "sqlite":
        shutil.rmtree(Path(where).parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
