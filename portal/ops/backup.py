"""`portal backup DEST` and `portal restore SRC`: a consistent copy, checked before use.

A backup folder holds the database (SQLite's online backup API, or `pg_dump` in its
custom format), the stored evidence files, and `manifest.json`: row counts, SHA-256 of
every file, the schema revision and fingerprints of the keys, never the keys. The
database is copied first, then the files, so every row's file is in the copy (a file
committed after the database copy is an orphan, removed at start-up).

A restore goes only into an empty target and refuses, before touching anything, when the
configured keys do not match the backup's fingerprints: restored with another key, the
data would be unreadable.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from moderation.intake.keys import IntakeKeys, hkdf
from moderation.keycheck import fingerprint

FORMAT = 1
MANIFEST = "manifest.json"
UPLOADS = "uploads"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why and what to do."""


def key_fingerprints(keys: IntakeKeys) -> dict[str, str]:
    """One-way fingerprints: of the master key (data) and of the secret (receipts)."""
    return {"master": fingerprint(keys.master),
            "receipts": fingerprint(hkdf(keys.receipt_hash, "fingerprint"))}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for table in SQLModel.metadata.sorted_tables}


def _revision(engine: Engine) -> str:
    with engine.connect() as conn:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()


def _pg_args(engine: Engine) -> tuple[list[str], dict[str, str]]:
    """libpq connection options, the password in the environment (not in `ps`)."""
    url = engine.url
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    args = ["-h", url.host or "localhost", "-p", str(url.port or 5432),
            "-U", url.username or "postgres"]
    return args, {**env, "PGDATABASE": url.database or ""}


def _run(command: list[str], env: dict[str, str]) -> None:
    # The command is pg_dump or pg_restore with arguments from the settings, never input.
    result = subprocess.run(command, env=env, capture_output=True, text=True,  # noqa: S603
                            check=False)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:500]}")


def backup(engine: Engine, upload_dir: Path, keys: IntakeKeys, dest: Path) -> dict:
    """Copy the database and the stored files to `dest` (new or empty); return the manifest."""
    dest.mkdir(parents=True, exist_ok=True)
    if any(dest.iterdir()):
        raise BackupError(f"{dest} is not empty; back up into a new folder")
    manifest: dict = {"format": FORMAT, "database": engine.dialect.name,
                      "schema_revision": _revision(engine), "keys": key_fingerprints(keys)}
    if engine.dialect.name == "sqlite":
        target = dest / SQLITE_FILE
        source = sqlite3.connect(engine.url.database or "")
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # consistent while the portal writes
        finally:
            copy.close()
            source.close()
        manifest["counts"] = _counts(make_sqlite_engine(target))
    else:
        target = dest / PG_FILE
        args, env = _pg_args(engine)
        # The counts and pg_dump read one exported snapshot, so they agree while we write.
        repeatable = engine.connect().execution_options(isolation_level="REPEATABLE READ")
        with repeatable as conn, conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            manifest["counts"] = {
                table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for table in SQLModel.metadata.sorted_tables}
            _run(["pg_dump", *args, "--format=custom", "--no-owner", "--no-privileges",
                  f"--snapshot={snapshot}", "--file", str(target)], env)
    manifest["database_file"] = {"name": target.name, "sha256": _sha256(target)}
    files: dict[str, str] = {}
    (dest / UPLOADS).mkdir()
    if upload_dir.is_dir():
        for path in sorted(upload_dir.iterdir()):
            if path.is_file() and path.name.endswith(".enc"):
                shutil.copy2(path, dest / UPLOADS / path.name)
                files[path.name] = _sha256(dest / UPLOADS / path.name)
    manifest["files"] = files
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return manifest


def make_sqlite_engine(path: Path) -> Engine:
    from portal.db import make_engine

    return make_engine(f"sqlite:///{path}")


@dataclass(frozen=True)
class RestoreReport:
    rows: int
    files: int


def read_manifest(src: Path) -> dict:
    try:
        manifest = json.loads((src / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{src} has no readable {MANIFEST}: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    return manifest


def check_backup(src: Path, manifest: dict, keys: IntakeKeys) -> None:
    """Refuse on a key mismatch (naming the setting), a missing or altered file."""
    expected, given = manifest.get("keys", {}), key_fingerprints(keys)
    if expected.get("master") != given["master"]:
        raise BackupError(
            "the configured ENCRYPTION_KEY (or SECRET_KEY, if ENCRYPTION_KEY is unset) does "
            f"not match this backup (fingerprint {expected.get('master')}, configured "
            f"{given['master']}): restored with it, nothing could be decrypted. Set the key "
            "the backup was made with.")
    if expected.get("receipts") != given["receipts"]:
        raise BackupError(
            "the configured SECRET_KEY does not match this backup: citizens' receipts would "
            "not open their cases. Set the SECRET_KEY the backup was made with.")
    database = src / manifest["database_file"]["name"]
    if not database.is_file() or _sha256(database) != manifest["database_file"]["sha256"]:
        raise BackupError(f"{database.name} is missing or altered (checksum differs)")
    for name, digest in manifest["files"].items():
        path = src / UPLOADS / name
        if not path.is_file() or _sha256(path) != digest:
            raise BackupError(f"uploads/{name} is missing or altered (checksum differs)")


def restore(src: Path, engine: Engine, upload_dir: Path, keys: IntakeKeys) -> RestoreReport:
    """Restore the backup in `src` into an empty database and upload folder."""
    manifest = read_manifest(src)
    check_backup(src, manifest, keys)
    if manifest["database"] != engine.dialect.name:
        raise BackupError(f"this is a {manifest['database']} backup; DATABASE_URL is "
                          f"{engine.dialect.name}")
    if inspect(engine).get_table_names():
        raise BackupError("the target database is not empty; restore into a new one")
    if upload_dir.is_dir() and any(p for p in upload_dir.iterdir() if p.name != "pending"):
        raise BackupError(f"UPLOAD_DIR {upload_dir} is not empty; restore into a new folder")
    if engine.dialect.name == "sqlite":
        source = sqlite3.connect(src / SQLITE_FILE)
        engine.dispose()
        target = sqlite3.connect(engine.url.database or "")
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    else:
        args, env = _pg_args(engine)
        _run(["pg_restore", *args, "--no-owner", "--no-privileges", "--exit-on-error",
              "--dbname", env["PGDATABASE"], str(src / PG_FILE)], env)
    upload_dir.mkdir(parents=True, exist_ok=True)
    for name in manifest["files"]:
        shutil.copy2(src / UPLOADS / name, upload_dir / name)
    counts = _counts(engine)
    if counts != manifest["counts"]:
        raise BackupError("restored row counts differ from the manifest: "
                          + ", ".join(f"{k} {counts.get(k)} != {v}"
                                      for k, v in manifest["counts"].items()
                                      if counts.get(k) != v))
    return RestoreReport(rows=sum(counts.values()), files=len(manifest["files"]))
