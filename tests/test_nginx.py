"""The README's nginx example, run for real (Debian's nginx) in front of the portal:
submissions with files pass, citizen routes leave no access log, slow heads are cut."""

from __future__ import annotations

import os
import re
import shutil
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.conftest import form_fields
from tests.live_process import ROOT
from tests.pg_cluster import free_port
from tests.test_intake_web import CONTENT, TEXT_MARKER, fields_of
from tests.test_slow_clients import closed_within, server  # noqa: F401 - fixture

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def readme_site(app_port: int, port: int, logs: Path) -> str:
    """The README's nginx example, on loopback without TLS and with a 2 s head timeout."""
    readme = (ROOT / "README.md").read_text()
    site = re.search(r"```nginx\n(.*?)```", readme, re.S).group(1)  # type: ignore[union-attr]
    site = site.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};")
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{port};")
    site = re.sub(r"\n\s*ssl_certificate(_key)? [^\n]*", "", site)
    site = re.sub(r"\nserver \{ listen 80;[^\n]*", "", site)
    site = site.replace("/var/log/nginx/minsheng-staff.log", str(logs / "staff.log"))
    return site.replace("client_header_timeout 10s;", "client_header_timeout 2s;")


@pytest.fixture(scope="module")
def proxied(server, tmp_path_factory: pytest.TempPathFactory  # type: ignore[no-untyped-def]  # noqa: F811
            ) -> Iterator[tuple[str, Path, Path]]:
    if not os.path.exists(NGINX):
        pytest.skip("Debian's nginx is not installed")
    tmp = tmp_path_factory.mktemp("nginx")
    port = free_port()
    logs = tmp / "logs"
    logs.mkdir()
    user = "user root;\n" if os.geteuid() == 0 else ""
    (tmp / "nginx.conf").write_text(
        f"{user}worker_processes 1;\npid {tmp}/nginx.pid;\nerror_log {logs}/error.log;\n"
        "events { worker_connections 64; }\n"
        f"http {{\n  access_log {logs}/everything.log;\n"
        f"  client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy;\n"
        f"  fastcgi_temp_path {tmp}/fcgi; uwsgi_temp_path {tmp}/uwsgi;\n"
        f"  scgi_temp_path {tmp}/scgi;\n"
        f"{readme_site(server.port, port, logs)}\n}}\n")
    nginx = subprocess.Popen([NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf"),
                              "-g", "daemon off;"], stderr=subprocess.PIPE)
    try:
        with httpx.Client(timeout=5) as probe:
            for _ in range(100):
                try:
                    probe.get(f"http://127.0.0.1:{port}/healthz")
                    break
                except httpx.TransportError:
                    assert nginx.poll() is None, nginx.stderr.read()  # type: ignore[union-attr]
                    time.sleep(0.1)  # polling for nginx to listen, not timing a test
        yield f"http://127.0.0.1:{port}", server.database, logs
    finally:
        nginx.terminate()
        nginx.wait(10)
        nginx.stderr.close()  # type: ignore[union-attr]


def test_submission_with_a_file_passes_and_citizens_leave_no_access_log(
        proxied: tuple[str, Path, Path]) -> None:
    base, database, logs = proxied
    with httpx.Client(base_url=base, timeout=30, follow_redirects=True) as client:
        form = client.get("/submit/tip")
        assert form.status_code == 200
        evidence = [("evidence", ("notes.txt", f"{TEXT_MARKER}\n".encode() * 2000,
                                  "text/plain"))]
        confirm = client.post("/submit/tip", data={**fields_of(form), "content": CONTENT},
                              files=evidence)
        assert confirm.status_code == 200, confirm.text[:500]
        receipt = client.post("/submit/tip/confirm", data={
            **form_fields(confirm, "form.confirm-actions"), "action": "send"})
        assert receipt.status_code == 200
        assert re.search(r'id="receipt-code"', receipt.text)
        assert client.get("/staff/login").status_code == 200
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM submissionfile").fetchone() == (1,)
    staff = ""
    for _ in range(100):  # nginx writes a log line once the request is finished
        staff = (logs / "staff.log").read_text()
        if staff:
            break
        time.sleep(0.05)
    assert (logs / "everything.log").read_text() == ""  # `access_log off` for citizens
    assert "GET /staff/login" in staff
    assert "/submit" not in staff


def test_nginx_cuts_off_a_head_sent_a_byte_a_second(proxied: tuple[str, Path, Path]) -> None:
    base, _, _ = proxied
    port = int(base.rsplit(":", 1)[1])
    head = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris-probe\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port)) as sock:
        assert closed_within(sock, 6, head) < 6
