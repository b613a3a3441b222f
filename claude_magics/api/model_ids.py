"""What a model id says about the model: its line (haiku, sonnet, opus...) and version.

The API's per-model rules (which models take a prefill, sampling parameters, which thinking
shapes) follow a model's line and version, and ids encode both: ``claude-sonnet-4-5-20250929``,
``claude-opus-4-8``, ``claude-sonnet-5``, ``claude-fable-5-1``, the older ``claude-3-7-sonnet-...``.
An id that says neither - a gateway's own name - gets no rules at all: the client never refuses
what it cannot read. ``GET /v1/models`` reports the line of each model (``line``) and that wins
where it is known (:func:`line_of` takes it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ModelId", "parse", "LINES", "ALIAS_LINES", "GATEWAY_THINKING_SUFFIX"]

LINES = ("haiku", "sonnet", "opus", "fable", "mythos")
ALIAS_LINES = ("haiku", "sonnet", "opus")  # the short aliases the magic and panel accept
#: Gateways (the seed's among them) name "base model + extended thinking" ``<base id>-thinking``.
GATEWAY_THINKING_SUFFIX = "-thinking"

_NEW = re.compile(r"^claude-(?P<line>[a-z]+)-(?P<major>\d+)(?:-(?P<minor>\d{1,2}))?(?:-(?P<date>\d{8}))?$")
_OLD = re.compile(r"^claude-(?P<major>\d+)(?:-(?P<minor>\d{1,2}))?-(?P<line>[a-z]+)(?:-(?P<date>\d{8}|latest))?$")
_PREVIEW = re.compile(r"^claude-(?P<line>[a-z]+)-preview$")


@dataclass(frozen=True)
class ModelId:
    id: str
    line: str | None  # one of LINES, or None for an id this module cannot read
    version: tuple[int, int] | None  # (4, 5) for claude-sonnet-4-5; None for previews and unknown ids
    date: str | None = None

    def at_least(self, major: int, minor: int = 0) -> bool:
        """True for this version or later; an unversioned model of a known line (a preview) counts as new."""
        if self.version is None:
            return self.line is not None
        return self.version >= (major, minor)


def parse(model_id: str) -> ModelId:
    """The line and version ``model_id`` encodes (both None when it encodes neither)."""
    for pattern in (_NEW, _OLD):
        match = pattern.match(model_id or "")
        if match and match["line"] in LINES:
            minor = int(match["minor"]) if match["minor"] else 0
            date = match["date"] if match["date"] and match["date"].isdigit() else None
            return ModelId(model_id, match["line"], (int(match["major"]), minor), date)
    match = _PREVIEW.match(model_id or "")
    if match and match["line"] in LINES:
        return ModelId(model_id, match["line"], None)
    return ModelId(model_id, None, None)
