"""Peak memory of the portal while decompression bombs are posted through the tip form.

Run with `python -m bench.bomb_memory`. The portal runs in a child process on the loopback
interface (SQLite, a temporary folder). Each bomb from `tests/bombs.py` (GIF, APNG and
WebP frame bombs, a huge-canvas PNG, a DOCX zip bomb and one with thousands of parts,
PDFs with thousands of pages or objects) is posted with a tip; the answer must be the
form again (422) with the file refused by name. Memory is sampled every 5 ms from
/proc: the server process alone, and the server with all its descendants (the cleaning
sandbox's zygote and its children, as proportional set size so pages shared after a
fork count once), against the figures before the first bomb. The
target is a rise under 256 MB for both, and the home page must still answer 200.
Never part of the test suite.
"""

from __future__ import annotations

import argparse
import http.client
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.http_load import HOST, free_port, portal_env
from bench.upload_memory import get_form, kib, wait_until_up
from tests.bombs import BOMBS

MB = 1024 * 1024
BOUNDARY = "----benchBombBoundary9931"
TARGET_MB = 256
CONTENT = "派出所民警在办理户口时索要好处费，拖延不办。The evidence is attached."
REFUSED = "too much memory or time to check safely"


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it, from /proc/*/stat."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        queue += children.get(current, [])
    return found


def tree_rss(pid: int) -> int:
    """Proportional set size of the tree, in KiB: pages a forked child shares with the
    zygote count once, not once per process (a plain sum of VmRSS would count twice)."""
    total = 0
    for member in descendants(pid):
        try:
            text = Path(f"/proc/{member}/smaps_rollup").read_text()
            total += int(text.split("Pss:", 1)[1].split()[0])
        except (OSError, IndexError, ValueError):
            continue  # a child that just ended
    return total


class TreeSampler(threading.Thread):
    """Peak resident memory of the server alone and of its whole process tree."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.server_peak = self.tree_peak = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.server_peak = max(self.server_peak, kib(self.pid, "VmRSS"))
            self.tree_peak = max(self.tree_peak, tree_rss(self.pid))
            self.done.wait(0.005)

    def stop(self) -> tuple[int, int]:
        self.done.set()
        self.join()
        return self.server_peak, self.tree_peak


def post_bomb(port: int, name: str, data: bytes) -> tuple[int, str]:
    cookie, csrf, form = get_form(port)
    parts = [(n, v.encode()) for n, v in (("csrf_token", csrf), ("form_token", form),
                                         ("content", CONTENT), ("identity", "anonymous"))]
    body = b"".join(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{n}"\r\n\r\n'
                    .encode() + v + b"\r\n" for n, v in parts)
    body += (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="evidence"; '
             f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n').encode()
    body += data + f"\r\n--{BOUNDARY}--\r\n".encode()
    conn = http.client.HTTPConnection(HOST, port, timeout=300)
    conn.request("POST", "/submit/tip", body=body, headers={
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        "Cookie": f"csrf={cookie}", "Accept-Language": "en"})
    response = conn.getresponse()
    page = response.read().decode()
    conn.close()
    return response.status, page


def home_status(port: int) -> int:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", "/")
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    bombs = {name: build() for name, build in BOMBS.items()}
    with tempfile.TemporaryDirectory(prefix="minsheng-bomb-bench-") as tmp:
        workdir = Path(tmp)
        env = portal_env(workdir)
        env.update(UPLOAD_DIR=str(workdir / "uploads"))
        cli = [sys.executable, "-m", "portal.cli"]
        subprocess.run([*cli, "init"], env=env, cwd=workdir, check=True, capture_output=True)
        port = free_port()
        with (workdir / "portal.log").open("w") as log:
            server = subprocess.Popen([*cli, "serve", "--host", HOST, "--port", str(port)],
                                      env=env, cwd=workdir, stdout=log,
                                      stderr=subprocess.STDOUT)
            try:
                wait_until_up(port, server)
                # One harmless file first: starts the sandbox's zygote, so its own
                # memory counts in the "before" figure, as in a server that has run.
                post_bomb(port, "warm-up.txt", "证词\n".encode())
                server_before, tree_before = kib(server.pid, "VmRSS"), tree_rss(server.pid)
                rows, ok = [], True
                for name, data in bombs.items():
                    sampler = TreeSampler(server.pid)
                    sampler.start()
                    started = time.monotonic()
                    status, page = post_bomb(port, name, data)
                    seconds = time.monotonic() - started
                    server_peak, tree_peak = sampler.stop()
                    refused = status == 422 and REFUSED in page and name in page
                    ok &= refused
                    rows.append((name, len(data), status, refused, seconds,
                                 (server_peak - server_before) / 1024,
                                 (tree_peak - tree_before) / 1024))
                serving = home_status(port)
            finally:
                server.terminate()
                server.wait(timeout=20)
    print(f"server RSS before: {server_before / 1024:.1f} MB; whole tree with the sandbox "
          f"zygote (PSS): {tree_before / 1024:.1f} MB")
    print(f"{'bomb':14} {'bytes':>9} {'status':>6} {'refused':>7} {'seconds':>7} "
          f"{'server +MB':>10} {'tree +MB':>9}")
    for name, size, status, refused, seconds, server_rise, tree_rise in rows:
        print(f"{name:14} {size:>9} {status:>6} {refused!s:>7} {seconds:>7.2f} "
              f"{server_rise:>10.1f} {tree_rise:>9.1f}")
    worst = max(max(r[5], r[6]) for r in rows)
    verdict = "OK" if ok and worst < TARGET_MB and serving == 200 else "FAILED"
    print(f"largest rise: {worst:.1f} MB (target < {TARGET_MB} MB); home page after: "
          f"{serving}; {verdict}")
    return 0 if verdict == "OK" else 1


if __name__ == "__main__":
    sys.exit(main())
