"""What cleaning did to a file's metadata, shown to the citizen and to staff.

A module of its own, with no database imports: the cleaners use it, and they are
preloaded in the sandbox's zygote, whose size every upload's fork pays for.
"""

from __future__ import annotations

import enum


class MetadataStatus(enum.StrEnum):
    stripped = "stripped"  # rewritten without metadata
    none = "none"  # the format carries none (plain text)
    kept = "kept"  # could not be stripped; staff are warned
    # Tags and times removed, but the format can carry more that no cleaner reaches (a
    # video stream's own encoder data); the citizen is told before sending, staff too.
    partial = "partial"
