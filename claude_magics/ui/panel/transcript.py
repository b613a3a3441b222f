"""What the chat panel shows, as data: entries of escaped or sanitized HTML, plus the live answer.

The panel is a view over a ``Conversation``; this module holds the view's own record of
what it displays, for two reasons. A front end that attaches late (a second view, a page
reload, a re-run ``display``) must be able to rebuild everything from one snapshot, and
the panel also shows things that are *not* history: a failed question with its error, a
refusal, a stopped answer that could not be kept. History stays the conversation's;
this is only its picture.

HTML is made here and nowhere else on the Python side: user text is escaped (people
paste code full of ``<``), model text goes through ``render`` (Markdown plus nh3), and the
markup around them is ours. The front end inserts these strings and builds nothing
from raw text.
"""

from __future__ import annotations

import html
import itertools
import threading
from dataclasses import dataclass, field

from ..answer import answer_html
from .stream import AnswerStream

__all__ = [
    "Entry", "Transcript", "answer_text", "assistant_html", "question_html", "text_html", "typed_html", "user_html",
]

#: A user text block longer than this is shown folded: a ``{df}`` in a cell's prompt becomes a
#: summary of several KB, which would bury the question in the panel.
FOLD_CHARS = 600
PREVIEW_CHARS = 240

_ids = itertools.count(1)


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


def text_html(text: str) -> str:
    """Plain text, escaped, line breaks kept; folded when long."""
    return _text_html(text)


def _text_html(text: str) -> str:
    return _folded(text, _escape(text))


def _folded(text: str, body: str) -> str:
    """``body`` (the escaped HTML of ``text``) in a text box, folded behind a preview when long."""
    if len(text) <= FOLD_CHARS:
        return f'<div class="cp-text">{body}</div>'
    preview = text[:PREVIEW_CHARS].rstrip() + "…"
    return (
        f'<details class="cp-fold"><summary><span class="cp-text">{_escape(preview)}</span>'
        f'<span class="cp-fold-size">{len(text):,} characters</span></summary>'
        f'<div class="cp-text">{body}</div></details>'
    )


def _chip(label: str) -> str:
    return f'<span class="cp-chip">{_escape(label)}</span>'


def user_html(content) -> str:
    """A user turn's content blocks (or plain string) as escaped HTML.

    Text is shown as typed (line breaks kept by CSS); images and documents become small
    labelled chips rather than the base64 they carry; tool results, which the panel
    never sends, are summarised.
    """
    if isinstance(content, str):
        return _text_html(content)
    parts, chips = [], []
    for block in content or []:
        kind = block.get("type")
        if kind == "text":
            parts.append(_text_html(block.get("text", "")))
        elif kind == "image":
            media = (block.get("source") or {}).get("media_type", "image")
            chips.append(_chip(f"image ({media.split('/')[-1]})"))
        elif kind == "document":
            title = block.get("title") or "document"
            chips.append(_chip(str(title)))
        elif kind == "tool_result":
            chips.append(_chip("tool result"))
        else:
            chips.append(_chip(str(kind)))
    if chips:
        parts.insert(0, f'<div class="cp-chips">{"".join(chips)}</div>')
    return "".join(parts)


def typed_html(text: str, attachments=(), unresolved=()) -> str:
    """A question as the person typed it (in the panel or a cell), references and attachments as chips.

    Views show questions this way rather than as the content blocks sent: ``{df}`` and
    attachments expand to summaries of several KB that the person did not write. Each
    reference that found an object becomes a small chip where it stood (its name, escaped);
    one that named nothing (``unresolved``) stays as the text that was sent. Questions
    known only as blocks (a loaded history) are shown folded instead (``user_html``).
    """
    parts = []
    if attachments:
        parts.append(f'<div class="cp-chips">{"".join(_chip(str(name)) for name in attachments)}</div>')
    if text.strip():
        parts.append(_typed_text_html(text, set(unresolved or ())))
    return "".join(parts)


def _typed_text_html(text: str, unresolved: set) -> str:
    from ...core.references import parse

    pieces = []
    for segment in parse(text):
        if isinstance(segment, str):
            pieces.append(_escape(segment))
        elif segment.source in unresolved:
            pieces.append(_escape(segment.source))
        else:
            label = {"error": "last error", "figure": "current figure"}.get(segment.special, segment.label)
            pieces.append(f'<span class="cp-chip cp-ref" title="{_escape(segment.source)}">{_escape(label)}</span>')
    return _folded(text, "".join(pieces))


def _block_field(block, name, default=None):
    return block.get(name, default) if isinstance(block, dict) else getattr(block, name, default)


def answer_text(content) -> str:
    """The Markdown of an answer's text blocks, joined as they stream (citations split blocks)."""
    return "".join(
        _block_field(b, "text", "") or "" for b in content or [] if _block_field(b, "type") == "text"
    )


def assistant_html(content) -> str:
    """An answer's blocks (API dicts or ``api.types`` blocks) as sanitized HTML.

    The same segments and HTML as a cell shows (``ui.answer``): thinking folded away,
    redacted thinking as a notice, client and server tool calls as one escaped line, text as
    Markdown.
    """
    return answer_html(content)


def question_html(content, typed: dict | None) -> str:
    """A user turn as typed when known (``typed``), else from its content blocks."""
    if not typed:
        return user_html(content)
    return typed_html(typed.get("text") or "", typed.get("attachments") or (), typed.get("unresolved") or ())


@dataclass
class Entry:
    """One bubble: who said it, its HTML, and a plain-text note (error, notice, usage)."""

    role: str  # "user" | "assistant"
    html: str = ""
    state: str = "done"  # "done" | "streaming" | "failed" | "stopped" | "refused"
    note: str = ""
    footer: str = ""
    id: str = field(default_factory=lambda: f"e{next(_ids)}")

    def to_json(self) -> dict:
        return {
            "id": self.id, "role": self.role, "html": self.html,
            "state": self.state, "note": self.note, "footer": self.footer,
        }


class Transcript:
    """The entries a panel shows, and the answer being streamed (if any).

    Not thread-safe by itself: the panel holds its lock around every call, because
    conversation events arrive on the kernel's main thread (a ``%%claude`` cell), on the
    panel's worker thread, and on the throttle's timer thread.
    """

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.live: Entry | None = None  # the answer being streamed
        self.live_user: Entry | None = None  # the question it answers
        self.stream: AnswerStream | None = None
        self.lock = threading.RLock()

    def rebuild(self, messages: list[dict], typed: list | None = None) -> None:
        """Show exactly the committed history (after a reset, a load, or at creation).

        ``typed`` (``Conversation.typed_questions()``) gives the questions as typed, where known.
        """
        typed = typed or [None] * len(messages)
        self.entries = [
            Entry(m["role"], question_html(m["content"], t) if m["role"] == "user" else assistant_html(m["content"]))
            for m, t in zip(messages, typed)
        ]
        self.live = self.live_user = self.stream = None

    def start_turn(self, content, shown: str | None = None) -> tuple[Entry, Entry]:
        """Add the question (``shown`` HTML, else its blocks) and an empty answer to fill."""
        self.live_user = Entry("user", shown if shown is not None else user_html(content))
        self.live = Entry("assistant", state="streaming")
        self.stream = AnswerStream()
        self.entries += [self.live_user, self.live]
        return self.live_user, self.live

    def snapshot(self) -> dict:
        """Everything a newly attached view needs, including the answer in progress."""
        entries = []
        for entry in self.entries:
            data = entry.to_json()
            if entry is self.live and self.stream is not None:
                data["html"] = self.stream.blocks
                data["tail"] = self.stream.tail
            entries.append(data)
        return {"entries": entries}
