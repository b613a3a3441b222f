"""The cell sink: show an answer in the cell's output while it streams, cheaply.

``LiveDisplay.update(snapshot)`` is called on every stream event with the message so far;
``finish(...)`` once at the end. In a kernel the answer is one output, created with a display
id and then replaced in place; in a terminal IPython the new text is written to stdout as it
arrives.

Choices, and why:

* **Throttled, leading edge.** At most one display update per ``throttle`` seconds (10/s by
  default): a skipped event costs one clock read. Whatever was skipped appears with the next
  update, and ``finish`` always shows the exact final state. The interval also stretches with
  the size of the output (``max_bytes_per_second``): each update resends the whole output and
  makes the browser lay it out again, so a 250 KB output is refreshed once a second rather
  than pushing 2.5 MB/s through the kernel socket; total traffic then grows with the answer's
  duration, not with its length times the number of updates.
* **Incremental, then exact.** While streaming, ``answer.AnswerRenderer`` (the same one the
  chat panel uses, so both show the same segments) renders finished Markdown blocks once.
  ``finish`` gives the exact final rendering (finished blocks reused only where that is
  provably identical), so the saved notebook holds the exact rendering.
* **We send HTML we sanitized, never ``text/markdown``.** Front ends render Markdown with
  their own rules, some of which let HTML through. ``text/plain`` carries the raw Markdown so
  the answer reads well in nbconvert, ``jupyter console`` and diffs.
* **The CSS travels in every update.** An update replaces the output, so a ``<style>`` sent
  once inside it would be gone after the next update; a separate output holding only CSS
  would be an empty-looking extra output in every saved notebook and export. ``STYLE`` is
  ~3 KB, under 10% of a typical update, and makes each saved output self-contained.
* **Thinking** is shown expanded while it is the part being streamed (so the wait is visibly
  progress) and collapsed as soon as the answer starts, and in the final output.
* **The terminal is throttled too.** Reading a block's text joins the pieces the stream
  appended since the last read, so reading it on every event would cost O(n) each time;
  ten writes a second look just as live.
"""

from __future__ import annotations

import sys
import time
import uuid
from typing import Any, Callable, TextIO

from .answer import AnswerRenderer, answer_plain, segment_plain, segments
from .render import format_tool_call, render_error, render_notice, render_usage_line, wrap_answer

__all__ = ["LiveDisplay"]


def _in_kernel() -> bool:
    """True inside a Jupyter kernel (JupyterLab, Notebook, VS Code, Colab); False in a terminal."""
    ipython = sys.modules.get("IPython")  # never import IPython just to ask
    shell = ipython.get_ipython() if ipython is not None else None
    return getattr(shell, "kernel", None) is not None


def _ipython_display(*args, **kwargs):
    from IPython.display import display

    return display(*args, **kwargs)


def _tool_fields(block) -> tuple[str | None, Any]:
    """Name and input of a client or server tool call (an ``UnknownBlock`` keeps them in ``data``)."""
    name = getattr(block, "name", None)
    if name:
        return name, getattr(block, "input", None)
    data = getattr(block, "data", None)
    if isinstance(data, dict) and data.get("name") and "input" in data:
        return data["name"], data["input"]
    return None, None


class _AnswerView:
    """Turns snapshots into ``(html_body, plain_text)`` through the one ``AnswerRenderer``."""

    def __init__(self) -> None:
        self._renderer = AnswerRenderer()

    def render(self, content, *, final: bool) -> tuple[str, str]:
        html = self._renderer.finish(content) if final else self._renderer.feed(content).html
        return html, answer_plain(content)


class _TerminalEcho:
    """Plain mode: write each new piece of text once, as it arrives; nothing is redrawn."""

    DIM, RESET = "\x1b[2m", "\x1b[0m"

    def __init__(self, stream: TextIO | None) -> None:
        self._stream = stream
        self._index = 0  # the block being written
        self._offset = 0  # characters of it already written
        self._begun = False  # its separator/header is out
        self._previous: str | None = None  # kind of the block before it
        self._ends_with = "\n\n"  # the last two characters written
        self._dirty = False  # written since the last flush
        self._calls: list = []  # the tool calls written, to name the results that answer them

    def _out(self, text: str, dim: bool = False) -> None:
        if not text:
            return
        stream = self._stream or sys.stdout
        if dim and getattr(stream, "isatty", lambda: False)():
            stream.write(self.DIM + text + self.RESET)
        else:
            stream.write(text)
        self._ends_with = (self._ends_with + text)[-2:]
        self._dirty = True

    def _separate(self, newlines: int = 2) -> None:
        """Make the output end with ``newlines`` newlines (2: a blank line before what follows)."""
        have = len(self._ends_with) - len(self._ends_with.rstrip("\n"))
        self._out("\n" * (newlines - have))

    def write(self, content, *, final: bool = False) -> bool:
        """Write what is new since the last call; True if anything was written."""
        while self._index < len(content):
            block = content[self._index]
            kind = getattr(block, "type", None)
            last = self._index == len(content) - 1
            if kind in ("text", "thinking"):
                if not self._begun and not (kind == "text" and self._previous == "text"):
                    self._separate()
                    if kind == "thinking":
                        self._out("Thinking…\n", dim=True)
                text = (block.text if kind == "text" else getattr(block, "thinking", "")) or ""
                self._out(text[self._offset :], dim=kind == "thinking")
                self._offset, self._begun = max(self._offset, len(text)), True
            elif kind == "tool_result":  # complete as soon as it is there
                self._separate()
                self._out(segment_plain(segments([*self._calls, block])[-1]) or "", dim=True)
            elif last and not final:
                break  # a tool call is printed whole, once its input is complete
            elif kind == "redacted_thinking":
                self._separate()
                self._out("(thinking redacted)", dim=True)
            else:
                name, arguments = _tool_fields(block)
                if name:
                    self._calls.append(block)
                    self._separate()
                    self._out(format_tool_call(name, arguments))
            if last and not final:
                break
            self._index, self._offset, self._begun, self._previous = self._index + 1, 0, False, kind
        wrote = self._dirty
        self._flush()
        return wrote

    def _flush(self) -> None:
        if self._dirty:
            (self._stream or sys.stdout).flush()
            self._dirty = False

    def finish(self, content, lines: list[str]) -> None:
        self.write(content, final=True)
        for line in lines:
            self._separate(1)
            self._out(line + "\n")
        self._separate(1)
        self._flush()


class LiveDisplay:
    """Show a streaming answer in the current cell (or in the terminal) and its final form.

    ``throttle``: the least number of seconds between display updates. ``plain``: write
    text to stdout instead of HTML; ``None`` decides by whether we run in a Jupyter kernel.
    ``display_id``: the id of the output this answer lives in (a fresh one by default).
    ``display_fn``, ``clock`` and ``stream`` replace ``IPython.display.display``,
    ``time.monotonic`` and ``sys.stdout`` (tests, benchmarks, other front ends).
    """

    max_bytes_per_second = 250_000

    def __init__(
        self,
        *,
        throttle: float = 0.1,
        plain: bool | None = None,
        display_id: str | None = None,
        display_fn: Callable[..., Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
        stream: TextIO | None = None,
    ) -> None:
        self.throttle = throttle
        self.plain = (not _in_kernel()) if plain is None else plain
        self.display_id = display_id or uuid.uuid4().hex
        self._display_fn = display_fn or _ipython_display
        self._clock = clock
        self._view = _AnswerView()
        self._echo = _TerminalEcho(stream)
        self._shown = False
        self._last_body: str | None = None
        self._next_at = float("-inf")

    def update(self, snapshot) -> None:
        """Show the message so far, unless an update went out less than ``throttle`` ago.

        Two moments are shown at once, whatever the throttle: the end of a request (its
        ``stop_reason`` is set: a tool call must be seen whole while tools run or wait for
        approval) and a tool result just added. After either, nothing may follow for
        seconds (the tool runs, the next request starts), so a skipped update would leave
        the cell behind; they are a few per tool round.
        """
        now = self._clock()
        content = getattr(snapshot, "content", None) or []
        urgent = bool(getattr(snapshot, "stop_reason", None)) or (
            bool(content) and getattr(content[-1], "type", None) == "tool_result"
        )
        if now < self._next_at and not urgent:
            return
        if self.plain:
            if self._echo.write(content):
                self._next_at = now + self.throttle
            return
        body, text = self._view.render(content, final=False)
        if not body or body == self._last_body:
            return  # nothing to show yet, or nothing new: the clock does not restart
        size = self._publish(body, text)
        self._next_at = now + max(self.throttle, size / self.max_bytes_per_second)

    def finish(
        self,
        snapshot,
        *,
        footer: str | None = None,
        error: str | None = None,
        notice: str | None = None,
        banner: str | None = None,
    ) -> None:
        """Show the final answer exactly, then ``notice``, ``error`` and the usage ``footer``.

        ``snapshot`` may be the partial message of a failed turn (it stays visible above the
        error) or ``None``. ``banner`` is a notice shown above the answer, for what must be
        seen before it is read (a replayed answer).
        """
        content = getattr(snapshot, "content", None) or []
        lines = [line for line in (notice, error, footer) if line]
        if self.plain:  # the text is out already: the banner follows it
            self._echo.finish(content, [banner, *lines] if banner else lines)
            return
        body, text = self._view.render(content, final=True)
        extras = [
            box(line)
            for box, line in ((render_notice, notice), (render_error, error), (render_usage_line, footer))
            if line
        ]
        body = "\n".join([body, *extras] if body else extras)
        if banner:
            body = render_notice(banner) + "\n" + body
            text = banner + "\n\n" + text
        if body or self._shown:
            self._publish(body, "\n\n".join([text, *lines] if text else lines))

    def _publish(self, body: str, text: str) -> int:
        html = wrap_answer(body)
        bundle = {"text/html": html, "text/plain": text}
        if self._shown:
            self._display_fn(bundle, raw=True, display_id=self.display_id, update=True)
        else:
            self._display_fn(bundle, raw=True, display_id=self.display_id)
            self._shown = True
        self._last_body = body
        return len(html) + len(text)
