"""What the worker sandbox costs: zygote start, an empty call, a small text file, a photo.

Run with `python -m bench.sandbox_cost [--calls 50]`. Prints the one-time start of the
zygote (an interpreter importing Pillow, pypdf and mutagen), the round trip of an empty
call (fork, limits, pickled answer), the machine's CPU per small text file cleaned
(`clean_file`, encrypted file to encrypted file) in the server process and in the
sandbox, and cleaning a 12-megapixel JPEG in the server process versus in the sandbox.
Machine CPU is read from /proc/stat: run it on an otherwise idle machine. Never part of
the test suite.
"""

from __future__ import annotations

import argparse
import io
import itertools
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from bench.processes import machine_busy_seconds
from moderation.intake.cleaning import CleanJob, WorkerLimits, clean_file, clean_in_worker
from moderation.intake.crypto import EncryptingWriter
from moderation.intake.filetypes import TYPES
from moderation.intake.sanitize import SanitizeCaps, sanitize
from moderation.sandbox import run_limited

NOTE = "现场情况记录：时间、地点和经过。\n".encode() * 20  # the spike's evidence file


def clean_jpeg(data: bytes) -> int:
    out = io.BytesIO()
    sanitize(TYPES["jpeg"], io.BytesIO(data), len(data), out)
    return len(out.getvalue())


def timed(call, times: int) -> list[float]:  # type: ignore[no-untyped-def]
    result = []
    for _ in range(times):
        started = time.perf_counter()
        call()
        result.append((time.perf_counter() - started) * 1000)
    return result


def machine_ms_per_call(call: Callable[[], object], times: int) -> float:
    """Milliseconds of the whole machine's CPU per call (the sandbox's children too)."""
    busy = machine_busy_seconds()
    for _ in range(times):
        call()
    return (machine_busy_seconds() - busy) / times * 1000


def text_jobs(folder: Path) -> Callable[[], CleanJob]:
    """A maker of jobs that clean one encrypted text file into a new part each time."""
    key = secrets.token_bytes(32)
    raw = folder / "note.raw"
    with open(raw, "wb") as fh:
        writer = EncryptingWriter(fh, key, "raw")
        writer.write(NOTE)
        writer.finish()
    parts = itertools.count()
    return lambda: CleanJob(
        raw_path=str(raw), raw_key=key, raw_context="raw",
        part_path=str(folder / f"note-{next(parts)}.part"), part_key=key,
        part_context="part", head=NOTE[:64], is_text=True, display_name="note.txt",
        caps=SanitizeCaps())


def summary(label: str, values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"{label:38} median {statistics.median(values):8.1f} ms   p95 {p95:8.1f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    run_limited(os.getpid)
    print(f"{'zygote start and first call':38} {(time.perf_counter() - started) * 1000:8.1f} ms")
    print(summary("empty call", timed(lambda: run_limited(os.getpid), args.calls)))
    with tempfile.TemporaryDirectory(prefix="minsheng-sandbox-cost-") as folder:
        job = text_jobs(Path(folder))
        calls = max(100, args.calls)
        print(f"text file of {len(NOTE)} bytes, machine CPU per file ({calls} files):")
        print(f"{'  cleaned in the server process':38} "
              f"{machine_ms_per_call(lambda: clean_file(job()), calls):8.2f} ms")
        in_worker = machine_ms_per_call(
            lambda: clean_in_worker(job(), WorkerLimits(), len(NOTE)), calls)
        print(f"{'  cleaned in the sandbox':38} {in_worker:8.2f} ms")
    photo = io.BytesIO()
    Image.effect_noise((4000, 3000), 60).convert("RGB").save(photo, "JPEG", quality=85)
    data = photo.getvalue()
    rounds = max(3, args.calls // 10)
    print(f"12 MP JPEG of {len(data) / 1e6:.1f} MB, {rounds} rounds:")
    print(summary("  cleaned in the server process", timed(lambda: clean_jpeg(data), rounds)))
    from bench import sandbox_cost  # this file imported by name: children can find it

    print(summary("  cleaned in the sandbox",
                  timed(lambda: run_limited(sandbox_cost.clean_jpeg, data), rounds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
