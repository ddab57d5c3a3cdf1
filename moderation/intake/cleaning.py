"""One upload typed and cleaned in the worker sandbox, from encrypted file to encrypted file.

The server never decodes a citizen's file itself: `clean_in_worker` hands the paths and
keys of the raw upload and of the cleaned copy to `run_limited`, and the child reads,
decrypts, types, cleans and re-encrypts. Whatever a bomb expands to lives and dies in
the child; the server gets back a few figures or a `FileRejected`. Plain text has no
decoder (its "cleaning" is a copy), so the upload sink runs `clean_file` on it directly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from moderation import sandbox
from moderation.intake.crypto import DecryptingReader, EncryptingWriter
from moderation.intake.errors import FileRejected
from moderation.intake.filetimes import open_quietly
from moderation.intake.filetypes import check_extension, detect
from moderation.intake.metadata_status import MetadataStatus
from moderation.intake.sanitize import SanitizeCaps, sanitize

MB = 1024 * 1024

# Loaded once in the forkserver, so each child starts with its decoders imported.
# Every module `sanitize` imports must be here: one left out is imported by every child.
sandbox.preload(["moderation.intake.cleaning", "moderation.intake.sanitize_media",
                 "moderation.intake.sanitize_matroska", "moderation.intake.sanitize_office",
                 "moderation.intake.sanitize_pdf", "PIL.Image", "PIL.ImageCms", "PIL.ImageOps",
                 "PIL.JpegImagePlugin", "PIL.PngImagePlugin", "PIL.GifImagePlugin",
                 "PIL.WebPImagePlugin", "pypdf", "mutagen"])


@dataclass(frozen=True)
class WorkerLimits:
    """Hard limits of the cleaning worker: the backstop behind the per-type budgets."""

    memory_bytes: int = 768 * MB
    seconds: float = 60.0
    # The cleaned copy may not grow much past the original (a re-encoded image can).
    output_factor: int = 4


@dataclass(frozen=True)
class CleanJob:
    """Where the raw upload is, where its clean copy goes, and the keys of both."""

    raw_path: str
    raw_key: bytes = field(repr=False)
    raw_context: str
    part_path: str
    part_key: bytes = field(repr=False)
    part_context: str
    head: bytes
    is_text: bool
    display_name: str
    caps: SanitizeCaps


@dataclass(frozen=True)
class CleanResult:
    """What the worker found and wrote: the type, metadata status, size and hash."""

    code: str
    status: MetadataStatus
    size: int
    sha256: str


def clean_file(job: CleanJob) -> CleanResult:
    """Type and clean one upload (runs in the worker; also callable directly)."""
    with open_quietly(job.raw_path) as raw:
        reader = DecryptingReader(raw, job.raw_key, job.raw_context)
        file_type = detect(job.head, reader, is_text=job.is_text)
        check_extension(job.display_name, file_type)
        with open(job.part_path, "xb") as part:
            out = EncryptingWriter(part, job.part_key, job.part_context)
            status = sanitize(file_type, reader, reader.size, out, job.caps)
            size = out.finish()
            part.flush()
            os.fsync(part.fileno())
    return CleanResult(file_type.code, status, size, out.sha256.hexdigest())


def clean_in_worker(job: CleanJob, limits: WorkerLimits, raw_size: int) -> CleanResult:
    """`clean_file` in the sandbox; a file that breaks a limit is refused, never kept."""
    hard = sandbox.Limits(memory_bytes=limits.memory_bytes, seconds=limits.seconds,
                          file_bytes=max(raw_size * limits.output_factor, 16 * MB))
    try:
        return sandbox.run_limited(clean_file, job, limits=hard)
    except (sandbox.OverBudget, sandbox.TimedOut):
        raise FileRejected("over_budget") from None
    except (sandbox.WorkerCrashed, sandbox.WorkerFailed):
        raise FileRejected("damaged") from None
