"""What a byte string is (PNG, JPEG, GIF, WebP, PDF) and how many pixels it has, from its header.

Why parse headers by hand: Pillow is optional, yet we must know an image's size before
sending it, because an image over the API's limits fails the request - and, once in the
history, every later request of the conversation. Reading width and height needs only
the first few bytes (PNG, GIF, WebP) or a walk over the JPEG segment headers, so the
size check costs microseconds and works everywhere; Pillow is needed only to shrink.
The format comes from the magic number, never from a file name.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

__all__ = ["ImageInfo", "is_pdf", "probe_image", "sniff_media_type"]

_PNG = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers carry the dimensions; C4, C8 and CC share the range but are not frames.
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers that stand alone, without a length field.
_JPEG_STANDALONE = frozenset(range(0xD0, 0xDA)) | {0x01, 0xFF}


@dataclass(frozen=True)
class ImageInfo:
    """A recognised image: its API media type and pixel size."""

    media_type: str
    width: int
    height: int

    @property
    def format(self) -> str:
        """The short format name ("png", "jpeg", "gif", "webp") used in labels."""
        return self.media_type.split("/", 1)[1]


def is_pdf(data: bytes) -> bool:
    """Whether ``data`` starts like a PDF file."""
    return data[:5] == b"%PDF-"


def sniff_media_type(data: bytes) -> str | None:
    """The image media type announced by ``data``'s magic number, or None."""
    head = bytes(data[:16])
    if head.startswith(_PNG):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def probe_image(data: bytes) -> ImageInfo | None:
    """Media type and size of an image in ``data``; None if it is not an image we can send.

    A file that announces a format but whose header cannot be read (truncated, corrupt)
    also gives None: sending it would only earn an API error.
    """
    media_type = sniff_media_type(data)
    if media_type is None:
        return None
    reader = {
        "image/png": _png_size,
        "image/jpeg": _jpeg_size,
        "image/gif": _gif_size,
        "image/webp": _webp_size,
    }[media_type]
    try:
        size = reader(memoryview(data))
    except (struct.error, IndexError, ValueError):
        return None
    if size is None or size[0] <= 0 or size[1] <= 0:
        return None
    return ImageInfo(media_type, size[0], size[1])


def _png_size(data: memoryview) -> tuple[int, int] | None:
    if bytes(data[12:16]) != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])


def _gif_size(data: memoryview) -> tuple[int, int]:
    return struct.unpack("<HH", data[6:10])


def _jpeg_size(data: memoryview) -> tuple[int, int] | None:
    pos, end = 2, len(data)
    while pos + 4 <= end:
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        if marker in _JPEG_STANDALONE:
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if marker in _JPEG_SOF:
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return width, height
        if marker == 0xDA:  # start of scan before any frame header: malformed
            return None
        pos += 2 + length
    return None


def _webp_size(data: memoryview) -> tuple[int, int] | None:
    chunk = bytes(data[12:16])
    if chunk == b"VP8 ":  # lossy: a key frame's start code, then 14-bit sizes
        if bytes(data[23:26]) != b"\x9d\x01\x2a":
            return None
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L":  # lossless: signature byte, then width-1 and height-1 in 14 bits each
        if data[20] != 0x2F:
            return None
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":  # extended: 24-bit canvas width-1 and height-1
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    return None
