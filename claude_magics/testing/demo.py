"""The offline demo's answer: what a helpful assistant would say, derived from what arrived.

The fake cannot think, but a demo that only quotes the prompt back reads as broken. So the echo's
answer part is written here, deterministically, from the request itself:

* a DataFrame or Series summary (the text ``{df}`` puts into a prompt) gets a short analysis -
  shape, column types, the columns with missing values - read from the summary's own lines;
* an image gets a description of what can be known without looking: format and pixel size;
* a traceback (``{!error}``) gets its exception named, with a first step to take;
* a request for code ("write code that...", "a function to...") gets a fenced ``python`` block,
  built from the most recent DataFrame of the conversation and the columns the question names,
  so that ``%%claude --code`` has a cell to insert;
* fenced code pasted into the question comes back unchanged, as one ``python`` block;
* anything else gets one honest paragraph saying where Claude's answer would appear.

Parsing the summaries by their text, not by importing the converters, keeps the fake independent
of the client it tests: it sees only what travelled over the wire. Unknown layouts simply fall
back to the general paragraph.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field

from .media import sniff_image

__all__ = ["Frame", "demo_reply", "frames_in", "asks_for_code", "best_frame", "demo_code"]

_FRAME = re.compile(
    r"(?:^|(?<=\s))(?P<name>[^\s:]{1,80}): pandas DataFrame, (?P<rows>[\d,]+) rows x (?P<cols>[\d,]+) columns", re.MULTILINE
)
_SERIES = re.compile(r"(?:^|(?<=\s))(?P<name>[^\s:]{1,80}): pandas Series, (?P<rows>[\d,]+) values, dtype (?P<dtype>\S+)", re.MULTILINE)
# "   1  region   str      1 (12.5%)" - index, name, dtype, null count, optional share
_COLUMN = re.compile(r"^\s*\d+\s+(?P<name>.+?)\s+(?P<dtype>\S+)\s+(?P<nulls>[\d,]+)(?:\s+\((?P<share>[\d.]+%)\))?\s*$")
_VALUE = re.compile(r"^(?P<label>\S.*?)\s+(?P<value>-?\d[\d,]*(?:\.\d+)?)\s*$")
_EXCEPTION = re.compile(r"^(?P<type>[A-Za-z_][\w.]*(?:Error|Exception|Interrupt|Exit|Warning)): ?(?P<message>.*)$", re.MULTILINE)
_CODE_REQUEST = re.compile(
    r"\b(?:write|give|show|generate|create|draft|need)\b[^.?!\n]{0,60}?\b(?:code|function|script|snippet|query|class|program)\b"
    r"|\b(?:code|function|snippet|script) (?:that|to|for|which)\b",
    re.IGNORECASE,
)
_PLOT = re.compile(r"\b(?:plot|chart|graph|histogram|scatter|bar|visuali[sz]e)", re.IGNORECASE)
_AGGREGATES = ("mean", "median", "std", "count", "sum", "min", "max")
_NUMERIC = re.compile(r"^(?:u?int|float|Int|UInt|Float)\d*")


@dataclass
class Frame:
    """One DataFrame summary as read from the prompt's text."""

    name: str
    rows: int
    columns: int
    dtypes: dict[str, str] = field(default_factory=dict)
    nulls: dict[str, str] = field(default_factory=dict)  # column -> "1 (12.5%)", only those with nulls

    def numeric(self) -> list[str]:
        return [c for c, t in self.dtypes.items() if _NUMERIC.match(t)]

    def categorical(self) -> list[str]:
        return [c for c, t in self.dtypes.items() if t in ("object", "str", "string", "category", "bool")]


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def frames_in(text: str) -> list[Frame]:
    """Every DataFrame summary in ``text``, with its column table when present."""
    frames = []
    for match in _FRAME.finditer(text):
        frame = Frame(match["name"].strip(), _int(match["rows"]), _int(match["cols"]))
        lines = text[match.end() :].splitlines()
        start = next((i for i, line in enumerate(lines) if line.startswith("Columns (")), None)
        if start is not None and start + 1 < len(lines) and "nulls" in lines[start + 1]:
            for line in lines[start + 2 :]:
                column = _COLUMN.match(line)
                if not column:
                    break
                frame.dtypes[column["name"]] = column["dtype"]
                if _int(column["nulls"]):
                    frame.nulls[column["name"]] = column["nulls"] + (f" ({column['share']})" if column["share"] else "")
        frames.append(frame)
    return frames


def asks_for_code(text: str) -> bool:
    return bool(_CODE_REQUEST.search(text))


def _names(items: list[str]) -> str:
    quoted = [f"`{item}`" for item in items]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _frame_analysis(frame: Frame) -> str:
    sentences = [f"**`{frame.name}`** has {frame.rows:,} rows and {frame.columns:,} columns"]
    if frame.dtypes:
        shown = list(frame.dtypes.items())[:8]
        sentences[0] += ": " + ", ".join(f"`{c}` ({t})" for c, t in shown) + (", ..." if len(frame.dtypes) > 8 else "")
    sentences[0] += "."
    if frame.nulls:
        listed = ", ".join(f"`{c}` {n}" for c, n in frame.nulls.items())
        noun = "column has" if len(frame.nulls) == 1 else "columns have"
        sentences.append(
            f"{len(frame.nulls)} {noun} missing values: {listed}. Look at those rows before aggregating "
            f"(`{frame.name}[{frame.name}.isna().any(axis=1)]`), then decide whether to drop or fill them."
        )
    elif frame.dtypes:
        sentences.append("No column has missing values.")
    numeric = frame.numeric()
    if numeric:
        sentences.append(f"Numeric columns to compare or plot: {_names(numeric[:6])}.")
    return " ".join(sentences)


def _series_analysis(match: re.Match, text: str) -> str:
    name, count, dtype = match["name"].strip(), _int(match["rows"]), match["dtype"]
    sentence = f"**`{name}`** is a Series of {count:,} values ({dtype})."
    listing = text[match.end() :].split("```")[1] if text[match.end() :].count("```") >= 2 else ""
    values = []
    for line in listing.splitlines():
        value = _VALUE.match(line)
        if value and not line.startswith(("Index:", "Nulls:")):
            values.append((value["label"].strip(), float(value["value"].replace(",", ""))))
    if values and len(values) <= 50:
        nonzero = sorted((v for v in values if v[1]), key=lambda v: -v[1])
        if nonzero and len(nonzero) < len(values):
            top = ", ".join(f"`{label}` ({value:g})" for label, value in nonzero[:3])
            sentence += f" {len(values) - len(nonzero)} of {len(values)} are zero; the largest: {top}."
        elif nonzero:
            label, value = nonzero[0]
            sentence += f" The largest is `{label}` ({value:g})."
    return sentence


def _image_description(block: dict) -> str:
    source = block.get("source") or {}
    if source.get("type") != "base64":
        return f"An image arrived by {source.get('type')} source; the offline demo does not fetch it."
    try:
        data = base64.b64decode(source.get("data") or "", validate=False)
    except (binascii.Error, ValueError):
        data = b""
    info = sniff_image(data)
    kind = (info.media_type if info else source.get("media_type") or "image").split("/")[-1].upper()
    size = f" of {info.width:,} x {info.height:,} px" if info and info.width else ""
    shape = ""
    if info and info.width and info.height:
        ratio = info.width / info.height
        shape = " a wide" if ratio > 1.3 else " a tall" if ratio < 0.77 else " a square-ish"
    return (
        f"The image is{shape or ' a'} {kind}{size} ({len(data):,} bytes), which Claude would see as pixels. "
        "The offline demo cannot look at it: Claude would describe the axes, the trend and anything unusual here."
    )


def _error_analysis(text: str) -> str | None:
    matches = list(_EXCEPTION.finditer(text))
    if not matches:
        return None
    last = matches[-1]
    message = last["message"].strip()
    said = f": {message}" if message else ""
    return (
        f"The traceback ends in a **`{last['type']}`**{said}. Start from the last frame of your own code in it, "
        "check the types and missing values of what that line uses, and run it again on one value."
    )


def _mentioned(frame: Frame, question: str) -> list[str]:
    """Columns the question names: exactly, with spaces for underscores, or without a unit suffix."""
    words = question.lower()
    found = []
    for column in frame.dtypes:
        parts = column.lower().split("_")
        spoken = [" ".join(parts)] + ([" ".join(parts[:-1])] if len(parts) > 2 else [])
        if column.lower() in words or any(re.search(rf"\b{re.escape(s)}", words) for s in spoken):
            found.append(column)
    return found


def best_frame(question: str, frames: list[Frame]) -> Frame | None:
    """The DataFrame whose columns the question names most; the latest one on a tie."""
    if not frames:
        return None
    return max(reversed(frames), key=lambda frame: len(_mentioned(frame, question)))


def demo_code(question: str, frame: Frame | None) -> str:
    """Plausible, runnable pandas/matplotlib code for ``question`` over ``frame``."""
    if frame is None or not frame.dtypes:
        return (
            "# The offline demo writes a template; Claude would write the code you asked for.\n"
            "import pandas as pd\n\n"
            "df = pd.DataFrame({\"group\": [\"a\", \"b\", \"a\"], \"value\": [1.0, 2.5, 3.0]})\n"
            "print(df.groupby(\"group\")[\"value\"].agg([\"mean\", \"count\"]))"
        )
    mentioned = _mentioned(frame, question)
    groups = [c for c in mentioned if c in frame.categorical()] or frame.categorical()[:1]
    values = [c for c in mentioned if c in frame.numeric()] or frame.numeric()[:1]
    name = frame.name
    if not values:
        return f"print({name}.describe(include=\"all\"))"
    key = repr(groups[0]) if len(groups) == 1 else repr(groups)
    if _PLOT.search(question):
        kind = "bar" if groups else "line"
        lines = ["import matplotlib.pyplot as plt", ""]
        if groups:
            lines.append(f"ax = {name}.groupby({key})[{values[0]!r}].mean().plot.{kind}()")
        else:
            lines.append(f"ax = {name}[{values[0]!r}].plot.{kind}()")
        title = f"{values[0]} by {', '.join(groups)}" if groups else values[0]
        lines += [f"ax.set_ylabel({values[0]!r})", f"ax.set_title({title!r})", "plt.show()"]
        return "\n".join(lines)
    aggregates = [a for a in _AGGREGATES if re.search(rf"\b{a}", question, re.IGNORECASE)] or ["mean", "count"]
    picked = values[0] if len(values) == 1 else values
    if groups:
        return f"summary = {name}.groupby({key})[{picked!r}].agg({aggregates!r})\nsummary"
    return f"summary = {name}[{picked!r}].agg({aggregates!r})\nsummary"


def demo_reply(user_text: str, blocks: list[dict], history_text: str) -> tuple[str, str | None]:
    """The answer's prose and, when code was asked for, the code (without fences).

    ``user_text`` is the last user turn's text, ``blocks`` its content blocks, ``history_text``
    the text of every user turn so far (where an earlier ``{df}`` summary is found).
    """
    paragraphs = []
    frames = frames_in(user_text)
    paragraphs += [_frame_analysis(frame) for frame in frames]
    paragraphs += [_series_analysis(match, user_text) for match in _SERIES.finditer(user_text)]
    paragraphs += [_image_description(b) for b in blocks if b.get("type") == "image"]
    error = _error_analysis(user_text)
    if error:
        paragraphs.append(error)
    code = None
    if asks_for_code(user_text):
        known = frames_in(history_text)
        frame = best_frame(user_text, known)
        code = demo_code(user_text, frame)
        where = f", using `{frame.name}` from this conversation" if frame else ""
        paragraphs.append(
            f"Here is code for that{where}. It is a starting point the demo builds from the column names; "
            "read it before you run it (with `%%claude --code` it lands in a new cell below)."
        )
    pasted = _first_fence(user_text)
    if not paragraphs and pasted and pasted.code.strip():  # fences of a summary or traceback are not code
        paragraphs.append(
            "Your code comes back unchanged: the offline demo cannot run or fix it. "
            "Claude would point at the problem and rewrite it here."
        )
        code = pasted.code.rstrip("\n")
    if not paragraphs:
        paragraphs.append(
            "Claude's answer to your question would stream in here. The offline demo does not generate "
            "answers; it shows how the magics work: your question went out with the conversation so far, "
            "the answer renders as Markdown, and the line below counts the tokens."
        )
    return "\n\n".join(paragraphs), code


def _first_fence(text: str):
    """The first fenced code block of ``text``, as the renderer sees it (``core.commonmark``)."""
    from ..core.commonmark import code_blocks  # imported on use: core imports testing.validation

    return next(iter(code_blocks(text, indented=False)), None)
