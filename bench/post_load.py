"""Sending under load: completed tip and suggestion submissions per second.

    python -m bench.post_load [--db postgres|sqlite] [--workers 2] [--clients 32]
                              [--submissions 3000]

Starts the portal under uvicorn with several workers on a fresh database (PostgreSQL by
default: `bench_post` on the local server, or BENCH_DATABASE_URL), behind no proxy but
trusting 127.0.0.1 for X-Forwarded-For, so each simulated citizen has an address of its
own (per-client rate limits hold; the portal-wide caps are raised for the run). First every
citizen opens a form; then `--clients` concurrent connections post the forms and press
"Send" on the confirmation pages (both steps, timed). Every submission must end with a
receipt, and the database must hold exactly one row per receipt. Also reports the CPU time
spent per submission while sending, by the portal's workers, by PostgreSQL and by the whole
machine, against what the target rate leaves on this machine's cores: a rate that is missed
because the cores are all busy is missed by that much CPU per submission.
Loopback only. Never part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from bench.citizen import Citizen, Connection, fake_address
from bench.http_load import HOST, free_port, portal_env, server, summary
from bench.processes import CpuMark, worker_pids
from bench.queue_bench import make_database
from portal.db import make_engine

PG_URL = os.environ.get("BENCH_DATABASE_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/bench_post")
SECRET = "bench-secret-key-" + "k" * 40
TARGET_PER_SECOND = 200


@dataclass
class Ticket:
    kind: str
    address: str
    cookie: str
    csrf: str
    token: str
    topic: str
    number: int


def portal_command(port: int, workers: int) -> list[str]:
    return [sys.executable, "-m", "uvicorn", "portal.asgi:app", "--host", HOST,
            "--port", str(port), "--workers", str(workers), "--no-access-log",
            "--no-server-header", "--proxy-headers", "--forwarded-allow-ips", HOST,
            "--log-level", "warning",
            # As the README deploys it: httptools, uvloop and the client deadlines.
            "--http", "portal.ops.serving:GuardedHttpToolsProtocol", "--loop", "uvloop"]


def bench_env(database_url: str, workdir: Path) -> dict[str, str]:
    return portal_env(workdir, database_url) | {
        "SECRET_KEY": SECRET, "UPLOAD_DIR": str(workdir / "uploads"),
        "INTAKE_FORMS_PER_HOUR": "10000000", "INTAKE_SENDS_PER_HOUR": "10000000"}


def prepare(env: dict[str, str], workdir: Path) -> None:
    cli = [sys.executable, "-m", "portal.cli"]
    for command in ("init", "demo"):
        subprocess.run([*cli, command], env=env, cwd=workdir, check=True, capture_output=True)


def fresh_database(kind: str, pg_url: str) -> tuple[str, str]:
    """A new, empty database: its URL and a name to print."""
    engine, where = make_database(kind, pg_url)
    database_url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    return database_url, where


@contextmanager
def running_portal(database_url: str, workers: int,
                   command: Callable[[int, int], list[str]] = portal_command,
                   ) -> Iterator[tuple[int, subprocess.Popen]]:
    """The demo campaign served by uvicorn with `workers` workers: (port, master process).

    `command(port, workers)` is the command that serves it (`portal_command` by default).
    """
    with tempfile.TemporaryDirectory(prefix="minsheng-load-") as tmp:
        workdir = Path(tmp)
        env = bench_env(database_url, workdir)
        prepare(env, workdir)
        port = free_port()
        # The CSRF defence compares Origin with BASE_URL: give the address served.
        env["BASE_URL"] = f"http://{HOST}:{port}"
        with server(command(port, workers), f"http://{HOST}:{port}/", env,
                    workdir / "portal.log") as process:
            yield port, process


async def open_forms(port: int, origin: str, count: int, clients: int) -> list[Ticket]:
    """Every citizen opens a form (alternately a tip and a suggestion form)."""
    numbers: asyncio.Queue[int] = asyncio.Queue()
    for number in range(count):
        numbers.put_nowait(number)
    tickets: list[Ticket] = []

    async def opener() -> None:
        connection = Connection(HOST, port)
        while not numbers.empty():
            number = numbers.get_nowait()
            kind = "tip" if number % 2 == 0 else "suggestion"
            citizen = Citizen(connection, fake_address(number + 1), origin)
            csrf, token, topic = await citizen.open_form(kind)
            tickets.append(Ticket(kind, citizen.address, citizen.cookie, csrf, token, topic,
                                  number))
        await connection.close()

    await asyncio.gather(*(opener() for _ in range(clients)))
    return tickets


@dataclass
class Outcome:
    receipts: list[str]
    errors: list[str]
    seconds: float
    timings: dict[str, list[float]]


async def send_all(port: int, origin: str, tickets: list[Ticket], clients: int,
                   files: list[tuple[str, str, bytes, str]] | None = None) -> Outcome:
    """`clients` connections send the opened forms, both steps each."""
    queue: asyncio.Queue[Ticket] = asyncio.Queue()
    for ticket in tickets:
        queue.put_nowait(ticket)
    receipts: list[str] = []
    errors: list[str] = []
    timings: dict[str, list[float]] = {}

    async def sender() -> None:
        # Each citizen is a browser of their own, with a connection of its own: with one
        # long-lived connection per client slot, the first worker to accept would serve
        # them all while the other worker idled.
        while not queue.empty():
            ticket = queue.get_nowait()
            connection = Connection(HOST, port)
            citizen = Citizen(connection, ticket.address, origin, cookie=ticket.cookie,
                              timings=timings)
            try:
                receipts.append(await citizen.send(ticket.kind, ticket.csrf, ticket.token,
                                                   ticket.number, ticket.topic, files))
            except (RuntimeError, OSError, asyncio.IncompleteReadError) as exc:
                errors.append(str(exc)[:200])
            await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(clients)))
    return Outcome(receipts, errors, time.perf_counter() - started, timings)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0.0


def submissions_stored(database_url: str) -> int:
    """Rows in the submission table."""
    check = make_engine(database_url)
    with check.connect() as conn:
        stored = int(conn.execute(text("SELECT count(*) FROM submission")).scalar_one())
    check.dispose()
    return stored


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--submissions", type=int, default=3000)
    args = parser.parse_args(argv)

    database_url, where = fresh_database(args.db, args.pg_url)
    with running_portal(database_url, args.workers) as (port, process):
        demo_rows = submissions_stored(database_url)  # the demo campaign's own cases
        origin = f"http://{HOST}:{port}"
        tickets = asyncio.run(open_forms(port, origin, args.submissions, args.clients))
        workers = worker_pids(process.pid)
        before = CpuMark.now(workers)
        outcome = asyncio.run(send_all(port, origin, tickets, args.clients))
        used = CpuMark.now(workers).since(before)
    stored = submissions_stored(database_url) - demo_rows
    rate = len(outcome.receipts) / outcome.seconds
    unique = len(set(outcome.receipts))
    print(f"{args.db} ({where}), uvicorn --workers {args.workers}, {args.clients} clients: "
          f"{len(outcome.receipts)} submissions sent in {outcome.seconds:.1f} s")
    print(f"completed per second {rate:.0f} (target ≥ {TARGET_PER_SECOND}); errors "
          f"{len(outcome.errors)}; receipts unique {unique}; rows stored {stored}")
    for kind, values in outcome.timings.items():
        print(f"  {kind:14} p50 {statistics.median(values):7.1f} ms   "
              f"p95 {percentile(values, 0.95):7.1f} ms   p99 {percentile(values, 0.99):7.1f} ms")
    for error in outcome.errors[:5]:
        print("  error:", error)
    cores = os.cpu_count() or 1
    per_submission = {name: 1000 * getattr(used, name) / max(1, len(tickets))
                      for name in ("workers", "postgres", "machine")}
    budget = 1000 * cores / TARGET_PER_SECOND
    print(f"CPU per submission (both steps and the receipt page): portal workers "
          f"{per_submission['workers']:.1f} ms, PostgreSQL {per_submission['postgres']:.1f} ms, "
          f"whole machine {per_submission['machine']:.1f} ms (load generator and kernel "
          f"included); {TARGET_PER_SECOND}/s on {cores} cores leaves {budget:.1f} ms")
    area = f"sending ({args.db}, {args.workers} workers, {args.clients} clients)"
    ok = (rate >= TARGET_PER_SECOND and not outcome.errors
          and unique == len(outcome.receipts) == stored)
    summary(area, "completed submissions per second",
            f"{rate:.0f}/s; errors {len(outcome.errors)}; rows {stored} for "
            f"{len(outcome.receipts)} receipts", f"≥ {TARGET_PER_SECOND}/s, 0 errors, 1 row each",
            ok)
    summary(area, "CPU per submission, whole machine",
            f"{per_submission['machine']:.1f} ms (portal {per_submission['workers']:.1f}, "
            f"PostgreSQL {per_submission['postgres']:.1f})",
            f"≤ {budget:.1f} ms ({TARGET_PER_SECOND}/s on {cores} cores)",
            per_submission["machine"] <= budget)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
