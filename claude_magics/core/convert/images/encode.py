"""Images as API image blocks, always within the limits the model can use.

The Messages API downscales anything above 1568 px on the long edge or ~1.15 megapixels,
refuses base64 above 5 MB, and an image it refuses poisons every later request of the
conversation. So each image is checked here before it leaves the kernel: one that already
fits goes out byte for byte (no re-encoding, no quality loss, no Pillow needed); one that
does not is shrunk with Pillow - which, being optional, is imported only then. Without
Pillow, an oversized image raises a ``ContextError`` that says how to fix it, instead of
sending something the API would reject.

Re-encoding keeps the source's nature: photos (JPEG) stay JPEG; everything else becomes
PNG, which keeps the lines and text of plots crisp, unless the PNG would be too large,
in which case JPEG (quality 85) it is.
"""

from __future__ import annotations

import base64
import importlib
import io
import math
from typing import Any

from ..options import MAX_IMAGE_BASE64_BYTES, ContextError, ContextOptions
from .info import ImageInfo, probe_image

__all__ = [
    "encoded_image_blocks",
    "fits",
    "image_block",
    "image_label",
    "pil_image_blocks",
    "require_pillow",
    "target_size",
]

JPEG_QUALITY = 85
#: zlib level for the PNGs we encode. Level 1 is 2-10x faster than the default 6 on
#: photographic content for 5-15% more bytes - and the API bills images by pixels, not bytes.
PNG_COMPRESSION = 1
_PNG_MODES = ("L", "LA", "RGB", "RGBA")


def base64_len(nbytes: int) -> int:
    """Length of the base64 text of ``nbytes`` raw bytes."""
    return 4 * math.ceil(nbytes / 3)


def fits(width: int, height: int, nbytes: int, options: ContextOptions) -> bool:
    """Whether an image of this size and byte count can be sent without changes."""
    return (
        max(width, height) <= options.max_image_edge
        and width * height <= options.max_image_pixels
        and base64_len(nbytes) <= MAX_IMAGE_BASE64_BYTES
    )


def target_size(width: int, height: int, options: ContextOptions) -> tuple[int, int]:
    """The largest size with the same aspect ratio within the edge and pixel limits.

    Rounded down, so the result never exceeds a limit by a rounding pixel.
    """
    scale = min(
        1.0,
        options.max_image_edge / max(width, height),
        math.sqrt(options.max_image_pixels / (width * height)),
    )
    return max(1, math.floor(width * scale)), max(1, math.floor(height * scale))


def image_block(data: bytes, media_type: str) -> dict:
    """The API's base64 image block for already-encoded ``data``."""
    return {
        "type": "image",
        "source": {"type": "base64", "media_type": media_type, "data": base64.b64encode(data).decode("ascii")},
    }


def image_label(label: str, source: str, info: ImageInfo, original: tuple[int, int] | None = None) -> str:
    """The one-line text placed before an image, so the model can tie it to the question's name."""
    size = f"{info.width}x{info.height}"
    if original and original != (info.width, info.height):
        size = f"{original[0]}x{original[1]} downscaled to {size}"
    return f"[image: {label} ({source}, {size} {info.format})]"


def require_pillow(why: str) -> Any:
    """``PIL.Image``, or a ``ContextError`` explaining ``why`` it was needed and what to do."""
    try:
        return importlib.import_module("PIL.Image")
    except ImportError:
        raise ContextError(
            f"{why}, and shrinking it needs Pillow, which is not installed. "
            "Install it (pip install pillow) or save a smaller image."
        ) from None


def encoded_image_blocks(data: bytes, label: str, source: str, options: ContextOptions) -> list[dict]:
    """Blocks for an encoded image (PNG, JPEG, GIF, WebP bytes): as is when it fits, else shrunk."""
    info = probe_image(data)
    if info is None:
        raise ContextError(f"{label} looks like an image but its header cannot be read (truncated or corrupt?)")
    if fits(info.width, info.height, len(data), options):
        return [_text(image_label(label, source, info)), image_block(data, info.media_type)]
    Image = require_pillow(
        f"{label} is {info.width}x{info.height} px and {len(data):,} bytes, over the API's limits "
        f"({options.max_image_edge} px edge, {options.max_image_megapixels} MP, 5 MB base64)"
    )
    try:
        img = Image.open(io.BytesIO(data))
        if info.media_type == "image/jpeg":
            # decode at a reduced DCT scale: a 4000x3000 photo loads ~4x faster
            img.draft(img.mode, target_size(info.width, info.height, options))
        img.load()
    except (OSError, SyntaxError, ValueError, EOFError) as error:  # what Pillow raises for bad data
        raise ContextError(f"{label} cannot be decoded as {info.format.upper()} ({error}); is the file complete?") from None
    return _shrunk_blocks(img, label, source, (info.width, info.height), info.media_type == "image/jpeg", options)


def pil_image_blocks(img: Any, label: str, source: str, options: ContextOptions) -> list[dict]:
    """Blocks for a ``PIL.Image.Image``, resized if needed and encoded per the options."""
    photo = (getattr(img, "format", None) or "").upper() == "JPEG"
    return _shrunk_blocks(img, label, source, img.size, photo, options)


def _shrunk_blocks(img: Any, label: str, source: str, original: tuple[int, int], photo: bool, options: ContextOptions) -> list[dict]:
    Image = require_pillow(f"{label} must be re-encoded")
    img = _normalized(img, Image)
    size = target_size(img.width, img.height, options)
    if size != img.size:
        resampling = getattr(Image, "Resampling", Image)
        img = img.resize(size, resampling.LANCZOS, reducing_gap=2.0)
    jpeg_first = photo or options.image_format == "jpeg"
    attempts = [("JPEG", JPEG_QUALITY), ("JPEG", 60)] if jpeg_first else [("PNG", None), ("JPEG", JPEG_QUALITY), ("JPEG", 60)]
    for fmt, quality in attempts:
        data = _encode(img, fmt, quality, Image)
        if base64_len(len(data)) <= MAX_IMAGE_BASE64_BYTES:
            info = ImageInfo(f"image/{fmt.lower()}", img.width, img.height)
            return [_text(image_label(label, source, info, original)), image_block(data, info.media_type)]
    raise ContextError(f"{label} is still over 5 MB after downscaling to {img.width}x{img.height}; save a smaller image")


def _normalized(img: Any, Image: Any) -> Any:
    """The current frame in a mode both resizing and PNG handle well (a new image if converted).

    For an animation that is the frame on display: the first one for bytes we opened
    ourselves; for a user's PIL image, whichever frame they left it on (never moved).
    """
    if img.mode in _PNG_MODES:
        return img
    if img.mode == "P":
        return img.convert("RGBA" if "transparency" in img.info else "RGB")
    if img.mode == "1":
        return img.convert("L")
    if img.mode.startswith("I") or img.mode == "F":
        return _to_8bit(img, Image)
    return img.convert("RGBA" if "A" in img.getbands() else "RGB")


def _to_8bit(img: Any, Image: Any) -> Any:
    """16-bit and float single-channel images scaled to 8 bits by their own range."""
    low, high = img.convert("F").getextrema()
    span = (high - low) or 1.0
    return img.convert("F").point(lambda v: (v - low) * 255.0 / span).convert("L")


def _encode(img: Any, fmt: str, quality: int | None, Image: Any) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        if img.mode in ("RGBA", "LA"):
            flat = Image.new("RGB", img.size, "white")
            flat.paste(img.convert("RGBA"), mask=img.convert("RGBA").getchannel("A"))
            img = flat
        img.save(out, "JPEG", quality=quality, optimize=False)
    else:
        img.save(out, "PNG", compress_level=PNG_COMPRESSION)
    return out.getvalue()


def _text(text: str) -> dict:
    return {"type": "text", "text": text}
