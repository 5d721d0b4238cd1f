"""Uploaded files: typing by magic bytes, the one upload check, safe download headers. Pure; no Django.

The declared name and the client's content type are never trusted: a file is accepted only when
its first bytes are those of an allowed format, and its stored type and extension come from
those bytes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import IO
from urllib.parse import quote


@dataclass(frozen=True)
class Sniffed:
    content_type: str
    extension: str

    @property
    def inline(self) -> bool:
        return self.content_type.startswith("image/")


SNIFF_BYTES = 16


def sniff(head: bytes) -> Sniffed | None:
    """The type of a file from its first bytes (at least :data:`SNIFF_BYTES`), or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("image/png", "png")
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("image/jpeg", "jpg")
    if head.startswith((b"GIF87a", b"GIF89a")):
        return Sniffed("image/gif", "gif")
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed("image/webp", "webp")
    if head.startswith(b"%PDF-"):
        return Sniffed("application/pdf", "pdf")
    return None


_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]+')


def safe_filename(name: str, *, extension: str) -> str:
    """A display name without paths or control characters, ending in the sniffed extension."""
    name = unicodedata.normalize("NFC", name).rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    stem = _UNSAFE.sub("_", name.rsplit(".", 1)[0] if "." in name else name).strip(" ._") or "file"
    return f"{stem[:100]}.{extension}"


def content_disposition(filename: str, *, inline: bool) -> str:
    """RFC 6266 header with an ASCII fallback and the RFC 5987 UTF-8 name."""
    stem, _, extension = filename.rpartition(".")
    ascii_stem = stem.encode("ascii", "ignore").decode().replace('"', "").strip(" .")
    ascii_name = f"{ascii_stem or 'file'}.{extension}"
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def download_headers(filename: str, *, inline: bool) -> dict[str, str]:
    """The headers of an uploaded file served back: its name, no type sniffing by the browser,
    and a sandbox in which nothing may run (an image may show)."""
    return {
        "Content-Disposition": content_disposition(filename, inline=inline),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox",
    }


@dataclass(frozen=True)
class Upload:
    data: bytes
    content_type: str
    extension: str
    filename: str  # safe, with the sniffed extension, guarded


def upload_read(
    stream: IO[bytes],
    *,
    name: str,
    limit: int,
    too_large: Callable[[int], Exception],
    refused: Callable[[], Exception],
    size: int | None = None,
    types: Collection[str] | None = None,
    fallback: str = "file",
    guard: Callable[[str], str | None] | None = None,
) -> Upload:
    """The one check of an uploaded file: refuse it when it declares or reads more than ``limit``
    bytes (reading at most one byte more), type it by its first bytes (``types`` narrows the
    accepted types), give it a safe name with the sniffed extension, and pass that name through
    ``guard`` (the caller's confidentiality guard; a returned string replaces the name)."""
    if size is not None and size > limit:
        raise too_large(limit)
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise too_large(limit)
    sniffed = sniff(data[:SNIFF_BYTES])
    if sniffed is None or (types is not None and sniffed.content_type not in types):
        raise refused()
    filename = safe_filename(name or fallback, extension=sniffed.extension)
    if guard is not None:
        filename = guard(filename) or filename
    return Upload(data=data, content_type=sniffed.content_type, extension=sniffed.extension, filename=filename)
