"""A faithful fake of the Claude Messages API for tests, demos, notebooks and CI.

``FakeAPI`` serves on loopback with nothing but the standard library::

    from claude_magics.testing import FakeAPI, text, error

    with FakeAPI() as fake:                      # or: python -m claude_magics.testing
        fake.enqueue(error(529), text("Hi"))     # scripted replies, consumed in order
        ...                                      # then the default: a labelled echo

The reply builders say what comes back; ``.slow()``, ``.delayed()``, ``.drop()`` and (for
answers) ``.fail_midstream()`` say how badly it travels. See :mod:`.replies` for the builders,
:mod:`.echo` for the default answer (and the ``use tool NAME`` trigger), :mod:`.validation`
for what is refused, :mod:`.tokens` for usage and prompt caching.
"""

from .catalog import DEFAULT_MODELS, Model
from .echo import DEMO_NOTICE
from .replies import (
    ErrorReply,
    MessageReply,
    RawReply,
    Reply,
    echo,
    error,
    max_tokens_reached,
    mid_stream_error,
    pause_turn,
    redacted_thinking,
    refusal,
    replay,
    replay_file,
    request_too_large,
    stop_sequence,
    text,
    thinking,
    tool_use,
)
from .server import FakeAPI, RecordedRequest
from .sse import Quirks

__all__ = [
    "FakeAPI",
    "RecordedRequest",
    "Quirks",
    "Model",
    "DEFAULT_MODELS",
    "DEMO_NOTICE",
    "Reply",
    "MessageReply",
    "ErrorReply",
    "RawReply",
    "echo",
    "text",
    "tool_use",
    "thinking",
    "redacted_thinking",
    "refusal",
    "max_tokens_reached",
    "stop_sequence",
    "pause_turn",
    "error",
    "request_too_large",
    "mid_stream_error",
    "replay",
    "replay_file",
]
