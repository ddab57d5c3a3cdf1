"""PDF rewritten with pypdf: no metadata, no scripts, no embedded files, within budgets.

The pages are copied into a fresh document (what hangs only from the old catalog or
trailer never crosses), then every object reachable from the new one is scrubbed:
Info and XMP (`/Metadata` on the catalog, pages and images), JavaScript and other active
actions wherever they hang (`/OpenAction`, `/AA` of the document, pages, annotations
and form fields, `/A` links, the `/Names` JavaScript tree), embedded files (the
`/EmbeddedFiles` tree, file-attachment annotations, `/EF` streams), XFA forms,
annotation author names and dates, and the APP/COM segments of JPEG images inside.
Unreferenced objects are dropped before writing.

Budget: the declared and actual object counts and page counts, before pages are copied.
"""

from __future__ import annotations

import io
import logging
import warnings
from typing import Any, BinaryIO

from moderation.intake.errors import FileRejected
from moderation.intake.jpeg_segments import strip_jpeg_segments
from moderation.intake.metadata_status import MetadataStatus
from moderation.intake.sanitize import SanitizeCaps

_DROP_KEYS = ("/Metadata", "/PieceInfo", "/AA", "/EmbeddedFiles", "/JavaScript", "/XFA",
              "/OpenAction", "/EF", "/LastModified")
_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/ResetForm",
                   "/RichMediaExecute", "/Rendition", "/GoToE", "/Sound", "/Movie"}
_ACTION_KEYS = ("/A", "/Next")
_ANNOTATION_PERSONAL = ("/T", "/M", "/CreationDate", "/RC")


def clean_pdf(src: BinaryIO, size: int, out: BinaryIO, caps: SanitizeCaps) -> MetadataStatus:
    """Rewrite a PDF without metadata, scripts or attachments (refused over budget)."""
    import pypdf
    from pypdf.errors import PyPdfError

    if size > caps.pdf_bytes:
        raise FileRejected("too_large_for_type")
    pypdf_log = logging.getLogger("pypdf")
    level = pypdf_log.level
    pypdf_log.setLevel(logging.ERROR)  # a damaged-but-readable PDF is not worth a warning
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # In memory (capped by pdf_bytes): pypdf reads in tiny pieces, slow through
            # the decrypting view; and a cheap count of objects before pypdf parses any.
            data = src.read()
            if data.count(b" obj") > caps.pdf_objects:
                raise FileRejected("over_budget")
            reader = pypdf.PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                raise FileRejected("damaged")
            _check_budget(reader, caps)
            writer = pypdf.PdfWriter()
            writer.append(reader, import_outline=False)
            writer.metadata = None
            writer.xmp_metadata = None
            _scrub(writer.root_object)
            writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
            writer.write(out)
    except FileRejected:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError,
            RecursionError, IndexError):
        raise FileRejected("damaged") from None
    finally:
        pypdf_log.setLevel(level)
    return MetadataStatus.stripped


def _check_budget(reader: Any, caps: SanitizeCaps) -> None:
    declared = int(reader.trailer.get("/Size", 0) or 0)
    found = sum(len(table) for table in reader.xref.values()) + len(reader.xref_objStm)
    if max(declared, found) > caps.pdf_objects:
        raise FileRejected("over_budget")
    pages = reader.trailer["/Root"]["/Pages"]
    if int(pages.get("/Count", 0) or 0) > caps.pdf_pages or len(reader.pages) > caps.pdf_pages:
        raise FileRejected("over_budget")


def _is_active_action(value: Any) -> bool:
    action = value.get_object() if hasattr(value, "get_object") else value
    return hasattr(action, "get") and str(action.get("/S", "")) in _ACTIVE_ACTIONS


def _scrub(root: Any) -> None:
    """Walk every object reachable from `root` once, removing what identifies or runs."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

    seen: set[int] = set()
    stack = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            key = item.idnum
            item = item.get_object()
        else:
            key = id(item)
        if key in seen or item is None:
            continue
        seen.add(key)
        if isinstance(item, DictionaryObject):
            _scrub_dictionary(item)
            if isinstance(item, StreamObject):
                _scrub_stream(item)
            stack.extend(item.values())
        elif isinstance(item, ArrayObject):
            stack.extend(item)


def _scrub_dictionary(item: Any) -> None:
    for name in _DROP_KEYS:
        item.pop(name, None)
    for name in _ACTION_KEYS:
        if name in item and _is_active_action(item[name]):
            del item[name]
    if str(item.get("/S", "")) in _ACTIVE_ACTIONS:
        for name in ("/JS", "/F", "/Win", "/Mac", "/Unix", "/Fields"):
            item.pop(name, None)
    subtype = str(item.get("/Subtype", ""))
    if subtype == "/FileAttachment":
        item.pop("/FS", None)
    if str(item.get("/Type", "")) == "/Annot" and subtype != "/Widget":
        # A comment's /T is its author's name; a form field's /T is its name (kept).
        for name in _ANNOTATION_PERSONAL:
            item.pop(name, None)
    if str(item.get("/Type", "")) == "/Filespec":
        item.pop("/EF", None)
        item.pop("/RF", None)


def _scrub_stream(stream: Any) -> None:
    from pypdf.generic import NameObject

    if str(stream.get("/Subtype", "")) == "/Image" and stream.get("/Filter") in (
            NameObject("/DCTDecode"), [NameObject("/DCTDecode")]):
        stream._data = strip_jpeg_segments(stream._data)
    if str(stream.get("/Type", "")) == "/EmbeddedFile":
        stream._data = b""
