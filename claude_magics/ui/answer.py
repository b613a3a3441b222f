"""One answer, from content blocks to what every view shows: segments, then HTML or plain text.

Why one place: the cell, the chat panel (and any later view, a sidebar) show the same message.
When each view walked the blocks itself, they drifted: the cell showed a redacted-thinking
notice and a server tool call that the panel silently dropped. Here:

* ``segments(content)`` turns blocks (``api.types`` objects or API dicts) into display
  segments: adjacent text blocks (citations split them) become one Markdown text; thinking
  is its own Markdown; redacted thinking a notice; client and server tool calls a collapsed
  box (the call line; the input, code highlighted); a ``tool_result`` (the tool loop merges
  them into the displayed message as they arrive) a collapsed box "result of NAME" or
  "error from NAME", its ``tool_use_id`` mapped to the call before it, the text clipped and
  images only labelled. Other blocks (server tool results) have nothing to show.
* ``AnswerRenderer`` renders a streaming answer's segments: ``feed(content)`` returns a
  ``RenderUpdate`` (finished HTML blocks plus an unfinished tail, as ``IncrementalRenderer``
  does for one Markdown text), ``finish(content)`` the exact final HTML. Earlier segments
  are finished blocks; the last one streams. Thinking is shown expanded while it is the part
  being streamed (the wait is visibly progress) and collapsed once the answer moves on.
* ``answer_html(content)`` is the final HTML in one call, ``answer_plain(content)`` the text
  for ``text/plain``, terminals and exports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core.history import tool_result_text
from .incremental import IncrementalRenderer, RenderUpdate
from .render import (
    format_tool_call,
    render_markdown,
    render_redacted_thinking,
    render_tool_call,
    render_tool_result,
    tool_result_summary,
    wrap_thinking,
)

__all__ = ["AnswerRenderer", "Segment", "answer_html", "answer_plain", "segment_plain", "segments"]

#: How much of a tool result the plain text keeps (terminals, ``text/plain``).
PLAIN_RESULT_LIMIT = 500

#: Blocks that are a tool call: the client's own tools, and the tools the API runs itself.
TOOL_CALLS = frozenset({"tool_use", "server_tool_use", "mcp_tool_use"})


@dataclass(frozen=True)
class Segment:
    """One thing to show: ``kind`` is "text" or "thinking" (``text`` is Markdown),
    "redacted" (thinking the API encrypted), "tool" (``name`` and ``arguments``) or
    "result" (``name`` of the call it answers, ``text`` plain, ``error``)."""

    kind: str
    text: str = ""
    name: str = ""
    arguments: Any = None
    error: bool = False


def _field(block, name: str, default=None):
    """A block's field, whether it is an API dict or an ``api.types`` block (unknown
    blocks keep their fields in ``data``)."""
    if isinstance(block, dict):
        return block.get(name, default)
    value = getattr(block, name, None)
    if value is None:
        data = getattr(block, "data", None)
        if isinstance(data, dict):
            value = data.get(name)
    return default if value is None else value


def segments(content) -> list[Segment]:
    """The blocks of a message as display segments (see the module docstring)."""
    if isinstance(content, str):
        return [Segment("text", content)] if content else []
    out: list[Segment] = []
    pending: list[str] = []  # text blocks in a row
    names: dict[str, str] = {}  # tool_use id -> tool name, for the results that answer it
    for block in content or []:
        kind = _field(block, "type")
        if kind == "text":
            pending.append(_field(block, "text", "") or "")
            continue
        if pending:
            out.append(Segment("text", "".join(pending)))
            pending = []
        if kind == "thinking":
            out.append(Segment("thinking", _field(block, "thinking", "") or ""))
        elif kind == "redacted_thinking":
            out.append(Segment("redacted"))
        elif kind in TOOL_CALLS or (_field(block, "name") and _field(block, "input") is not None):
            name = str(_field(block, "name", "?"))
            names[str(_field(block, "id", ""))] = name
            out.append(Segment("tool", name=name, arguments=_field(block, "input")))
        elif kind == "tool_result":
            out.append(Segment(
                "result", tool_result_text(_field(block, "content")),
                name=names.get(str(_field(block, "tool_use_id", "")), ""),
                error=bool(_field(block, "is_error", False)),
            ))
    if pending:
        out.append(Segment("text", "".join(pending)))
    return out


def segment_plain(segment: Segment) -> str | None:
    """One segment as plain text (None: thinking and notices are not part of the answer's text)."""
    if segment.kind == "text":
        return segment.text
    if segment.kind == "tool":
        return format_tool_call(segment.name, segment.arguments)
    if segment.kind == "result":
        head = tool_result_summary(segment.name, segment.error) + ":"
        text = segment.text if len(segment.text) <= PLAIN_RESULT_LIMIT else (
            segment.text[:PLAIN_RESULT_LIMIT] + f"… ({len(segment.text) - PLAIN_RESULT_LIMIT:,} more characters)")
        return f"{head}\n{text}" if text else head
    return None


def answer_plain(content) -> str:
    """The answer as plain text: its Markdown, tool calls as one line each, and tool results
    under a "result of NAME:" line, clipped."""
    return "\n\n".join(p for p in map(segment_plain, segments(content)) if p)


class AnswerRenderer:
    """Render a streaming message's segments in O(n) overall; see the module docstring.

    ``feed(content)`` takes the content so far (each call usually extends the previous
    one) and returns a ``RenderUpdate``: ``new_blocks`` to append to the blocks shown,
    ``tail`` to show after them, ``html`` the whole. ``finish(content)`` returns the exact
    final HTML, equal to ``answer_html(content)``, reusing what streaming rendered, and resets.
    """

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._done: list[tuple[Segment, str]] = []  # finished segments and their final HTML
        self._text: IncrementalRenderer | None = None  # the last segment's, when it is text
        self._thinking: IncrementalRenderer | None = None  # the last segment's, when it is thinking
        self._text_blocks = 0  # blocks of self._blocks that the streaming text added
        self._blocks: list[str] = []  # HTML blocks shown, in order
        self._tail = ""

    def feed(self, content) -> RenderUpdate:
        parts = segments(content)
        finished, last = parts[:-1], (parts[-1] if parts else None)
        reset = [segment for segment, _ in self._done] != finished[: len(self._done)]
        if reset:
            self._reset()
        new: list[str] = []
        for segment in finished[len(self._done):]:
            html = self._close(segment, new)
            if html is None:  # blocks already shown turned out different: start again
                return self._restart(content)
            self._done.append((segment, html))
        tail = ""
        if last is not None:
            if last.kind == "text":
                if self._text is None:
                    self._text, self._text_blocks = IncrementalRenderer(), 0
                update = self._text.feed(last.text)
                if update.reset:
                    return self._restart(content)
                new.extend(update.new_blocks)
                self._text_blocks += len(update.new_blocks)
                tail = update.tail
            elif last.kind == "thinking":
                if self._thinking is None:
                    self._thinking = IncrementalRenderer()
                body = self._thinking.feed(last.text).html
                tail = wrap_thinking(body, expanded=True, label="Thinking…")
            else:
                tail = _final_html(last)
        changed = reset or bool(new) or tail != self._tail
        self._blocks.extend(new)
        self._tail = tail
        return RenderUpdate(tuple(new), tail, len(self._blocks), changed, reset, self._blocks)

    def _close(self, segment: Segment, new: list[str]) -> str | None:
        """Finish ``segment``, the one streamed so far: append what is not shown yet to
        ``new``; returns its final HTML, or None when blocks already shown must change."""
        renderer, self._text, self._thinking = self._text, None, None
        if segment.kind != "text" or renderer is None:
            html = _final_html(segment)
            if html:
                new.append(html)
            return html
        html = renderer.finish(segment.text)
        shown = "\n".join(self._blocks[len(self._blocks) - self._text_blocks:] + new) if self._text_blocks else ""
        if not shown:
            if html:
                new.append(html)
            return html
        if html == shown:
            return html
        if not html.startswith(shown + "\n"):
            return None  # a link definition arrived late and changed a shown block
        new.append(html[len(shown) + 1:])
        return html

    def _restart(self, content) -> RenderUpdate:
        self._reset()
        update = self.feed(content)
        return RenderUpdate(update.new_blocks, update.tail, update.block_count, True, True, self._blocks)

    def finish(self, content) -> str:
        """The exact final HTML; the finished segments and the streamed text's blocks are reused."""
        parts = segments(content)
        done = [segment for segment, _ in self._done]
        if not parts or parts[: len(done)] != done or len(parts) - len(done) > 1:
            self._reset()
            return answer_html(parts)
        htmls = [html for _, html in self._done]
        last = parts[len(done)] if len(parts) > len(done) else None
        if last is not None:
            if last.kind == "text" and self._text is not None:
                htmls.append(self._text.finish(last.text))
            else:
                htmls.append(_final_html(last))
        self._reset()
        return "\n".join(h for h in htmls if h)

    @property
    def html(self) -> str:
        return "\n".join([*self._blocks, self._tail] if self._tail else self._blocks)


def _final_html(segment: Segment) -> str:
    """A segment's final HTML ("" when it shows nothing: an empty thinking block)."""
    if segment.kind == "text":
        return render_markdown(segment.text)
    if segment.kind == "thinking":
        return wrap_thinking(render_markdown(segment.text)) if segment.text.strip() else ""
    if segment.kind == "redacted":
        return render_redacted_thinking()
    if segment.kind == "result":
        return render_tool_result(segment.name, segment.text, error=segment.error)
    return render_tool_call(segment.name, segment.arguments)


def answer_html(content) -> str:
    """The final HTML of a message: its content blocks, API dicts, or a Markdown string."""
    parts = content if isinstance(content, list) and all(isinstance(p, Segment) for p in content) else segments(content)
    return "\n".join(h for h in map(_final_html, parts) if h)
