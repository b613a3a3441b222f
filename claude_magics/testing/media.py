"""Just enough image and PDF sniffing to refuse what the real API refuses and to count tokens.

The real API rejects an image whose bytes are not of the declared media type, and one with a
side over 8000 px; it bills an image by its pixel area. All three need the format and the size,
which every supported format stores in its first few hundred bytes - so no imaging library.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

__all__ = ["ImageInfo", "sniff_image", "pdf_page_count", "looks_like_pdf"]


@dataclass(frozen=True)
class ImageInfo:
    media_type: str  # what the bytes are, whatever the request claimed
    width: int | None  # None when the header is truncated or unusual
    height: int | None


def sniff_image(data: bytes) -> ImageInfo | None:
    """Format and pixel size of PNG, JPEG, GIF or WebP bytes; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        if len(data) >= 24 and data[12:16] == b"IHDR":
            width, height = struct.unpack(">II", data[16:24])
            return ImageInfo("image/png", width, height)
        return ImageInfo("image/png", None, None)
    if data.startswith(b"\xff\xd8"):
        return ImageInfo("image/jpeg", *_jpeg_size(data))
    if data[:6] in (b"GIF87a", b"GIF89a"):
        if len(data) >= 10:
            width, height = struct.unpack("<HH", data[6:10])
            return ImageInfo("image/gif", width, height)
        return ImageInfo("image/gif", None, None)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ImageInfo("image/webp", *_webp_size(data))
    return None


# Start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_size(data: bytes) -> tuple[int | None, int | None]:
    offset = 2
    while offset + 4 <= len(data):
        if data[offset] != 0xFF:
            return None, None
        marker = data[offset + 1]
        if marker == 0xFF:  # fill byte
            offset += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # markers without a length
            offset += 2
            continue
        (length,) = struct.unpack(">H", data[offset + 2 : offset + 4])
        if marker in _JPEG_SOF and offset + 9 <= len(data):
            height, width = struct.unpack(">HH", data[offset + 5 : offset + 9])
            return width, height
        offset += 2 + length
    return None, None


def _webp_size(data: bytes) -> tuple[int | None, int | None]:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    return None, None


_PDF_OBJECT = re.compile(rb"\d+\s+\d+\s+obj\b")


def looks_like_pdf(data: bytes) -> bool:
    """Whether ``data`` has a PDF's frame: the ``%PDF-`` header, an object, and ``%%EOF`` at the end.

    The API parses the document and refuses what is not one ("The PDF specified was not
    valid."); bytes that merely start with ``%PDF`` - a truncated download, a renamed file -
    are refused here too, so a test cannot pass with a document the API would reject.
    """
    return (
        data.startswith(b"%PDF-")
        and b"%%EOF" in data[-1024:]
        and _PDF_OBJECT.search(data, 0, 1 << 20) is not None
    )


_PDF_PAGE = re.compile(rb"/Type\s*/Page(?![s\w])")


def pdf_page_count(data: bytes) -> int | None:
    """Pages in a PDF by counting page objects (good enough for token estimates); None if not a PDF."""
    if not data.startswith(b"%PDF"):
        return None
    return max(1, len(_PDF_PAGE.findall(data)))
