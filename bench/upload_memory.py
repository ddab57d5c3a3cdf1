"""Peak memory of the portal while a citizen uploads a 100 MB file through the tip form.

Run with `python -m bench.upload_memory`. The portal runs in a child process on the
loopback interface (SQLite, a temporary folder, the per-file cap raised for the run);
the upload is generated on the fly and streamed over a plain socket. The figure is the
growth of the server's resident memory across the upload, its confirmation and "Send":
VmRSS sampled every 5 ms against VmRSS before, and VmHWM after against VmHWM before
(both from /proc/<pid>/status); the target is under 30 MB. Never part of the test suite.
"""

from __future__ import annotations

import argparse
import http.client
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from bench.http_load import HOST, free_port, portal_env

MB = 1024 * 1024
BOUNDARY = "----benchUploadBoundary5521"
TARGET_MB = 30
CONTENT = "派出所民警在办理户口时索要好处费，拖延不办。The evidence is in the attached log."


def kib(pid: int, field: str) -> int:
    """A memory figure of a process, in KiB, from /proc/<pid>/status."""
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1))  # type: ignore[union-attr]


class RssSampler(threading.Thread):
    """Samples a process's resident memory every few milliseconds until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.samples = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, kib(self.pid, "VmRSS"))
            self.samples += 1
            self.done.wait(0.005)

    def stop(self) -> int:
        self.done.set()
        self.join()
        return self.peak


def wait_until_up(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the portal exited with {process.returncode}")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the portal did not start")


def get_form(port: int) -> tuple[str, str, str]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", "/submit/tip")
    response = conn.getresponse()
    html = response.read().decode()
    cookie = re.search(r"csrf=([^;]+)", response.getheader("set-cookie") or "").group(1)  # type: ignore[union-attr]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    form = re.search(r'name="form_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    conn.close()
    return cookie, csrf, form


def upload(port: int, cookie: str, csrf: str, form: str, size: int) -> tuple[int, str]:
    """POST the form with one `size`-byte text file, streamed; the status and the page."""
    head = "".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in (("csrf_token", csrf), ("form_token", form), ("content", CONTENT),
                            ("identity", "anonymous"))).encode()
    head += (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="evidence"; '
             'filename="call-log.txt"\r\nContent-Type: text/plain\r\n\r\n').encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    conn = http.client.HTTPConnection(HOST, port, timeout=300)
    conn.putrequest("POST", "/submit/tip")
    conn.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
    conn.putheader("Content-Length", str(len(head) + size + len(tail)))
    conn.putheader("Cookie", f"csrf={cookie}")
    conn.endheaders()
    conn.send(head)
    line = b"2026-05-01 10:00 call log line, evidence of the case\n"
    block = line * (256 * 1024 // len(line))
    sent = 0
    while sent < size:
        piece = block[:size - sent]
        conn.send(piece)
        sent += len(piece)
    conn.send(tail)
    response = conn.getresponse()
    body = response.read().decode()
    conn.close()
    return response.status, body


def send(port: int, cookie: str, page: str) -> int:
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    form = re.search(r'name="form_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    conn = http.client.HTTPConnection(HOST, port, timeout=300)
    conn.request("POST", "/submit/tip/confirm",
                 body=urlencode({"csrf_token": csrf, "form_token": form, "action": "send"}),
                 headers={"Content-Type": "application/x-www-form-urlencoded",
                          "Cookie": f"csrf={cookie}"})
    response = conn.getresponse()
    text = response.read().decode()
    conn.close()
    if "receipt-code" not in text:
        raise RuntimeError(f"no receipt (status {response.status})")
    return response.status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=100)
    args = parser.parse_args(argv)
    size = args.megabytes * MB
    with tempfile.TemporaryDirectory(prefix="minsheng-upload-bench-") as tmp:
        workdir = Path(tmp)
        env = portal_env(workdir)
        env.update(UPLOAD_MAX_FILE_BYTES=str(size + MB), UPLOAD_MAX_TOTAL_BYTES=str(size + MB),
                   UPLOAD_DIR=str(workdir / "uploads"))
        cli = [sys.executable, "-m", "portal.cli"]
        subprocess.run([*cli, "init"], env=env, cwd=workdir, check=True, capture_output=True)
        port = free_port()
        with (workdir / "portal.log").open("w") as log:
            server = subprocess.Popen([*cli, "serve", "--host", HOST, "--port", str(port)],
                                      env=env, cwd=workdir, stdout=log,
                                      stderr=subprocess.STDOUT)
            try:
                wait_until_up(port, server)
                cookie, csrf, form = get_form(port)
                before_peak, before_rss = kib(server.pid, "VmHWM"), kib(server.pid, "VmRSS")
                sampler = RssSampler(server.pid)
                sampler.start()
                started = time.monotonic()
                status, page = upload(port, cookie, csrf, form, size)
                seconds = time.monotonic() - started
                if status != 200 or "confirm-actions" not in page:
                    sampler.stop()
                    raise RuntimeError(f"upload answered {status}; see {workdir}/portal.log")
                send(port, cookie, page)
                sampled_peak = sampler.stop()
                after_send = kib(server.pid, "VmHWM")
            finally:
                server.terminate()
                server.wait(timeout=20)
        stored = sum(p.stat().st_size for p in (workdir / "uploads").glob("*.enc"))
    # The larger of two views: resident memory sampled during the run over the resident
    # memory before it, and the kernel's high-water mark over its value before the run.
    growth = max(sampled_peak - before_rss, after_send - before_peak) / 1024
    print(f"upload of {args.megabytes} MB through /submit/tip in {seconds:.1f} s "
          f"({args.megabytes / seconds:.0f} MB/s), stored encrypted: {stored / MB:.1f} MB")
    print(f"server RSS before: {before_rss / 1024:.1f} MB, peak before: "
          f"{before_peak / 1024:.1f} MB")
    print(f"during upload and send: RSS peak {sampled_peak / 1024:.1f} MB "
          f"({sampler.samples} samples), VmHWM {after_send / 1024:.1f} MB")
    verdict = "OK" if growth < TARGET_MB else "OVER TARGET"
    print(f"peak memory growth: {growth:.1f} MB (target < {TARGET_MB} MB) {verdict}")
    return 0 if growth < TARGET_MB else 1


if __name__ == "__main__":
    sys.exit(main())
