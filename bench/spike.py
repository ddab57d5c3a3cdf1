"""The press-conference spike: many citizens at once on every page a citizen touches.

    python -m bench.spike [--workers 3] [--connections 500] [--seconds 60] [--pause 0]

Starts the portal under uvicorn with several workers on a fresh PostgreSQL database
(`bench_spike`, or BENCH_DATABASE_URL) with the demo campaign, then keeps `--connections`
connections busy for `--seconds` with a mix: cached public pages, public pages outside the
page cache, form opens, submissions with a small file (both steps), and follow-up logins
(a wrong receipt, answered 422). Each simulated citizen has its own address (sent through
127.0.0.1 as a trusted proxy), so per-client rate limits hold; the portal-wide caps are
raised for the run. Reports throughput, p50/p95/p99 per kind, errors and the peak RSS
(VmHWM) of each worker, with each worker's resident memory before the load and at the
end, split into mapped files (libraries, extension modules) and heap. Before the load one
worker has served the start-up check's request (a page's first render: some 8 MB more);
the others have served nothing. Loopback only. Never part of the test suite.

By default each connection starts its next action as soon as one ends (the issue's closed
loop): the mean time of an action is then connections ÷ throughput whatever the portal
does. `--pause N` has each citizen arrive within the first N seconds and read for a random
while (mean N seconds) between actions, to see the times citizens get at a load below the
machine's limit.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import sys
import time
from dataclasses import dataclass, field

from bench.citizen import Citizen, Connection, fake_address
from bench.http_load import HOST, summary
from bench.post_load import fresh_database, percentile, running_portal
from bench.processes import memory_line, memory_of, worker_pids

PG_URL = os.environ.get("BENCH_DATABASE_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/bench_spike")
CACHED = ("/", "/pledges", "/announcements", "/how-to-report")
UNCACHED = ("/submit", "/verify")
# kind -> share of the actions
MIX = {"cached page": 45, "uncached page": 15, "form open": 15, "submission": 10,
       "follow-up login": 15}
EVIDENCE = [("evidence", "note.txt", "现场情况记录：时间、地点和经过。\n".encode() * 20,
             "text/plain")]
TARGET_P99_MS = 1000
TARGET_RSS_MB = 100


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)


async def one_action(citizen: Citizen, kind: str, rng: random.Random, number: int) -> None:
    if kind == "cached page":
        reply = await citizen.timed(kind, "GET", rng.choice(CACHED))
        if reply.status != 200:
            raise RuntimeError(f"{kind}: {reply.status}")
    elif kind == "uncached page":
        reply = await citizen.timed(kind, "GET", rng.choice(UNCACHED))
        if reply.status != 200:
            raise RuntimeError(f"{kind}: {reply.status}")
    elif kind == "form open":
        await citizen.open_form(rng.choice(("tip", "suggestion")))
    elif kind == "submission":
        form = rng.choice(("tip", "suggestion"))
        csrf, token, topic = await citizen.open_form(form)
        started = time.perf_counter()
        await citizen.send(form, csrf, token, number, topic, EVIDENCE)
        citizen.timings.setdefault("submission (both steps)", []).append(
            (time.perf_counter() - started) * 1000)
    else:
        await citizen.open_follow_up()


async def load(port: int, connections: int, seconds: float, seed: int,
               pause: float = 0.0) -> tuple[Tally, float]:
    origin = f"http://{HOST}:{port}"
    tally = Tally()
    numbers = itertools.count(1)
    kinds, weights = list(MIX), list(MIX.values())
    deadline = time.monotonic() + seconds

    async def user(index: int) -> None:
        rng = random.Random(seed * 100_000 + index)
        if pause:  # citizens arrive over the first pause, not all in the same instant
            await asyncio.sleep(rng.uniform(0, pause))
        while time.monotonic() < deadline:
            number = next(numbers)
            # A new citizen for each action: own browser (a connection of its own, so the
            # workers share the load as they would behind a proxy), own address
            # (per-client limits), no cookie yet.
            connection = Connection(HOST, port)
            citizen = Citizen(connection, fake_address(number), origin,
                              timings=tally.latencies)
            kind = rng.choices(kinds, weights)[0]
            try:
                await one_action(citizen, kind, rng, number)
            except (RuntimeError, OSError, asyncio.IncompleteReadError) as exc:
                tally.errors[kind] = tally.errors.get(kind, 0) + 1
                if len(tally.examples) < 5:
                    tally.examples.append(f"{kind}: {str(exc)[:160]}")
            await connection.close()
            if pause:  # reading the page before the next action
                await asyncio.sleep(min(rng.expovariate(1 / pause), 10 * pause))

    started = time.monotonic()
    await asyncio.gather(*(user(i) for i in range(connections)))
    return tally, time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--connections", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--pause", type=float, default=0.0,
                        help="mean seconds each citizen reads between actions (exponential; "
                             "0, the default, is the issue's closed loop with no pause)")
    args = parser.parse_args(argv)

    database_url, where = fresh_database("postgres", args.pg_url)
    with running_portal(database_url, args.workers) as (port, process):
        # Before the load: what the imports and start-up leave resident.
        at_start = [memory_of(pid) for pid in worker_pids(process.pid)]
        tally, elapsed = asyncio.run(load(port, args.connections, args.seconds, args.seed,
                                          args.pause))
        at_end = [memory_of(pid) for pid in worker_pids(process.pid)]
    peaks = [m["VmHWM"] for m in at_end if "VmHWM" in m]
    total = sum(len(v) for k, v in tally.latencies.items()
                if k not in ("submission (both steps)",))
    errors = sum(tally.errors.values())
    pauses = f", a mean pause of {args.pause:g} s between actions" if args.pause else ""
    print(f"PostgreSQL ({where}), uvicorn --workers {args.workers}, {args.connections} "
          f"connections for {elapsed:.0f} s{pauses}")
    print(f"requests {total} ({total / elapsed:.0f}/s), errors {errors}, "
          f"peak RSS per worker (MB): {', '.join(f'{p:.0f}' for p in peaks) or 'unknown'}")
    print(memory_line("RSS per worker before the load (MB)", at_start, "VmRSS"))
    print(memory_line("RSS per worker at the end (MB)", at_end, "VmRSS"))
    print(f"{'kind':26}{'count':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    worst_p99 = 0.0
    for kind in sorted(tally.latencies):
        values = tally.latencies[kind]
        p99 = percentile(values, 0.99)
        worst_p99 = max(worst_p99, p99)
        print(f"{kind:26}{len(values):>8}{percentile(values, 0.5):>9.0f}"
              f"{percentile(values, 0.95):>9.0f}{p99:>9.0f}{tally.errors.get(kind, 0):>8}")
    for example in tally.examples:
        print("  error:", example)
    area = f"spike (PostgreSQL, {args.workers} workers, {args.connections} connections"
    area += f", citizens reading {args.pause:g} s on average)" if args.pause else ", closed loop)"
    summary(area, "throughput", f"{total / elapsed:.0f} req/s", "", True)
    summary(area, "errors", str(errors), "0", errors == 0)
    summary(area, "worst p99 of any kind", f"{worst_p99:.0f} ms", f"< {TARGET_P99_MS} ms",
            worst_p99 < TARGET_P99_MS)
    summary(area, "peak RSS per worker", f"{max(peaks):.0f} MB" if peaks else "unknown",
            f"< {TARGET_RSS_MB} MB", bool(peaks) and max(peaks) < TARGET_RSS_MB)
    ok = errors == 0 and worst_p99 < TARGET_P99_MS and peaks and max(peaks) < TARGET_RSS_MB
    print(f"targets: zero errors, p99 < {TARGET_P99_MS} ms, RSS < {TARGET_RSS_MB} MB per "
          f"worker: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
