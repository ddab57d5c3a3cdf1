"""HTTP load: the portal's public pages against a bare Starlette app, under uvicorn and wrk.

Run with `python -m bench.http_load` (or `make bench`). Three servers run side by side:
bare Starlette, the portal with its public page cache, and the portal with the cache off
(`PUBLIC_CACHE_SECONDS=0`). Each round measures every page on the bare app and on the
portal back to back, so the ratio compares two servers under the same machine load; the
table shows the median of the rounds. Loopback only; the servers run in child processes
and are stopped at the end. Needs Debian's `wrk`. Never part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"  # loopback only, never another interface
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Page:
    """One measured page: its label, path, which portal server, and the target ratio."""

    label: str
    path: str
    server: str  # "cached" or "uncached"
    target: float


PAGES = (
    Page("/ (cached)", "/", "cached", 0.6),
    Page("/announcements (cached)", "/announcements", "cached", 0.6),
    Page("/submit/tip (form)", "/submit/tip", "cached", 0.25),
    Page("/submit/suggestion (form)", "/submit/suggestion", "cached", 0.25),
    Page("/track (follow-up)", "/track", "cached", 0.25),
    Page("/verify", "/verify", "cached", 0.25),
    Page("/ (cache off)", "/", "uncached", 0.15),
    Page("/pledges (cache off)", "/pledges", "uncached", 0.15),
    Page("/announcements (cache off)", "/announcements", "uncached", 0.15),
)

BARE_APP = """
import sys
import uvicorn
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

PAGE = "<!doctype html><html lang=en><title>bare</title><h1>Hello</h1></html>"

async def page(request):
    return HTMLResponse(PAGE)

app = Starlette(routes=[Route("/{path:path}", page)])
uvicorn.run(app, host=sys.argv[1], port=int(sys.argv[2]), log_level="warning",
            access_log=False)
"""


@dataclass(frozen=True)
class Result:
    requests_per_second: float
    latency_avg_ms: float
    latency_p99_ms: float
    errors: int


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def status_of(url: str, timeout: float = 10) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server for {url} exited with {process.returncode}")
        if status_of(url) is not None:
            return
        time.sleep(0.2)
    raise RuntimeError(f"server for {url} did not start within {timeout}s")


@contextmanager
def server(command: list[str], url: str, env: dict[str, str],
           log: Path) -> Iterator[subprocess.Popen]:
    """Start a server process, wait for it to answer, stop it afterwards."""
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, cwd=log.parent, stdout=out,
                                   stderr=subprocess.STDOUT)
        try:
            wait_until_up(url, process)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            _show_tracebacks(log)


def _show_tracebacks(log: Path) -> None:
    """Print the server's tracebacks (a 500 under load is a bug to read, not a figure)."""
    text = log.read_text(errors="replace") if log.exists() else ""
    if "Traceback" in text:
        print(f"--- {log.name}: server errors ---\n{text[-6000:]}", file=sys.stderr)


def portal_env(workdir: Path, database_url: str | None = None) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items()
               if k not in ("DATABASE_URL", "SECRET_KEY", "MINSHENG_MODE", "DATA_DIR",
                            "UPLOAD_DIR", "BASE_URL", "PUBLIC_CACHE_SECONDS")}
    environ.update(DATABASE_URL=database_url or f"sqlite:///{workdir / 'bench.sqlite3'}",
                   MINSHENG_MODE="dev", DATA_DIR=str(workdir / "data"))
    return environ


def prepare_portal(env: dict[str, str], workdir: Path) -> str:
    """Migrate the database and load the demo campaign."""
    cli = [sys.executable, "-m", "portal.cli"]
    subprocess.run([*cli, "init"], env=env, cwd=workdir, check=True, capture_output=True)
    subprocess.run([*cli, "demo"], env=env, cwd=workdir, check=True, capture_output=True)
    return "demo campaign"


def run_wrk(url: str, threads: int, connections: int, seconds: int) -> Result:
    output = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        check=True, capture_output=True, text=True, timeout=seconds + 30,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    avg = _ms(re.search(r"Latency\s+([\d.]+\w+)", output).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"99%\s+([\d.]+\w+)", output).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return Result(rps, avg, p99, errors + (int(non_2xx.group(1)) if non_2xx else 0))


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


@dataclass(frozen=True)
class PageFigures:
    """The medians of one page over the rounds."""

    page: Page
    bare_rps: float
    portal_rps: float
    ratio: float
    p99_ms: float
    errors: int

    @property
    def ok(self) -> bool:
        return self.ratio >= self.page.target and self.errors == 0


def measure(pages: tuple[Page, ...], bases: dict[str, str], *, rounds: int, threads: int,
            connections: int, seconds: int) -> list[PageFigures]:
    """Every page on bare and portal, `rounds` times; medians per page."""
    samples: dict[str, list[tuple[Result, Result]]] = {p.label: [] for p in pages}
    for _round in range(rounds):
        for page in pages:
            bare = run_wrk(bases["bare"] + page.path, threads, connections, seconds)
            ours = run_wrk(bases[page.server] + page.path, threads, connections, seconds)
            samples[page.label].append((bare, ours))
    figures = []
    for page in pages:
        pairs = samples[page.label]
        figures.append(PageFigures(
            page,
            statistics.median(b.requests_per_second for b, _ in pairs),
            statistics.median(o.requests_per_second for _, o in pairs),
            statistics.median(o.requests_per_second / b.requests_per_second
                              for b, o in pairs),
            statistics.median(o.latency_p99_ms for _, o in pairs),
            sum(o.errors for _, o in pairs)))
    return figures


def print_table(figures: list[PageFigures]) -> None:
    print(f"| {'page':<28}| {'bare req/s':>10} | {'portal req/s':>12} | {'ratio':>5} "
          f"| {'target':>6} | {'p99 ms':>7} | {'errors':>6} |")
    print(f"|{'-' * 29}|{'-' * 12}|{'-' * 14}|{'-' * 7}|{'-' * 8}|{'-' * 9}|{'-' * 8}|")
    for f in figures:
        mark = "" if f.ok else " ✗"
        print(f"| {f.page.label:<28}| {f.bare_rps:>10.0f} | {f.portal_rps:>12.0f} "
              f"| {f.ratio:>5.2f} | {'≥' + format(f.page.target, '.2f'):>6} "
              f"| {f.p99_ms:>7.1f} | {f.errors:>6} |{mark}")
    for f in figures:
        summary("public pages (1 worker, SQLite)", f.page.label,
                f"{f.ratio:.2f} of bare ({f.portal_rps:.0f} req/s)",
                f"≥ {f.page.target:.2f}", f.ok)


def summary(area: str, case: str, figure: str, target: str, ok: bool) -> None:
    """One machine-readable result line, collected by `bench.all` into its table."""
    print(f"SUMMARY|{area}|{case}|{figure}|{target}|{'yes' if ok else 'NO'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", help="measure only pages whose label contains this")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    pages = tuple(p for p in PAGES if not args.only or args.only in p.label)

    with tempfile.TemporaryDirectory(prefix="minsheng-bench-") as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        env = portal_env(workdir)
        content = prepare_portal(env, workdir)
        uncached_env = {**env, "PUBLIC_CACHE_SECONDS": "0"}
        bases = {}
        for name, environ in (("bare", env), ("cached", env), ("uncached", uncached_env)):
            port = free_port()
            bases[name] = f"http://{HOST}:{port}"
            command = ([sys.executable, "-c", BARE_APP, HOST, str(port)] if name == "bare"
                       else [sys.executable, "-m", "portal.cli", "serve", "--host", HOST,
                             "--port", str(port)])
            stack.enter_context(server(command, bases[name] + "/", environ,
                                       workdir / f"{name}.log"))
        for page in pages:
            status = status_of(bases[page.server] + page.path)
            if status != 200:
                sys.exit(f"{page.path} answers {status}, not 200")
        print(f"portal: SQLite with {content}, one uvicorn worker per server; "
              f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s on {HOST}; "
              f"median of {args.rounds} rounds")
        print_table(measure(pages, bases, rounds=args.rounds, threads=args.threads,
                            connections=args.connections, seconds=args.seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
