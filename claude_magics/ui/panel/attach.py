"""The panel's attach picker: which notebook objects can be attached, and their content blocks.

Attaching ``df`` from the picker must send exactly what ``{df}`` in a ``%%claude`` cell
sends, so the blocks come from the same converter (``core.convert.to_blocks``); this
module only decides what is worth offering and describes it in a few words.

Listing must be cheap and must not import anything: it runs every time the picker
opens, and a notebook that never imported pandas should not pay for pandas because a
panel is open. So an object's kind is recognised only through modules that are already
in ``sys.modules`` - if pandas was never imported, no DataFrame can exist.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Attachable", "attachment_blocks", "list_attachables"]

# Names IPython puts in every namespace; never worth offering.
_HIDDEN = frozenset({"In", "Out", "exit", "quit", "get_ipython", "open"})


@dataclass(frozen=True)
class Attachable:
    """One object the picker offers: its variable name, kind and a short description."""

    name: str
    kind: str  # "dataframe" | "series" | "figure" | "image"
    detail: str

    def to_json(self) -> dict:
        return {"name": self.name, "kind": self.kind, "detail": self.detail}


def _loaded(module: str, attribute: str):
    """``module.attribute`` if the module is already imported, else None (never imports)."""
    found = sys.modules.get(module)
    return getattr(found, attribute, None) if found is not None else None


def describe(obj: Any) -> tuple[str, str] | None:
    """``(kind, detail)`` for a DataFrame, Series, figure or image; None for anything else."""
    data_frame = _loaded("pandas", "DataFrame")
    if data_frame is not None and isinstance(obj, data_frame):
        rows, columns = obj.shape
        return "dataframe", f"DataFrame, {rows:,} rows × {columns:,} columns"
    series = _loaded("pandas", "Series")
    if series is not None and isinstance(obj, series):
        return "series", f"Series, {len(obj):,} values"
    figure = _loaded("matplotlib.figure", "Figure")
    if figure is not None and isinstance(obj, figure):
        width, height = obj.get_size_inches() * obj.dpi
        return "figure", f"figure, {int(width)}×{int(height)} px"
    axes = _loaded("matplotlib.axes", "Axes")
    if axes is not None and isinstance(obj, axes):
        return "figure", "axes: sends the whole figure"
    pil_image = _loaded("PIL.Image", "Image")
    if pil_image is not None and isinstance(obj, pil_image):
        return "image", f"image, {obj.width}×{obj.height} px"
    ipython_image = _loaded("IPython.core.display", "Image")
    if ipython_image is not None and isinstance(obj, ipython_image):
        return "image", f"image ({getattr(obj, 'format', None) or 'png'})"
    if isinstance(obj, (bytes, bytearray)):
        from ...core.convert.images.info import probe_image

        info = probe_image(bytes(obj[:65536]))
        if info is not None:
            return "image", f"{info.format} image, {info.width}×{info.height} px"
    return None


def list_attachables(namespace: Mapping[str, Any]) -> list[Attachable]:
    """The namespace's DataFrames, Series, figures and images, by name, private names left out."""
    found = []
    for name, obj in list(namespace.items()):  # a copy: the kernel may add names meanwhile
        if name.startswith("_") or name in _HIDDEN:
            continue
        try:
            described = describe(obj)
        except Exception:  # a half-built object must not break the picker
            continue
        if described is not None:
            found.append(Attachable(name, *described))
    return sorted(found, key=lambda a: a.name.lower())


def attachment_blocks(names: list[str], namespace: Mapping[str, Any], options=None, on_note=None) -> list[dict]:
    """Content blocks for the named objects, as ``{name}`` in a prompt would give them.

    Raises ``KeyError`` naming a variable that no longer exists (deleted since the picker
    was filled), and whatever the converter raises for an object it cannot send
    (``ContextError``, a ``ValueError`` whose message says what to do).
    """
    from ...core.context import describe
    from ...core.convert import ContextOptions

    options = options or ContextOptions()
    blocks: list[dict] = []
    for name in names:
        if name not in namespace:
            raise KeyError(f"{name!r} is no longer defined in the notebook; attach something else.")
        converted, notes = describe(namespace[name], name, options, where=f"the attachment {name!r}")
        if on_note is not None:
            for note in notes:
                on_note(note)
        blocks.extend(converted)
    return blocks
