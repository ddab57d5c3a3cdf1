"""What the worker sandbox costs: zygote start, an empty call, and cleaning a photo.

Run with `python -m bench.sandbox_cost [--calls 50]`. Prints the one-time start of the
zygote (an interpreter importing Pillow, pypdf and mutagen), the round trip of an empty
call (fork, limits, pickled answer), and cleaning a 12-megapixel JPEG in the server
process versus in the sandbox. Never part of the test suite.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time

from PIL import Image

import moderation.intake.cleaning  # noqa: F401 - registers the preloaded decoders
from moderation.intake.filetypes import TYPES
from moderation.intake.sanitize import sanitize
from moderation.sandbox import run_limited


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
