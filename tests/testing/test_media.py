"""Image and PDF sniffing, and the token estimates built on it."""

from __future__ import annotations

import struct

import pytest

from claude_magics.testing.media import pdf_page_count, sniff_image
from claude_magics.testing.tokens import image_tokens

from .helpers import jpeg, pdf, png


def gif(width: int, height: int) -> bytes:
    return b"GIF89a" + struct.pack("<HH", width, height) + b"\x00" * 20


def webp_lossy(width: int, height: int) -> bytes:
    frame = b"\x00" * 3 + b"\x9d\x01\x2a" + struct.pack("<HH", width, height)
    return b"RIFF" + struct.pack("<I", 4 + 8 + len(frame)) + b"WEBP" + b"VP8 " + struct.pack("<I", len(frame)) + frame


def webp_lossless(width: int, height: int) -> bytes:
    bits = (width - 1) | ((height - 1) << 14)
    frame = b"\x2f" + bits.to_bytes(4, "little")
    return b"RIFF" + struct.pack("<I", 4 + 8 + len(frame)) + b"WEBP" + b"VP8L" + struct.pack("<I", len(frame)) + frame


def webp_extended(width: int, height: int) -> bytes:
    frame = b"\x00" * 4 + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return b"RIFF" + struct.pack("<I", 4 + 8 + len(frame)) + b"WEBP" + b"VP8X" + struct.pack("<I", len(frame)) + frame


@pytest.mark.parametrize(
    "data, media_type",
    [
        (png(640, 480), "image/png"),
        (jpeg(640, 480), "image/jpeg"),
        (gif(640, 480), "image/gif"),
        (webp_lossy(640, 480), "image/webp"),
        (webp_lossless(640, 480), "image/webp"),
        (webp_extended(640, 480), "image/webp"),
    ],
)
def test_format_and_size_from_the_header(data, media_type):
    info = sniff_image(data)
    assert (info.media_type, info.width, info.height) == (media_type, 640, 480)


def test_unknown_or_truncated_images():
    assert sniff_image(b"not an image") is None
    assert sniff_image(b"\x89PNG\r\n\x1a\n").width is None
    assert sniff_image(b"\xff\xd8\xff\xe0\x00").media_type == "image/jpeg"


def test_pdf_pages():
    assert pdf_page_count(pdf(3)) == 3
    assert pdf_page_count(b"%PDF-1.7 no pages here") == 1
    assert pdf_page_count(b"hello") is None


def test_image_tokens_follow_area_and_downscaling():
    assert image_tokens(750, 1) == 1
    assert image_tokens(200, 200) == 54
    assert image_tokens(1092, 1092) == image_tokens(4000, 4000), "large images are scaled to ~1.15 MP first"
    assert 1500 < image_tokens(4000, 4000) <= 1534
    assert image_tokens(None, None) == 1000


def test_bytes_that_only_start_like_a_pdf_are_not_one():
    from claude_magics.testing.media import looks_like_pdf

    real = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    assert looks_like_pdf(real)
    for fake_pdf in (b"%PDF-1.4 garbage", b"%PDF-1.7\n" + b"x" * 1000, real[:-7], b"%PDF" + real[5:], b"hello"):
        assert not looks_like_pdf(fake_pdf)
