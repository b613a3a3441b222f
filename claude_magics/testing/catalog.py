"""The models the fake API knows: ids, aliases, output limits, the ``GET /v1/models`` pages.

The real API answers an unknown model id with ``404 not_found_error "model: <id>"`` (recorded in
the conformance corpus), so the fake does too: accepting any ``claude-*`` string would let a typo
in a default model pass every test and fail for every user. The list is realistic rather than
complete; ``FakeAPI(extra_models=...)`` adds ids a test needs.

Aliases resolve the way the real API resolves them: the response's ``model`` is the dated id
(ask for ``claude-sonnet-4-5``, get back ``claude-sonnet-4-5-20250929``), while newer models
have no dated id at all and answer with the id that was asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["Model", "Catalog", "DEFAULT_MODELS"]


@dataclass(frozen=True)
class Model:
    """One model as ``GET /v1/models`` lists it, plus the limits the fake enforces."""

    id: str
    display_name: str
    created_at: str  # RFC 3339, as the API writes it
    aliases: tuple[str, ...] = ()
    max_output_tokens: int = 64_000
    context_window: int = 200_000
    min_cacheable_tokens: int = 1024  # shorter cache_control prefixes are silently not cached

    def to_dict(self) -> dict:
        return {
            "type": "model",
            "id": self.id,
            "display_name": self.display_name,
            "created_at": self.created_at,
        }


#: Newest first, the order the real endpoint lists them in.
DEFAULT_MODELS: tuple[Model, ...] = (
    Model("claude-opus-4-6", "Claude Opus 4.6", "2026-02-04T00:00:00Z", max_output_tokens=128_000),
    Model("claude-sonnet-4-6", "Claude Sonnet 4.6", "2026-02-17T00:00:00Z"),
    Model("claude-opus-4-5-20251101", "Claude Opus 4.5", "2025-11-24T00:00:00Z", ("claude-opus-4-5",)),
    Model(
        "claude-haiku-4-5-20251001",
        "Claude Haiku 4.5",
        "2025-10-15T00:00:00Z",
        ("claude-haiku-4-5",),
        min_cacheable_tokens=2048,
    ),
    Model("claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", "2025-09-29T00:00:00Z", ("claude-sonnet-4-5",)),
    Model(
        "claude-opus-4-1-20250805",
        "Claude Opus 4.1",
        "2025-08-05T00:00:00Z",
        ("claude-opus-4-1",),
        max_output_tokens=32_000,
    ),
    Model(
        "claude-opus-4-20250514",
        "Claude Opus 4",
        "2025-05-22T00:00:00Z",
        ("claude-opus-4-0",),
        max_output_tokens=32_000,
    ),
    Model("claude-sonnet-4-20250514", "Claude Sonnet 4", "2025-05-22T00:00:00Z", ("claude-sonnet-4-0",)),
    Model(
        "claude-3-7-sonnet-20250219",
        "Claude Sonnet 3.7",
        "2025-02-24T00:00:00Z",
        ("claude-3-7-sonnet-latest",),
    ),
    Model(
        "claude-3-5-haiku-20241022",
        "Claude Haiku 3.5",
        "2024-10-22T00:00:00Z",
        ("claude-3-5-haiku-latest",),
        max_output_tokens=8192,
        min_cacheable_tokens=2048,
    ),
    Model(
        "claude-3-haiku-20240307",
        "Claude Haiku 3",
        "2024-03-07T00:00:00Z",
        max_output_tokens=4096,
        min_cacheable_tokens=2048,
    ),
)


def _as_model(spec: str | Mapping | Model) -> Model:
    if isinstance(spec, Model):
        return spec
    if isinstance(spec, str):
        return Model(spec, spec, "2026-01-01T00:00:00Z")
    fields = dict(spec)
    model_id = fields.pop("id")
    fields.setdefault("display_name", model_id)
    fields.setdefault("created_at", "2026-01-01T00:00:00Z")
    fields["aliases"] = tuple(fields.get("aliases", ()))
    return Model(model_id, **fields)


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
