"""A small HTTP/1.1 client that behaves like a citizen: opens a form, sends it in two steps
(form, then "Send" on the confirmation page), opens the follow-up form. For the load
benchmarks only; loopback only. Hand-written on asyncio streams so that the load
generator costs little CPU next to the servers on a 2-core machine.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

CSRF_RE = re.compile(rb'name="csrf_token" value="([^"]+)"')
FORM_TOKEN_RE = re.compile(rb'name="form_token" value="([^"]+)"')
CATEGORY_RE = re.compile(rb'name="category_id"[^>]*>.*?<option value="(\d+)"', re.S)
RECEIPT_RE = re.compile(rb'<p class="receipt-code" id="receipt-code">(.*?)</p>', re.S)
TIP_TEXT = ("某区分局民警在办理户口时索贿两千元，拖延不办，群众多次往返。"
            "希望有关部门调查核实并依法处理。")
SUGGESTION_TEXT = "建议延长政务大厅的办公时间，公开办案进度查询渠道，方便群众办事。"


@dataclass
class Reply:
    status: int
    headers: dict[bytes, bytes]
    body: bytes


class Connection:
    """One keep-alive HTTP/1.1 connection (Content-Length bodies only, as the portal sends)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, headers: dict[str, str] | None = None,
                      body: bytes = b"") -> Reply:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await self.writer.drain()
        assert self.reader is not None
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head[:-4].split(b"\r\n")
        parsed: dict[bytes, bytes] = {}
        for line in header_lines:
            name, _, value = line.partition(b":")
            key = name.strip().lower()
            parsed[key] = (parsed[key] + b"\n" + value.strip()) if key in parsed else value.strip()
        length = int(parsed.get(b"content-length", b"0"))
        payload = await self.reader.readexactly(length) if length else b""
        if parsed.get(b"connection", b"").lower() == b"close":
            await self.close()
        return Reply(int(status_line.split()[1]), parsed, payload)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def multipart(fields: dict[str, str],
              files: list[tuple[str, str, bytes, str]]) -> tuple[bytes, str]:
    """A multipart/form-data body and its content type."""
    boundary = "bench" + secrets.token_hex(12)
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     .encode() + value.encode() + b"\r\n")
    for name, filename, data, media_type in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                     f'filename="{filename}"\r\nContent-Type: {media_type}\r\n\r\n'.encode()
                     + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@dataclass
class Citizen:
    """One citizen: an address (sent as X-Forwarded-For through a trusted proxy), a cookie
    jar with the CSRF cookie, and a connection."""

    connection: Connection
    address: str
    origin: str
    cookie: str = ""
    timings: dict[str, list[float]] = field(default_factory=dict)

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"X-Forwarded-For": self.address, "Accept-Language": "zh-CN"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        return {**headers, **(extra or {})}

    def _keep_cookie(self, reply: Reply) -> None:
        self.cookie = _cookie(reply, b"csrf") or self.cookie

    async def timed(self, kind: str, method: str, path: str, body: bytes = b"",
                    headers: dict[str, str] | None = None) -> Reply:
        started = time.perf_counter()
        reply = await self.connection.request(method, path, self._headers(headers), body)
        self.timings.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
        self._keep_cookie(reply)
        return reply

    async def open_form(self, kind: str) -> tuple[str, str, str]:
        """GET the tip or suggestion form: its CSRF token, form token and first topic."""
        reply = await self.timed("form open", "GET", f"/submit/{kind}")
        if reply.status != 200:
            raise RuntimeError(f"form {kind}: {reply.status}")
        topic = CATEGORY_RE.search(reply.body)
        return (_field(CSRF_RE, reply.body), _field(FORM_TOKEN_RE, reply.body),
                topic.group(1).decode() if topic else "")

    async def send(self, kind: str, csrf: str, token: str, number: int, topic: str = "",
                   files: list[tuple[str, str, bytes, str]] | None = None) -> str:
        """Post the form, then "Send" on the confirmation page; the receipt code."""
        text = (TIP_TEXT if kind == "tip" else SUGGESTION_TEXT) + f"（编号{number}）"
        fields = {"csrf_token": csrf, "form_token": token, "identity": "anonymous",
                  "content": text}
        if kind == "suggestion":
            fields["category_id"] = topic
        body, content_type = multipart(fields, files or [])
        posted = await self.timed("send: form", "POST", f"/submit/{kind}", body,
                                  {"Content-Type": content_type, "Origin": self.origin})
        if posted.status != 200:
            raise RuntimeError(f"post {kind}: {posted.status} {posted.body[:200]!r}")
        confirm = urlencode({"csrf_token": _field(CSRF_RE, posted.body),
                             "form_token": _field(FORM_TOKEN_RE, posted.body),
                             "action": "send"}).encode()
        sent = await self.timed("send: confirm", "POST", f"/submit/{kind}/confirm", confirm,
                                {"Content-Type": "application/x-www-form-urlencoded",
                                 "Origin": self.origin})
        if sent.status == 303:  # the receipt is handed to this browser on a page of its own
            handover = _cookie(sent, b"receipt_handover")
            location = sent.headers.get(b"location", b"").decode()
            cookies = "; ".join(c for c in (self.cookie, handover) if c)
            sent = await self.timed("send: receipt", "GET", location,
                                    headers={"Cookie": cookies})
        match = RECEIPT_RE.search(sent.body)
        if sent.status != 200 or match is None:
            raise RuntimeError(f"confirm {kind}: {sent.status} {sent.body[:200]!r}")
        return re.sub(rb"<[^>]+>", b"", match.group(1)).decode()

    async def open_follow_up(self) -> None:
        """GET the follow-up form and try a (wrong) receipt, as a citizen who mistyped."""
        reply = await self.timed("follow-up open", "GET", "/track")
        if reply.status != 200:
            raise RuntimeError(f"track: {reply.status}")
        body = urlencode({"csrf_token": _field(CSRF_RE, reply.body),
                          "receipt": "1234-5678-9012-3456-7890-1234-5678-9012"}).encode()
        answer = await self.timed("follow-up login", "POST", "/track", body,
                                  {"Content-Type": "application/x-www-form-urlencoded",
                                   "Origin": self.origin})
        if answer.status not in (422, 429):
            raise RuntimeError(f"track login: {answer.status}")


def _cookie(reply: Reply, name: bytes) -> str:
    """`name=value` of a cookie the reply sets, or ''."""
    for line in reply.headers.get(b"set-cookie", b"").split(b"\n"):
        if line.startswith(name + b"="):
            return line.split(b";", 1)[0].decode()
    return ""


def _field(pattern: re.Pattern[bytes], body: bytes) -> str:
    match = pattern.search(body)
    if match is None:
        raise RuntimeError(f"no {pattern.pattern!r} in the page")
    return match.group(1).decode()


def fake_address(number: int) -> str:
    """A distinct client address per simulated citizen (10.x.y.z)."""
    return f"10.{(number >> 16) & 255}.{(number >> 8) & 255}.{number & 255}"
