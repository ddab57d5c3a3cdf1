"""Slow and idle clients are cut off by the app server (`portal serve`'s protocol):
silent sockets, a head sent a byte a second, a body sent a byte a second."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from tests.live_process import ServerProcess

LIMITS = {"CLIENT_HEADER_TIMEOUT": "2", "CLIENT_BODY_TIMEOUT": "2",
          "CLIENT_BODY_MIN_RATE": "1024", "KEEPALIVE_TIMEOUT": "2", "ADMISSION_LIMIT": "2"}
CUT_WITHIN = 6.0  # seconds: the configured 2 s, plus scheduling on a loaded machine


def closed_within(sock: socket.socket, seconds: float, trickle: bytes = b"") -> float:
    """Seconds until the server closes `sock` (sending `trickle` a byte a second)."""
    started = time.monotonic()
    sock.settimeout(1.0)
    for byte in [trickle[i:i + 1] for i in range(len(trickle))] or [b""] * 60:
        if time.monotonic() - started > seconds + 30:
            break
        try:
            if byte:
                sock.sendall(byte)
            if sock.recv(4096) == b"":
                return time.monotonic() - started
        except TimeoutError:
            continue  # the one-second pace of the trickle
        except (ConnectionResetError, BrokenPipeError):
            return time.monotonic() - started
    pytest.fail("the server kept the connection open")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One portal process for the slow-client and nginx tests (short client timeouts)."""
    from portal.db import make_engine
    from portal.migrate import upgrade

    tmp = tmp_path_factory.mktemp("slow")
    url = f"sqlite:///{tmp / 'slow.sqlite3'}"
    engine: Engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    env = {"SECRET_KEY": "slow-client-secret-" + "s" * 40, "MINSHENG_MODE": "test",
           "DATA_DIR": str(tmp / "data"), "DATABASE_URL": url, "TRUSTED_PROXIES": "127.0.0.1",
           **LIMITS}
    with ServerProcess(env, log=Path(tmp) / "server.log") as running:
        running.database = tmp / "slow.sqlite3"  # type: ignore[attr-defined]
        yield running


def test_idle_sockets_are_closed_after_the_header_timeout(server) -> None:  # type: ignore[no-untyped-def]
    sockets = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(20)]
    try:
        assert closed_within(sockets[0], CUT_WITHIN) < CUT_WITHIN
        assert all(closed_within(s, 1) < CUT_WITHIN for s in sockets[1:])
    finally:
        for sock in sockets:
            sock.close()


def test_a_head_sent_a_byte_a_second_is_cut_off(server) -> None:  # type: ignore[no-untyped-def]
    head = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris-probe\r\n\r\n"
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        assert closed_within(sock, CUT_WITHIN, head) < CUT_WITHIN


def test_a_body_sent_a_byte_a_second_is_cut_off(server) -> None:  # type: ignore[no-untyped-def]
    head = (b"POST /submit/tip HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 100000\r\n\r\n")
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(head)
        assert closed_within(sock, CUT_WITHIN, b"--x\r\n" + b"a" * 60) < CUT_WITHIN


def test_a_normal_client_is_served_and_its_idle_keepalive_closed(server) -> None:  # type: ignore[no-untyped-def]
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        sock.settimeout(10)
        answer = sock.recv(4096)
        assert answer.startswith(b"HTTP/1.1 200")
        assert closed_within(sock, CUT_WITHIN) < CUT_WITHIN  # the keep-alive timeout


def receive_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    chunks = []
    while chunk := sock.recv(4096):
        chunks.append(chunk)
    return b"".join(chunks)


def test_a_malformed_request_gets_a_plain_answer_in_both_languages(server) -> None:  # type: ignore[no-untyped-def]
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n")  # no colon
        sock.settimeout(10)
        answer = receive_all(sock)
    assert answer.startswith(b"HTTP/1.1 400 ")
    body = answer.partition(b"\r\n\r\n")[2].decode()
    assert "请求无法识别" in body
    assert "could not be read" in body


def test_an_oversized_head_is_refused_and_the_server_keeps_serving(server) -> None:  # type: ignore[no-untyped-def]
    # httptools sets no limit of its own: without the protocol's, a head kept growing in
    # memory until the head deadline.
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: " + b"a" * 20_000
                     + b"\r\n\r\n")
        sock.settimeout(10)
        answer = receive_all(sock)
    assert answer.startswith(b"HTTP/1.1 431 ")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"content-type: text/plain; charset=utf-8" in head
    assert "清除本网站的 Cookie" in body.decode()
    assert "Clear the cookies" in body.decode()
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Cookie: " + b"a" * 8_000 + b"\r\n\r\n")
        sock.settimeout(10)
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")


def still_open(sock: socket.socket) -> bool:
    """True unless the server has closed `sock` (it sends nothing before the body ends)."""
    sock.setblocking(False)
    try:
        return sock.recv(1) != b""
    except BlockingIOError:
        return True  # nothing to read, not closed
    except ConnectionError:
        return False


def test_uploads_waiting_for_their_body_leave_the_line_to_readers(server) -> None:  # type: ignore[no-untyped-def]
    """Two places per worker (ADMISSION_LIMIT), four uploads stalled mid-body: a reader is
    answered while all four are still open, so none of them held a place while it waited."""
    head = (b"POST /submit/tip HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 100000\r\n\r\n"
            b"--x\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n" + b"a" * 1000)
    stalled = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(4)]
    try:
        for sock in stalled:
            sock.sendall(head)
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as reader:
            reader.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert reader.recv(4096).startswith(b"HTTP/1.1 200")
        assert all(still_open(sock) for sock in stalled)
    finally:
        for sock in stalled:
            sock.close()
