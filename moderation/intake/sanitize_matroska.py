"""WebM and Matroska rewritten as a stream, without tags, attachments, titles or dates.

The file is a tree of EBML elements. At the level of the Segment, `Tags` (titles,
artists, GPS, anything) and `Attachments` (cover art, fonts, any file) become `Void`
elements of the same length; inside `Info` the title, the date of muxing and the names
of the muxing and writing applications do too, and inside each `TrackEntry` its name.
Nothing moves, so the seek index and cue points stay valid; clusters (the audio and
video) are copied as they are. Only `Info` and `Tracks` are held in memory.

Budget: the number of tracks and the duration, read from `Tracks` and `Info`.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from moderation.intake.errors import FileRejected
from moderation.intake.metadata_status import MetadataStatus
from moderation.intake.sanitize import SanitizeCaps
from moderation.intake.sanitize_media import _copy_range

SEGMENT = 0x18538067
CLUSTER = 0x1F43B675
INFO = 0x1549A966
TRACKS = 0x1654AE6B
TRACK_ENTRY = 0xAE
VOID = 0xEC
_VOIDED_TOP = {0x1254C367, 0x1941A469}  # Tags, Attachments
_VOIDED_IN_INFO = {0x7BA9, 0x4461, 0x4D80, 0x5741}  # Title, DateUTC, MuxingApp, WritingApp
_VOIDED_IN_TRACK = {0x536E}  # Name
_DURATION, _TIMECODE_SCALE = 0x4489, 0x2AD7B1
_HELD_MAX = 4 * 1024 * 1024
_UNKNOWN = -1


def _read_vint(data: bytes, pos: int, *, keep_marker: bool) -> tuple[int, int]:
    """(value, width) of the variable-length integer at `pos`."""
    if pos >= len(data) or data[pos] == 0:
        raise FileRejected("damaged")
    first = data[pos]
    width = 9 - first.bit_length()
    if pos + width > len(data):
        raise FileRejected("damaged")
    value = int.from_bytes(data[pos:pos + width], "big")
    if keep_marker:
        return value, width
    value &= (1 << (7 * width)) - 1
    if value == (1 << (7 * width)) - 1:
        return _UNKNOWN, width
    return value, width


def _header(data: bytes, pos: int) -> tuple[int, int, int]:
    """(element id, data size or _UNKNOWN, header length) of the element at `pos`."""
    element, id_width = _read_vint(data, pos, keep_marker=True)
    size, size_width = _read_vint(data, pos + id_width, keep_marker=False)
    return element, size, id_width + size_width


def _void(length: int) -> bytes:
    """A Void element of exactly `length` bytes (at least 2)."""
    size_width = min(8, length - 1)
    body = length - 1 - size_width
    return bytes([VOID]) + ((1 << (7 * size_width)) | body).to_bytes(size_width, "big") + \
        bytes(body)


def _blank_children(block: bytearray, start: int, end: int, voided: set[int]) -> None:
    pos = start
    while pos < end:
        element, size, header = _header(bytes(block[pos:pos + 16]), 0)
        if size == _UNKNOWN or pos + header + size > end:
            raise FileRejected("damaged")
        if element in voided and header + size >= 2:
            block[pos:pos + header + size] = _void(header + size)
        elif element == TRACK_ENTRY:
            _blank_children(block, pos + header, pos + header + size, _VOIDED_IN_TRACK)
        pos += header + size


def _children(block: bytes, start: int, end: int) -> list[tuple[int, bytes]]:
    found, pos = [], start
    while pos < end:
        element, size, header = _header(block[pos:pos + 16], 0)
        if size == _UNKNOWN:
            break
        found.append((element, block[pos + header:pos + header + size]))
        pos += header + size
    return found


def _check_budget(element: int, block: bytes, header: int, caps: SanitizeCaps) -> None:
    children = _children(block, header, len(block))
    if element == TRACKS:
        if sum(1 for kind, _ in children if kind == TRACK_ENTRY) > caps.media_streams:
            raise FileRejected("over_budget")
        return
    values = dict(children)
    scale = int.from_bytes(values.get(_TIMECODE_SCALE, b""), "big") or 1_000_000
    raw = values.get(_DURATION, b"")
    ticks = struct.unpack(">f" if len(raw) == 4 else ">d", raw)[0] if len(raw) in (4, 8) else 0
    if ticks * scale / 1e9 > caps.media_seconds:
        raise FileRejected("over_budget")


def clean_matroska(src: BinaryIO, size: int, out: BinaryIO,
                   caps: SanitizeCaps) -> MetadataStatus:
    """Copy a WebM/Matroska file with its tags, attachments and names voided."""
    pos = 0
    while pos < size:
        src.seek(pos)
        head = src.read(16)
        element, length, header = _header(head, 0)
        if length == _UNKNOWN and element not in (SEGMENT, CLUSTER):
            raise FileRejected("damaged")  # only these two may be streamed without a size
        if element == SEGMENT or length == _UNKNOWN:
            out.write(head[:header])  # descend: its children follow at this level
            pos += header
            continue
        end = pos + header + length
        if end > size:
            raise FileRejected("damaged")
        if element in _VOIDED_TOP:
            out.write(_void(header + length))
        elif element in (INFO, TRACKS):
            if header + length > _HELD_MAX:
                raise FileRejected("over_budget")
            src.seek(pos)
            block = bytearray(src.read(header + length))
            _check_budget(element, bytes(block), header, caps)
            _blank_children(block, header, len(block),
                            _VOIDED_IN_INFO if element == INFO else set())
            out.write(block)
        else:
            _copy_range(src, out, pos, header + length)
        pos = end
    return MetadataStatus.partial
