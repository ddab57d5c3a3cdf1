"""Run a function on untrusted input in a child process with hard memory and time limits.

Decoders of files from strangers (images, PDFs, office files, spreadsheets) can be made to
expand a few kilobytes into gigabytes, or to loop for minutes. Budgets checked before
decoding stop the bombs we know of; this module stops the ones nobody thought of:

    from moderation.sandbox import Limits, run_limited
    result = run_limited(parse_file, path, limits=Limits(memory_bytes=512 * MB, seconds=20))

`func` must be a module-level function, and its arguments, result and any exception it
raises must pickle (pass paths and keys, not open files). Each call runs in a fresh
process forked from a forkserver, so a call cannot leak memory or state into the next,
and the server's own memory never holds what the decoder expanded. In the child, before
`func` runs: `RLIMIT_AS` caps the address space (allocation fails with MemoryError),
`RLIMIT_CPU` the processor time, and optionally `RLIMIT_FSIZE` the size of any file it
writes. The parent waits at most `Limits.seconds` and kills the child after that.

Errors: `OverBudget` (memory or file size), `TimedOut`, `WorkerCrashed` (the child died,
e.g. a C decoder crashed), `WorkerFailed` (an exception that could not be sent back).
An exception `func` raises is re-raised in the caller when it pickles.

The sandbox bounds resources, not privileges: the child runs as the server's user. It
stops bombs and runaway loops, not code execution through a decoder bug.

Cost: starting the forkserver once per process (~0.1-0.3 s, with `preload`), then a fork
per call (a few milliseconds; see `bench/sandbox_cost.py`).
"""

from __future__ import annotations

import errno
import multiprocessing
import os
import pickle
import resource
import signal
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from moderation.errors import DomainError

MB = 1024 * 1024
T = TypeVar("T")


@dataclass(frozen=True)
class Limits:
    """Hard limits of one call: address space, wall time, and optionally output file size."""

    memory_bytes: int = 768 * MB
    seconds: float = 60.0
    file_bytes: int | None = None


class SandboxError(DomainError):
    """The sandboxed call did not return a result."""


class OverBudget(SandboxError):
    """The call needed more memory (or wrote a larger file) than its limits allow."""


class TimedOut(SandboxError):
    """The call ran longer than its time limit and was killed."""


class WorkerCrashed(SandboxError):
    """The child process died without an answer (a signal, or a crash in C code)."""


class WorkerFailed(SandboxError):
    """The call raised an exception that could not be sent back as it was."""


_lock = threading.Lock()
_context: Any = None
_preload: set[str] = {"moderation.sandbox"}
# At most this many children at once per process, so concurrent uploads cannot multiply
# the memory limit without bound.
_slots = threading.BoundedSemaphore(max(2, os.cpu_count() or 2))


def preload(modules: Iterable[str]) -> None:
    """Import `modules` in the forkserver, so children start with them loaded.

    Takes effect when the forkserver starts (the first call); call it at import time of
    the module that uses the sandbox.
    """
    with _lock:
        _preload.update(modules)
        if _context is not None:
            _context.set_forkserver_preload(sorted(_preload))


def _get_context() -> Any:
    global _context
    with _lock:
        if _context is None:
            _context = multiprocessing.get_context("forkserver")
            _context.set_forkserver_preload(sorted(_preload))
        return _context


def _apply_limits(limits: Limits) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    cpu = int(limits.seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    if limits.file_bytes is not None:
        # Without SIG_IGN, passing the limit kills the child; with it, write() fails EFBIG.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash must not dump evidence


def _child(conn: Connection, limits: Limits, func: Callable[..., Any],
           args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    try:
        _apply_limits(limits)
        answer: tuple[str, Any] = ("ok", func(*args, **kwargs))
    except MemoryError:
        answer = ("memory", None)
    except OSError as exc:
        answer = ("memory", None) if exc.errno == errno.EFBIG else ("raise", exc)
    except BaseException as exc:
        answer = ("raise", exc)
    try:
        payload = pickle.dumps(answer)
        pickle.loads(payload)  # noqa: S301 - our own bytes: can the exception be rebuilt?
    except Exception:
        payload = pickle.dumps(("failed", type(answer[1]).__name__))
    conn.send_bytes(payload)
    conn.close()


def run_limited(func: Callable[..., T], *args: Any, limits: Limits = Limits(),
                **kwargs: Any) -> T:
    """Call `func(*args, **kwargs)` in a limited child process and return its result."""
    context = _get_context()
    with _slots:
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=_child, args=(sender, limits, func, args, kwargs),
                                  daemon=True)
        try:
            process.start()
            sender.close()
            if not receiver.poll(limits.seconds):
                process.kill()
                raise TimedOut(f"{getattr(func, '__name__', func)} over {limits.seconds}s")
            try:
                # The child is our own code under the server's user: it bounds resources,
                # it is no privilege boundary, so trusting its pickle adds no exposure.
                status, value = pickle.loads(receiver.recv_bytes())  # noqa: S301
            except (EOFError, OSError):
                process.join(5)
                if process.exitcode == -signal.SIGXCPU:
                    raise TimedOut("processor time limit") from None
                raise WorkerCrashed(f"exit code {process.exitcode}") from None
        finally:
            receiver.close()
            if process.is_alive():
                process.kill()
            process.join()
            process.close()
    if status == "ok":
        return value  # type: ignore[no-any-return]
    if status == "memory":
        raise OverBudget("memory or file size limit")
    if status == "failed":
        raise WorkerFailed(value)
    raise value
