"""Instructions a portal worker executes per citizen's submission, counted by callgrind.

    python -m bench.instructions [--submissions 100] [--warm-up 40]

CPU time and submissions per second follow the machine's speed, which on a shared virtual
machine changes from hour to hour (bench.post_load gave 92 to 146 a second with the same
code on the same day). An instruction count does not: runs of the same code differ by
about 1.5 % (random references, keys and tokens; chores that run every few seconds),
whatever else the machine is doing, so two commits can be compared one after the other.

Starts the portal under valgrind's callgrind with one uvicorn worker on a fresh
PostgreSQL database (`bench_post`, as bench.post_load), sends `--warm-up` submissions
(tips and suggestions, both steps and the receipt page), zeroes the counters, sends
`--submissions` more from four clients and reads the count. It counts the worker's own
user-space instructions (Python, its libraries, libpq, OpenSSL), not the kernel's nor
PostgreSQL's. About 100 s for 100 submissions. Needs valgrind; never part of the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import bench.post_load as post_load
from bench.http_load import HOST


def callgrind_command(out_file: Path) -> Callable[[int, int], list[str]]:
    """post_load's portal command, as one worker (no supervisor) run by callgrind."""
    def command(port: int, _workers: int) -> list[str]:
        served = post_load.portal_command(port, 1)
        at = served.index("--workers")
        # A fixed hash seed: the order of sets and dicts of strings changes the count.
        return ["env", "PYTHONHASHSEED=0", "valgrind", "--tool=callgrind",
                f"--callgrind-out-file={out_file}", *served[:at], *served[at + 2:]]
    return command


def dumped_total(out_file: Path) -> int:
    """The instruction count of the dump callgrind_control asked for."""
    for path in sorted(out_file.parent.glob(out_file.name + "*")):
        text = path.read_text(errors="replace")
        if "Trigger: dump" in text[:2000]:
            for line in text.splitlines():
                if line.startswith("summary:"):
                    return int(line.split()[1])
    raise RuntimeError("callgrind wrote no dump")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=100)
    parser.add_argument("--warm-up", type=int, default=40)
    parser.add_argument("--pg-url", default=post_load.PG_URL)
    args = parser.parse_args(argv)
    if not shutil.which("valgrind"):
        print("valgrind is not installed (apt-get install valgrind)")
        return 2
    with tempfile.TemporaryDirectory(prefix="minsheng-callgrind-") as tmp:
        out_file = Path(tmp) / "callgrind.out"
        database_url, _ = post_load.fresh_database("postgres", args.pg_url)
        with post_load.running_portal(database_url, 1, callgrind_command(out_file)) as (
                port, process):
            origin = f"http://{HOST}:{port}"
            warm = asyncio.run(post_load.open_forms(port, origin, args.warm_up, 4))
            asyncio.run(post_load.send_all(port, origin, warm, 4))
            tickets = asyncio.run(post_load.open_forms(port, origin, args.submissions, 4))
            subprocess.run(["callgrind_control", "--zero", str(process.pid)], check=True,
                           capture_output=True)
            outcome = asyncio.run(post_load.send_all(port, origin, tickets, 4))
            subprocess.run(["callgrind_control", "--dump", str(process.pid)], check=True,
                           capture_output=True)
        total = dumped_total(out_file)
    sent = len(outcome.receipts)
    print(f"one worker under callgrind, PostgreSQL: {sent} submissions sent "
          f"({len(outcome.errors)} errors) after {args.warm_up} to warm up")
    print(f"instructions per submission (both steps and the receipt page): "
          f"{total / max(1, sent) / 1e6:.2f} M")
    return 0 if sent == args.submissions and not outcome.errors else 1


if __name__ == "__main__":
    sys.exit(main())
