"""A web worker does not load what only a rare page or a command needs (issue 12: memory
per worker under a spike)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# openpyxl: spreadsheet export and ledger import (5 MB); Alembic with Mako: migrations
# and the readiness check (11 MB). Both are imported where they are used.
NOT_AT_START = ("openpyxl", "alembic", "mako")


def test_a_worker_starts_without_the_spreadsheet_and_migration_libraries(
        tmp_path: Path) -> None:
    env = {**os.environ, "DATA_DIR": str(tmp_path), "MINSHENG_MODE": "dev",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    probe = ("import sys, portal.asgi; "
             f"print(','.join(m for m in {NOT_AT_START!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                            text=True, check=True, cwd=tmp_path).stdout.strip()
    assert loaded == ""
