"""Queue over HTTP: p50/p95 of the first queue page, a filtered page and a search, against
a bare Starlette app in the same run (both under uvicorn, in child processes).

    python -m bench.queue_http [--db sqlite|postgres] [--n 1000000] [--requests 200]

Fills the database with `bench.queue_bench.fill` (the same submissions as the domain
benchmark, a million by default), signs a moderator in by inserting a session row, then
times sequential requests on one keep-alive connection. Loopback only; the servers are
stopped at the end. Never part of the test suite.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from sqlmodel import Session

from bench.http_load import BARE_APP, HOST, free_port, portal_env, server, summary
from bench.queue_bench import BENCH_SECRET, PERIOD, PG_URL, fill, make_database
from portal.accounts.models import WebSession
from portal.accounts.sessions import STAFF_COOKIE
from portal.migrate import upgrade

TARGETS = {"first page": 20.0, "filtered page": 20.0, "search 索贿": 300.0}


def sign_in(engine, moderator_id: int) -> str:  # type: ignore[no-untyped-def]
    """A staff session for the moderator; returns the cookie value."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with Session(engine) as session:
        session.add(WebSession(id_hash=hashlib.sha256(token.encode()).hexdigest(),
                               kind="staff", user_id=moderator_id, data={}, created_at=now,
                               last_seen_at=now, expires_at=now + timedelta(days=1)))
        session.commit()
    return token


def timed(port: int, path: str, requests: int, cookie: str | None) -> tuple[float, float]:
    """p50 and p95 (ms) of `requests` sequential GETs after a short warm-up."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    headers = {"Cookie": f"{STAFF_COOKIE}={cookie}"} if cookie else {}
    timings = []
    try:
        for i in range(requests + 10):
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            elapsed = (time.perf_counter() - started) * 1000
            if response.status != 200:
                raise RuntimeError(f"GET {path} answered {response.status}")
            if i >= 10:
                timings.append(elapsed)
    finally:
        connection.close()
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--pg-url", default=PG_URL.replace("bench_queue", "bench_queue_http"))
    args = parser.parse_args()

    engine, where = make_database(args.db, args.pg_url)
    upgrade(engine)
    ids = fill(engine, args.n, random.Random(4))
    cookie = sign_in(engine, ids["moderator"])
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    print(f"{args.db} ({where}): {args.n:,} submissions filled in {ids['fill_seconds']:.1f} s")

    unit = ids["units"][5]
    paths = {
        "first page": "/staff/queue",
        "filtered page": (f"/staff/queue?state=accepted&unit={unit}"
                          f"&from={PERIOD[0]}&to={PERIOD[1]}&sort=due&order=asc"),
        "search 索贿": "/staff/queue?q=" + quote("索贿"),
    }
    workdir = Path(tempfile.mkdtemp(prefix="queue-http-"))
    # The key the bench data was sealed and indexed with: excerpts open, search finds.
    env = portal_env(workdir, url) | {"SECRET_KEY": BENCH_SECRET}
    portal_port, bare_port = free_port(), free_port()
    bare_script = workdir / "bare_app.py"
    bare_script.write_text(BARE_APP)
    results: dict[str, tuple[float, float]] = {}
    with server([sys.executable, "-m", "portal.cli", "serve", "--host", HOST,
                 "--port", str(portal_port)], f"http://{HOST}:{portal_port}/",
                env, workdir / "portal.log"):
        for name, path in paths.items():
            results[name] = timed(portal_port, path, args.requests, cookie)
    with server([sys.executable, str(bare_script), HOST, str(bare_port)],
                f"http://{HOST}:{bare_port}/", env, workdir / "bare.log"):
        bare = timed(bare_port, "/", args.requests, None)

    print(f"{'case':16} {'p50 ms':>8} {'p95 ms':>8} {'target':>7} {'p50 / bare':>11}  ok")
    failed = 0
    for name, (p50, p95) in results.items():
        ok = p95 < TARGETS[name]
        failed += not ok
        print(f"{name:16} {p50:8.1f} {p95:8.1f} {TARGETS[name]:7.0f} {p50 / bare[0]:11.1f}"
              f"  {'yes' if ok else 'NO'}")
        summary(f"queue page over HTTP ({args.db}, {args.n:,} submissions)", f"{name} p95",
                f"{p95:.1f} ms", f"< {TARGETS[name]:.0f} ms", ok)
    print(f"{'bare Starlette':16} {bare[0]:8.1f} {bare[1]:8.1f}")
    shutil.rmtree(workdir, ignore_errors=True)
    if args.db == "sqlite":
        shutil.rmtree(Path(where).parent, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
