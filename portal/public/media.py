"""Cover images of announcements, served from the upload folder with a long cache."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from portal.content.images import cover_path

# Names are content hashes, so a name's bytes never change: cache for a year.
IMMUTABLE = "public, max-age=31536000, immutable"
MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


def cover(request: Request) -> Response:
    """GET /media/covers/{name}: a stored cover image, or 404."""
    name: str = request.path_params["name"]
    path = cover_path(request.app.state.settings, name)
    if path is None:
        raise HTTPException(status_code=404)
    return FileResponse(path, media_type=MEDIA_TYPES[name.rsplit(".", 1)[1]],
                        headers={"Cache-Control": IMMUTABLE})
