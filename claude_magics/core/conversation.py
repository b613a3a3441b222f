"""A conversation: the history, the rules that keep it a valid request, and one turn at a time.

Why this module is the only writer of history: every display (a cell, the chat panel,
later the sidebar) watches the same conversation, and the Messages API rejects a request
whose roles do not alternate, whose text blocks are empty, or whose ``tool_use`` is not
answered. If any of those could be written from several places, one failure path would
sooner or later leave the notebook unable to ask anything. So a turn is committed here,
once, when it ends - successfully, interrupted, or failed - and always as a valid
``user``/``assistant`` pair (or not at all).

A turn runs synchronously on the calling thread: the magic runs it on the kernel's main
thread so that Kernel > Interrupt (KeyboardInterrupt) stops it; the chat panel runs it on
a worker thread and stops it through ``cancel``. No event loop is involved.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from ..api.errors import APIError, ClaudeError, RequestValidationError
from ..api.types import Message, Usage
from . import models as model_info

#: Marker appended to an answer that was cut short, so the model (and anyone reading the
#: saved history) knows the text ended early rather than being a complete answer.
INTERRUPTED_NOTE = "[answer interrupted by the user]"
FAILED_NOTE = "[answer cut short by an error]"
NO_TOOL_RUNNER = (
    "Tool calls are not executed in this conversation: no tool was enabled for this turn."
)
SAVE_FORMAT = "claude_magics.conversation"
SAVE_VERSION = 1
# pause_turn continuations per user turn, so a misbehaving server cannot loop forever.
MAX_CONTINUATIONS = 5


class ConversationBusy(ClaudeError):
    """A turn is already running in this conversation; turns never interleave."""


class ContextTooLong(ClaudeError):
    """The history plus the new prompt would not fit in the model's context window."""


@dataclass
class TurnResult:
    """What a turn produced. ``message`` is the final answer, or the partial one on failure."""

    message: Message | None = None
    error: BaseException | None = None
    interrupted: bool = False
    committed: bool = False
    elapsed: float = 0.0
    model: str | None = None
    cost: float | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and not self.interrupted

    @property
    def usage(self) -> Usage | None:
        return self.message.usage if self.message is not None else None

    @property
    def usage_line(self) -> str:
        return format_usage_line(self.model, self.usage, self.cost, self.elapsed)


@dataclass
class ConversationEvent:
    """What subscribers (cell displays, the chat panel) are told about a conversation."""

    kind: str  # "turn_started" | "update" | "turn_finished" | "reset" | "loaded"
    conversation: "Conversation"
    content: list[dict] | None = None
    snapshot: Message | None = None
    result: TurnResult | None = None


@dataclass
class UsageTotals:
    """Tokens and estimated cost summed over a conversation's turns."""

    turns: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    cost: float = 0.0
    unpriced_turns: int = 0

    def add(self, usage: Usage | None, cost: float | None) -> None:
        self.turns += 1
        if usage is not None:
            self.input_tokens += usage.input_tokens or 0
            self.output_tokens += usage.output_tokens or 0
            self.cache_creation_input_tokens += usage.cache_creation_input_tokens or 0
            self.cache_read_input_tokens += usage.cache_read_input_tokens or 0
        if cost is None:
            self.unpriced_turns += 1
        else:
            self.cost += cost

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict) -> "UsageTotals":
        known = {k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__}
        return cls(**known)


def format_usage_line(model, usage, cost, elapsed) -> str:
    """``claude-sonnet-4-6 · 1,234 in · 56 out · 1,000 cache read · ~$0.0041 · 2.1 s``."""
    parts = [model or "?"]
    if usage is not None:
        parts.append(f"{usage.input_tokens or 0:,} in")
        parts.append(f"{usage.output_tokens or 0:,} out")
        if usage.cache_read_input_tokens:
            parts.append(f"{usage.cache_read_input_tokens:,} cache read")
        if usage.cache_creation_input_tokens:
            parts.append(f"{usage.cache_creation_input_tokens:,} cache write")
    if cost is not None:
        parts.append(f"~${cost:.4f}")
    if elapsed:
        parts.append(f"{elapsed:.1f} s")
    return " · ".join(parts)


def _as_blocks(content: str | Iterable) -> list[dict]:
    """A user turn's content as a list of block dicts (dataclass blocks serialised)."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content.strip() else []
    blocks = []
    for block in content:
        if hasattr(block, "to_dict"):
            block = block.to_dict()
        if block.get("type") == "text" and not str(block.get("text", "")).strip():
            continue  # the API rejects empty text blocks
        blocks.append(block)
    return blocks


def _kept_on_failure(partial: Message | None, note: str) -> list[dict]:
    """The part of a cut-short answer that can go back into a request, with a note.

    Only text survives: a ``tool_use`` whose input stopped mid-JSON or a thinking block
    without its signature would be rejected by the API on every later turn.
    """
    if partial is None:
        return []
    texts = [b for b in partial.content if b.type == "text" and (b.text or "").strip()]
    if not texts:
        return []
    kept = [{"type": "text", "text": b.text} for b in texts]
    kept[-1]["text"] = kept[-1]["text"].rstrip() + "\n\n" + note
    return kept


def _estimate_tokens(messages: list[dict], system: Any = None) -> int:
    """A cheap upper-ish estimate of input tokens: ~4 characters a token, images ~1,600."""
    chars = len(json.dumps(system)) if system else 0
    images = 0
    for message in messages:
        content = message.get("content")
        if isinstance(content, str):
            chars += len(content)
            continue
        for block in content or []:
            kind = block.get("type")
            if kind in ("image", "document"):
                images += 1
            elif kind == "text":
                chars += len(block.get("text", ""))
            else:
                chars += len(json.dumps(block, default=str))
    return chars // 4 + images * 1600


class Conversation:
    """The committed history of one named conversation, plus its usage totals."""

    def __init__(self, name: str = "default") -> None:
        self.name = name
        self._messages: list[dict] = []
        self.totals = UsageTotals()
        self._lock = threading.Lock()
        self._subscribers: list[Callable[[ConversationEvent], None]] = []

    # -- reading -------------------------------------------------------------------
    @property
    def messages(self) -> list[dict]:
        """A deep copy of the committed history (API message dicts); safe to mutate."""
        return copy.deepcopy(self._messages)

    @property
    def busy(self) -> bool:
        return self._lock.locked()

    def __len__(self) -> int:
        return len(self._messages)

    def __repr__(self) -> str:
        return f"<Conversation {self.name!r}: {len(self._messages)} messages>"

    # -- observers -----------------------------------------------------------------
    def subscribe(self, callback: Callable[[ConversationEvent], None]) -> Callable[[], None]:
        """Call ``callback(event)`` on every change; returns a function that unsubscribes."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    def _emit(self, kind: str, **fields: Any) -> None:
        event = ConversationEvent(kind, self, **fields)
        for callback in list(self._subscribers):
            try:
                callback(event)
            except Exception:  # a broken view must never break the conversation
                pass

    # -- building a request --------------------------------------------------------
    def build_messages(self, content: list[dict], *, record: bool = True) -> list[dict]:
        """The ``messages`` field for a new user turn: history (if ``record``) plus it.

        Answers any ``tool_use`` left open by the previous turn first, so the request is
        valid even when the model asked for a tool nobody ran.
        """
        history = self.messages if record else []
        user_blocks = list(content)
        if history and history[-1]["role"] == "assistant":
            pending = [
                b["id"] for b in history[-1]["content"]
                if isinstance(b, dict) and b.get("type") == "tool_use"
            ]
            if pending:
                answers = [
                    {"type": "tool_result", "tool_use_id": tool_id,
                     "content": NO_TOOL_RUNNER, "is_error": True}
                    for tool_id in pending
                ]
                user_blocks = answers + user_blocks
        return history + [{"role": "user", "content": user_blocks}]

    @staticmethod
    def with_cache_breakpoints(messages: list[dict]) -> list[dict]:
        """Mark the stable prefix for prompt caching, on a copy.

        The last block of the new user turn writes the whole prefix to the cache; the
        last block of the previous user turn lets the next request hit what the previous
        one wrote. Below the model's minimum length the API caches nothing, silently,
        so marking is always safe. Thinking blocks cannot carry ``cache_control``.
        """
        marked = copy.deepcopy(messages)
        user_turns = [m for m in marked if m["role"] == "user"][-2:]
        for message in user_turns:
            content = message["content"]
            if isinstance(content, str):
                message["content"] = content = [{"type": "text", "text": content}]
            for block in reversed(content):
                if block.get("type") in ("thinking", "redacted_thinking"):
                    continue
                if "cache_control" not in block:
                    block["cache_control"] = {"type": "ephemeral"}
                break
        return marked

    def check_fits(self, messages: list[dict], options: dict) -> None:
        """Refuse early, with the way out, when a request clearly exceeds the window."""
        model = options.get("model")
        window = model_info.context_window(model)
        needed = _estimate_tokens(messages, options.get("system")) + int(options.get("max_tokens") or 0)
        if needed > window:
            raise ContextTooLong(
                f"This conversation is about {needed:,} tokens (history + prompt + max_tokens), "
                f"more than {model}'s {window:,}-token context window. Start a fresh one with "
                "`%%claude --new`, drop the oldest turns with `%claude trim N`, or ask with "
                "`--no-history`."
            )

    # -- running a turn ------------------------------------------------------------
    def run_turn(
        self,
        content: str | list,
        *,
        client,
        options: dict,
        on_update: Callable[[Message], None] | None = None,
        cancel: threading.Event | None = None,
        record: bool = True,
        stream: bool = True,
        cache: bool = True,
    ) -> TurnResult:
        """Ask one question and commit the answer; never raises for API or network trouble.

        ``options`` are the request fields other than ``messages`` (model, max_tokens,
        system, ...). Failures come back in ``TurnResult.error`` with the partial answer in
        ``TurnResult.message``; ``ConversationBusy``, ``ContextTooLong`` and an empty prompt
        raise, because nothing was sent. With ``record=False`` the turn neither reads nor
        writes history.
        """
        blocks = _as_blocks(content)
        if not blocks:
            raise ValueError("The prompt is empty: write a question (or mention an object) first.")
        if not self._lock.acquire(blocking=False):
            raise ConversationBusy(
                f"Conversation {self.name!r} is still answering; wait for it or stop it first."
            )
        try:
            messages = self.build_messages(blocks, record=record)
            self.check_fits(messages, options)
            if record:
                self._emit("turn_started", content=blocks)
            result = self._exchange(messages, client, options, on_update, cancel, stream, cache)
            if record:
                self._commit(messages[-1], result)
                self._emit("turn_finished", result=result)
            return result
        finally:
            self._lock.release()

    def _exchange(self, messages, client, options, on_update, cancel, stream, cache) -> TurnResult:
        """Send, stream, and follow ``pause_turn`` continuations; fold failures into a result."""
        started = time.monotonic()
        result = TurnResult(model=options.get("model"))
        answer: list = []  # content blocks of earlier pause_turn segments
        request_messages = messages
        try:
            for _ in range(MAX_CONTINUATIONS + 1):
                body = dict(options)
                body["messages"] = self.with_cache_breakpoints(request_messages) if cache else request_messages
                segment = self._one_request(client, body, on_update, cancel, stream, answer, result)
                if segment is None:  # cancelled
                    break
                result.message = _merge(answer, segment)
                result.model = segment.model or result.model
                if segment.stop_reason != "pause_turn":
                    break
                # The server paused a long server-tool turn: send its work back unchanged.
                answer = list(result.message.content)
                request_messages = messages + [result.message.to_param()]
        except RequestValidationError:
            raise  # nothing was sent: the caller's parameters need fixing
        except KeyboardInterrupt:
            result.interrupted = True
        except APIError as exc:
            result.error = exc
            partial = exc.partial_message
            if partial is not None:
                result.message = _merge(answer, partial)
        except Exception as exc:  # a bug or an unexpected transport failure: report, keep going
            result.error = exc
        result.elapsed = time.monotonic() - started
        if result.message is not None:
            result.cost = model_info.estimate_cost(result.model, result.message.usage)
        return result

    def _one_request(self, client, body, on_update, cancel, stream, earlier, result):
        """One HTTP request; returns the message, or None when ``cancel`` stopped it."""
        if not stream:
            return client.create(**body)
        with client.stream(**body) as events:
            for _event in events:
                snapshot = events.current_message
                result.message = _merge(earlier, snapshot)
                if on_update is not None:
                    on_update(result.message)
                self._emit("update", snapshot=result.message)
                if cancel is not None and cancel.is_set():
                    result.interrupted = True
                    return None
            return events.get_final_message()

    def _commit(self, user_message: dict, result: TurnResult) -> None:
        """Append the turn to history as a valid pair - or nothing at all."""
        message = result.message
        if result.ok and message is not None:
            assistant = [b.to_dict() for b in message.content]
            if message.stop_reason == "pause_turn" or not _has_substance(assistant):
                assistant = []  # e.g. a refusal with no blocks: nothing valid to keep
        else:
            note = INTERRUPTED_NOTE if result.interrupted else FAILED_NOTE
            assistant = _kept_on_failure(message, note)
        if not assistant:
            return
        with_answer = [copy.deepcopy(user_message), {"role": "assistant", "content": assistant}]
        self._messages.extend(with_answer)
        self.totals.add(message.usage if message else None, result.cost)
        result.committed = True

    # -- changing history ----------------------------------------------------------
    def reset(self) -> None:
        """Forget the history (usage totals are kept: money spent stays spent)."""
        self._require_idle()
        self._messages = []
        self._emit("reset")

    def trim(self, turns: int) -> int:
        """Drop the oldest ``turns`` user/assistant pairs; returns how many were dropped."""
        self._require_idle()
        pairs = len(self._messages) // 2
        drop = max(0, min(turns, pairs))
        self._messages = self._messages[drop * 2:]
        self._emit("loaded")
        return drop

    def _require_idle(self) -> None:
        if self.busy:
            raise ConversationBusy(f"Conversation {self.name!r} is answering; stop it first.")

    # -- persistence ---------------------------------------------------------------
    def to_dict(self) -> dict:
        return {
            "format": SAVE_FORMAT,
            "version": SAVE_VERSION,
            "name": self.name,
            "messages": self.messages,
            "totals": self.totals.to_dict(),
        }

    def load_dict(self, data: dict) -> None:
        """Replace the history with a saved one, after checking it is a valid request."""
        if not isinstance(data, dict) or data.get("format") != SAVE_FORMAT:
            raise ValueError("Not a saved claude_magics conversation (missing 'format').")
        if int(data.get("version", 0)) > SAVE_VERSION:
            raise ValueError("This conversation was saved by a newer claude_magics; upgrade to load it.")
        messages = data.get("messages") or []
        validate_history(messages)
        self._require_idle()
        self._messages = copy.deepcopy(messages)
        self.totals = UsageTotals.from_dict(data.get("totals") or {})
        self._emit("loaded")

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=1, ensure_ascii=False), encoding="utf-8")
        return path

    def load(self, path: str | Path) -> None:
        self.load_dict(json.loads(Path(path).read_text(encoding="utf-8")))

    def to_markdown(self) -> str:
        """The conversation as readable Markdown (images and tool traffic summarised)."""
        lines = [f"# Conversation: {self.name}", ""]
        for message in self._messages:
            lines.append("## You" if message["role"] == "user" else "## Claude")
            lines.append("")
            lines.append(content_as_text(message["content"]))
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"


def content_as_text(content) -> str:
    """A message's content as plain text, with non-text blocks as short placeholders."""
    if isinstance(content, str):
        return content
    parts = []
    for block in content:
        kind = block.get("type")
        if kind == "text":
            parts.append(block.get("text", ""))
        elif kind == "image":
            parts.append(f"[image: {block.get('source', {}).get('media_type', 'image')}]")
        elif kind == "document":
            parts.append("[document]")
        elif kind == "tool_use":
            parts.append(f"[tool call: {block.get('name')}({json.dumps(block.get('input'))})]")
        elif kind == "tool_result":
            parts.append("[tool result]")
        elif kind in ("thinking", "redacted_thinking"):
            continue
        else:
            parts.append(f"[{kind}]")
    return "\n\n".join(p for p in parts if p)


def _has_substance(blocks: list[dict]) -> bool:
    return any(b.get("type") != "text" or (b.get("text") or "").strip() for b in blocks)


def _merge(earlier: list, segment: Message) -> Message:
    """A message whose content is ``earlier`` blocks followed by ``segment``'s."""
    if not earlier:
        return segment
    merged = copy.copy(segment)
    merged.content = list(earlier) + list(segment.content)
    return merged


def validate_history(messages: list) -> None:
    """Raise ValueError unless ``messages`` is a valid conversation to continue."""
    expected = "user"
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            raise ValueError(f"messages[{index}] is not a user/assistant message.")
        if message["role"] != expected:
            raise ValueError(f"messages[{index}] should be a {expected} turn: roles must alternate.")
        if not message.get("content"):
            raise ValueError(f"messages[{index}] has empty content.")
        expected = "assistant" if expected == "user" else "user"
    if messages and messages[-1]["role"] != "assistant":
        raise ValueError("A saved conversation must end with an answer, not a dangling question.")
