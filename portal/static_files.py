"""Static files under content-hashed URLs, cached for a year."""

from __future__ import annotations

import hashlib
from pathlib import Path

from starlette.responses import FileResponse, Response
from starlette.types import Receive, Scope, Send

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"


class HashedStatic:
    """Serves `/static/<hash>/<path>`; `url(path)` gives that URL for the current content."""

    def __init__(self, directory: Path = STATIC_DIR, prefix: str = "/static") -> None:
        self.directory = directory.resolve()
        self.prefix = prefix
        self._hashes: dict[str, str] = {}

    def url(self, path: str) -> str:
        """The content-hashed URL of a static file."""
        digest = self._hashes.get(path)
        if digest is None:
            file = self._resolve(path)
            if file is None:
                raise FileNotFoundError(path)
            digest = hashlib.sha256(file.read_bytes()).hexdigest()[:12]
            self._hashes[path] = digest
        return f"{self.prefix}/{digest}/{path}"

    def _resolve(self, path: str) -> Path | None:
        candidate = (self.directory / path).resolve()
        if not candidate.is_relative_to(self.directory) or not candidate.is_file():
            return None
        return candidate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rest = scope["path"][len(self.prefix):].lstrip("/")
        digest, _, path = rest.partition("/")
        file = self._resolve(path) if path else None
        response: Response
        if file is None or scope["method"] not in ("GET", "HEAD"):
            response = Response("Not found", status_code=404, media_type="text/plain")
        elif digest != self.url(path).split("/")[2]:
            # An old hash: serve the current file, but do not let it be cached for long.
            response = FileResponse(file, headers={"Cache-Control": "no-cache"})
        else:
            response = FileResponse(file, headers={"Cache-Control": IMMUTABLE})
        await response(scope, receive, send)
