"""Which document types the file accepts, recognised by their first bytes AND their extension.

Why both: an extension alone is a claim (``facture.pdf`` may be an executable); magic bytes alone let a
valid PDF be stored as ``cv.docx`` and opened by the wrong program. A document is accepted only when its
extension is on the allow-list and its leading bytes are those of that same type.

Pure functions over the first bytes of the upload: the caller peeks :data:`SNIFF_BYTES` while streaming.
Office formats are ZIP containers, so for them the first local-file header is read: OpenDocument writes
an uncompressed ``mimetype`` entry first (its specification requires it); Office Open XML writes
``[Content_Types].xml`` (or a ``_rels/``/``word/``… part) first.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

SNIFF_BYTES = 4096
"""How many leading bytes the sniffer needs (the ZIP header, the ODF ``mimetype`` entry)."""


class RejectedType(ValueError):
    """French message: it goes straight into the 415 problem detail."""


@dataclass(frozen=True, slots=True)
class DocumentType:
    extension: str
    media_type: str
    label: str


ODF_TYPES = {
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
OOXML_TYPES = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "word/"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xl/"),
}

ALLOWED: dict[str, DocumentType] = {
    "pdf": DocumentType("pdf", "application/pdf", "PDF"),
    "png": DocumentType("png", "image/png", "image PNG"),
    "jpg": DocumentType("jpg", "image/jpeg", "image JPEG"),
    "jpeg": DocumentType("jpeg", "image/jpeg", "image JPEG"),
    "odt": DocumentType("odt", ODF_TYPES["odt"], "texte OpenDocument"),
    "ods": DocumentType("ods", ODF_TYPES["ods"], "tableur OpenDocument"),
    "docx": DocumentType("docx", OOXML_TYPES["docx"][0], "document Word"),
    "xlsx": DocumentType("xlsx", OOXML_TYPES["xlsx"][0], "classeur Excel"),
}

_ZIP_LOCAL = b"PK\x03\x04"


def extension_of(filename: str) -> str:
    name = (filename or "").strip().rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    if "." not in name:
        return ""
    return name.rsplit(".", 1)[1].lower()


def _first_zip_entry(head: bytes) -> tuple[str, bytes] | None:
    """(name, the start of its stored data) of the first ZIP local-file header, or None."""
    if len(head) < 30 or not head.startswith(_ZIP_LOCAL):
        return None
    (stored_size,) = struct.unpack("<I", head[18:22])
    name_len, extra_len = struct.unpack("<HH", head[26:30])
    name = head[30 : 30 + name_len].decode("utf-8", "replace")
    data_start = 30 + name_len + extra_len
    return name, head[data_start : data_start + min(stored_size, 200)]


def detected_type(head: bytes) -> str | None:
    """The extension family the bytes are, or None when they are nothing we accept."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    entry = _first_zip_entry(head)
    if entry is None:
        return None
    name, data = entry
    if name == "mimetype":
        # The entry is stored uncompressed and holds exactly the media type (".text" ≠ ".text-template").
        return next((ext for ext, mime in ODF_TYPES.items() if data == mime.encode()), None)
    if name == "[Content_Types].xml" or name.startswith(("_rels/", "docProps/")):
        # Parts of the package come later; the extension picks docx vs xlsx (both are OOXML).
        return "ooxml"
    for ext, (_mime, prefix) in OOXML_TYPES.items():
        if name.startswith(prefix):
            return ext
    return None


def check_type(filename: str, head: bytes) -> DocumentType:
    """The accepted type of this upload, or :class:`RejectedType` with a French reason."""
    ext = extension_of(filename)
    allowed = ALLOWED.get(ext)
    if allowed is None:
        names = ", ".join(sorted({t.extension for t in ALLOWED.values()}))
        raise RejectedType(
            f"Type de fichier non accepté (extension « .{ext or '?'} »). Formats acceptés : {names}."
        )
    found = detected_type(head)
    family = {"jpg": "jpeg"}.get(ext, ext)
    if found == family or (found == "ooxml" and ext in OOXML_TYPES):
        return allowed
    raise RejectedType(
        f"Le contenu du fichier ne correspond pas à son extension « .{ext} » : "
        f"un {allowed.label} est attendu. Le fichier a été refusé."
    )
