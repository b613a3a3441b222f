"""A notebook cell, as the page sends it, turned into content blocks for a question.

The extension's "Ask Claude about this cell" and "Explain this error" send the cell's
source and its saved outputs (nbformat JSON: the page already holds them, images as
base64), not a re-execution: the person asks about what they see. Text is bounded like
any ``{name}`` (``ContextOptions``), images go through the same encoder as ``{fig}``
(downscaled to the API's limits), tracebacks lose their terminal colours.
"""

from __future__ import annotations

import base64

from ...core.convert import ContextOptions
from ...core.convert.images.encode import encoded_image_blocks
from ...core.convert.text import truncate
from ...core.convert.tracebacks import strip_ansi

__all__ = ["cell_blocks", "cell_label", "has_error"]

_IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def cell_label(cell: dict) -> str:
    """``cell [3]`` (its execution count) or ``cell 4`` (its position) for chips and prompts."""
    count = cell.get("execution_count")
    if isinstance(count, int):
        return f"cell [{count}]"
    index = cell.get("index")
    return f"cell {index + 1}" if isinstance(index, int) else "cell"


def has_error(cell: dict) -> bool:
    return any(o.get("output_type") == "error" for o in cell.get("outputs") or [])


def _fence(body: str, language: str = "") -> str:
    ticks = "```"
    while ticks in body:
        ticks += "`"
    return f"{ticks}{language}\n{body.rstrip()}\n{ticks}"


def cell_blocks(cell: dict, options: ContextOptions | None = None) -> list[dict]:
    """Text and image blocks describing one cell: source, then each output in order."""
    options = options or ContextOptions()
    limit = options.max_text_bytes
    label = cell_label(cell)
    language = str(cell.get("language") or "python")
    source = truncate(_text(cell.get("source")), limit)
    parts = [f"The notebook's {label}:\n{_fence(source, language)}"]
    blocks: list[dict] = []
    images = 0

    def flush() -> None:
        if parts:
            blocks.append({"type": "text", "text": "\n\n".join(parts)})
            parts.clear()

    for output in cell.get("outputs") or []:
        kind = output.get("output_type")
        if kind == "stream":
            name = output.get("name", "stdout")
            parts.append(f"Its {name}:\n{_fence(truncate(_text(output.get('text')), limit))}")
        elif kind == "error":
            trace = strip_ansi("\n".join(_text(line) for line in output.get("traceback") or []))
            head = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"
            body = truncate(trace or head, options.max_traceback_bytes)
            parts.append(f"It raised {head}\n{_fence(body)}")
        elif kind in ("execute_result", "display_data"):
            data = output.get("data") or {}
            image = next((t for t in _IMAGE_TYPES if t in data), None)
            if image is not None:
                images += 1
                flush()
                raw = base64.b64decode(_text(data[image]))
                blocks.extend(encoded_image_blocks(raw, f"{label} output image {images}", "cell output", options))
            elif "text/plain" in data:
                parts.append(f"Its output:\n{_fence(truncate(_text(data['text/plain']), limit))}")
    flush()
    return blocks
