"""Files of every accepted type with a marker in each place that can carry metadata.

Every marker starts with `MK-` (and names its place); text that must survive cleaning
starts with `KEEP-`. `expanded()` returns a file's bytes together with everything
compressed inside it (zip parts, PDF streams, PNG chunks), so a marker cannot hide from
the check by being deflated.
"""

from __future__ import annotations

import io
import re
import struct
import tempfile
import zipfile
import zlib
from pathlib import Path

import pypdf
from PIL import Image, ImageCms, PngImagePlugin
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

# -- images -------------------------------------------------------------------------------

def icc_with_description(description: str = "MK-ICC-DESC-1") -> bytes:
    """An sRGB profile whose description (13 characters) is `description`."""
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return profile.replace("sRGB built-in".encode("utf-16-be"), description.encode("utf-16-be"))


def _exif(prefix: str) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = f"MK-{prefix}-EXIF-MAKE"  # Make
    exif[0x013B] = f"MK-{prefix}-EXIF-ARTIST"  # Artist
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 26.0), 3: "E", 4: (116.0, 23.0, 29.0),
                    0x1B: f"MK-{prefix}-GPS".encode()}  # GPS with a processing method
    return exif


def _iptc_segment(text: str) -> bytes:
    record = b"\x1c\x02\x50" + struct.pack(">H", len(text)) + text.encode()  # By-line
    block = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(record)) + record
    body = b"Photoshop 3.0\x00" + block
    return b"\xff\xed" + struct.pack(">H", len(body) + 2) + body


def jpeg_marked(prefix: str = "JPEG", size: tuple[int, int] = (40, 30)) -> bytes:
    """EXIF (make, artist, GPS), XMP, a COM comment, an ICC description and IPTC."""
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(
        out, "JPEG", exif=_exif(prefix), xmp=f"<x:xmpmeta>MK-{prefix}-XMP</x:xmpmeta>".encode(),
        comment=f"MK-{prefix}-COM", icc_profile=icc_with_description())
    data = out.getvalue()
    return data[:2] + _iptc_segment(f"MK-{prefix}-IPTC") + data[2:]


def png_marked(prefix: str = "PNG") -> bytes:
    """tEXt, zTXt, iTXt, XMP (iTXt), eXIf and iCCP chunks."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", f"MK-{prefix}-TEXT")
    info.add_text("Comment", f"MK-{prefix}-ZTXT", zip=True)
    info.add_itxt("Description", f"MK-{prefix}-ITXT", lang="zh", tkey="说明", zip=True)
    info.add_itxt("XML:com.adobe.xmp", f"<x:xmpmeta>MK-{prefix}-XMP</x:xmpmeta>")
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (30, 200, 30)).save(out, "PNG", pnginfo=info, exif=_exif(prefix),
                                                   icc_profile=icc_with_description())
    return out.getvalue()


def gif_marked(frames: int = 2) -> bytes:
    """An animated GIF with a comment extension and an XMP application extension."""
    pictures = [Image.new("P", (16, 16), index) for index in range(frames)]
    out = io.BytesIO()
    pictures[0].save(out, "GIF", save_all=True, append_images=pictures[1:], duration=80,
                     loop=0, comment=b"MK-GIF-COMMENT")
    data = out.getvalue()
    xmp = b"<x:xmpmeta>MK-GIF-XMP</x:xmpmeta>"
    blocks = b"".join(bytes([len(xmp[i:i + 255])]) + xmp[i:i + 255]
                      for i in range(0, len(xmp), 255))
    extension = b"\x21\xff\x0bXMP DataXMP" + blocks + b"\x00"
    return data[:-1] + extension + b"\x3b"


def webp_marked() -> bytes:
    """EXIF, XMP and ICC chunks of a WebP."""
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (30, 30, 200)).save(
        out, "WEBP", exif=_exif("WEBP"), xmp=b"<x:xmpmeta>MK-WEBP-XMP</x:xmpmeta>",
        icc_profile=icc_with_description())
    return out.getvalue()


# -- office -------------------------------------------------------------------------------

def _zip(parts: dict[str, bytes | str], *, first: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if first:
            archive.writestr(first, parts[first], compress_type=zipfile.ZIP_STORED)
        for name, data in parts.items():
            if name != first:
                archive.writestr(name, data)
    return out.getvalue()


def _tiff_marked() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, "TIFF", tiffinfo={315: "MK-MEDIA-TIFF-ARTIST",
                                                                   270: "MK-MEDIA-TIFF-DESC"})
    return out.getvalue()


def _ooxml_common(prefix: str) -> dict[str, bytes | str]:
    return {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.'
                               'openxmlformats.org/package/2006/content-types"/>',
        "_rels/.rels": '<?xml version="1.0"?><Relationships><Relationship Id="rId9" '
                       'Target="docProps/thumbnail.jpeg"/></Relationships>',
        "docProps/core.xml": '<cp:coreProperties xmlns:cp="cp" xmlns:dc="dc"><dc:creator>'
                             'MK-CORE-CREATOR</dc:creator><cp:lastModifiedBy>MK-CORE-MODIFIER'
                             '</cp:lastModifiedBy><dc:title>MK-CORE-TITLE</dc:title>'
                             '</cp:coreProperties>',
        "docProps/app.xml": "<Properties><Company>MK-APP-COMPANY</Company><Manager>"
                            "MK-APP-MANAGER</Manager><Template>MK-APP-TEMPLATE</Template>"
                            "</Properties>",
        "docProps/custom.xml": "<Properties><property name='MK-CUSTOM-NAME'><vt:lpwstr>"
                               "MK-CUSTOM-VALUE</vt:lpwstr></property></Properties>",
        "docProps/thumbnail.jpeg": jpeg_marked("THUMB"),
        "customXml/item1.xml": "<data><owner>MK-CUSTOMXML</owner></data>",
        f"{prefix}/media/image1.jpeg": jpeg_marked("MEDIA"),
        f"{prefix}/media/image2.png": png_marked("MEDIAPNG"),
        f"{prefix}/media/image3.gif": gif_marked(1),
        f"{prefix}/media/image4.tiff": _tiff_marked(),
        f"{prefix}/media/image5.emf": b"\x01\x00\x00\x00" + "MK-MEDIA-EMF".encode("utf-16-le"),
        f"{prefix}/embeddings/oleObject1.bin": b"\xd0\xcf\x11\xe0MK-OLE-OBJECT",
        f"{prefix}/embeddings/Sheet1.xlsx": _zip({
            "[Content_Types].xml": "<Types/>",
            "docProps/core.xml": "<cp:coreProperties><dc:creator>MK-NESTED-CREATOR</dc:creator>"
                                 "</cp:coreProperties>",
            "xl/workbook.xml": "<workbook>KEEP-NESTED</workbook>",
        }),
    }


def docx_marked() -> bytes:
    """Properties, tracked changes, comments, people, pictures, thumbnail, custom XML,
    embedded objects and the template path, each with a marker."""
    return _zip({**_ooxml_common("word"),
        "word/document.xml": '<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>KEEP-DOCX-TEXT'
                             '</w:t></w:r></w:p><w:ins w:id="1" w:author="MK-INS-AUTHOR" '
                             'w:date="2026-05-01T10:17:00Z"><w:r><w:t>added</w:t></w:r></w:ins>'
                             '<w:del w:id="2" w:author="MK-DEL-AUTHOR" w:date="2026-05-01T10:18:'
                             '00Z"/></w:body></w:document>',
        "word/comments.xml": '<w:comments><w:comment w:id="0" w:author="MK-COMMENT-AUTHOR" '
                             'w:initials="MK-CI" w:date="2026-05-01T10:19:00Z"><w:p><w:r><w:t>'
                             'KEEP-COMMENT</w:t></w:r></w:p></w:comment></w:comments>',
        "word/people.xml": '<w15:people><w15:person w15:author="MK-PERSON"><w15:presenceInfo '
                           'w15:providerId="MK-PROVIDER" w15:userId="MK-USERID"/></w15:person>'
                           '</w15:people>',
        "word/_rels/settings.xml.rels": '<Relationships><Relationship Id="rId1" Type="http://'
                                        'schemas.openxmlformats.org/officeDocument/2006/'
                                        'relationships/attachedTemplate" Target="file:///C:\\'
                                        'Users\\MK-TEMPLATE-USER\\Normal.dotm" TargetMode='
                                        '"External"/></Relationships>',
    })


def xlsx_marked() -> bytes:
    """Workbook comment authors, threaded comments, persons and printer settings."""
    return _zip({**_ooxml_common("xl"),
        "xl/workbook.xml": "<workbook><sheets><sheet name='KEEP-XLSX-SHEET'/></sheets></workbook>",
        "xl/comments1.xml": "<comments><authors><author>MK-XL-AUTHOR</author></authors>"
                            "<commentList/></comments>",
        "xl/threadedComments/threadedComment1.xml": '<ThreadedComments><threadedComment '
                                                    'dT="2026-05-01T10:17:00.00" personId='
                                                    '"{A}"><text>KEEP-THREAD</text>'
                                                    '</threadedComment></ThreadedComments>',
        "xl/persons/person.xml": '<personList><person displayName="MK-XL-PERSON" id="{A}" '
                                 'userId="MK-XL-USERID" providerId="MK-XL-PROVIDER"/>'
                                 '</personList>',
        "xl/printerSettings/printerSettings1.bin": b"MK-XL-PRINTER\x00",
    })


def pptx_marked() -> bytes:
    """Presentation comment authors (legacy and modern) and comments."""
    return _zip({**_ooxml_common("ppt"),
        "ppt/presentation.xml": "<p:presentation>KEEP-PPTX</p:presentation>",
        "ppt/commentAuthors.xml": '<p:cmAuthorLst><p:cmAuthor id="0" name="MK-PPT-AUTHOR" '
                                  'initials="MK-PI"/></p:cmAuthorLst>',
        "ppt/authors.xml": '<p188:authorLst><p188:author id="{A}" name="MK-PPT-AUTHOR2" '
                           'initials="MK-PI2" userId="MK-PPT-USERID"/></p188:authorLst>',
        "ppt/comments/comment1.xml": '<p:cmLst><p:cm authorId="0" dt="2026-05-01T10:17:00">'
                                     '<p:text>KEEP-PPT-COMMENT</p:text></p:cm></p:cmLst>',
    })


ODF_TYPES = {"odt": "application/vnd.oasis.opendocument.text",
             "ods": "application/vnd.oasis.opendocument.spreadsheet",
             "odp": "application/vnd.oasis.opendocument.presentation"}


def odf_marked(code: str = "odt") -> bytes:
    """Meta, annotations, tracked changes, printer, thumbnail, pictures, embedded objects."""
    return _zip({
        "mimetype": ODF_TYPES[code],
        "META-INF/manifest.xml": "<manifest:manifest/>",
        "meta.xml": "<office:document-meta><office:meta><meta:initial-creator>MK-ODF-CREATOR"
                    "</meta:initial-creator><dc:creator>MK-ODF-EDITOR</dc:creator>"
                    "<meta:generator>MK-ODF-GENERATOR</meta:generator></office:meta>"
                    "</office:document-meta>",
        "content.xml": "<office:document-content><office:body><text:p>KEEP-ODF-TEXT</text:p>"
                       "<office:annotation><dc:creator>MK-ODF-ANNOT</dc:creator><dc:date>"
                       "2026-05-01T10:17:00</dc:date></office:annotation><text:tracked-changes>"
                       "<text:changed-region><text:insertion><office:change-info><dc:creator>"
                       "MK-ODF-CHANGE</dc:creator><dc:date>2026-05-01T10:18:00</dc:date>"
                       "</office:change-info></text:insertion></text:changed-region>"
                       "</text:tracked-changes></office:body></office:document-content>",
        "settings.xml": '<office:settings><config:config-item config:name="PrinterName" '
                        'config:type="string">MK-ODF-PRINTER</config:config-item>'
                        '<config:config-item config:name="PrinterSetup" config:type="base64'
                        'Binary">MK-ODF-PRINTERSETUP</config:config-item></office:settings>',
        "Thumbnails/thumbnail.png": png_marked("ODFTHUMB"),
        "Pictures/photo.jpg": jpeg_marked("ODFPIC"),
        "Object 1/content.xml": "<office:document-content>KEEP-ODF-OBJECT<dc:creator>"
                                "MK-ODF-OBJ-CREATOR</dc:creator></office:document-content>",
        "Object 1/meta.xml": "<office:document-meta><meta:initial-creator>MK-ODF-OBJMETA"
                             "</meta:initial-creator></office:document-meta>",
        "ObjectReplacements/Object 1": b"VCLMTF MK-ODF-OBJREPLACEMENT",
    }, first="mimetype")


# -- PDF ----------------------------------------------------------------------------------

def _js(writer: pypdf.PdfWriter, code: str) -> object:
    action = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                               NameObject("/JS"): TextStringObject(code)})
    return writer._add_object(action)


def _stream(writer: pypdf.PdfWriter, data: bytes, **entries: object) -> object:
    stream = DecodedStreamObject()
    stream.set_data(data)
    for key, value in entries.items():
        stream[NameObject(f"/{key}")] = value  # type: ignore[index]
    return writer._add_object(stream)


def pdf_marked() -> bytes:
    """Info, XMP, JavaScript in every place, embedded files, and a JPEG with EXIF inside."""
    writer = pypdf.PdfWriter()
    page = writer.add_blank_page(200, 200)
    writer.add_metadata({"/Author": "MK-PDF-AUTHOR", "/Creator": "MK-PDF-CREATOR",
                         "/Producer": "MK-PDF-PRODUCER", "/Title": "MK-PDF-TITLE"})
    root = writer.root_object
    root[NameObject("/Metadata")] = _stream(writer, b"<x:xmpmeta>MK-PDF-XMP</x:xmpmeta>",
                                            Type=NameObject("/Metadata"),
                                            Subtype=NameObject("/XML"))
    root[NameObject("/OpenAction")] = _js(writer, "app.alert('MK-PDF-OPENACTION')")
    root[NameObject("/AA")] = DictionaryObject(
        {NameObject("/WC"): _js(writer, "app.alert('MK-PDF-DOC-AA')")})
    page[NameObject("/AA")] = DictionaryObject(
        {NameObject("/O"): _js(writer, "app.alert('MK-PDF-PAGE-AA')")})
    jpeg = jpeg_marked("PDFIMG", (16, 16))
    image = _stream(writer, b"", Type=NameObject("/XObject"), Subtype=NameObject("/Image"),
                    Width=NumberObject(16), Height=NumberObject(16),
                    ColorSpace=NameObject("/DeviceRGB"), BitsPerComponent=NumberObject(8),
                    Filter=NameObject("/DCTDecode"),
                    Metadata=_stream(writer, b"<x:xmpmeta>MK-PDF-IMAGE-XMP</x:xmpmeta>",
                                     Type=NameObject("/Metadata"), Subtype=NameObject("/XML")))
    image.get_object()._data = jpeg  # type: ignore[attr-defined]
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/XObject"): DictionaryObject(
        {NameObject("/Im1"): image})})
    page[NameObject("/Contents")] = _stream(
        writer, b"q 16 0 0 16 10 10 cm /Im1 Do Q BT /F1 12 Tf 10 100 Td (KEEP-PDF-TEXT) Tj ET")
    rect = ArrayObject([FloatObject(10), FloatObject(10), FloatObject(50), FloatObject(50)])
    link = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
        NameObject("/Rect"): rect, NameObject("/A"): _js(writer, "app.alert('MK-PDF-LINK-JS')")})
    comment = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Text"),
        NameObject("/Rect"): rect, NameObject("/T"): TextStringObject("MK-PDF-COMMENT-AUTHOR"),
        NameObject("/M"): TextStringObject("D:20260501101700+08'00'"),
        NameObject("/Contents"): TextStringObject("KEEP-PDF-COMMENT")})
    attached = _stream(writer, b"MK-PDF-FILE-ANNOTATION", Type=NameObject("/EmbeddedFile"))
    file_annotation = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"),
        NameObject("/Subtype"): NameObject("/FileAttachment"), NameObject("/Rect"): rect,
        NameObject("/FS"): DictionaryObject({
            NameObject("/Type"): NameObject("/Filespec"),
            NameObject("/F"): TextStringObject("evidence.txt"),
            NameObject("/EF"): DictionaryObject({NameObject("/F"): attached})})})
    field = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Widget"),
        NameObject("/FT"): NameObject("/Tx"), NameObject("/T"): TextStringObject("KEEP-FIELD"),
        NameObject("/Rect"): rect, NameObject("/P"): page.indirect_reference,
        NameObject("/AA"): DictionaryObject(
            {NameObject("/K"): _js(writer, "app.alert('MK-PDF-FIELD-AA')")})})
    annotations = [writer._add_object(a) for a in (link, comment, file_annotation, field)]
    page[NameObject("/Annots")] = ArrayObject(annotations)
    root[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/Fields"): ArrayObject([annotations[3]])})
    writer.add_attachment("attachment.txt", b"MK-PDF-EMBEDDED-FILE")
    names = root["/Names"]
    names[NameObject("/JavaScript")] = DictionaryObject({NameObject("/Names"): ArrayObject(
        [TextStringObject("startup"), _js(writer, "app.alert('MK-PDF-NAMES-JS')")])})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# -- audio and video ----------------------------------------------------------------------

def mp3_marked() -> bytes:
    """ID3v2 (title, comment, user text, cover art), ID3v1 and APEv2 tags."""
    from mutagen.apev2 import APEv2
    from mutagen.id3 import APIC, COMM, ID3, TIT2, TXXX

    frames = (b"\xff\xfb\x90\x00" + b"\x11" * 413) * 5
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "a.mp3"
        path.write_bytes(frames)
        tags = ID3()
        tags.add(TIT2(encoding=3, text="MK-MP3-TITLE"))
        tags.add(COMM(encoding=3, lang="eng", desc="", text="MK-MP3-COMMENT"))
        tags.add(TXXX(encoding=3, desc="GPS", text="MK-MP3-GPS"))
        tags.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="cover",
                      data=b"\xff\xd8MK-MP3-COVER"))
        tags.save(path)
        ape = APEv2()
        ape["Artist"] = "MK-MP3-APE"
        ape.save(path)
        data = path.read_bytes()
    return data + b"TAG" + b"MK-MP3-V1".ljust(125, b"\x00")


def wav_marked() -> bytes:
    """LIST/INFO, id3, bext, iXML and _PMX (XMP) chunks."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return kind + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) & 1 else b"")

    fmt = chunk(b"fmt ", struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16))
    info = chunk(b"LIST", b"INFO" + chunk(b"IART", b"MK-WAV-ARTIST\x00"))
    data = chunk(b"data", b"\x01\x02" * 400)
    body = b"WAVE" + fmt + info + chunk(b"id3 ", b"ID3MK-WAV-ID3") + \
        chunk(b"bext", b"MK-WAV-BEXT".ljust(256, b"\x00")) + chunk(b"iXML", b"<x>MK-WAV-IXML</x>") \
        + chunk(b"_PMX", b"<x:xmpmeta>MK-WAV-XMP</x:xmpmeta>") + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


STAMP = 0x7A3B2C1D  # a creation/modification time that must not survive


def _timed(kind: bytes, rest: int) -> bytes:
    return _box(kind, b"\x00\x00\x00\x00" + struct.pack(">II", STAMP, STAMP + 1) + bytes(rest))


def mp4_marked(brand: bytes = b"isom") -> bytes:
    """mvhd/tkhd/mdhd times, udta/meta/ilst tags with cover art and GPS, an XMP uuid box."""
    def ilst_item(kind: bytes, text: bytes) -> bytes:
        return _box(kind, _box(b"data", b"\x00\x00\x00\x01\x00\x00\x00\x00" + text))

    ilst = _box(b"ilst", ilst_item(b"\xa9nam", b"MK-MP4-TITLE") + ilst_item(
        b"covr", b"\xff\xd8MK-MP4-COVER") + ilst_item(b"\xa9too", b"MK-MP4-ENCODER"))
    meta = _box(b"meta", b"\x00\x00\x00\x00" + ilst)
    udta = _box(b"udta", _box(b"\xa9xyz", b"\x00\x12\x15\xc7MK-MP4-GPS+39.90+116.40/") + meta)
    mdia = _box(b"mdia", _timed(b"mdhd", 12) + _box(b"minf", _box(b"vmhd", bytes(12))))
    trak = _box(b"trak", _timed(b"tkhd", 72) + mdia + _box(b"udta", _box(b"name",
                                                                     b"MK-MP4-TRACKNAME")))
    moov = _box(b"moov", _timed(b"mvhd", 88) + trak + udta)
    uuid = _box(b"uuid", bytes.fromhex("be7acfcb97a942e89c71999491e3afac")
                + b"<x:xmpmeta>MK-MP4-XMP</x:xmpmeta>")
    return _box(b"ftyp", brand + b"\x00\x00\x02\x00" + brand + b"mp41") + moov + uuid + \
        _box(b"mdat", b"KEEP-MP4-MEDIA" * 20)


def mp4_times(data: bytes) -> list[int]:
    """Every creation and modification time of mvhd, tkhd and mdhd in an MP4."""
    found = []
    for kind in (b"mvhd", b"tkhd", b"mdhd"):
        pos = data.find(kind)
        found += list(struct.unpack(">II", data[pos + 8:pos + 16]))
    return found


def _ogg_crc(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def _ogg_page(packet: bytes, sequence: int, granule: int, flags: int) -> bytes:
    lacing = bytes([255] * (len(packet) // 255) + [len(packet) % 255])
    header = b"OggS\x00" + bytes([flags]) + struct.pack("<qIII", granule, 0x4D4B, sequence, 0) \
        + bytes([len(lacing)]) + lacing
    page = header + packet
    return page[:22] + struct.pack("<I", _ogg_crc(page)) + page[26:]


def ogg_marked() -> bytes:
    """An Ogg Opus stream whose comment header carries an artist, a place and cover art."""
    head = b"OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00"
    comments = [b"ARTIST=MK-OGG-ARTIST", b"LOCATION=MK-OGG-PLACE",
                b"COVERART=MK-OGG-COVER"]
    vendor = b"KEEP-encoder"
    tags = b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + \
        struct.pack("<I", len(comments)) + b"".join(
            struct.pack("<I", len(c)) + c for c in comments)
    audio = b"\xf8\xff\xfe"  # one 20 ms CELT frame of silence
    return _ogg_page(head, 0, 0, 0x02) + _ogg_page(tags, 1, 0, 0) + \
        _ogg_page(audio, 2, 960, 0x04)


def _ebml(element: int, payload: bytes) -> bytes:
    width = (element.bit_length() + 7) // 8
    size = len(payload)
    return element.to_bytes(width, "big") + (0x10000000 | size).to_bytes(4, "big") + payload


def webm_marked() -> bytes:
    """Info (title, date, muxer, writer), a track name, Tags and an attached cover."""
    header = _ebml(0x1A45DFA3, _ebml(0x4282, b"webm") + _ebml(0x4287, b"\x04"))
    info = _ebml(0x1549A966, _ebml(0x2AD7B1, (1_000_000).to_bytes(3, "big"))
                 + _ebml(0x4489, struct.pack(">d", 1000.0)) + _ebml(0x7BA9, b"MK-WEBM-TITLE")
                 + _ebml(0x4461, struct.pack(">q", STAMP * 10**9))
                 + _ebml(0x4D80, b"MK-WEBM-MUXER") + _ebml(0x5741, b"MK-WEBM-WRITER"))
    tracks = _ebml(0x1654AE6B, _ebml(0xAE, _ebml(0xD7, b"\x01") + _ebml(0x83, b"\x01")
                                     + _ebml(0x86, b"V_VP8") + _ebml(0x536E, b"MK-WEBM-TRACK")))
    cluster = _ebml(0x1F43B675, _ebml(0xE7, b"\x00") + _ebml(0xA3, b"\x81\x00\x00\x80"
                                                              + b"KEEP-WEBM-FRAME"))
    tags = _ebml(0x1254C367, _ebml(0x7373, _ebml(0x67C8, _ebml(0x45A3, b"ARTIST")
                                                 + _ebml(0x4487, b"MK-WEBM-TAG"))))
    attachments = _ebml(0x1941A469, _ebml(0x61A7, _ebml(0x466E, b"cover.jpg")
                                          + _ebml(0x4660, b"image/jpeg")
                                          + _ebml(0x465C, b"\xff\xd8MK-WEBM-COVER")))
    return header + _ebml(0x18538067, info + tracks + cluster + tags + attachments)


# -- checking -----------------------------------------------------------------------------

def expanded(data: bytes, depth: int = 0) -> bytes:
    """`data` and everything compressed inside it, concatenated."""
    pieces = [data]
    if data.startswith(b"PK\x03\x04") and depth < 3:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            pieces += [expanded(archive.read(name), depth + 1) for name in archive.namelist()]
    elif b"%PDF-" in data[:1024]:
        # Strings in PDF syntax may be escaped ("MK\\055PDF"): read them back decoded too.
        pieces.append(re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), data))
        reader = pypdf.PdfReader(io.BytesIO(data))
        pieces.append(str(reader.trailer).encode("utf-8", "replace"))
        for number in range(1, int(reader.trailer.get("/Size", 0))):
            try:
                item = reader.get_object(number)
            except Exception:  # noqa: S112 - a free slot in the table
                continue
            pieces.append(str(item).encode("utf-8", "replace"))
            if hasattr(item, "get_data"):
                try:
                    pieces.append(item.get_data())
                except Exception:  # noqa: S112 - image filters pypdf does not decode
                    continue
    elif data.startswith(b"\x89PNG"):
        pos = 8
        while pos + 8 <= len(data):
            length = struct.unpack(">I", data[pos:pos + 4])[0]
            body = data[pos + 8:pos + 8 + length]
            for start in range(len(body)):
                if body[start:start + 1] in (b"\x78",):
                    try:
                        pieces.append(zlib.decompressobj().decompress(body[start:]))
                    except zlib.error:
                        continue
            pos += 12 + length
    return b"".join(pieces)


def markers_in(data: bytes) -> list[str]:
    """Every `MK-…` marker left in the file (plain, UTF-16, or compressed inside)."""
    everything = expanded(data)
    text = everything.decode("latin-1") + everything.decode("utf-16-be", errors="replace") + \
        everything[1:].decode("utf-16-be", errors="replace")
    return sorted(set(re.findall(r"MK-[A-Z0-9]+(?:-[A-Z0-9]+)*", text)))


MARKED = {
    "photo.jpg": jpeg_marked,
    "picture.png": png_marked,
    "animation.gif": gif_marked,
    "picture.webp": webp_marked,
    "document.pdf": pdf_marked,
    "letter.docx": docx_marked,
    "sheet.xlsx": xlsx_marked,
    "slides.pptx": pptx_marked,
    "letter.odt": lambda: odf_marked("odt"),
    "sheet.ods": lambda: odf_marked("ods"),
    "slides.odp": lambda: odf_marked("odp"),
    "voice.mp3": mp3_marked,
    "voice.wav": wav_marked,
    "voice.ogg": ogg_marked,
    "voice.m4a": lambda: mp4_marked(b"M4A "),
    "video.mp4": mp4_marked,
    "video.mov": lambda: mp4_marked(b"qt  "),
    "video.webm": webm_marked,
}
