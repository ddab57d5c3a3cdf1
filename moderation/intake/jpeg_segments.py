"""JPEG metadata segments removed without decoding (for JPEG data inside PDFs)."""

from __future__ import annotations

# APP1 (EXIF, XMP), APP2 (ICC, FlashPix), APP13 (IPTC/Photoshop) and the others name
# cameras, places and people; APP14 (Adobe) only says how colours are encoded, and
# dropping it would change the picture.
_KEEP_APP = {0xEE}


def strip_jpeg_segments(data: bytes) -> bytes:
    """`data` without APPn (except Adobe APP14) and COM segments; unchanged if not JPEG."""
    if not data.startswith(b"\xff\xd8"):
        return data
    out = bytearray(b"\xff\xd8")
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return data  # not a marker where one must be: leave it to the viewer
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1  # fill byte
            continue
        if marker == 0xDA:  # start of scan: entropy-coded data follows, copy the rest
            out += data[pos:]
            return bytes(out)
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        segment = data[pos:pos + 2 + length]
        is_app = 0xE0 <= marker <= 0xEF
        if not ((is_app and marker not in _KEEP_APP) or marker == 0xFE):
            out += segment
        pos += 2 + length
    return data
