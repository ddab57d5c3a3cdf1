"""What the benchmarks read about processes from /proc: a uvicorn master's workers, their
resident memory, and CPU time spent by the portal, the database server and the machine.
Linux only; loopback benchmarks only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def worker_pids(master_pid: int) -> list[int]:
    """The worker processes of a uvicorn master (the master itself when it serves alone):
    not the resource tracker, nor the workers' own file sandboxes."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    pids = [int(p) for p in children.read_text().split()] if children.exists() else []
    workers = [pid for pid in pids if b"spawn_main" in _command_line(pid)]
    return workers or [master_pid]


def _command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def memory_of(pid: int) -> dict[str, float]:
    """Resident memory of a process in MB: VmRSS, VmHWM (the peak), RssFile (mapped
    files: libraries and extension modules) and RssAnon (the heaps), from /proc."""
    status = Path(f"/proc/{pid}/status")
    figures = {}
    for line in status.read_text().splitlines() if status.exists() else []:
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM", "RssFile", "RssAnon"):
            figures[name] = int(value.split()[0]) / 1024
    return figures


def memory_line(label: str, memories: list[dict[str, float]], key: str) -> str:
    """One line of per-worker figures: `key` of each, with its file-backed share."""
    shown = [f"{m[key]:.0f} ({m.get('RssFile', 0):.0f} files + {m.get('RssAnon', 0):.0f} heap)"
             for m in memories if key in m]
    return f"{label}: {', '.join(shown) or 'unknown'}"


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND


def postgres_cpu_seconds() -> float:
    """CPU time used so far by the processes of the local PostgreSQL server that are
    still running (connections closed meanwhile take theirs with them)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    total += cpu_seconds(int(entry.name))
            except OSError:
                continue
    return total


def machine_busy_seconds() -> float:
    """CPU time the whole machine has spent busy (every core, every process, the kernel)."""
    figures = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = figures[3] + figures[4]  # idle and iowait
    return (sum(figures[:8]) - idle) / TICKS_PER_SECOND


@dataclass(frozen=True)
class CpuMark:
    """CPU times at one moment: the portal's workers, PostgreSQL, the whole machine."""

    workers: float
    postgres: float
    machine: float

    @classmethod
    def now(cls, worker_ids: list[int]) -> CpuMark:
        return cls(sum(cpu_seconds(pid) for pid in worker_ids), postgres_cpu_seconds(),
                   machine_busy_seconds())

    def since(self, earlier: CpuMark) -> CpuMark:
        return CpuMark(self.workers - earlier.workers, self.postgres - earlier.postgres,
                       self.machine - earlier.machine)
