"""Tags removed from audio and video: MP3, WAV and MP4 as streams, OGG with mutagen.

MP3 loses its ID3v2, ID3v1 and APEv2 tags. WAV and MP4 keep their layout: metadata
chunks and boxes (WAV LIST/id3/bext/iXML/XMP; MP4 udta/meta/uuid, where phones put GPS
as ©xyz, and cover art) are renamed to padding (`JUNK` / `free`) and zeroed, and the
creation and modification times of the movie, its tracks and their media (`mvhd`,
`tkhd`, `mdhd`) are set to zero, so no offset moves and the media data is copied as it
is. Only the MP4 `moov` box is held in memory; its track count and duration are budgeted.
"""

from __future__ import annotations

import io
import shutil
import struct
from typing import BinaryIO

from moderation.intake import budgets
from moderation.intake.errors import FileRejected
from moderation.intake.metadata_status import MetadataStatus
from moderation.intake.sanitize import SanitizeCaps

_COPY = 64 * 1024
_WAV_STRIP = {b"LIST", b"id3 ", b"ID3 ", b"bext", b"iXML", b"_PMX", b"cart", b"DISP"}
_MP4_STRIP = {b"udta", b"meta", b"uuid", b"Xtra"}
_MP4_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"edts"}
_MP4_TIMED = {b"mvhd", b"tkhd", b"mdhd"}


def _copy_range(src: BinaryIO, out: BinaryIO, start: int, length: int) -> None:
    src.seek(start)
    while length > 0:
        piece = src.read(min(_COPY, length))
        if not piece:
            raise FileRejected("damaged")
        out.write(piece)
        length -= len(piece)


def _zeros(out: BinaryIO, length: int) -> None:
    block = bytes(min(_COPY, max(length, 0)))
    while length > 0:
        out.write(block[:min(len(block), length)])
        length -= len(block)


def clean_mp3(src: BinaryIO, size: int, out: BinaryIO) -> MetadataStatus:
    """Copy the MPEG frames only: leading ID3v2 tags and trailing ID3v1/APEv2 dropped."""
    start = 0
    while True:
        src.seek(start)
        head = src.read(10)
        if len(head) < 10 or head[:3] != b"ID3":
            break
        body = 0
        for byte in head[6:10]:
            body = (body << 7) | (byte & 0x7F)
        start += 10 + body + (10 if head[5] & 0x10 else 0)
    end = size
    if end - start >= 128:
        src.seek(end - 128)
        if src.read(3) == b"TAG":
            end -= 128
    if end - start >= 32:
        src.seek(end - 32)
        footer = src.read(32)
        if footer[:8] == b"APETAGEX":
            tag_size = int.from_bytes(footer[12:16], "little")
            has_header = int.from_bytes(footer[20:24], "little") & 0x80000000
            end -= tag_size + (32 if has_header else 0)
    if end <= start:
        raise FileRejected("damaged")
    _copy_range(src, out, start, end - start)
    return MetadataStatus.stripped


def clean_wav(src: BinaryIO, size: int, out: BinaryIO) -> MetadataStatus:
    """Walk the RIFF chunks; metadata chunks become zeroed JUNK of the same size."""
    src.seek(0)
    header = src.read(12)
    riff_end = min(size, 8 + int.from_bytes(header[4:8], "little"))
    out.write(header)
    pos = 12
    while pos + 8 <= riff_end:
        src.seek(pos)
        chunk = src.read(8)
        length = int.from_bytes(chunk[4:8], "little")
        body_end = min(pos + 8 + length + (length & 1), riff_end)
        if chunk[:4] in _WAV_STRIP:
            out.write(b"JUNK" + chunk[4:8])
            _zeros(out, body_end - pos - 8)
        else:
            out.write(chunk)
            _copy_range(src, out, pos + 8, body_end - pos - 8)
        pos = body_end
    _zeros(out, riff_end - pos)  # a torn trailing header: padding, never copied as is
    return MetadataStatus.stripped


def _box_header(data: bytes, pos: int, end: int) -> tuple[int, bytes, int]:
    """(size, type, header length) of the box at `pos`; size 0 means "to the end"."""
    if pos + 8 > end:
        raise FileRejected("damaged")
    size, kind = struct.unpack(">I4s", data[pos:pos + 8])
    header = 8
    if size == 1:
        if pos + 16 > end:
            raise FileRejected("damaged")
        size = struct.unpack(">Q", data[pos + 8:pos + 16])[0]
        header = 16
    elif size == 0:
        size = end - pos
    if size < header or pos + size > end:
        raise FileRejected("damaged")
    return size, kind, header


def _neutralise(box: bytearray, start: int, end: int, depth: int = 0) -> None:
    pos = start
    while pos < end:
        size, kind, header = _box_header(box, pos, end)
        if kind in _MP4_STRIP:
            box[pos + 4:pos + 8] = b"free"
            box[pos + header:pos + size] = bytes(size - header)
        elif kind in _MP4_TIMED:
            _zero_times(box, pos + header, pos + size)
        elif kind in _MP4_CONTAINERS and depth < 8:
            _neutralise(box, pos + header, pos + size, depth + 1)
        pos += size


def _zero_times(box: bytearray, body: int, end: int) -> None:
    """Creation and modification times of mvhd/tkhd/mdhd (after version and flags)."""
    width = 16 if box[body] == 1 else 8
    if body + 4 + width <= end:
        box[body + 4:body + 4 + width] = bytes(width)


def clean_mp4(src: BinaryIO, size: int, out: BinaryIO, caps: SanitizeCaps) -> MetadataStatus:
    """Top-level boxes streamed; `moov` read whole and its metadata boxes blanked."""
    pos = 0
    while pos < size:
        src.seek(pos)
        head = src.read(16)
        box_size, kind, header = _box_header(head + bytes(16 - len(head)), 0, size - pos)
        if kind == b"moov":
            if box_size > caps.mp4_moov_bytes:
                raise FileRejected("too_large_for_type")
            src.seek(pos)
            moov = bytearray(src.read(box_size))
            tracks, seconds = budgets.mp4_budget(moov, header)
            if tracks > caps.media_streams or seconds > caps.media_seconds:
                raise FileRejected("over_budget")
            _neutralise(moov, header, box_size)
            out.write(moov)
        elif kind in _MP4_STRIP:
            out.write(head[:4] + b"free" + head[8:header])
            _zeros(out, box_size - header)
        else:
            _copy_range(src, out, pos, box_size)
        pos += box_size
    return MetadataStatus.stripped


def clean_ogg(src: BinaryIO, size: int, out: BinaryIO, caps: SanitizeCaps) -> MetadataStatus:
    """Vorbis/Opus comments removed by mutagen, in memory (capped)."""
    import mutagen
    from mutagen import MutagenError

    if size > caps.ogg_bytes:
        raise FileRejected("too_large_for_type")
    data = src.read()
    if budgets.ogg_streams(data) > caps.media_streams:
        raise FileRejected("over_budget")
    buffer = io.BytesIO(data)
    try:
        audio = mutagen.File(buffer)
        if audio is None:
            raise FileRejected("damaged")
        if audio.info.length > caps.media_seconds:
            raise FileRejected("over_budget")
        buffer.seek(0)
        audio.delete(buffer)
    except FileRejected:
        raise
    except (MutagenError, OSError, ValueError, struct.error):
        raise FileRejected("damaged") from None
    buffer.seek(0)
    shutil.copyfileobj(buffer, out, _COPY)
    return MetadataStatus.stripped
