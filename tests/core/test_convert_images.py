"""Pictures and PDFs: header parsing, size limits, downscaling, the no-Pillow path, figures, arrays."""

from __future__ import annotations

import base64
import io
import sys
from pathlib import Path

import pytest

np = pytest.importorskip("numpy")
Image = pytest.importorskip("PIL.Image")

from claude_magics.core.convert import ContextError, ContextOptions, to_blocks  # noqa: E402
from claude_magics.core.convert.images.arrays import encode_png  # noqa: E402
from claude_magics.core.convert.images.encode import target_size  # noqa: E402
from claude_magics.core.convert.images.info import probe_image, sniff_media_type  # noqa: E402
from claude_magics.core.convert.options import MAX_IMAGE_BASE64_BYTES  # noqa: E402

OPTIONS = ContextOptions()
LIMIT_PIXELS = OPTIONS.max_image_pixels


def encode(image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def gradient(width: int, height: int, mode: str = "RGB"):
    """Red rising left to right, green top to bottom: smooth, like a photo or a heatmap."""
    rgb = np.empty((height, width, 3), dtype=np.uint8)
    rgb[..., 0] = (np.arange(width) * 255 // max(1, width - 1)).astype(np.uint8)[None, :]
    rgb[..., 1] = (np.arange(height) * 255 // max(1, height - 1)).astype(np.uint8)[:, None]
    rgb[..., 2] = 90
    return Image.fromarray(rgb).convert(mode)


def noise(width: int, height: int, channels: int, seed: int = 0):
    return np.random.default_rng(seed).integers(0, 256, (height, width, channels), dtype=np.uint8)


def sent_image(blocks: list[dict]):
    """(label text, media type, decoded PIL image, base64 length) of a [label, image] pair."""
    assert [b["type"] for b in blocks] == ["text", "image"]
    source = blocks[1]["source"]
    assert source["type"] == "base64"
    raw = base64.b64decode(source["data"], validate=True)
    assert sniff_media_type(raw) == source["media_type"]
    return blocks[0]["text"], source["media_type"], Image.open(io.BytesIO(raw)), len(source["data"])


def assert_within_limits(image, b64_len: int, options: ContextOptions = OPTIONS) -> None:
    assert max(image.size) <= options.max_image_edge
    assert image.size[0] * image.size[1] <= options.max_image_pixels
    assert b64_len <= MAX_IMAGE_BASE64_BYTES


# -- headers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fmt, params, media_type",
    [
        ("PNG", {}, "image/png"),
        ("JPEG", {"quality": 80}, "image/jpeg"),
        ("JPEG", {"progressive": True}, "image/jpeg"),
        ("GIF", {}, "image/gif"),
        ("WEBP", {"quality": 80}, "image/webp"),
        ("WEBP", {"lossless": True}, "image/webp"),
    ],
)
def test_probe_reads_sizes_without_pillow(fmt, params, media_type) -> None:
    for size in [(1, 1), (37, 19), (3001, 17)]:
        data = encode(gradient(*size), fmt, **params)
        info = probe_image(data)
        assert info is not None and (info.media_type, info.width, info.height) == (media_type, *size)


def test_probe_reads_extended_webp_with_alpha() -> None:
    data = encode(gradient(50, 20, "RGBA"), "WEBP", quality=80)
    info = probe_image(data)
    assert (info.width, info.height) == (50, 20)


@pytest.mark.parametrize("data", [b"", b"hello world", b"\x89PNG\r\n\x1a\n" + b"\0" * 4, b"\xff\xd8\xff\xe0\x00\x10JFIF", b"%PDF-1.7"])
def test_probe_rejects_non_images_and_truncated_headers(data) -> None:
    assert probe_image(data) is None


def test_target_size_respects_both_limits_and_aspect() -> None:
    assert target_size(4000, 3000, OPTIONS) == (1238, 928)
    assert target_size(10_000, 100, OPTIONS) == (1568, 15)
    assert target_size(800, 600, OPTIONS) == (800, 600)
    for width, height in [(1569, 1), (1200, 1200), (5000, 5000), (2, 9000)]:
        w, h = target_size(width, height, OPTIONS)
        assert max(w, h) <= 1568 and w * h <= LIMIT_PIXELS


# -- encoded bytes ---------------------------------------------------------------------------


def test_small_image_bytes_are_sent_unchanged() -> None:
    data = encode(gradient(320, 200), "PNG")
    label, media_type, image, _ = sent_image(to_blocks(data, "img"))
    assert label == "[image: img (bytes, 320x200 png)]"
    assert media_type == "image/png"
    assert base64.b64decode(to_blocks(data, "img")[1]["source"]["data"]) == data


def test_a_4000x3000_photo_is_downscaled() -> None:
    data = encode(gradient(4000, 3000), "JPEG", quality=90)
    label, media_type, image, b64_len = sent_image(to_blocks(data, "photo"))
    assert label == "[image: photo (bytes, 4000x3000 downscaled to 1238x928 jpeg)]"
    assert media_type == "image/jpeg"  # photos stay JPEG
    assert image.size == (1238, 928)
    assert_within_limits(image, b64_len)


def test_a_4000x3000_pil_image_is_downscaled_to_png() -> None:
    label, media_type, image, b64_len = sent_image(to_blocks(gradient(4000, 3000), "chart"))
    assert label == "[image: chart (PIL Image, 4000x3000 downscaled to 1238x928 png)]"
    assert media_type == "image/png"
    assert_within_limits(image, b64_len)
    # the content is the same picture: a horizontal gradient stays one
    row = np.asarray(image.convert("RGB"))[464, :, 0].astype(int)
    assert row[0] < 5 and row[-1] > 250 and np.all(np.diff(row) >= -1)


def test_png_bytes_over_5mb_of_base64_are_reencoded() -> None:
    data = encode(Image.fromarray(noise(1000, 1000, 4)), "PNG", compress_level=0)
    assert len(base64.b64encode(data)) > MAX_IMAGE_BASE64_BYTES  # fits the pixel limits but not the byte limit
    label, media_type, image, b64_len = sent_image(to_blocks(data, "noisy"))
    assert media_type == "image/jpeg"
    assert image.size == (1000, 1000)
    assert_within_limits(image, b64_len)


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P", "1", "I;16", "CMYK", "L"])
def test_every_pillow_mode_can_be_sent(mode) -> None:
    image = gradient(2000, 1000, "RGB" if mode == "I;16" else mode)
    if mode == "I;16":
        image = Image.fromarray((np.arange(2000 * 1000, dtype=np.uint16) % 65535).reshape(1000, 2000))
    _, media_type, sent, b64_len = sent_image(to_blocks(image, "m"))
    assert media_type == "image/png"
    assert_within_limits(sent, b64_len)


def test_jpeg_preference_flattens_alpha_on_white() -> None:
    image = Image.new("RGBA", (3000, 100), (255, 0, 0, 0))  # fully transparent red
    options = ContextOptions(image_format="jpeg")
    _, media_type, sent, _ = sent_image(to_blocks(image, "t", options))
    assert media_type == "image/jpeg"
    assert all(channel > 245 for channel in sent.convert("RGB").getpixel((10, 10)))


def test_animated_gif_small_is_sent_as_is_and_large_as_its_first_frame() -> None:
    frames = [Image.new("RGB", (2000, 1000), color) for color in ("blue", "yellow")]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100)
    _, media_type, sent, _ = sent_image(to_blocks(out.getvalue(), "anim"))
    assert media_type == "image/png"
    assert sent.convert("RGB").getpixel((5, 5)) == (0, 0, 255)
    small = io.BytesIO()
    frames[0].resize((40, 20)).save(small, "GIF", save_all=True, append_images=[frames[1].resize((40, 20))])
    blocks = to_blocks(small.getvalue(), "tiny")
    assert base64.b64decode(blocks[1]["source"]["data"]) == small.getvalue()


def test_corrupt_image_is_a_clear_error() -> None:
    data = encode(gradient(2000, 2000), "PNG")
    with pytest.raises(ContextError):
        to_blocks(data[:40] + b"\0" * 100, "broken")


# -- without Pillow ------------------------------------------------------------------------


def block_pillow(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``import PIL.Image`` fail for the code under test, as if Pillow were not installed."""
    for name in [name for name in sys.modules if name == "PIL" or name.startswith("PIL.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "PIL", None)
    monkeypatch.setitem(sys.modules, "PIL.Image", None)


def test_block_pillow_really_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    block_pillow(monkeypatch)
    with pytest.raises(ImportError):
        import PIL.Image  # noqa: F401


def test_without_pillow_small_png_bytes_still_work(monkeypatch: pytest.MonkeyPatch) -> None:
    data = encode(gradient(64, 48), "PNG")
    block_pillow(monkeypatch)
    blocks = to_blocks(data, "dot")
    assert blocks[0]["text"] == "[image: dot (bytes, 64x48 png)]"
    assert base64.b64decode(blocks[1]["source"]["data"]) == data


def test_without_pillow_oversized_images_raise_a_helpful_error(monkeypatch: pytest.MonkeyPatch) -> None:
    wide = encode(gradient(2000, 100), "PNG")
    block_pillow(monkeypatch)
    with pytest.raises(ContextError, match=r"2000x100 px.*pip install pillow.*smaller image"):
        to_blocks(wide, "wide")


def test_without_pillow_numpy_pictures_still_shrink(monkeypatch: pytest.MonkeyPatch) -> None:
    block_pillow(monkeypatch)
    blocks = to_blocks(np.full((3000, 4000, 3), 200, dtype=np.uint8), "frame")
    assert blocks[0]["text"] == "[image: frame (numpy array uint8, 4000x3000 downscaled to 1000x750 png)]"


# -- numpy pictures ------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(9, 13), (16, 8, 3), (10, 11, 4), (1, 1, 3)])
def test_png_encoder_round_trips(shape) -> None:
    pixels = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
    decoded = np.asarray(Image.open(io.BytesIO(encode_png(pixels))))
    assert decoded.shape == shape and np.array_equal(decoded, pixels)


def test_large_array_is_box_reduced_exactly() -> None:
    pixels = np.zeros((3000, 4000, 3), dtype=np.uint8)
    pixels[:, 2000:] = 255  # right half white
    pixels[:4, :4] = [[[0, 0, 100]] * 4] * 4  # one 4x4 block of blue 100
    _, media_type, sent, b64_len = sent_image(to_blocks(pixels, "arr"))
    assert media_type == "image/png" and sent.size == (1000, 750)
    assert_within_limits(sent, b64_len)
    got = np.asarray(sent)
    assert tuple(got[0, 0]) == (0, 0, 100)
    assert tuple(got[100, 499]) == (0, 0, 0) and tuple(got[100, 500]) == (255, 255, 255)


def test_gray_and_float_arrays_are_pictures_and_matrices_are_not() -> None:
    gray = (np.arange(64 * 32) % 256).astype(np.uint8).reshape(32, 64)
    _, _, sent, _ = sent_image(to_blocks(gray, "g"))
    assert sent.mode == "L" and np.array_equal(np.asarray(sent), gray)
    rgba = np.linspace(0, 1, 20 * 10 * 4).reshape(20, 10, 4)
    _, _, sent, _ = sent_image(to_blocks(rgba, "f"))
    assert sent.mode == "RGBA" and np.asarray(sent)[-1, -1, -1] == 255
    for matrix in (np.random.default_rng(0).random((50, 50)), np.linspace(-1, 1, 300).reshape(10, 10, 3), np.zeros((4, 4, 3), np.uint8)):
        blocks = to_blocks(matrix, "m")
        assert [b["type"] for b in blocks] == ["text"]


# -- matplotlib ------------------------------------------------------------------------------


@pytest.fixture
def plt():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as pyplot

    yield pyplot
    pyplot.close("all")


def test_figure_renders_at_its_own_size(plt) -> None:
    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=100)
    ax.plot([0, 1, 2], [3, 1, 2])
    label, media_type, image, _ = sent_image(to_blocks(fig, "fig"))
    assert media_type == "image/png"
    width, height = image.size
    assert 500 <= width <= 640 and 380 <= height <= 480  # tight crop of a 640x480 figure
    assert label == f"[image: fig (matplotlib Figure, {width}x{height} png)]"
    assert plt.fignum_exists(fig.number)
    assert tuple(fig.get_size_inches()) == (6.4, 4.8) and fig.dpi == 100


def test_large_figure_is_rendered_within_limits(plt) -> None:
    fig, ax = plt.subplots(figsize=(20, 10), dpi=200)
    ax.plot(range(10))
    _, _, image, b64_len = sent_image(to_blocks(fig, "big"))
    assert_within_limits(image, b64_len)
    assert image.size[0] > 1200  # scaled down to the budget, not far below it


def test_figure_bytes_are_deterministic_and_transparent_becomes_white(plt) -> None:
    fig, ax = plt.subplots(figsize=(3, 2))
    fig.patch.set_alpha(0.0)
    ax.bar(["a", "b"], [1, 2])
    first = to_blocks(fig, "f")
    assert to_blocks(fig, "f") == first
    _, _, image, _ = sent_image(first)
    assert image.convert("RGBA").getpixel((0, 0)) == (255, 255, 255, 255)


def test_outside_legend_is_included_like_the_inline_backend(plt) -> None:
    fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
    ax.plot([1, 2], label="a rather long legend label")
    ax.legend(bbox_to_anchor=(1.05, 1), loc="upper left")
    _, _, image, _ = sent_image(to_blocks(fig, "f"))
    assert image.size[0] > 400  # wider than the 400 px figure: the legend is in


def test_constrained_layout_figure_takes_matplotlibs_path(plt) -> None:
    fig, axes = plt.subplots(2, 2, figsize=(4, 4), dpi=100, layout="constrained")
    for ax in axes.flat:
        ax.set_title("a title")
    _, _, image, _ = sent_image(to_blocks(fig, "f"))
    assert 380 <= image.size[0] <= 420  # the 400 px figure, cropped tight with 0.1 in padding
    assert fig.get_layout_engine() is not None  # the engine was not switched off for good


def test_axes_lines_and_axes_arrays_resolve_to_their_figure(plt) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(4, 2), dpi=50)
    lines = axes[0].plot([1, 2, 3])
    for obj, source in [(axes, "ndarray"), (axes[1], "Axes"), (lines, "list")]:
        label, _, _, _ = sent_image(to_blocks(obj, "thing"))
        assert label.startswith(f"[image: thing (matplotlib {source} in a Figure, ")
    other, _ = plt.subplots()
    mixed = [axes[0], other.axes[0]]
    assert [b["type"] for b in to_blocks(mixed, "mixed")] == ["text"]  # two figures: not a picture


# -- display objects, paths, PDFs ------------------------------------------------------------


def test_ipython_image_objects() -> None:
    display = pytest.importorskip("IPython.display")
    data = encode(gradient(30, 20), "PNG")
    label, _, image, _ = sent_image(to_blocks(display.Image(data=data), "shot"))
    assert label == "[image: shot (IPython Image, 30x20 png)]"
    remote = to_blocks(display.Image(url="https://example.org/plot.png"), "web")
    assert remote[1] == {"type": "image", "source": {"type": "url", "url": "https://example.org/plot.png"}}


class Drawing:
    """An object that only knows how to show itself as a PNG (IPython's base64 convention)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def _repr_png_(self):
        return base64.b64encode(self.data).decode("ascii")


class Formula(Drawing):
    def __repr__(self) -> str:
        return "x**2 + 1"


def test_rich_reprs_are_used_only_when_there_is_no_text_repr() -> None:
    data = encode(gradient(12, 12), "PNG")
    assert to_blocks(Drawing(data), "d")[0]["text"] == "[image: d (Drawing, 12x12 png)]"
    assert to_blocks(Formula(data), "f") == [{"type": "text", "text": "x**2 + 1"}]


def test_paths_to_images_and_pdfs(tmp_path: Path) -> None:
    png = tmp_path / "plot.png"
    png.write_bytes(encode(gradient(40, 30), "PNG"))
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    fake = tmp_path / "fake.png"
    fake.write_text("not a picture")

    assert to_blocks(png, "p")[0]["text"] == "[image: p (file plot.png, 40x30 png)]"
    assert to_blocks(str(png), "s")[0]["text"] == "[image: s (file plot.png, 40x30 png)]"
    document = to_blocks(pdf, "r")
    assert document[0]["text"] == f"[document: r (file report.pdf, {pdf.stat().st_size} bytes)]"
    assert document[1]["type"] == "document" and document[1]["source"]["media_type"] == "application/pdf"
    assert base64.b64decode(document[1]["source"]["data"]) == pdf.read_bytes()
    assert to_blocks(str(fake), "f") == [{"type": "text", "text": str(fake)}]
    assert to_blocks(tmp_path / "missing.png", "m")[0]["type"] == "text"
    assert to_blocks("plot.png", "n") == [{"type": "text", "text": "plot.png"}]


def test_pdf_bytes_and_the_size_cap(tmp_path: Path) -> None:
    data = b"%PDF-1.7\n" + b"x" * 1000
    blocks = to_blocks(data, "paper")
    assert blocks[0]["text"] == "[document: paper (PDF bytes, 1009 bytes)]"
    options = ContextOptions(max_document_bytes=500)
    with pytest.raises(ContextError, match="over the 500 bytes"):
        to_blocks(data, "paper", options)
    big = tmp_path / "big.pdf"
    big.write_bytes(data)
    with pytest.raises(ContextError, match="big.pdf|paper"):
        to_blocks(big, "paper", options)
