"""File system times that say nothing finer than the hour, for everything under UPLOAD_DIR.

The kernel stamps a file with the time of each write (mtime) and read (atime), and a
folder with the time an entry was added or removed. Those stamps would date a
submission to the second, so every writer here calls `settle()` on what it touched
(the file and its folder) to set both times back to the start of the hour, and readers
open files with `O_NOATIME` so that reading leaves no stamp at all.

The inode change time (ctime) cannot be set by a program: it records the last change
to a file's inode (including `settle()` itself). Keep UPLOAD_DIR on storage whose
inode times are not exposed to staff, and see the README for what this means.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

HOUR = 3600


def this_hour() -> int:
    """The current time, rounded down to the hour (seconds since the epoch)."""
    return int(time.time()) // HOUR * HOUR


def settle(*paths: Path | str | int) -> None:
    """Set the access and modification times of files, folders or open fds to the hour."""
    hour = this_hour()
    for path in paths:
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            os.utime(path, (hour, hour))


def settle_tree(root: Path) -> None:
    """`settle()` a folder and everything in it (for small trees such as drafts)."""
    if not root.is_dir():
        return
    paths: list[Path | str] = []
    for folder, dirs, files in os.walk(root):
        paths.append(folder)
        paths += [os.path.join(folder, name) for name in (*dirs, *files)]
    settle(*paths)


def open_quietly(path: Path | str) -> BinaryIO:
    """Open a file for reading without updating its access time."""
    flags = os.O_RDONLY | getattr(os, "O_NOATIME", 0)
    try:
        fd = os.open(path, flags)
    except PermissionError:  # O_NOATIME needs the file's owner
        fd = os.open(path, os.O_RDONLY)
    return os.fdopen(fd, "rb")


def list_quietly(folder: Path) -> list[Path]:
    """The entries of a folder, listed without updating its access time."""
    flags = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_NOATIME", 0)
    try:
        fd = os.open(folder, flags)
    except PermissionError:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with os.scandir(fd) as entries:
            return [folder / entry.name for entry in entries]
    finally:
        os.close(fd)


def read_quietly(path: Path | str) -> bytes:
    """The whole file, read without updating its access time."""
    with open_quietly(path) as fh:
        return fh.read()


def remove_tree(path: Path) -> None:
    """Delete a folder tree, then settle the folder that held it."""
    shutil.rmtree(path, ignore_errors=True)
    settle(path.parent)


@contextlib.contextmanager
def settled(*paths: Path) -> Iterator[None]:
    """Settle `paths` after the block, whatever happens in it."""
    try:
        yield
    finally:
        settle(*paths)
