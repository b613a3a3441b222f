"""Matplotlib figures as PNG at the size the model can use.

A figure is vector data, so instead of rendering at full size and shrinking (which
blurs text and needs Pillow), we pick the dpi that makes the saved PNG fit the API's
limits directly: the figure's own dpi (what the notebook shows) unless that would exceed
1568 px on the long edge or the megapixel budget. The crop is ``bbox_inches="tight"``
like the notebook's inline backend, so the model sees the picture the user saw, with
legends outside the axes included and empty margins dropped.

Everything that could vary with the user's rcParams (face colour, padding,
transparency, metadata stamped with the matplotlib version) is pinned, so the same
figure gives the same bytes; a transparent figure is flattened onto white. The figure
is never closed or otherwise changed.
"""

from __future__ import annotations

import io
import math
import sys
from typing import Any

from ..options import MAX_IMAGE_BASE64_BYTES, ContextError, ContextOptions
from .encode import (
    PNG_COMPRESSION,
    base64_len,
    fits,
    image_block,
    image_label,
    require_pillow,
)
from .info import probe_image

__all__ = ["figure_blocks", "figure_of"]

_MAX_ATTEMPTS = 4
_PAD_INCHES = 0.1


def figure_of(obj: Any) -> Any | None:
    """The matplotlib Figure that ``obj`` shows, or None if it is not a matplotlib object.

    Accepts a Figure, any Artist placed in one (an Axes from ``df.plot()``, the lines
    that ``plt.plot`` returns, a SubFigure), and a list or array of such artists (what
    ``plt.subplots`` returns), as long as they all belong to one figure. matplotlib is
    never imported here: if it is not loaded, nothing can be a figure.
    """
    figure_module = sys.modules.get("matplotlib.figure")
    artist_module = sys.modules.get("matplotlib.artist")
    if figure_module is None or artist_module is None:
        return None
    Figure, Artist = figure_module.Figure, artist_module.Artist
    items = _artist_items(obj, Artist)
    if items is None:
        return None
    roots = {id(root): root for root in map(lambda item: _root_figure(item, Figure), items)}
    if len(roots) != 1 or None in roots.values():
        return None
    return next(iter(roots.values()))


def _artist_items(obj: Any, Artist: type) -> list | None:
    if isinstance(obj, Artist):
        return [obj]
    if isinstance(obj, (list, tuple)) and 0 < len(obj) <= 1000:
        items = list(obj)
    elif type(obj).__name__ == "ndarray" and getattr(obj, "dtype", None) == object and 0 < obj.size <= 1000:
        items = list(obj.flat)
    else:
        return None
    return items if all(isinstance(item, Artist) for item in items) else None


def _root_figure(artist: Any, Figure: type) -> Any | None:
    node = artist
    for _ in range(8):  # artist -> axes/subfigure -> ... -> figure; bounded against cycles
        if isinstance(node, Figure):
            return node
        parent = getattr(node, "figure", None)
        if parent is None or parent is node:
            break
        node = parent
    return None


def figure_blocks(fig: Any, label: str, options: ContextOptions, source: str = "matplotlib Figure") -> list[dict]:
    """A text label and a PNG image block for ``fig``, sized to the options' limits."""
    if options.image_format == "jpeg":
        require_pillow(f"{label} is to be sent as JPEG")
    width_in, height_in = (float(v) for v in fig.get_size_inches())
    dpi = _fitting_dpi(width_in * fig.dpi, height_in * fig.dpi, fig.dpi, options)
    for _ in range(_MAX_ATTEMPTS):
        data = _render(fig, dpi, options.image_format)
        info = probe_image(data)
        if info is None:
            raise ContextError(f"{label}: matplotlib produced no readable image")
        if fits(info.width, info.height, len(data), options):
            return [
                {"type": "text", "text": image_label(label, source, info)},
                image_block(data, info.media_type),
            ]
        # the tight crop can be larger than the figure (artists outside it): aim again
        dpi = _fitting_dpi(info.width, info.height, dpi, options) * 0.98
        if base64_len(len(data)) > MAX_IMAGE_BASE64_BYTES:
            dpi *= 0.7
    raise ContextError(f"{label}: could not render the figure within the API's image limits")


def _fitting_dpi(width_px: float, height_px: float, dpi: float, options: ContextOptions) -> float:
    """``dpi`` scaled down so an image now ``width_px`` x ``height_px`` would fit the limits."""
    scale = min(
        1.0,
        options.max_image_edge / max(width_px, height_px, 1.0),
        math.sqrt(options.max_image_pixels / max(width_px * height_px, 1.0)),
    )
    return dpi * scale


def _render(fig: Any, dpi: float, image_format: str) -> bytes:
    common = dict(
        dpi=dpi,
        bbox_inches=_tight_bbox(fig),
        pad_inches=_PAD_INCHES,
        facecolor=fig.get_facecolor(),
        edgecolor=fig.get_edgecolor(),
        transparent=False,
    )
    out = io.BytesIO()
    if image_format == "jpeg":
        fig.savefig(out, format="jpeg", pil_kwargs={"quality": 85}, **common)
        return out.getvalue()
    fig.savefig(out, format="png", metadata={"Software": None}, pil_kwargs={"compress_level": PNG_COMPRESSION}, **common)
    return _on_white(out.getvalue()) if _is_transparent(fig) else out.getvalue()


def _is_transparent(fig: Any) -> bool:
    facecolor = fig.get_facecolor()
    alpha = fig.patch.get_alpha()
    return (len(facecolor) == 4 and facecolor[3] < 1) or (alpha is not None and alpha < 1)


def _on_white(png: bytes) -> bytes:
    """A transparent render composited on white: see-through pixels read badly on any chat background.

    Done on the rendered pixels rather than by changing the figure's colours, so the
    user's figure is never touched. Pillow is present whenever matplotlib is.
    """
    Image = require_pillow("a transparent figure must be flattened")
    with Image.open(io.BytesIO(png)) as rendered:
        rgba = rendered.convert("RGBA")
    flat = Image.new("RGB", rgba.size, "white")
    flat.paste(rgba, mask=rgba.getchannel("A"))
    out = io.BytesIO()
    flat.save(out, "PNG", compress_level=PNG_COMPRESSION)
    return out.getvalue()


def _tight_bbox(fig: Any) -> Any:
    """The figure's tight bounding box in inches, or "tight" to let ``savefig`` find it.

    ``savefig(bbox_inches="tight")`` lays the figure out once just to measure it and
    then again to render it, which makes it about 1.7x slower than a plain save. A
    figure without a layout engine keeps its axes where they are, so it can be
    measured directly with its canvas's renderer, without the extra layout pass. Figures
    with a layout engine (constrained or tight layout) move their axes while drawing,
    so they take matplotlib's own path.
    """
    get_engine = getattr(fig, "get_layout_engine", None)
    get_renderer = getattr(fig.canvas, "get_renderer", None)
    if not callable(get_engine) or get_engine() is not None or not callable(get_renderer):
        return "tight"
    try:
        return fig.get_tightbbox(get_renderer()).padded(_PAD_INCHES)
    except Exception:  # any surprise in a third-party artist: take the slow, sure path
        return "tight"
