"""Type allow-list: magic bytes AND extension must agree."""

from __future__ import annotations

import io
import zipfile

import pytest

from coordination.dossier.sniff import RejectedType, check_type, detected_type

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
EXE = b"MZ\x90\x00\x03\x00\x00\x00"


def odf(mimetype: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED)
        zf.writestr("content.xml", "<office:document-content/>")
    return buf.getvalue()


def ooxml() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def plain_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("virus.exe", EXE)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("filename", "head", "media_type"),
    [
        ("cv.pdf", PDF, "application/pdf"),
        ("Photo.PNG", PNG, "image/png"),
        ("scan.jpg", JPEG, "image/jpeg"),
        ("scan.jpeg", JPEG, "image/jpeg"),
        (
            "lettre.odt",
            odf("application/vnd.oasis.opendocument.text"),
            "application/vnd.oasis.opendocument.text",
        ),
        (
            "cv.docx",
            ooxml(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_accepted_when_bytes_and_extension_agree(filename: str, head: bytes, media_type: str) -> None:
    assert check_type(filename, head).media_type == media_type


@pytest.mark.parametrize(
    ("filename", "head"),
    [
        ("facture.pdf", EXE),  # an executable disguised as a PDF
        ("cv.pdf", PNG),  # a real PNG under the wrong extension
        ("cv.docx", PDF),
        ("cv.docx", plain_zip()),  # any zip is not a Word document
        ("lettre.odt", odf("application/vnd.oasis.opendocument.text-template")),
        ("lettre.odt", odf("application/vnd.oasis.opendocument.spreadsheet")),
        ("photo.png", b""),
    ],
)
def test_disguised_content_is_refused(filename: str, head: bytes) -> None:
    with pytest.raises(RejectedType, match="ne correspond pas"):
        check_type(filename, head)


@pytest.mark.parametrize("filename", ["programme.exe", "script.sh", "sans_extension", "archive.zip", ""])
def test_extension_outside_the_allow_list_is_refused(filename: str) -> None:
    with pytest.raises(RejectedType, match="non accepté"):
        check_type(filename, PDF)


def test_detection_without_extension() -> None:
    assert detected_type(PDF) == "pdf"
    assert detected_type(EXE) is None
    assert detected_type(odf("application/vnd.oasis.opendocument.spreadsheet")) == "ods"
