"""HTTP load: the portal against a bare Starlette app, both under uvicorn, measured by wrk.

Run with `python -m bench.http_load` (or `make bench`). Everything stays on the loopback
interface; the servers run in child processes and are stopped at the end. Needs Debian's
`wrk`. This is never part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"  # loopback only, never another interface
ROOT = Path(__file__).resolve().parent.parent
PATHS = ("/", "/announcements")

BARE_APP = """
import sys
import uvicorn
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

PAGE = "<!doctype html><html lang=en><title>bare</title><h1>Hello</h1></html>"

async def page(request):
    return HTMLResponse(PAGE)

app = Starlette(routes=[Route("/", page), Route("/announcements", page)])
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


def status_of(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
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


def portal_env(workdir: Path) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items()
               if k not in ("DATABASE_URL", "SECRET_KEY", "MINSHENG_MODE", "DATA_DIR",
                            "UPLOAD_DIR", "BASE_URL")}
    environ.update(DATABASE_URL=f"sqlite:///{workdir / 'bench.sqlite3'}",
                   MINSHENG_MODE="dev", DATA_DIR=str(workdir / "data"))
    return environ


def prepare_portal(env: dict[str, str], workdir: Path) -> str:
    """Migrate a fresh SQLite file and load the demo campaign when there is one."""
    cli = [sys.executable, "-m", "portal.cli"]
    subprocess.run([*cli, "init"], env=env, cwd=workdir, check=True, capture_output=True)
    if (ROOT / "portal" / "demo.py").is_file():
        subprocess.run([*cli, "demo"], env=env, cwd=workdir, check=True, capture_output=True)
        return "demo campaign"
    return "empty database"


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--no-cache", action="store_true",
                        help="measure with the public page cache off (PUBLIC_CACHE_SECONDS=0)")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")

    with tempfile.TemporaryDirectory(prefix="minsheng-bench-") as tmp:
        workdir = Path(tmp)
        env = portal_env(workdir)
        if args.no_cache:
            env["PUBLIC_CACHE_SECONDS"] = "0"
        content = prepare_portal(env, workdir)
        bare_port, portal_port = free_port(), free_port()
        bare_base, portal_base = f"http://{HOST}:{bare_port}", f"http://{HOST}:{portal_port}"
        bare_cmd = [sys.executable, "-c", BARE_APP, HOST, str(bare_port)]
        portal_cmd = [sys.executable, "-m", "portal.cli", "serve", "--host", HOST,
                      "--port", str(portal_port)]
        cache = "off" if args.no_cache else "on"
        print(f"portal: SQLite with {content}, public page cache {cache}; wrk -t{args.threads} "
              f"-c{args.connections} -d{args.seconds}s on {HOST}")
        with server(bare_cmd, bare_base + "/", env, workdir / "bare.log"), \
                server(portal_cmd, portal_base + "/", env, workdir / "portal.log"):
            print(f"{'path':<16}{'server':<8}{'req/s':>10}{'avg ms':>9}{'p99 ms':>9}"
                  f"{'errors':>8}{'portal/bare':>13}")
            for path in PATHS:
                status = status_of(portal_base + path)
                if status != 200:
                    print(f"{path:<16}skipped (portal answers {status})")
                    continue
                bare = run_wrk(bare_base + path, args.threads, args.connections, args.seconds)
                ours = run_wrk(portal_base + path, args.threads, args.connections,
                               args.seconds)
                ratio = ours.requests_per_second / bare.requests_per_second
                for name, result in (("bare", bare), ("portal", ours)):
                    print(f"{path:<16}{name:<8}{result.requests_per_second:>10.0f}"
                          f"{result.latency_avg_ms:>9.2f}{result.latency_p99_ms:>9.2f}"
                          f"{result.errors:>8}"
                          + (f"{ratio:>13.2f}" if name == "portal" else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
