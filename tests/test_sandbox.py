"""The worker sandbox: results come back, and memory, time, crashes and errors are contained."""

from __future__ import annotations

import os
import signal
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path

import pytest

from moderation.errors import NotFound
from moderation.sandbox import (
    Limits,
    OverBudget,
    TimedOut,
    WorkerCrashed,
    WorkerFailed,
    run_limited,
)

MB = 1024 * 1024
SMALL = Limits(memory_bytes=256 * MB, seconds=10)


def add(a: int, b: int, *, times: int = 1) -> tuple[int, int]:
    return (a + b) * times, os.getpid()


def allocate(megabytes: int) -> int:
    block = bytearray(megabytes * MB)
    return len(block)


def spin() -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pass


def die() -> None:
    os.kill(os.getpid(), signal.SIGSEGV)


def refuse() -> None:
    raise NotFound("no such thing")


class Unpicklable(Exception):
    def __init__(self, a: int, b: int) -> None:
        super().__init__(f"{a}/{b}")


def raise_unpicklable() -> None:
    raise Unpicklable(1, 2)


def write_file(path: str, size: int) -> int:
    with open(path, "wb") as fh:
        fh.write(bytes(size))
    return size


def test_result_comes_back_from_another_process() -> None:
    total, pid = run_limited(add, 2, 3, times=2, limits=SMALL)
    assert total == 10
    assert pid != os.getpid()


def test_memory_over_the_limit_is_refused_and_under_it_works() -> None:
    assert run_limited(allocate, 32, limits=SMALL) == 32 * MB
    with pytest.raises(OverBudget):
        run_limited(allocate, 1024, limits=SMALL)


def test_time_limit_kills_the_child() -> None:
    started = time.monotonic()
    with pytest.raises(TimedOut):
        run_limited(spin, limits=Limits(memory_bytes=256 * MB, seconds=0.5))
    assert time.monotonic() - started < 5


def test_crash_and_errors_are_reported() -> None:
    with pytest.raises(WorkerCrashed):
        run_limited(die, limits=SMALL)
    with pytest.raises(NotFound, match="no such thing"):
        run_limited(refuse, limits=SMALL)
    with pytest.raises(WorkerFailed, match="Unpicklable"):
        run_limited(raise_unpicklable, limits=SMALL)
    with pytest.raises(WorkerFailed, match="cannot load the call"):
        run_limited(_only_in_this_process(), limits=SMALL)


def _only_in_this_process() -> Callable[[], int]:
    """A function the child cannot import (its module exists only in this process)."""
    module = types.ModuleType("minsheng_only_here")

    def local() -> int:
        return 1

    local.__module__, local.__qualname__ = module.__name__, "local"
    module.local = local  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    return local


def test_file_size_limit(tmp_path: Path) -> None:
    limits = Limits(memory_bytes=256 * MB, seconds=10, file_bytes=MB)
    assert run_limited(write_file, str(tmp_path / "ok"), 1000, limits=limits) == 1000
    with pytest.raises(OverBudget):
        run_limited(write_file, str(tmp_path / "big"), 4 * MB, limits=limits)


def test_a_dead_zygote_is_replaced() -> None:
    from moderation import sandbox

    run_limited(add, 1, 1, limits=SMALL)
    zygote = sandbox._get_zygote()
    zygote.process.kill()
    zygote.process.wait()
    assert run_limited(add, 1, 2, limits=SMALL)[0] == 3
    assert sandbox._get_zygote() is not zygote


def loaded_modules() -> list[str]:
    return sorted(sys.modules)


def frozen_objects() -> int:
    import gc

    return gc.get_freeze_count()


def test_the_zygote_preloads_the_cleaners_without_the_database_layer() -> None:
    """Every upload forks the zygote, and a fork costs time in proportion to the memory
    it copies: the cleaners it preloads must not pull in SQLAlchemy, SQLModel or
    pydantic (some 35 MB, about a millisecond of CPU per upload on this machine)."""
    import moderation.intake.cleaning  # noqa: F401 - adds the cleaners to the preload
    from moderation import sandbox

    sandbox._restart_zygote()  # started by an earlier test, perhaps with less preloaded
    in_child = run_limited(loaded_modules, limits=SMALL)
    # Each cleaner `sanitize` imports: one not preloaded is imported again by every child.
    cleaners = {f"moderation.intake.{path.stem}" for path in
                (Path(__file__).parents[1] / "moderation" / "intake").glob("sanitize*.py")}
    assert cleaners | {"moderation.intake.cleaning", "PIL.Image", "pypdf"} <= set(in_child)
    assert not {m.split(".")[0] for m in in_child} & {"sqlalchemy", "sqlmodel", "pydantic"}


def test_a_child_starts_with_the_zygotes_objects_frozen() -> None:
    """A child's garbage collection must not walk (and so copy, page by page) the
    objects of the modules the zygote preloaded."""
    import moderation.intake.cleaning  # noqa: F401 - adds the cleaners to the preload
    from moderation import sandbox

    sandbox._restart_zygote()
    assert run_limited(frozen_objects, limits=SMALL) > 10_000  # about 29,000 today
