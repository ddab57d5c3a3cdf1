"""Run a function on untrusted input in a child process with hard memory and time limits.

Decoders of files from strangers (images, PDFs, office files, spreadsheets) can be made to
expand a few kilobytes into gigabytes, or to loop for minutes. Budgets checked before
decoding stop the bombs we know of; this module stops the ones nobody thought of:

    from moderation.sandbox import Limits, run_limited
    result = run_limited(parse_file, path, limits=Limits(memory_bytes=512 * MB, seconds=20))

`func` must be a module-level function, and its arguments, result and any exception it
raises must pickle (pass paths and keys, not open files). Each call runs in a fresh
process forked from a small single-threaded "zygote" process (started once per server
process, with `preload` modules imported), so a call cannot leak memory or state into
the next, and the server's own memory never holds what the decoder expanded. Forking the
threaded server itself would be unsafe, and multiprocessing's forkserver re-runs the
server's main script in every child, hence our own zygote. In the child, before
`func` runs: `RLIMIT_AS` caps the address space (allocation fails with MemoryError),
`RLIMIT_CPU` the processor time, and optionally `RLIMIT_FSIZE` the size of any file it
writes. The parent waits at most `Limits.seconds` and kills the child after that.

Errors: `OverBudget` (memory or file size), `TimedOut`, `WorkerCrashed` (the child died,
e.g. a C decoder crashed), `WorkerFailed` (an exception that could not be sent back).
An exception `func` raises is re-raised in the caller when it pickles.

The sandbox bounds resources, not privileges: the child runs as the server's user. It
stops bombs and runaway loops, not code execution through a decoder bug.

Cost: starting the zygote once per process (an interpreter plus the preloaded modules),
then a fork per call (see `bench/sandbox_cost.py` for figures).
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import gc
import importlib
import json
import os
import pickle
import resource
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from moderation.errors import DomainError

MB = 1024 * 1024
T = TypeVar("T")
_HEADER = struct.Struct(">Q")
_START_SECONDS = 300  # importing the decoders on a loaded machine


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


_preload: set[str] = {"moderation.sandbox"}
# At most this many children at once per process, so concurrent uploads cannot multiply
# the memory limit without bound.
_slots = threading.BoundedSemaphore(max(2, os.cpu_count() or 2))


def preload(modules: Iterable[str]) -> None:
    """Import `modules` in the zygote, so children start with them loaded.

    Takes effect when the zygote starts (at the first call); call it at import time of
    the module that uses the sandbox. Modules not preloaded are imported by each child.
    """
    _preload.update(modules)


# -- the parent side ----------------------------------------------------------------------

class _Zygote:
    """The helper process that forks one child per call."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        boot = ("import sys, json; sys.path[:] = json.loads(sys.argv[1]); "
                "from moderation.sandbox import _zygote_main; "
                "_zygote_main(int(sys.argv[2]), sys.argv[3])")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", boot, json.dumps(sys.path), str(theirs.fileno()),
             ",".join(sorted(_preload))],
            pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL)
        theirs.close()
        self.control = ours
        self.lock = threading.Lock()
        # Wait until the preloaded modules are imported, so that a call's time limit
        # counts the call only, not the start of the zygote.
        ours.settimeout(_START_SECONDS)
        try:
            ready = ours.recv(1)
        except TimeoutError:
            ready = b""
        ours.settimeout(None)
        if ready != b"R":
            self.stop()
            raise WorkerCrashed("the sandbox's zygote did not start")

    def alive(self) -> bool:
        return self.process.poll() is None

    def start_child(self) -> socket.socket:
        """A connected socket to a freshly forked child."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            with self.lock:
                socket.send_fds(self.control, [b"j"], [theirs.fileno()])
        finally:
            theirs.close()
        return ours

    def stop(self) -> None:
        self.control.close()  # the zygote exits when its control socket closes
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


_zygote: _Zygote | None = None
_zygote_lock = threading.Lock()


def _get_zygote() -> _Zygote:
    global _zygote
    with _zygote_lock:
        if _zygote is None or not _zygote.alive():
            if _zygote is not None:
                _zygote.stop()
            _zygote = _Zygote()
            atexit.register(_zygote.stop)
        return _zygote


def start() -> None:
    """Start the zygote now rather than at the first call (which then waits for it to
    import the decoders): a server calls this before it takes requests."""
    _get_zygote()


def running() -> bool:
    """Whether this process's zygote is up."""
    with _zygote_lock:
        return _zygote is not None and _zygote.alive()


def _restart_zygote() -> None:
    global _zygote
    with _zygote_lock:
        if _zygote is not None:
            _zygote.stop()
        _zygote = None


def _recv_exact(conn: socket.socket, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        piece = conn.recv(size - len(data))
        if not piece:
            raise EOFError
        data += piece
    return bytes(data)


def _send_frame(conn: socket.socket, payload: bytes) -> None:
    conn.sendall(_HEADER.pack(len(payload)) + payload)


def _recv_frame(conn: socket.socket) -> bytes:
    return _recv_exact(conn, _recv_exact_size(conn))


def _recv_exact_size(conn: socket.socket) -> int:
    return int(_HEADER.unpack(_recv_exact(conn, _HEADER.size))[0])


def run_limited(func: Callable[..., T], *args: Any, limits: Limits = Limits(),
                **kwargs: Any) -> T:
    """Call `func(*args, **kwargs)` in a limited child process and return its result."""
    request = pickle.dumps((limits, func, args, kwargs))
    with _slots:
        try:
            conn = _get_zygote().start_child()
        except OSError:  # the zygote died (killed, out of memory): start a new one, once
            _restart_zygote()
            conn = _get_zygote().start_child()
        deadline = time.monotonic() + limits.seconds
        pid = 0
        try:
            conn.settimeout(limits.seconds)
            pid = _recv_exact_size(conn)
            _send_frame(conn, request)
            conn.settimeout(max(deadline - time.monotonic(), 0.001))
            # The child is our own code under the server's user: the sandbox bounds
            # resources, it is no privilege boundary, so its pickle adds no exposure.
            status, value = pickle.loads(_recv_frame(conn))  # noqa: S301
            pid = 0
        except TimeoutError:
            raise TimedOut(f"{getattr(func, '__name__', func)} over {limits.seconds}s") \
                from None
        except (EOFError, ConnectionError):
            raise WorkerCrashed("the worker died without an answer") from None
        finally:
            conn.close()
            if pid:
                _kill(pid)
    if status == "ok":
        return value  # type: ignore[no-any-return]
    if status == "memory":
        raise OverBudget("memory or file size limit")
    if status == "time":
        raise TimedOut("processor time limit")
    if status == "failed":
        raise WorkerFailed(value)
    raise value


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


# -- the zygote and child side ------------------------------------------------------------

def _zygote_main(control_fd: int, modules: str) -> None:
    """Import the preloaded modules, then fork a child for every socket received."""
    for name in filter(None, modules.split(",")):
        importlib.import_module(name)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    # A child's garbage collection would otherwise walk the preloaded modules' objects
    # too, writing to each one's header: every page it touches is then copied from the
    # zygote, at the cost of a page fault each. Frozen, they are never walked.
    gc.collect()
    gc.freeze()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which stops us
    control = socket.socket(fileno=control_fd)
    control.sendall(b"R")
    while True:
        try:
            message, fds, _flags, _address = socket.recv_fds(control, 1, 1)
        except OSError:
            return
        if not message:
            return
        if not fds:
            continue
        if os.fork() == 0:
            control.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            try:
                _child(socket.socket(fileno=fds[0]))
            finally:
                os._exit(0)
        os.close(fds[0])


class _CpuTimeUp(Exception):
    pass


def _on_cpu_limit(signum: int, frame: Any) -> None:
    raise _CpuTimeUp


def _apply_limits(limits: Limits) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    cpu = int(limits.seconds) + 1
    signal.signal(signal.SIGXCPU, _on_cpu_limit)  # soft limit: an exception; hard: killed
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    if limits.file_bytes is not None:
        # Without SIG_IGN, passing the limit kills the child; with it, write() fails EFBIG.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash must not dump evidence


def _child(conn: socket.socket) -> None:
    conn.sendall(_HEADER.pack(os.getpid()))
    try:
        limits, func, args, kwargs = pickle.loads(_recv_frame(conn))  # noqa: S301 - the server's
    except Exception as exc:  # e.g. a function defined in __main__: not importable here
        _send_frame(conn, pickle.dumps(("failed", f"cannot load the call: {exc!r}")))
        return
    try:
        _apply_limits(limits)
        answer: tuple[str, Any] = ("ok", func(*args, **kwargs))
    except MemoryError:
        answer = ("memory", None)
    except _CpuTimeUp:
        answer = ("time", None)
    except OSError as exc:
        answer = ("memory", None) if exc.errno == errno.EFBIG else ("raise", exc)
    except BaseException as exc:
        answer = ("raise", exc)
    try:
        payload = pickle.dumps(answer)
        pickle.loads(payload)  # noqa: S301 - our own bytes: can the exception be rebuilt?
    except Exception:
        payload = pickle.dumps(("failed", type(answer[1]).__name__))
    _send_frame(conn, payload)
    conn.close()
