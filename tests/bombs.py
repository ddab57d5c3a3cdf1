"""Decompression bombs built byte by byte: small files that expand to gigabytes.

Each is a valid file of its type (a viewer would try to show it). Used by the tests and
by `bench/bomb_memory.py`.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from PIL import Image

from moderation.intake.errors import FileRejected
from moderation.intake.filetypes import TYPES
from moderation.intake.sanitize import SanitizeCaps, sanitize

MB = 1024 * 1024


def gif_frame_bomb(canvas: int = 10_000, frames: int = 2_000) -> bytes:
    """A 10,000² canvas with 2,000 one-pixel frames: 200 G pixels once expanded."""
    out = bytearray(b"GIF89a" + struct.pack("<HHBBB", canvas, canvas, 0x80, 0, 0))
    out += b"\x00\x00\x00\xff\xff\xff"  # global colour table: 2 colours
    for _ in range(frames):
        out += b"\x21\xf9\x04\x04\x01\x00\x00\x00"  # graphic control: 10 ms, keep frame
        out += b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0)
        out += b"\x02\x02\x44\x01\x00"  # LZW: min code size 2, one pixel of colour 0
    return bytes(out + b"\x3b")


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + \
        struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def _blank_rows(width: int, height: int) -> bytes:
    """Deflated rows of a 1-bit greyscale image, all zero (compressed row by row)."""
    row = bytes(1 + (width + 7) // 8)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height))
    return data + packer.flush()


def png_huge_canvas(side: int = 16_000) -> bytes:
    """A 1-bit PNG of 16,000 × 16,000 (256 M pixels) in about 30 KB."""
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + \
        _png_chunk(b"IDAT", _blank_rows(side, side)) + _png_chunk(b"IEND", b"")


def apng_frame_bomb(side: int = 4_000, frames: int = 500) -> bytes:
    """An animated PNG: a 4,000² canvas and 500 one-pixel frames (8 G pixels expanded)."""
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    chunks = [_png_chunk(b"IHDR", ihdr), _png_chunk(b"acTL", struct.pack(">II", frames, 0))]
    sequence = 0
    tiny = zlib.compress(b"\x00\x00")
    for index in range(frames):
        chunks.append(_png_chunk(b"fcTL", struct.pack(
            ">IIIIIHHBB", sequence, side if index == 0 else 1, side if index == 0 else 1,
            0, 0, 1, 100, 0, 0)))
        sequence += 1
        if index == 0:
            chunks.append(_png_chunk(b"IDAT", _blank_rows(side, side)))
        else:
            chunks.append(_png_chunk(b"fdAT", struct.pack(">I", sequence) + tiny))
            sequence += 1
    chunks.append(_png_chunk(b"IEND", b""))
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks)


def _riff_chunk(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) & 1 else b"")


def webp_frame_bomb(canvas: int = 16_384, frames: int = 1_000) -> bytes:
    """An animated WebP: a 16,384² canvas and 1,000 one-pixel frames."""
    still = io.BytesIO()
    Image.new("RGBA", (1, 1), (0, 0, 0, 0)).save(still, "WEBP", lossless=True)
    vp8l = still.getvalue()[12:]  # the VP8L chunk of the one-pixel picture
    vp8x = bytes([0x12, 0, 0, 0]) + (canvas - 1).to_bytes(3, "little") * 2
    anim = _riff_chunk(b"ANIM", b"\x00\x00\x00\x00\x00\x00")
    frame = _riff_chunk(b"ANMF", bytes(6) + bytes(6) + (10).to_bytes(3, "little") + b"\x00"
                        + vp8l)
    body = b"WEBP" + _riff_chunk(b"VP8X", vp8x) + anim + frame * frames
    return b"RIFF" + struct.pack("<I", len(body)) + body


def docx_zip_bomb(members: int = 30, member_mb: int = 10) -> bytes:
    """A DOCX whose parts inflate to 300 MB: one deflated 10 MB run of zeros, 30 times."""
    zeros = bytes(member_mb * MB)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated = packer.compress(zeros) + packer.flush()
    parts = [("[Content_Types].xml", b'<?xml version="1.0"?><Types xmlns="http://schemas.'
              b'openxmlformats.org/package/2006/content-types"/>'),
             ("word/document.xml", b"<w:document/>")]
    entries = [(name, zlib.crc32(data), _deflate(data), len(data)) for name, data in parts]
    crc = zlib.crc32(zeros)
    entries += [(f"word/media/padding{i}.bin", crc, deflated, len(zeros)) for i in range(members)]
    out, directory = bytearray(), bytearray()
    for name, checksum, data, size in entries:
        fields = struct.pack("<HHHHHIII", 20, 0, 8, 0, 0x21, checksum, len(data), size)
        directory += b"PK\x01\x02" + struct.pack("<H", 20) + fields + struct.pack(
            "<HHHHHII", len(name), 0, 0, 0, 0, 0, len(out)) + name.encode()
        out += b"PK\x03\x04" + fields + struct.pack("<HH", len(name), 0) + name.encode() + data
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(entries), len(entries),
                      len(directory), len(out), 0)
    return bytes(out + directory + end)


def _deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def docx_member_bomb(members: int = 6_000) -> bytes:
    """A DOCX with thousands of empty parts (each costs a directory entry and an open)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        for index in range(members):
            archive.writestr(f"word/p{index}.xml", b"")
    return out.getvalue()


def _pdf(objects: list[bytes], size: int | None = None) -> bytes:
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        size or len(objects) + 1, xref)
    return bytes(out)


def pdf_page_bomb(pages: int = 5_000) -> bytes:
    """A PDF of 5,000 pages (one blank page object listed again and again)."""
    kids = b" ".join(b"3 0 R" for _ in range(pages))
    return _pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                 b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
                 b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"])


def pdf_object_bomb(objects: int = 150_000) -> bytes:
    """A one-page PDF with 150,000 objects."""
    return _pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                 b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                 b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"]
                + [b"null"] * objects)


BOMBS = {
    "frames.gif": gif_frame_bomb,
    "frames.png": apng_frame_bomb,
    "frames.webp": webp_frame_bomb,
    "canvas.png": png_huge_canvas,
    "zipbomb.docx": docx_zip_bomb,
    "parts.docx": docx_member_bomb,
    "pages.pdf": pdf_page_bomb,
    "objects.pdf": pdf_object_bomb,
}


def sanitize_bytes(code: str, data: bytes) -> str:
    """Clean `data` in memory: the metadata status, or the refusal code.

    Lives here, in a light module, because a sandboxed child imports it.
    """
    out = io.BytesIO()
    try:
        return sanitize(TYPES[code], io.BytesIO(data), len(data), out, SanitizeCaps()).value
    except FileRejected as exc:
        return exc.code
