"""Which objects are pictures or PDFs, and how to get their bytes.

Recognised, in this order: encoded bytes (by magic number, never by name), paths to
image or PDF files, PIL images, numpy arrays shaped like pictures, matplotlib figures
and artists, ``IPython.display.Image``, and objects that only show themselves as an
image (``_repr_mimebundle_``/``_repr_png_``/``_repr_jpeg_`` on a class without its own
``__repr__``: an object that chose a text repr - a sympy expression, say - is sent as
that text, which the model reads exactly).

Optional libraries are looked up in ``sys.modules`` and never imported: an object can
only be a PIL image if PIL is already loaded, so importing it to ask would just cost
the user a few hundred milliseconds for nothing.
"""

from __future__ import annotations

import base64
import binascii
import os
import sys
from typing import Any

from .documents import check_pdf_size, pdf_blocks
from .images.arrays import array_image_blocks, is_image_array
from .images.encode import encoded_image_blocks, pil_image_blocks
from .images.figures import figure_blocks, figure_of
from .images.info import is_pdf, sniff_media_type
from .options import ContextError, ContextOptions

__all__ = ["media_blocks"]

_MEDIA_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".pdf")
_MAX_PATH_CHARS = 4096


def media_blocks(obj: Any, label: str, options: ContextOptions) -> list[dict] | None:
    """Image or document blocks for ``obj``, or None when it is not a picture or a PDF."""
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return _bytes_blocks(bytes(obj), label, "bytes", options)
    if isinstance(obj, os.PathLike):
        return _file_blocks(obj, label, options)
    if isinstance(obj, str):
        if "\n" not in obj and len(obj) < _MAX_PATH_CHARS and obj.lower().endswith(_MEDIA_SUFFIXES):
            return _file_blocks(obj, label, options)
        return None
    pil = sys.modules.get("PIL.Image")
    if pil is not None and isinstance(obj, pil.Image):
        return pil_image_blocks(obj, label, "PIL Image", options)
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(obj, numpy.ndarray) and obj.dtype != object:
        return array_image_blocks(obj, label, options) if is_image_array(obj) else None
    figure = figure_of(obj)
    if figure is not None:
        source = "matplotlib Figure" if figure is obj else f"matplotlib {type(obj).__name__} in a Figure"
        return figure_blocks(figure, label, options, source)
    display = sys.modules.get("IPython.core.display")
    if display is not None and isinstance(obj, display.Image):
        return _ipython_image_blocks(obj, label, options)
    if type(obj).__repr__ is object.__repr__:
        data = _rich_image(obj)
        if data is not None:
            return _bytes_blocks(data, label, type(obj).__qualname__, options)
    return None


def _bytes_blocks(data: bytes, label: str, source: str, options: ContextOptions) -> list[dict] | None:
    if is_pdf(data):
        return pdf_blocks(data, label, f"PDF {source}" if source == "bytes" else source, options)
    if sniff_media_type(data):
        return encoded_image_blocks(data, label, source, options)
    return None


def _file_blocks(path: Any, label: str, options: ContextOptions) -> list[dict] | None:
    """Blocks for a path to an image or PDF file; None for anything else (it is then shown as text)."""
    try:
        name = os.fsdecode(os.fspath(path))
        if not os.path.isfile(name):
            return None
        with open(name, "rb") as handle:
            head = handle.read(16)
            if not (is_pdf(head) or sniff_media_type(head)):
                return None
            size = os.fstat(handle.fileno()).st_size
            data = None if is_pdf(head) and size > options.max_document_bytes else head + handle.read()
    except (OSError, TypeError, ValueError):  # unreadable or not a path after all
        return None
    if data is None:  # refuse a huge PDF without reading it
        check_pdf_size(size, f"{label} ({os.path.basename(name)})", options)
    return _bytes_blocks(data, label, f"file {os.path.basename(name)}", options)


def _ipython_image_blocks(image: Any, label: str, options: ContextOptions) -> list[dict]:
    data = getattr(image, "data", None)
    if isinstance(data, (bytes, bytearray)):
        blocks = _bytes_blocks(bytes(data), label, "IPython Image", options)
        if blocks is not None:
            return blocks
        raise ContextError(f"{label} is an IPython Image in a format the API does not accept (use PNG, JPEG, GIF or WebP)")
    url = getattr(image, "url", None)
    if isinstance(url, str) and url.startswith(("https://", "http://")):
        return [
            {"type": "text", "text": f"[image: {label} (IPython Image from {url})]"},
            {"type": "image", "source": {"type": "url", "url": url}},
        ]
    raise ContextError(f"{label} is an IPython Image without data or a web URL")


def _rich_image(obj: Any) -> bytes | None:
    """PNG or JPEG bytes from an object's IPython display hooks, if it offers any."""
    for hook in ("_repr_mimebundle_", "_repr_png_", "_repr_jpeg_"):
        method = getattr(obj, hook, None)
        if not callable(method):
            continue
        try:
            value = method()
        except Exception:  # a display hook that fails is a missing one
            continue
        if isinstance(value, tuple):  # (data, metadata)
            value = value[0]
        if isinstance(value, dict):
            value = value.get("image/png") or value.get("image/jpeg")
        data = _image_bytes(value)
        if data is not None:
            return data
    return None


def _image_bytes(value: Any) -> bytes | None:
    """Encoded image bytes from a display hook's value: raw bytes or IPython's base64 text."""
    if isinstance(value, tuple):
        value = value[0] if value else None
    if isinstance(value, str):
        try:
            value = base64.b64decode(value, validate=False)
        except (binascii.Error, ValueError):
            return None
    if isinstance(value, (bytes, bytearray)) and sniff_media_type(bytes(value)):
        return bytes(value)
    return None
