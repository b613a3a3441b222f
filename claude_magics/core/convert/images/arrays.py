"""Numpy arrays that hold pictures (``imread`` results, model inputs) as PNG image blocks.

Arrays are shrunk and encoded with numpy and ``zlib`` alone, so they never need Pillow:
shrinking is an integer box filter (each output pixel is the mean of a k x k block),
which is exact, fast and deterministic for the large reduction factors photos need, and
the PNG writer below is the format's minimal form (one IDAT chunk, "Up" row filter).

What counts as a picture is deliberately narrow, because a numeric matrix sent as an
image would hide its values from the model: ``H x W x 3`` or ``H x W x 4`` arrays of
``uint8`` or of floats within [0, 1], and ``H x W`` arrays of ``uint8`` (grayscale),
each side at least 8 pixels. Everything else is data and gets a text summary.
"""

from __future__ import annotations

import math
import struct
import zlib
from typing import Any

from ..options import MAX_IMAGE_BASE64_BYTES, ContextError, ContextOptions
from .encode import PNG_COMPRESSION, base64_len, image_block, image_label
from .info import ImageInfo

__all__ = ["array_image_blocks", "encode_png", "is_image_array"]

_MIN_SIDE = 8
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_COLOR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}  # channels -> PNG colour type (gray, gray+alpha, RGB, RGBA)


def is_image_array(arr: Any) -> bool:
    """Whether ``arr`` (a numpy ndarray) is shaped and typed like a picture."""
    shape, kind = arr.shape, arr.dtype.kind
    if len(shape) == 2:
        ok_shape, ok_type = True, arr.dtype.name == "uint8"
    elif len(shape) == 3:
        ok_shape, ok_type = shape[2] in (3, 4), arr.dtype.name == "uint8" or kind == "f"
    else:
        return False
    if not ok_shape or not ok_type or min(shape[0], shape[1]) < _MIN_SIDE:
        return False
    if kind == "f":
        import numpy as np  # the array exists, so numpy is loaded

        finite = arr[np.isfinite(arr)]
        return finite.size > 0 and float(finite.min()) >= 0.0 and float(finite.max()) <= 1.0
    return True


def array_image_blocks(arr: Any, label: str, options: ContextOptions) -> list[dict]:
    """A label and a PNG block for an image array, box-reduced to fit the options' limits."""
    import numpy as np

    pixels = _as_uint8(arr, np)
    height, width = pixels.shape[:2]
    factor = _reduction_factor(width, height, options)
    while True:
        small = _box_reduce(pixels, factor, np)
        data = encode_png(small)
        if base64_len(len(data)) <= MAX_IMAGE_BASE64_BYTES:
            break
        factor += 1  # noisy pixels compress badly: trade resolution for size
        if factor > max(width, height):
            raise ContextError(f"{label}: could not encode the array within 5 MB")
    info = ImageInfo("image/png", small.shape[1], small.shape[0])
    return [
        {"type": "text", "text": image_label(label, f"numpy array {arr.dtype.name}", info, (width, height))},
        image_block(data, "image/png"),
    ]


def _as_uint8(arr: Any, np: Any) -> Any:
    if arr.dtype.name == "uint8":
        return np.ascontiguousarray(arr)
    scaled = np.nan_to_num(arr.astype(np.float64), nan=0.0, posinf=1.0, neginf=0.0)
    return np.clip(np.rint(scaled * 255.0), 0, 255).astype(np.uint8)


def _reduction_factor(width: int, height: int, options: ContextOptions) -> int:
    """The smallest integer k such that a k-fold box reduction fits both limits."""
    factor = max(1, math.ceil(max(width, height) / options.max_image_edge))
    while (height // factor or 1) * (width // factor or 1) > options.max_image_pixels:
        factor += 1
    return factor


def _box_reduce(pixels: Any, factor: int, np: Any) -> Any:
    if factor == 1:
        return pixels
    height, width = pixels.shape[:2]
    fy, fx = min(factor, height), min(factor, width)
    rows, cols = height // fy, width // fx
    block = pixels[: rows * fy, : cols * fx].reshape(rows, fy, cols, fx, *pixels.shape[2:])
    total = block.sum(axis=(1, 3), dtype=np.uint32)
    area = fy * fx
    return ((total + area // 2) // area).astype(np.uint8)


def encode_png(pixels: Any) -> bytes:
    """PNG bytes for a C-contiguous ``uint8`` array of shape H x W or H x W x C (C in 1..4)."""
    height, width = pixels.shape[:2]
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    rows = pixels.reshape(height, width * channels)
    import numpy as np

    filtered = np.empty((height, width * channels + 1), dtype=np.uint8)
    filtered[:, 0] = 2  # "Up": each byte minus the byte above, which makes smooth images compress well
    filtered[0, 1:] = rows[0]
    np.subtract(rows[1:], rows[:-1], out=filtered[1:, 1:])  # uint8 arithmetic wraps modulo 256, as PNG wants
    header = struct.pack(">IIBBBBB", width, height, 8, _COLOR_TYPES[channels], 0, 0, 0)
    return b"".join(
        (_PNG_SIGNATURE, _chunk(b"IHDR", header), _chunk(b"IDAT", zlib.compress(filtered.tobytes(), PNG_COMPRESSION)), _chunk(b"IEND", b""))
    )


def _chunk(tag: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(tag + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + tag + payload + struct.pack(">I", crc)
