"""How long a picture reference costs: a 640x480 figure, and a 4000x3000 photo that must shrink.

Targets (docs/performance.md): a figure as a PNG block at <= 1568 px in <= 60 ms. A plain
``savefig(format="png")`` of the same figure is timed alongside as the reference point
(our render adds a tight bounding box, which costs one layout pass).

    python benchmarks/images.py [--runs K]
"""

from __future__ import annotations

import argparse
import base64
import io
import statistics
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from claude_magics.core.convert import ContextOptions, to_blocks  # noqa: E402


def median_ms(func, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def line_figure():
    """A typical exploratory plot: two lines, labels, legend, grid, at matplotlib's default 6.4x4.8 in."""
    fig, ax = plt.subplots()
    x = np.linspace(0, 10, 500)
    ax.plot(x, np.sin(x), label="sin")
    ax.plot(x, np.cos(x), label="cos")
    ax.set(xlabel="t", ylabel="value", title="Two waves")
    ax.grid(True)
    ax.legend()
    return fig


def photo(width: int, height: int) -> Image.Image:
    """A smooth synthetic photo (gradients plus mild noise), deterministic."""
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:height, 0:width]
    rgb = np.stack([x * 255 // width, y * 255 // height, (x + y) * 255 // (width + height)], axis=-1)
    rgb = np.clip(rgb + rng.integers(-8, 9, rgb.shape), 0, 255).astype(np.uint8)
    return Image.fromarray(rgb)


def describe(blocks: list[dict]) -> str:
    image = blocks[-1]["source"]
    raw = base64.b64decode(image["data"])
    width, height = Image.open(io.BytesIO(raw)).size
    return f"{width}x{height} {image['media_type']}, {len(raw):,} bytes ({len(image['data']):,} base64)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    options = ContextOptions()

    fig = line_figure()
    ours = median_ms(lambda: to_blocks(fig, "fig", options), args.runs)
    plain = median_ms(lambda: fig.savefig(io.BytesIO(), format="png"), args.runs)
    print(f"figure 640x480: to_blocks median {ours:6.1f} ms -> {describe(to_blocks(fig, 'fig', options))}")
    print(f"                plain savefig png median {plain:6.1f} ms (ratio {ours / plain:.2f}); target <= 60 ms")

    big = photo(4000, 3000)
    runs = max(3, args.runs // 3)
    shrink = median_ms(lambda: to_blocks(big, "photo", options), runs)
    print(f"PIL 4000x3000: to_blocks median {shrink:6.1f} ms -> {describe(to_blocks(big, 'photo', options))}")

    encoded = io.BytesIO()
    big.save(encoded, "JPEG", quality=90)
    data = encoded.getvalue()
    from_bytes = median_ms(lambda: to_blocks(data, "jpeg", options), runs)
    print(f"JPEG bytes 4000x3000 ({len(data):,} bytes): median {from_bytes:6.1f} ms -> {describe(to_blocks(data, 'jpeg', options))}")

    array = np.asarray(big)
    from_array = median_ms(lambda: to_blocks(array, "array", options), runs)
    print(f"uint8 array 3000x4000x3: median {from_array:6.1f} ms -> {describe(to_blocks(array, 'array', options))}")


if __name__ == "__main__":
    main()
