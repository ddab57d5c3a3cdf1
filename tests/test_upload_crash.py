"""Killing the server during an upload (acceptance 10): after a restart there is no
submission row and no stray file. Runs the real `portal serve` in a child process."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_intake_web import CONTENT

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent
BOUNDARY = "----crashtestBoundary1234"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def portal_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "TEST_DATABASE_URL", "UPLOAD_DIR", "BASE_URL")}
    env.update(MINSHENG_MODE="dev", SECRET_KEY="crash-test-secret-" + "c" * 40,
               DATA_DIR=str(tmp / "data"), UPLOAD_DIR=str(tmp / "uploads"),
               DATABASE_URL=f"sqlite:///{tmp / 'crash.sqlite3'}", PYTHONPATH=str(ROOT),
               CLEANUP_GRACE_MINUTES="0",  # one worker: its restart may remove every leftover
               CLIENT_BODY_TIMEOUT="600")  # the test pauses mid-upload on purpose
    return env


def wait_until_up(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited"
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("the server did not start")


def serve(env: dict[str, str], port: int, cwd: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "portal.cli", "serve", "--host", HOST, "--port", str(port)],
        env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until_up(port, process)
    return process


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    env = portal_env(tmp_path)
    subprocess.run([sys.executable, "-m", "portal.cli", "init"], env=env, cwd=tmp_path,
                   check=True, capture_output=True, timeout=60)
    return tmp_path


def form_tokens(port: int) -> tuple[str, str, str]:
    """The CSRF cookie and the form's two tokens, from a real GET."""
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    conn.request("GET", "/submit/tip")
    response = conn.getresponse()
    html = response.read().decode()
    cookie = re.search(r"csrf=([^;]+)", response.getheader("set-cookie") or "").group(1)  # type: ignore[union-attr]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    form = re.search(r'name="form_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    conn.close()
    return cookie, csrf, form


def files_in(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_kill_during_upload_leaves_nothing_after_restart(workdir: Path) -> None:
    env = portal_env(workdir)
    uploads = workdir / "uploads"
    port = free_port()
    env["BASE_URL"] = f"http://{HOST}:{port}"  # the Origin check compares with BASE_URL only
    server = serve(env, port, workdir)
    sock = None
    try:
        cookie, csrf, form = form_tokens(port)
        head = "".join(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in (("csrf_token", csrf), ("form_token", form),
                                ("content", CONTENT), ("identity", "anonymous")))
        head += (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="evidence"; '
                 'filename="video.txt"\r\nContent-Type: text/plain\r\n\r\n')
        declared = len(head.encode()) + 40 * 1024 * 1024  # the promised body: 40 MB
        sock = socket.create_connection((HOST, port), timeout=10)
        sock.sendall((f"POST /submit/tip HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
                      f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
                      f"Content-Length: {declared}\r\nCookie: csrf={cookie}\r\n"
                      f"Origin: http://{HOST}:{port}\r\n\r\n").encode() + head.encode())
        chunk = b"evidence line\n" * 4096
        deadline = time.monotonic() + 20
        # Send part of the file, until the server has written some of it to disk.
        while not any(p.name.startswith("tmp-") and p.stat().st_size > 0
                      for p in files_in(uploads)):
            assert time.monotonic() < deadline, "the upload never reached the disk"
            sock.sendall(chunk)
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        assert files_in(uploads), "the kill should leave a partial upload behind"
    finally:
        if sock is not None:
            sock.close()
        if server.poll() is None:
            server.kill()
            server.wait()

    restarted = serve(env, port, workdir)  # start-up cleans what the crash left
    try:
        assert files_in(uploads) == []
        with sqlite3.connect(workdir / "crash.sqlite3") as db:
            assert db.execute("SELECT count(*) FROM submission").fetchone() == (0,)
            assert db.execute("SELECT count(*) FROM submissionfile").fetchone() == (0,)
    finally:
        restarted.terminate()
        restarted.wait(timeout=10)
