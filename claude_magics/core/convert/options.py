"""The knobs that bound what one referenced object may cost, and the one error we raise.

Every limit lives here so that the context layer, the converters and the magic's flags
agree on a single set of numbers. The defaults follow the Messages API's own limits
(images above 1568 px on the long edge or ~1.15 megapixels are downscaled by the
server anyway, so sending more only costs upload time) and the cost of text (8 KB is
roughly 2,000 tokens: enough to describe a DataFrame, small enough to send every turn).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..redact import DEFAULT_REDACT_COLUMNS

__all__ = ["ContextError", "ContextOptions", "MAX_IMAGE_BASE64_BYTES"]

#: The API refuses an image whose base64 text exceeds 5 MB; we stay just under it.
MAX_IMAGE_BASE64_BYTES = 5_000_000

_IMAGE_FORMATS = ("png", "jpeg")


class ContextError(ValueError):
    """A referenced object cannot be sent as it is, and the message says what to do.

    Raised rather than silently dropped: an oversized image or PDF would otherwise fail
    the request (and, once in the history, every later request of the conversation).
    """


@dataclass(frozen=True)
class ContextOptions:
    """Size limits and preferences for turning objects into content blocks.

    Attributes:
        max_text_bytes: UTF-8 bytes of text one object may become (summary, repr, string).
        max_rows: rows shown from the head of a DataFrame or Series.
        small_rows: frames and Series with at most this many rows are shown whole,
            because the rows themselves say more than statistics would.
        max_columns: columns described individually (schema, statistics, head).
        max_traceback_bytes: UTF-8 bytes of the rendered last error.
        max_image_edge: pixels on an image's long edge.
        max_image_megapixels: pixels (in millions) of an image.
        image_format: "png" or "jpeg": how figures and re-encoded images are encoded
            (images that already fit are sent as they are; numpy arrays are always
            PNG, written without Pillow). PNG keeps lines and text crisp; a PNG over
            the API's 5 MB limit becomes JPEG either way. JPEG needs Pillow.
        full_frame: send a DataFrame's rows as CSV (up to ``max_full_frame_bytes``)
            instead of the head, for questions about the actual values.
        max_full_frame_bytes: UTF-8 bytes of the CSV when ``full_frame`` is set.
        max_document_bytes: raw bytes of a PDF (its base64 must fit the 32 MB request).
        scan_secrets: mask well-known secret shapes (API keys, private keys, tokens) in the
            text an object becomes (``core.redact``).
        redact_columns: ``fnmatch`` patterns (case-insensitive) of DataFrame/Series columns
            whose values are masked in summaries.
        max_seconds: time one reference may take to look up and convert (a ``__repr__``
            or property that sleeps or loops is abandoned after it; None: no bound).
    """

    max_text_bytes: int = 8192
    max_rows: int = 10
    small_rows: int = 60
    max_columns: int = 30
    max_traceback_bytes: int = 4096
    max_image_edge: int = 1568
    max_image_megapixels: float = 1.15
    image_format: str = "png"
    full_frame: bool = False
    max_full_frame_bytes: int = 65536
    max_document_bytes: int = 20 * 1024 * 1024
    max_seconds: float | None = 15.0
    scan_secrets: bool = True
    redact_columns: tuple = DEFAULT_REDACT_COLUMNS

    def __post_init__(self) -> None:
        # Limits below these floors could not hold even a header line or a thumbnail,
        # and would fail later with a far less helpful message.
        floors = {
            "max_text_bytes": 256,
            "max_rows": 1,
            "small_rows": 0,
            "max_columns": 1,
            "max_traceback_bytes": 256,
            "max_image_edge": 16,
            "max_full_frame_bytes": 256,
            "max_document_bytes": 1,
        }
        for name, floor in floors.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < floor:
                raise ValueError(f"ContextOptions.{name} must be an integer >= {floor}, got {value!r}")
        if not isinstance(self.max_image_megapixels, (int, float)) or not (
            0.001 <= self.max_image_megapixels <= 64
        ):
            raise ValueError(
                "ContextOptions.max_image_megapixels must be a number between 0.001 and 64, "
                f"got {self.max_image_megapixels!r}"
            )
        if self.max_seconds is not None and not (
            isinstance(self.max_seconds, (int, float)) and not isinstance(self.max_seconds, bool) and self.max_seconds > 0
        ):
            raise ValueError(f"ContextOptions.max_seconds must be a number > 0 or None, got {self.max_seconds!r}")
        if self.image_format not in _IMAGE_FORMATS:
            raise ValueError(
                f"ContextOptions.image_format must be one of {_IMAGE_FORMATS}, got {self.image_format!r}"
            )

    @property
    def max_image_pixels(self) -> int:
        """The pixel budget of one image, as an integer count."""
        return int(self.max_image_megapixels * 1_000_000)
