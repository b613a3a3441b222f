"""The models the fake API knows: ids, aliases, limits, per-model rules, the ``GET /v1/models`` pages.

The real API answers an unknown model id with ``404 not_found_error "model: <id>"`` (recorded in
the conformance corpus), so the fake does too: accepting any ``claude-*`` string would let a typo
in a default model pass every test and fail for every user. ``FakeAPI(models=...)`` (or
``--model`` on the command line) adds ids a test needs.

The list is today's: the ids the official SDK (``anthropic`` 2.14, ``types/model.py``) knows, plus
the older ids still served (deprecated ones as the SDK's ``_data/deprecated_models.py`` lists them;
Opus 4.1, which the SDK no longer lists, is kept because the seed's gateway ids map to it). Release dates of the 5.x models are not published in that list; the
``created_at`` values below keep the SDK's order (newest first) and are approximate.

Each model carries the rules the API applies to it (sources: ``docs/design.md`` of this package
lists them; in short the API's model-migration guide and the error texts quoted in public issues):
which ``thinking.type`` values it accepts, whether it takes an assistant prefill, whether it
refuses ``temperature`` together with ``top_p``, and whether it takes sampling parameters at all.

Aliases resolve the way the real API resolves them: the response's ``model`` is the dated id
(ask for ``claude-sonnet-4-5``, get back ``claude-sonnet-4-5-20250929``), while newer models
have no dated id at all and answer with the id that was asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["Model", "Catalog", "DEFAULT_MODELS"]

_ALL_THINKING = frozenset({"enabled", "adaptive", "disabled"})
_LEGACY_THINKING = frozenset({"enabled", "disabled"})  # before adaptive thinking (4.6)
_ADAPTIVE_ONLY = frozenset({"adaptive", "disabled"})  # Opus 4.7+, Sonnet 5+: budget_tokens removed
_ALWAYS_THINKING = frozenset({"adaptive"})  # Fable/Mythos 5: an explicit "disabled" is a 400


@dataclass(frozen=True)
class Model:
    """One model as ``GET /v1/models`` lists it, plus the limits and rules the fake enforces."""

    id: str
    display_name: str
    created_at: str  # RFC 3339, as the API writes it
    aliases: tuple[str, ...] = ()
    max_output_tokens: int = 64_000
    context_window: int = 200_000
    min_cacheable_tokens: int = 1024  # shorter cache_control prefixes are silently not cached
    line: str | None = None  # "haiku", "sonnet", "opus", "fable", "mythos" (None: no line)
    lifecycle: str = "active"  # "active" | "deprecated" | "retired"
    thinking: frozenset[str] = _LEGACY_THINKING  # accepted thinking.type values
    prefill: bool = True  # accepts a final assistant message
    sampling: str = "any"  # "any" | "default" (only default values) | "none" (any value is a 400)
    temperature_or_top_p: bool = False  # True: temperature and top_p together are a 400

    def to_dict(self) -> dict:
        thinking_types = {kind: {"supported": kind in self.thinking} for kind in ("enabled", "adaptive", "disabled")}
        thinking_types["between_tools"] = {"supported": False}
        return {
            "type": "model",
            "id": self.id,
            "display_name": self.display_name,
            "created_at": self.created_at,
            "line": self.line,
            "lifecycle": self.lifecycle,
            "max_input_tokens": self.context_window,
            "max_tokens": self.max_output_tokens,
            "capabilities": {
                "thinking": {"supported": bool(self.thinking - {"disabled"}), "types": thinking_types},
            },
        }


def _today(model_id: str, name: str, created: str, line: str, **rules) -> Model:
    """A model of the 4.6+ generation: 1M context, 128K output, no prefill, temperature or top_p."""
    rules.setdefault("thinking", _ADAPTIVE_ONLY)
    # Only default values: the migration guide says these models refuse sampling parameters,
    # but a recorded request (llm-anthropic test_refusal_raises.yaml) sends Fable 5.1
    # temperature 1.0 and gets a 200, so the default passes.
    rules.setdefault("sampling", "default")
    return Model(
        model_id, name, created, line=line, max_output_tokens=128_000, context_window=1_000_000,
        prefill=False, temperature_or_top_p=True, **rules,
    )


#: Newest first, the order the real endpoint lists them in.
DEFAULT_MODELS: tuple[Model, ...] = (
    _today("claude-fable-5-2", "Claude Fable 5.2", "2026-11-18T00:00:00Z", "fable", thinking=_ALWAYS_THINKING),
    _today("claude-mythos-5-2", "Claude Mythos 5.2", "2026-11-18T00:00:00Z", "mythos", thinking=_ALWAYS_THINKING),
    _today("claude-haiku-5-5", "Claude Haiku 5.5", "2026-11-10T00:00:00Z", "haiku"),
    _today("claude-sonnet-5-5", "Claude Sonnet 5.5", "2026-11-03T00:00:00Z", "sonnet"),
    _today("claude-fable-5-1", "Claude Fable 5.1", "2026-10-14T00:00:00Z", "fable", thinking=_ALWAYS_THINKING),
    _today("claude-opus-5-5", "Claude Opus 5.5", "2026-10-07T00:00:00Z", "opus"),
    _today("claude-mythos-5-1", "Claude Mythos 5.1", "2026-10-07T00:00:00Z", "mythos", thinking=_ALWAYS_THINKING),
    _today("claude-sonnet-5", "Claude Sonnet 5", "2026-07-01T00:00:00Z", "sonnet"),
    _today("claude-fable-5", "Claude Fable 5", "2026-06-23T00:00:00Z", "fable", thinking=_ALWAYS_THINKING),
    _today("claude-mythos-5", "Claude Mythos 5", "2026-06-23T00:00:00Z", "mythos", thinking=_ALWAYS_THINKING),
    _today("claude-opus-5", "Claude Opus 5", "2026-06-16T00:00:00Z", "opus"),
    _today("claude-opus-4-8", "Claude Opus 4.8", "2026-05-28T00:00:00Z", "opus"),
    _today("claude-opus-4-7", "Claude Opus 4.7", "2026-04-16T00:00:00Z", "opus"),
    _today(
        "claude-mythos-preview", "Claude Mythos Preview", "2026-04-07T00:00:00Z", "mythos",
        thinking=_ALWAYS_THINKING, lifecycle="deprecated",
    ),
    _today("claude-opus-4-6", "Claude Opus 4.6", "2026-02-04T00:00:00Z", "opus", thinking=_ALL_THINKING, sampling="any"),
    _today("claude-sonnet-4-6", "Claude Sonnet 4.6", "2026-02-17T00:00:00Z", "sonnet", thinking=_ALL_THINKING, sampling="any"),
    Model(
        "claude-haiku-4-5-20251001", "Claude Haiku 4.5", "2025-10-15T00:00:00Z", ("claude-haiku-4-5",),
        min_cacheable_tokens=2048, line="haiku", temperature_or_top_p=True,
    ),
    Model(
        "claude-opus-4-5-20251101", "Claude Opus 4.5", "2025-11-24T00:00:00Z", ("claude-opus-4-5",),
        line="opus", temperature_or_top_p=True, lifecycle="deprecated",
    ),
    Model(
        "claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", "2025-09-29T00:00:00Z", ("claude-sonnet-4-5",),
        line="sonnet", temperature_or_top_p=True, lifecycle="deprecated",
    ),
    Model(
        "claude-opus-4-1-20250805", "Claude Opus 4.1", "2025-08-05T00:00:00Z", ("claude-opus-4-1",),
        max_output_tokens=32_000, line="opus", lifecycle="deprecated",
    ),
)


def _as_model(spec: str | Mapping | Model) -> Model:
    if isinstance(spec, Model):
        return spec
    fields = {"id": spec} if isinstance(spec, str) else dict(spec)
    model_id = fields.pop("id")
    fields.setdefault("display_name", model_id)
    fields.setdefault("created_at", "2026-01-01T00:00:00Z")
    fields.setdefault("line", _line_of(model_id))
    fields["aliases"] = tuple(fields.get("aliases", ()))
    if "thinking" in fields:
        fields["thinking"] = frozenset(fields["thinking"])
    return Model(model_id, **fields)


def _line_of(model_id: str) -> str | None:
    """``claude-<line>-...`` names its line; anything else (a gateway's own names) has none."""
    parts = model_id.split("-")
    if len(parts) > 2 and parts[0] == "claude" and parts[1] in ("haiku", "sonnet", "opus", "fable", "mythos"):
        return parts[1]
    return None


class Catalog:
    """Lookup by id or alias, and the cursor pagination of ``GET /v1/models``."""

    def __init__(self, extra: Iterable[str | Mapping | Model] = ()) -> None:
        # Extra models are listed first: a test adding one expects to find it on page one.
        self._models: tuple[Model, ...] = tuple(_as_model(m) for m in extra) + DEFAULT_MODELS
        self._by_name: dict[str, Model] = {}
        for model in self._models:
            for name in (model.id, *model.aliases):
                self._by_name.setdefault(name, model)

    @property
    def models(self) -> tuple[Model, ...]:
        return self._models

    def resolve(self, name: object) -> Model | None:
        """The model an id or alias names, or None (the caller answers 404)."""
        return self._by_name.get(name) if isinstance(name, str) else None

    def page(self, *, limit: int = 20, after_id: str | None = None, before_id: str | None = None) -> dict:
        """One page of the listing, shaped like the real response (``first_id``, ``has_more``).

        ``after_id`` pages forwards (older models), ``before_id`` backwards; an id that is not
        in the list yields an empty page rather than an error, so cursors never 500.
        """
        ids = [m.id for m in self._models]
        if after_id is not None:
            start = ids.index(after_id) + 1 if after_id in ids else len(ids)
            chosen = self._models[start : start + limit]
            has_more = start + limit < len(ids)
        elif before_id is not None:
            end = ids.index(before_id) if before_id in ids else 0
            begin = max(0, end - limit)
            chosen = self._models[begin:end]
            has_more = begin > 0
        else:
            chosen = self._models[:limit]
            has_more = limit < len(ids)
        return {
            "data": [m.to_dict() for m in chosen],
            "has_more": has_more,
            "first_id": chosen[0].id if chosen else None,
            "last_id": chosen[-1].id if chosen else None,
        }
