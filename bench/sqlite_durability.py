"""What `PRAGMA synchronous=FULL` costs against NORMAL, in WAL mode, for real submissions.

Run with `python -m bench.sqlite_durability [--count N]`. For each level, a fresh SQLite
database in a temporary folder (on the same disk as the data folder would be) receives N
tips through the domain's own `submit_tip`, one transaction each, as the portal commits
them; the figures are commits per second and the median and 95th-percentile commit
latency. FULL fsyncs the WAL at every commit, so a receipt shown is a submission stored
even across a power cut. Never part of the test suite.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import event
from sqlmodel import Session

from moderation.clock import system_clock
from moderation.intake.keys import IntakeKeys
from moderation.intake.receipts import issue_form_nonce
from moderation.intake.service import submit_tip
from moderation.intake.validation import TipInput
from portal.db import make_engine
from portal.migrate import upgrade

KEYS = IntakeKeys.from_secrets("bench-durability-secret-" + "b" * 40)


def run(level: str, count: int, folder: Path) -> tuple[float, float, float]:
    engine = make_engine(f"sqlite:///{folder / (level + '.sqlite3')}")

    def set_level(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.execute(f"PRAGMA synchronous={level}")

    event.listen(engine, "connect", set_level)  # after the portal's own pragmas
    upgrade(engine)
    latencies = []
    started = time.perf_counter()
    for number in range(count):
        with Session(engine) as session:
            submit_tip(session, KEYS, issue_form_nonce(KEYS, "tip", system_clock), TipInput(
                content=f"派出所民警索要好处费，拖延办理户口。bench tip {number}",
                anonymous=True), clock=system_clock)
            before = time.perf_counter()
            session.commit()
            latencies.append(time.perf_counter() - before)
    elapsed = time.perf_counter() - started
    engine.dispose()
    latencies.sort()
    return count / elapsed, statistics.median(latencies) * 1000, \
        latencies[int(len(latencies) * 0.95)] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--dir", default=None, help="folder on the disk to measure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        print(f"{args.count} tips, one commit each, WAL mode")
        print(f"{'synchronous':<12} {'tips/s':>8} {'commit p50 ms':>14} {'commit p95 ms':>14}")
        for level in ("NORMAL", "FULL"):
            rate, p50, p95 = run(level, args.count, Path(folder))
            print(f"{level:<12} {rate:>8.1f} {p50:>14.2f} {p95:>14.2f}")


if __name__ == "__main__":
    main()
