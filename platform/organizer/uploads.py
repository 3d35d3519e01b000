"""Which material files may be uploaded: a pure check of name, size and first bytes.

Uploaded files are served back from this site (``/media/materials/…``), so the check looks
at the content, not just the name: a file called ``slides.pdf`` must start like a PDF, and a
``.docx``/``.pptx`` must be a zip holding a Word/PowerPoint document. Anything else (HTML,
scripts, executables) is refused before it is stored.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

MAX_BYTES = 20 * 1024 * 1024  # a long slide deck with pictures; settings.MATERIAL_MAX_BYTES overrides

# extension -> (label, content type, what the first bytes start with)
ALLOWED: dict[str, tuple[str, str, tuple[bytes, ...]]] = {
    "pdf": ("PDF", "application/pdf", (b"%PDF-",)),
    "pptx": ("PowerPoint", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
             (b"PK\x03\x04",)),
    "docx": ("Word", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             (b"PK\x03\x04",)),
    "png": ("PNG image", "image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("JPEG image", "image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("JPEG image", "image/jpeg", (b"\xff\xd8\xff",)),
}
# The part an Office zip must contain to be that kind of document.
_OFFICE_PART = {"pptx": "ppt/presentation.xml", "docx": "word/document.xml"}
ALLOWED_TEXT = "PDF, PowerPoint (.pptx), Word (.docx), PNG or JPEG"


class UploadRefused(ValueError):
    """The message says what is wrong and what is allowed."""


@dataclass(frozen=True)
class Accepted:
    extension: str
    content_type: str


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{max(1, size // 1024)} KB"


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def check_upload(name: str, size: int, head: bytes, max_bytes: int = MAX_BYTES) -> Accepted:
    """Accept a file by its name's extension, size and first bytes (at least 8), or refuse it."""
    extension = extension_of(name)
    if extension not in ALLOWED:
        raise UploadRefused(f"“{name}” is not a file type we accept. Upload a {ALLOWED_TEXT} file.")
    if size <= 0:
        raise UploadRefused(f"“{name}” is empty.")
    if size > max_bytes:
        raise UploadRefused(f"“{name}” is {megabytes(size)}; the limit is {megabytes(max_bytes)}. "
                            "Make it smaller (export the slides as PDF, or compress the pictures) or share a link.")
    label, content_type, magic = ALLOWED[extension]
    if not head.startswith(magic):
        raise UploadRefused(f"“{name}” does not look like a {label} file. Save it again as {label} and upload that.")
    return Accepted(extension, content_type)


def check_office_parts(extension: str, content: io.BufferedIOBase | io.BytesIO) -> None:
    """A .docx/.pptx must be a readable zip with its document part (reads only the zip index)."""
    part = _OFFICE_PART.get(extension)
    if part is None:
        return
    label = ALLOWED[extension][0]
    try:
        with zipfile.ZipFile(content) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UploadRefused(f"This file is not a readable {label} document.") from exc
    if part not in names:
        raise UploadRefused(f"This file is not a {label} document. Save it again as .{extension} and upload that.")
