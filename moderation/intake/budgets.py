"""What a file will expand to, read from its container headers before anything decodes it.

A decoder's cost is set by what it produces, not by the bytes it reads: a 729-byte GIF
can declare a 10,000 × 10,000 canvas and thousands of frames, each expanded to the full
canvas. These readers walk the container structure only (GIF blocks, PNG and RIFF
chunks, MP4 boxes, Matroska elements, Ogg pages), never the compressed data, so they
cost time proportional to the file and almost no memory. The cleaners compare the
figures with `SanitizeCaps` and refuse a file over budget as `over_budget`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

from moderation.intake.errors import FileRejected

_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Expansion:
    """Canvas size and frame count: the decoder holds up to frames × width × height pixels."""

    width: int
    height: int
    frames: int

    @property
    def pixels(self) -> int:
        return self.width * self.height * max(self.frames, 1)


def _read_exact(src: BinaryIO, size: int) -> bytes:
    data = src.read(size)
    if len(data) != size:
        raise FileRejected("damaged")
    return data


def gif_expansion(src: BinaryIO) -> Expansion:
    """Logical screen (grown by any frame that reaches past it) and the number of frames."""
    src.seek(0)
    header = _read_exact(src, 13)
    width, height = struct.unpack("<HH", header[6:10])
    if header[10] & 0x80:
        src.seek(3 * (2 << (header[10] & 7)), 1)
    frames = 0
    while True:
        block = src.read(1)
        if not block or block == b"\x3b":
            break
        if block == b"\x21":
            _read_exact(src, 1)
            _skip_sub_blocks(src)
        elif block == b"\x2c":
            left, top, w, h, flags = struct.unpack("<HHHHB", _read_exact(src, 9))
            width, height = max(width, left + w), max(height, top + h)
            frames += 1
            if flags & 0x80:
                src.seek(3 * (2 << (flags & 7)), 1)
            _read_exact(src, 1)  # LZW minimum code size
            _skip_sub_blocks(src)
        else:
            break  # trailing garbage: Pillow stops here too
    return Expansion(width, height, frames)


def _skip_sub_blocks(src: BinaryIO) -> None:
    while True:
        size = src.read(1)
        if not size or size[0] == 0:
            return
        src.seek(size[0], 1)


def png_expansion(src: BinaryIO) -> Expansion:
    """IHDR size, and for APNG the larger of acTL's frame count and the fcTL chunks seen."""
    src.seek(8)
    width = height = declared = seen = 0
    while True:
        head = src.read(8)
        if len(head) < 8:
            break
        length, kind = struct.unpack(">I4s", head)
        if kind == b"IHDR":
            width, height = struct.unpack(">II", _read_exact(src, 8))
            src.seek(length - 8 + 4, 1)
        elif kind == b"acTL":
            declared = struct.unpack(">I", _read_exact(src, 4))[0]
            src.seek(length - 4 + 4, 1)
        else:
            seen += kind == b"fcTL"
            if kind == b"IEND":
                break
            src.seek(length + 4, 1)
    return Expansion(width, height, max(declared, seen, 1))


def webp_expansion(src: BinaryIO, width: int, height: int) -> Expansion:
    """The VP8X canvas (when present) and the number of ANMF frames."""
    src.seek(12)
    frames = 0
    while True:
        head = src.read(8)
        if len(head) < 8:
            break
        kind, length = head[:4], struct.unpack("<I", head[4:])[0]
        if kind == b"VP8X":
            body = _read_exact(src, 10)
            width = max(width, 1 + int.from_bytes(body[4:7], "little"))
            height = max(height, 1 + int.from_bytes(body[7:10], "little"))
            src.seek(length - 10 + (length & 1), 1)
        else:
            frames += kind == b"ANMF"
            src.seek(length + (length & 1), 1)
    return Expansion(width, height, max(frames, 1))


def ogg_streams(data: bytes) -> int:
    """How many logical streams (beginning-of-stream pages) an Ogg file holds."""
    streams, pos = 0, 0
    while True:
        pos = data.find(b"OggS", pos)
        if pos < 0 or pos + 27 > len(data):
            return streams
        streams += bool(data[pos + 5] & 0x02)
        pos += 27


def mp4_budget(moov: bytes | bytearray, header: int) -> tuple[int, float]:
    """(number of tracks, duration in seconds) from a `moov` box held in memory."""
    tracks, seconds, pos = 0, 0.0, header
    while pos + 8 <= len(moov):
        size, kind = struct.unpack(">I4s", moov[pos:pos + 8])
        if size < 8:
            break
        if kind == b"trak":
            tracks += 1
        elif kind == b"mvhd" and pos + 40 <= len(moov):
            if moov[pos + 8] == 1:
                timescale, duration = struct.unpack(">IQ", moov[pos + 28:pos + 40])
            else:
                timescale, duration = struct.unpack(">II", moov[pos + 20:pos + 28])
            seconds = duration / timescale if timescale else 0.0
        pos += size
    return tracks, seconds
