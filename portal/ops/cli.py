"""`portal keys …`, `portal backup`, `portal restore`, `portal retention …`: operations."""

from __future__ import annotations

import argparse
import sys

from moderation.clock import system_clock
from moderation.keycheck import KeysDoNotMatch, fingerprint
from moderation.roles import Actor

OPS_ACTOR = Actor.system("cli")


def cmd_keys_check(args: argparse.Namespace) -> int:
    from portal.cli import _engine, _settings
    from portal.intake.config import build_intake_config
    from portal.ops.keys import master_setting, verify_keys_at_start

    settings = _settings()
    keys = build_intake_config(settings).keys
    with _engine(settings) as engine:
        try:
            verify_keys_at_start(settings, keys, engine, system_clock)
        except KeysDoNotMatch as exc:
            print(f"keys check failed: {exc}", file=sys.stderr)
            return 1
    print(f"keys open the data; master key from {master_setting(settings).split(' ')[0]}, "
          f"fingerprint {fingerprint(keys.master)}")
    return 0


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    from portal.cli import _engine, _settings
    from portal.intake.config import build_intake_config
    from portal.ops.keys import rotate

    settings = _settings()
    keys = build_intake_config(settings).keys
    with _engine(settings) as engine:
        try:
            report = rotate(engine, settings, keys, OPS_ACTOR, system_clock)
        except KeysDoNotMatch as exc:
            print(f"keys rotate: {exc}", file=sys.stderr)
            return 2
    print(f"re-wrapped {report.rewrapped} submission key(s) ({report.already} already under "
          f"the new key), {report.totp_resealed} TOTP secret(s); new fingerprint "
          f"{fingerprint(keys.master)}")
    if report.unreadable or report.totp_unreadable:
        print(f"{report.unreadable} submission key(s) and {report.totp_unreadable} TOTP "
              "secret(s) open with neither key", file=sys.stderr)
        return 1
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from pathlib import Path

    from portal.cli import _engine, _settings
    from portal.intake.config import build_intake_config
    from portal.ops.backup import BackupError, backup

    settings = _settings()
    keys = build_intake_config(settings).keys
    with _engine(settings) as engine:
        try:
            manifest = backup(engine, settings.upload_dir, keys, Path(args.dest))
        except BackupError as exc:
            print(f"backup failed: {exc}", file=sys.stderr)
            return 1
    print(f"backup in {args.dest}: {sum(manifest['counts'].values())} rows, "
          f"{len(manifest['files'])} files, schema {manifest['schema_revision']}, "
          f"key fingerprint {manifest['keys']['master']}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from pathlib import Path

    from portal.cli import _engine, _settings
    from portal.intake.config import build_intake_config
    from portal.ops.backup import BackupError, restore

    settings = _settings()
    keys = build_intake_config(settings).keys
    with _engine(settings) as engine:
        try:
            report = restore(Path(args.src), engine, settings.upload_dir, keys)
        except BackupError as exc:
            print(f"restore refused: {exc}", file=sys.stderr)
            return 1
    print(f"restored {report.rows} rows and {report.files} files; run `portal init` to "
          "migrate if this portal is newer than the backup")
    return 0


def cmd_retention_apply(args: argparse.Namespace) -> int:
    from portal.cli import _engine, _settings
    from portal.ops.retention import apply_now

    settings = _settings()
    with _engine(settings) as engine:
        counts = apply_now(engine, settings.upload_dir, system_clock, OPS_ACTOR,
                           dry_run=args.dry_run)
    assert counts is not None
    verb = "would erase" if args.dry_run else "erased"
    print(f"retention {verb}: {counts['spam']} rejected as spam, {counts['rejected']} "
          f"rejected otherwise, {counts['concluded']} concluded; contact details of "
          f"{counts['contact']} more")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register the operations commands on the `portal` parser."""
    keys = sub.add_parser("keys", help="check or rotate the encryption keys").add_subparsers(
        dest="keys_command", required=True)
    keys.add_parser("check", help="do the keys open the data?").set_defaults(
        func=cmd_keys_check)
    keys.add_parser("rotate", help="re-wrap every key under ENCRYPTION_KEY "
                    "(the old one in ENCRYPTION_KEY_PREVIOUS)").set_defaults(func=cmd_keys_rotate)
    backup = sub.add_parser("backup", help="copy the database, files and a manifest to DEST")
    backup.add_argument("dest", help="a new or empty folder")
    backup.set_defaults(func=cmd_backup)
    restore = sub.add_parser("restore", help="restore a backup into an empty database")
    restore.add_argument("src", help="a folder made by `portal backup`")
    restore.set_defaults(func=cmd_restore)
    retention = sub.add_parser("retention", help="erase what the retention policy says") \
        .add_subparsers(dest="retention_command", required=True)
    apply = retention.add_parser("apply", help="erase expired cases (one audit row each)")
    apply.add_argument("--dry-run", action="store_true", help="only count what would go")
    apply.set_defaults(func=cmd_retention_apply)
