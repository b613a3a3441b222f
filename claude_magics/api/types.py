"""What the API returns, as plain dataclasses named after the API's own fields.

Why dataclasses and not dicts: editors complete ``message.content[0].text``, and ``repr`` is
readable in a notebook. Why not a validation library: the API grows new block types and fields
every few months, and a client that drops or rejects what it does not know breaks the one
guarantee that matters here - whatever the API returned can be sent back unchanged (thinking
signatures byte for byte, server tool blocks, citations). So every class keeps unknown fields
in ``extra``, unknown block types become :class:`UnknownBlock`, and ``to_dict(from_dict(x)) == x``.

Stream events are here too, as small ``__slots__`` classes: a long answer produces thousands
of them, and they should cost little more than the dict they were parsed from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

__all__ = [
    "Block",
    "TextBlock",
    "ToolUseBlock",
    "ThinkingBlock",
    "RedactedThinkingBlock",
    "UnknownBlock",
    "block_from_dict",
    "Usage",
    "Message",
    "StreamEvent",
    "MessageStartEvent",
    "ContentBlockStartEvent",
    "ContentBlockDeltaEvent",
    "ContentBlockStopEvent",
    "MessageDeltaEvent",
    "MessageStopEvent",
    "PingEvent",
    "event_from_dict",
]


class _Pieces(list):
    """The pieces of a :class:`GrowingStr` value not yet joined (a list type of its own, so
    nothing mistakes it for a list-valued field such as ``citations``)."""

    __slots__ = ()


class GrowingStr:
    """A ``str`` field that a stream can append to in amortised O(1).

    A streamed answer arrives as thousands of small deltas. ``block.text += delta`` copies the
    whole text every time (quadratic: a 100 KB answer copies ~250 MB), so :func:`append_str`
    keeps the pieces in a list and the first read joins them once. Readers always see a plain,
    complete ``str``. Used as a dataclass field, it behaves like an ordinary required field
    (its ``__get__`` on the class raises ``AttributeError``, which dataclasses read as "no default").
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> str:
        if obj is None:
            raise AttributeError(self.name)
        value = obj.__dict__[self.name]
        if value.__class__ is _Pieces:
            value = obj.__dict__[self.name] = "".join(value)
        return value

    def __set__(self, obj: Any, value: str) -> None:
        obj.__dict__[self.name] = value


def append_str(obj: Any, name: str, piece: str) -> None:
    """Append ``piece`` to the :class:`GrowingStr` field ``name`` of ``obj``."""
    slot = obj.__dict__
    value = slot[name]
    if value.__class__ is _Pieces:
        value.append(piece)
    else:
        slot[name] = _Pieces((value, piece))


class Block:
    """Base of the content blocks. Subclasses list their API fields; the rest goes to ``extra``.

    ``_optional`` fields are left out of ``to_dict`` when None. A field the API sent as an
    explicit ``null`` is kept in ``extra`` instead, so the round trip is exact either way.
    """

    type: ClassVar[str]
    _fields: ClassVar[tuple[str, ...]] = ()
    _optional: ClassVar[frozenset[str]] = frozenset()

    def to_dict(self) -> dict[str, Any]:
        """The block as the API spells it: what goes back into a request, unknown fields included.

        Nested values (``input``, ``citations``) are shared with the block, not copied.
        """
        out: dict[str, Any] = {"type": self.type}
        for name in self._fields:
            value = getattr(self, name)
            if value is None and name in self._optional:
                continue
            out[name] = value
        for key, value in self.extra.items():
            out.setdefault(key, value)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Block:
        rest = dict(data)
        rest.pop("type", None)
        known: dict[str, Any] = {}
        for name in cls._fields:
            if name in rest:
                value = rest.pop(name)
                if value is None and name in cls._optional:
                    rest[name] = None
                else:
                    known[name] = value
        return cls(**known, extra=rest)

    def __getstate__(self) -> dict[str, Any]:
        # Copies and pickles get joined strings, never a parts list shared with a live stream.
        state = dict(self.__dict__)
        for key, value in state.items():
            if value.__class__ is _Pieces:
                state[key] = "".join(value)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)


@dataclass
class TextBlock(Block):
    text: str = GrowingStr()  # type: ignore[assignment]
    citations: list | None = None
    extra: dict = field(default_factory=dict)

    type: ClassVar[str] = "text"
    _fields: ClassVar[tuple[str, ...]] = ("text", "citations")
    _optional: ClassVar[frozenset[str]] = frozenset({"citations"})


@dataclass
class ToolUseBlock(Block):
    id: str
    name: str
    input: Any
    extra: dict = field(default_factory=dict)

    type: ClassVar[str] = "tool_use"
    _fields: ClassVar[tuple[str, ...]] = ("id", "name", "input")


@dataclass
class ThinkingBlock(Block):
    thinking: str = GrowingStr()  # type: ignore[assignment]
    signature: str = ""
    extra: dict = field(default_factory=dict)

    type: ClassVar[str] = "thinking"
    _fields: ClassVar[tuple[str, ...]] = ("thinking", "signature")


@dataclass
class RedactedThinkingBlock(Block):
    data: str
    extra: dict = field(default_factory=dict)

    type: ClassVar[str] = "redacted_thinking"
    _fields: ClassVar[tuple[str, ...]] = ("data",)


@dataclass
class UnknownBlock(Block):
    """Any block type this client has no class for (server tool calls and results, new types).

    ``data`` holds every field but ``type``; it is sent back exactly as received.
    """

    type: str  # type: ignore[misc]
    data: dict = field(default_factory=dict)

    @property
    def extra(self) -> dict:
        return self.data

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, **self.data}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> UnknownBlock:
        rest = dict(data)
        return cls(str(rest.pop("type", "unknown")), rest)


_BLOCK_TYPES: dict[str, type[Block]] = {
    cls.type: cls for cls in (TextBlock, ToolUseBlock, ThinkingBlock, RedactedThinkingBlock)
}


def block_from_dict(data: Mapping[str, Any] | Block) -> Block:
    """The block class for ``data['type']``; anything unknown or malformed stays an UnknownBlock."""
    if isinstance(data, Block):
        return data
    cls = _BLOCK_TYPES.get(data.get("type"))  # type: ignore[arg-type]
    if cls is not None:
        try:
            return cls.from_dict(data)
        except TypeError:  # a known type missing a required field: keep it verbatim
            pass
    return UnknownBlock.from_dict(data)


@dataclass
class Usage:
    """Token counts. Total input is ``input + cache_creation + cache_read`` (see ``total_input_tokens``)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None
    extra: dict = field(default_factory=dict)

    _known: ClassVar[tuple[str, ...]] = (
        "input_tokens",
        "output_tokens",
        "cache_creation_input_tokens",
        "cache_read_input_tokens",
    )

    @property
    def total_input_tokens(self) -> int:
        return (
            (self.input_tokens or 0)
            + (self.cache_creation_input_tokens or 0)
            + (self.cache_read_input_tokens or 0)
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Usage:
        usage = cls()
        usage.update(data or {}, keep_nulls=True)
        return usage

    def update(self, data: Mapping[str, Any], *, keep_nulls: bool = False) -> None:
        """Merge counts in. A stream's ``message_delta`` usage is cumulative, so the latest
        non-null value of each field wins (its ``input_tokens`` may differ from ``message_start``'s).
        """
        for key, value in data.items():
            if value is None:
                if keep_nulls:
                    self.extra[key] = None
            elif key in self._known:
                setattr(self, key, value)
            else:
                self.extra[key] = value

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"input_tokens": self.input_tokens, "output_tokens": self.output_tokens}
        if self.cache_creation_input_tokens is not None:
            out["cache_creation_input_tokens"] = self.cache_creation_input_tokens
        if self.cache_read_input_tokens is not None:
            out["cache_read_input_tokens"] = self.cache_read_input_tokens
        for key, value in self.extra.items():
            out.setdefault(key, value)
        return out


@dataclass
class Message:
    """An assistant message: a response, or the snapshot of one still streaming."""

    id: str
    model: str
    content: list[Block]
    stop_reason: str | None = None
    stop_sequence: str | None = None
    usage: Usage = field(default_factory=Usage)
    role: str = "assistant"
    type: str = "message"
    extra: dict = field(default_factory=dict)
    #: The ``request-id`` of the response that carried it (for support tickets); not part of
    #: the message itself, so ``to_dict()`` leaves it out and equality ignores it.
    request_id: str | None = field(default=None, compare=False, repr=False)

    _known: ClassVar[tuple[str, ...]] = (
        "id", "type", "role", "model", "content", "stop_reason", "stop_sequence", "usage",
    )

    @property
    def _request_id(self) -> str | None:
        """The official SDK's name for :attr:`request_id`."""
        return self.request_id

    @property
    def text(self) -> str:
        """The text blocks joined (web search answers come as many text blocks, one per citation)."""
        return "".join(block.text for block in self.content if isinstance(block, TextBlock))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Message:
        extra = {key: value for key, value in data.items() if key not in cls._known}
        return cls(
            id=data.get("id", ""),
            model=data.get("model", ""),
            content=[block_from_dict(block) for block in data.get("content") or ()],
            stop_reason=data.get("stop_reason"),
            stop_sequence=data.get("stop_sequence"),
            usage=Usage.from_dict(data.get("usage")),
            role=data.get("role", "assistant"),
            type=data.get("type", "message"),
            extra=extra,
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "role": self.role,
            "model": self.model,
            "content": [block.to_dict() for block in self.content],
            "stop_reason": self.stop_reason,
            "stop_sequence": self.stop_sequence,
            "usage": self.usage.to_dict(),
        }
        for key, value in self.extra.items():
            out.setdefault(key, value)
        return out

    def to_param(self) -> dict[str, Any]:
        """This message as an entry of a request's ``messages``."""
        return {"role": self.role, "content": [block.to_dict() for block in self.content]}


# -- stream events ---------------------------------------------------------------------------


class StreamEvent:
    """Base of the typed stream events. ``type`` is the API's event type."""

    __slots__ = ()
    type: ClassVar[str]

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self.__slots__)

    __hash__ = None  # type: ignore[assignment]


class MessageStartEvent(StreamEvent):
    """The message with empty content; the snapshot starts from a copy of it."""

    __slots__ = ("message",)
    type = "message_start"

    def __init__(self, message: Message) -> None:
        self.message = message

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MessageStartEvent:
        return cls(Message.from_dict(data.get("message") or {}))


class ContentBlockStartEvent(StreamEvent):
    __slots__ = ("index", "content_block")
    type = "content_block_start"

    def __init__(self, index: int, content_block: Block) -> None:
        self.index = index
        self.content_block = content_block

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ContentBlockStartEvent:
        return cls(data.get("index"), block_from_dict(data.get("content_block") or {}))


class ContentBlockDeltaEvent(StreamEvent):
    """``delta`` is the API's dict: ``{"type": "text_delta", "text": ...}``, ``input_json_delta``, ..."""

    __slots__ = ("index", "delta")
    type = "content_block_delta"

    def __init__(self, index: int, delta: dict) -> None:
        self.index = index
        self.delta = delta

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ContentBlockDeltaEvent:
        return cls(data.get("index"), data.get("delta") or {})


class ContentBlockStopEvent(StreamEvent):
    __slots__ = ("index",)
    type = "content_block_stop"

    def __init__(self, index: int) -> None:
        self.index = index

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ContentBlockStopEvent:
        return cls(data.get("index"))


class MessageDeltaEvent(StreamEvent):
    """``delta`` has ``stop_reason``, ``stop_sequence`` and newer fields; ``usage`` is cumulative."""

    __slots__ = ("delta", "usage")
    type = "message_delta"

    def __init__(self, delta: dict, usage: dict) -> None:
        self.delta = delta
        self.usage = usage

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MessageDeltaEvent:
        return cls(data.get("delta") or {}, data.get("usage") or {})


class MessageStopEvent(StreamEvent):
    __slots__ = ()
    type = "message_stop"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MessageStopEvent:
        return cls()


class PingEvent(StreamEvent):
    __slots__ = ()
    type = "ping"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PingEvent:
        return cls()


EVENT_TYPES: dict[str, Any] = {
    cls.type: cls
    for cls in (
        MessageStartEvent,
        ContentBlockStartEvent,
        ContentBlockDeltaEvent,
        ContentBlockStopEvent,
        MessageDeltaEvent,
        MessageStopEvent,
        PingEvent,
    )
}


def event_from_dict(data: Mapping[str, Any]) -> StreamEvent | None:
    """The typed event for a parsed ``data:`` payload, or None for types this client ignores."""
    cls = EVENT_TYPES.get(data.get("type"))  # type: ignore[arg-type]
    return cls.from_dict(data) if cls is not None else None
