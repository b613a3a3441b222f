"""PDFs as API document blocks.

The model reads a PDF's text and page images itself, so the file goes as is. The only
check is size: a request may not exceed 32 MB and base64 adds a third, so a PDF above
``max_document_bytes`` (20 MB by default) is refused here with a clear message rather
than by the server with an HTTP 413 that may carry no explanation at all.
"""

from __future__ import annotations

import base64

from .options import ContextError, ContextOptions
from .text import human_bytes

__all__ = ["check_pdf_size", "pdf_blocks"]


def check_pdf_size(nbytes: int, label: str, options: ContextOptions) -> None:
    """Raise ``ContextError`` if a PDF of ``nbytes`` is too large to send (checked before reading a file)."""
    if nbytes > options.max_document_bytes:
        raise ContextError(
            f"{label} is a {human_bytes(nbytes)} PDF, over the {human_bytes(options.max_document_bytes)} "
            "that fits in one request; send the pages that matter (e.g. split it with pypdf)."
        )


def pdf_blocks(data: bytes, label: str, source: str, options: ContextOptions) -> list[dict]:
    """A text label and a base64 PDF document block for ``data``."""
    check_pdf_size(len(data), label, options)
    return [
        {"type": "text", "text": f"[document: {label} ({source}, {human_bytes(len(data))})]"},
        {
            "type": "document",
            "source": {
                "type": "base64",
                "media_type": "application/pdf",
                "data": base64.b64encode(data).decode("ascii"),
            },
        },
    ]
