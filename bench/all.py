"""Every benchmark in one run, and one table of the results (`make bench`).

    python -m bench.all [--quick] [--only http,post,spike,spike-pause,queue,queue-pg]

Runs, one after the other (never two at once, so they do not measure each other): the
public pages against bare Starlette (three rounds, median ratio), sending under load on
PostgreSQL with two workers, the spike on PostgreSQL (a closed loop, then citizens who read
two seconds on average between actions), and the queue page over HTTP with a million
submissions on SQLite and on PostgreSQL. PostgreSQL runs use BENCH_DATABASE_URL
(or each benchmark's own database on the local server), dropped and created again.
`--quick` shortens everything (for a smoke test, not for figures). Full output goes to
`bench-output.txt` in the current folder; the table is printed at the end.
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
from pathlib import Path

STEPS = {
    "http": (["bench.http_load"], ["bench.http_load", "--rounds", "1", "--seconds", "2"]),
    "post": (["bench.post_load", "--workers", "2", "--clients", "32", "--submissions", "3000"],
             ["bench.post_load", "--submissions", "300"]),
    "spike": (["bench.spike"], ["bench.spike", "--connections", "100", "--seconds", "10"]),
    # The same 500 connections, each a citizen who reads a while between actions.
    "spike-pause": (["bench.spike", "--pause", "2"],
                    ["bench.spike", "--connections", "100", "--seconds", "10", "--pause", "1"]),
    "queue": (["bench.queue_http", "--db", "sqlite"], ["bench.queue_http", "--db", "sqlite",
                                                       "--n", "20000", "--requests", "50"]),
    "queue-pg": (["bench.queue_http", "--db", "postgres"],
                 ["bench.queue_http", "--db", "postgres", "--n", "20000", "--requests", "50"]),
}


def machine() -> str:
    cpus = Path("/proc/cpuinfo").read_text().count("processor\t:") if Path(
        "/proc/cpuinfo").exists() else 0
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text()
                  .splitlines() if line.startswith("model name")), platform.processor())
    return f"{platform.system()} {platform.release()}, {cpus} CPU ({model}), Python " \
           f"{platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default=",".join(STEPS))
    parser.add_argument("--output", default="bench-output.txt")
    args = parser.parse_args(argv)
    rows: list[list[str]] = []
    failed = 0
    with open(args.output, "w", encoding="utf-8") as log:
        for name in args.only.split(","):
            full, quick = STEPS[name]
            command = [sys.executable, "-m", *(quick if args.quick else full)]
            print(f"running {' '.join(command[2:])} …", flush=True)
            log.write(f"$ {' '.join(command[2:])}\n")
            run = subprocess.run(command, capture_output=True, text=True)
            log.write(run.stdout + run.stderr + "\n")
            found = [line.split("|")[1:] for line in run.stdout.splitlines()
                     if line.startswith("SUMMARY|")]
            if not found:
                found = [[name, "did not finish", f"exit {run.returncode}", "", "NO"]]
            rows += found
            failed += any(row[4] != "yes" for row in found)
    print(f"\nMachine: {machine()}")
    print("| area | case | result | target | met |")
    print("|---|---|---|---|---|")
    for area, case, figure, target, ok in rows:
        print(f"| {area} | {case} | {figure} | {target} | {ok} |")
    print(f"\nFull output: {args.output}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
