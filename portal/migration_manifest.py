"""Released migrations are history: the sha256 of every migration file, checked by a test.

`portal/migrations/released.sha256` lists each migration file with its hash, in the
format of `sha256sum` (so `cd portal/migrations && sha256sum -c released.sha256` works).
A listed file must never change: a change of schema is a new migration. Run
`make migrations-freeze` after adding a migration; it lists new files and never
rewrites a line.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MANIFEST = MIGRATIONS / "released.sha256"

CHANGED = (
    "{name} has changed since it was released (its sha256 is no longer the one in "
    "portal/migrations/released.sha256). Released migrations are never edited: databases "
    "already migrated past it would never see the change. Restore the file "
    "(git checkout main -- portal/migrations/{name}) and put your change in a new "
    "migration that follows the head. (Only if this migration has never reached main is "
    "it still yours: then delete its line from released.sha256 and run "
    "`make migrations-freeze`.)"
)
UNLISTED = ("{name} is not in portal/migrations/released.sha256: run `make migrations-freeze` "
            "and commit the new line with the migration.")
MISSING = "{name} is listed in portal/migrations/released.sha256 but missing: restore it."


def digest(path: Path) -> str:
    """The sha256 of a file, in hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_manifest(manifest: Path = MANIFEST) -> dict[str, str]:
    """Relative file name -> recorded sha256."""
    listed = {}
    for line in manifest.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            recorded, name = line.split(maxsplit=1)
            listed[name.lstrip("*")] = recorded
    return listed


def migration_files(root: Path = MIGRATIONS) -> list[str]:
    """Every migration file, relative to `root`."""
    return sorted(str(p.relative_to(root)) for p in (root / "versions").glob("*.py"))


def problems(root: Path = MIGRATIONS, manifest: Path = MANIFEST) -> list[str]:
    """What breaks the rule, one message per file (empty when every file is as released)."""
    listed = read_manifest(manifest)
    found = []
    for name, recorded in listed.items():
        path = root / name
        if not path.exists():
            found.append(MISSING.format(name=name))
        elif digest(path) != recorded:
            found.append(CHANGED.format(name=name))
    found += [UNLISTED.format(name=name) for name in migration_files(root) if name not in listed]
    return found


def freeze(root: Path = MIGRATIONS, manifest: Path = MANIFEST) -> list[str]:
    """Add a line for each migration file not yet listed; the names added."""
    listed = read_manifest(manifest)
    added = [name for name in migration_files(root) if name not in listed]
    with manifest.open("a") as out:
        for name in added:
            out.write(f"{digest(root / name)}  {name}\n")
    return added


def main() -> int:
    for name in freeze():
        print(f"listed {name}")
    left = problems()
    for problem in left:
        print(problem, file=sys.stderr)
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
