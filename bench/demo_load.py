"""How long `portal demo` takes, and how fast the public replies pages render on it.

    python -m bench.demo_load [--cases 320] [--runs 50]

Uses a temporary SQLite file. Prints the time of the first load (campaign and demo
cases, through the real domain services), of the second load (which must change
nothing), and the median time of rendering /replies, a filtered /replies and one
reply page in-process (public page cache off). Never part of the test suite.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sqlmodel import Session
from starlette.testclient import TestClient

from moderation.intake.keys import IntakeKeys
from portal.app import create_app
from portal.db import make_engine
from portal.demo import load_demo
from portal.demo_cases import load_demo_cases
from portal.migrate import upgrade
from portal.settings import Settings


def _timed(action) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=320)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-demo-"))
    settings = Settings(secret_key="bench-secret-key-" + "b" * 40,
                        database_url=f"sqlite:///{folder / 'demo.sqlite3'}", data_dir=folder,
                        upload_dir=folder / "uploads", mode="test",
                        public_cache_seconds=0)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    keys = IntakeKeys.from_secrets(settings.secret_key, settings.encryption_key)

    def load() -> str:
        with Session(engine) as session:
            load_demo(session)
            summary = load_demo_cases(session, keys, count=args.cases).summary
            session.commit()
        return summary

    first_cpu = time.process_time()
    first = _timed(load)
    first_cpu = time.process_time() - first_cpu
    second = _timed(load)
    print(f"demo load, {args.cases} cases: first {first:.2f} s ({first_cpu:.2f} s CPU, "
          f"{1000 * first / args.cases:.1f} ms per case), second {second:.2f} s")
    app = create_app(settings, engine=engine)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        for path in ("/replies", "/replies?kind=suggestion&year=2021&q=建议", "/replies/1",
                     "/"):
            assert client.get(path).status_code == 200, path
            times = [_timed(lambda p=path: client.get(p)) for _ in range(args.runs)]
            print(f"GET {path}: median {1000 * statistics.median(times):.1f} ms, "
                  f"p95 {1000 * sorted(times)[int(0.95 * len(times)) - 1]:.1f} ms")


if __name__ == "__main__":
    main()
