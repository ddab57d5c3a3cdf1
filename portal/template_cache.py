"""Compiled templates kept on disk: `portal init` writes them, serving workers only read.

Jinja compiles a template the first time a worker renders it: lexing, parsing and code
generation took about 0.35 s of a new worker's first requests on a 2-core machine, and
left about 3 MB more resident than loading the same code. With this cache, `portal init`
(run once per deploy, before the workers start) compiles every template into
`DATA_DIR/template-cache`; each worker loads the code from there instead. An entry is
used only while its template's source is unchanged (Jinja checks a checksum), so a
template edited after `init` is compiled in memory, as without the cache.

Workers never write here: a file written at a citizen's first request would keep the
minute of it in its modification time, and a full disk would fail a page. Every
environment sharing the directory must be built by `make_templates` (Jinja's cache key
is the template's name, not the environment's options).
"""

from __future__ import annotations

import logging
from pathlib import Path

from jinja2 import Environment, FileSystemBytecodeCache
from jinja2.bccache import Bucket

log = logging.getLogger(__name__)


class TemplateBytecodeCache(FileSystemBytecodeCache):
    """Jinja's file cache, read-only unless `writable`; neither reading nor writing it
    ever fails a render (without a usable copy, the template is compiled in memory)."""

    def __init__(self, directory: Path, *, writable: bool = False) -> None:
        super().__init__(str(directory), "%s.jinja-cache")
        self.writable = writable

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError as exc:
            log.warning("template cache not read (%s)", exc.strerror or type(exc).__name__)

    def dump_bytecode(self, bucket: Bucket) -> None:
        if not self.writable:
            return
        try:
            super().dump_bytecode(bucket)
        except OSError as exc:  # the template was compiled; only its copy is lost
            log.warning("template cache not written (%s)", exc.strerror or type(exc).__name__)


def prime(env: Environment, directory: Path) -> int:
    """Compile every template of `env` into `directory` (made private to this user if
    missing); the number of templates."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    writer = env.overlay(bytecode_cache=TemplateBytecodeCache(directory, writable=True),
                         cache_size=0)
    names = env.list_templates(filter_func=lambda name: name.endswith((".html", ".xml",
                                                                       ".txt", ".svg")))
    for name in names:
        writer.get_template(name)
    return len(names)
