"""Decompression bombs are refused by their budgets, and the worker sandbox stops the rest.

Memory figures of the server while bombs are posted: `python -m bench.bomb_memory`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session
from starlette.testclient import TestClient

from moderation.intake.cleaning import WorkerLimits
from moderation.intake.errors import FileRejected
from moderation.intake.files import UploadBatch, UploadLimits, new_envelope
from moderation.intake.sanitize import SanitizeCaps
from moderation.sandbox import Limits, OverBudget, run_limited
from portal.intake.config import build_intake_config
from portal.settings import Settings
from tests.bombs import BOMBS, apng_frame_bomb, sanitize_bytes
from tests.conftest import page
from tests.test_hostile_intake import counts
from tests.test_intake_web import CONTENT, NO_FILE, fields_of, stored_files

MB = 1024 * 1024
CODES = {"gif": "gif", "png": "png", "webp": "webp", "docx": "docx", "pdf": "pdf"}


@pytest.mark.parametrize("name", list(BOMBS))
def test_each_bomb_is_refused_by_its_budget_before_decoding(name: str) -> None:
    data = BOMBS[name]()
    assert len(data) < 8 * MB
    code = CODES[name.rsplit(".", 1)[1]]
    # In a child with 384 MB: if a budget were missing, the decoder would run out of
    # memory there (OverBudget), not in the test process, and the test would fail.
    try:
        result = run_limited(sanitize_bytes, code, data,
                             limits=Limits(memory_bytes=384 * MB, seconds=30))
    except OverBudget:
        result = "worker out of memory"
    assert result == "over_budget"


def test_a_bomb_past_the_budgets_is_stopped_by_the_worker_limit(db: Session,
                                                                tmp_path: Path) -> None:
    # Budgets raised out of the way: only the worker's memory limit is left to stop it.
    limits = UploadLimits(caps=SanitizeCaps(image_pixels=10**12, image_frames=10**6),
                          worker=WorkerLimits(memory_bytes=320 * MB, seconds=30))
    folder = tmp_path / "uploads"
    batch = UploadBatch(folder, new_envelope(db), limits)
    sink = batch.open("animation.png")
    sink.write(apng_frame_bomb())
    with pytest.raises(FileRejected) as refused:
        sink.finish()
    assert refused.value.code == "over_budget"
    assert list(folder.iterdir()) == []


def test_bombs_posted_with_a_tip_are_named_and_refused_the_rest_is_kept(
        client: TestClient, db: Session, settings: Any) -> None:
    client.headers["Accept-Language"] = "en"
    fields = fields_of(client.get("/submit/tip"))
    fields["content"] = CONTENT
    files = [("evidence", (name, build(), "application/octet-stream"))
             for name, build in BOMBS.items()]
    files.append(("evidence", ("notes.txt", "证词 testimony\n".encode(), "text/plain")))
    before = counts(db)
    response = client.post("/submit/tip", data=fields, files=files)
    assert response.status_code == 422
    doc = page(response)
    errors = doc.select_one("main").get_text(" ")
    for name in BOMBS:
        assert name in errors
    assert errors.count("too much memory or time to check safely") == len(BOMBS)
    assert doc.select_one("textarea[name=content]").get_text().startswith(CONTENT)
    kept = doc.select_one(".kept-files").get_text(" ")
    assert "notes.txt" in kept  # the good file is kept, only the bombs must go
    assert not any(name in kept for name in BOMBS)
    assert counts(db) == before
    assert [p.name for p in stored_files(settings.upload_dir) if p.suffix == ".enc"] == []
    assert client.get("/").status_code == 200  # and the server keeps serving
    again = client.post("/submit/tip", data=fields_of(response), files=NO_FILE)
    assert again.status_code == 200  # sent on without the bombs: the confirm page
    assert [c.get_text() for c in page(again).select("td.file-name")] == ["notes.txt"]


def test_worker_limits_come_from_the_settings(tmp_path: Path) -> None:
    settings = Settings.from_env({"DATA_DIR": str(tmp_path), "UPLOAD_WORKER_MEMORY_MB": "300",
                                  "UPLOAD_WORKER_SECONDS": "7"}, env_file=None)
    worker = build_intake_config(settings).limits.worker
    assert (worker.memory_bytes, worker.seconds) == (300 * MB, 7)
