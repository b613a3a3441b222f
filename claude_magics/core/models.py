"""What we know about Claude models: aliases, context windows and list prices.

Kept in one small table so that cost estimates, the context-window check and the
model picker agree. Prices are public list prices in USD per million tokens; they are
*estimates* shown to help people notice expensive habits, never billing truth.
Unknown models still work: they simply get no cost estimate and the default window.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

#: Set by ``scripts/lab.sh`` when it points the notebooks at the bundled fake API.
OFFLINE_DEMO_ENV = "CLAUDE_MAGICS_OFFLINE_DEMO"


def offline_demo() -> bool:
    """True in the offline demo, where nothing is billed: no dollar cost is shown at all.

    Why an environment variable rather than something the fake answers: the fake stays a
    faithful API (tests of cost estimates run against it), while the launcher that chose to
    start the demo is the one that knows; the kernels Jupyter starts inherit the variable.
    """
    return os.environ.get(OFFLINE_DEMO_ENV, "") not in ("", "0")


#: Short names accepted by ``--model`` and the panel's picker. Each resolves to the newest
#: model of its line that the endpoint's ``GET /v1/models`` lists (read once per kernel, see
#: :func:`aliases_from_listing`); these are the fallback when the list cannot be read - the
#: newest of each line in the official SDK's model list (anthropic 2.14). ``ClaudeMagics.aliases``
#: adds or overrides names.
DEFAULT_ALIASES: dict[str, str] = {
    "haiku": "claude-haiku-5-5",
    "sonnet": "claude-sonnet-5-5",
    "opus": "claude-opus-5-5",
}

# The request defaults, in one place: the session, the magics' traits and options, and
# the panel read them from here (configure them with ``%config ClaudeMagics``).
#: The default model is an alias, so it follows the same rule: the newest Sonnet listed.
DEFAULT_MODEL = "sonnet"
DEFAULT_MAX_TOKENS = 4096
#: ``--thinking`` without a budget (added on top of max_tokens, see ``Session``): the API
#: layer's own default, which it also gives a gateway's ``...-thinking`` model ids.
from ..api.params import DEFAULT_THINKING_BUDGET  # noqa: E402
DEFAULT_CONTEXT_WINDOW = 200_000


@dataclass(frozen=True)
class Price:
    """USD per million tokens."""

    input: float
    output: float

    @property
    def cache_write_5m(self) -> float:
        return self.input * 1.25

    @property
    def cache_write_1h(self) -> float:
        return self.input * 2.0

    @property
    def cache_read(self) -> float:
        return self.input * 0.1


# Matched by prefix, most specific first: dated ids ("claude-sonnet-4-5-20250929")
# share their family's price.
_PRICES: tuple[tuple[str, Price], ...] = (
    ("claude-fable-5", Price(10.0, 50.0)),
    ("claude-mythos-5", Price(10.0, 50.0)),
    ("claude-sonnet-5", Price(3.0, 15.0)),
    ("claude-opus-4-8", Price(5.0, 25.0)),
    ("claude-opus-4-7", Price(5.0, 25.0)),
    ("claude-opus-4-6", Price(5.0, 25.0)),
    ("claude-opus-4-5", Price(5.0, 25.0)),
    ("claude-opus-4", Price(15.0, 75.0)),
    ("claude-3-opus", Price(15.0, 75.0)),
    ("claude-sonnet-4", Price(3.0, 15.0)),
    ("claude-3-7-sonnet", Price(3.0, 15.0)),
    ("claude-3-5-sonnet", Price(3.0, 15.0)),
    ("claude-haiku-4", Price(1.0, 5.0)),
    ("claude-3-5-haiku", Price(0.8, 4.0)),
    ("claude-3-haiku", Price(0.25, 1.25)),
)


def price_for(model: str | None) -> Price | None:
    """The list price of ``model``'s family, or None when we do not know it."""
    if not model:
        return None
    for prefix, price in _PRICES:
        if model.startswith(prefix):
            return price
    return None


def context_window(model: str | None) -> int:
    """Tokens the model accepts in one request (input plus output)."""
    return DEFAULT_CONTEXT_WINDOW


def estimate_cost(model: str | None, usage) -> float | None:
    """Estimated USD for one response's ``usage`` (an api ``Usage``), or None if unpriced
    (an unknown model, or the offline demo).

    Cache writes are priced at the 5-minute rate unless the usage breaks them down
    by TTL (``cache_creation.ephemeral_1h_input_tokens``).
    """
    return None if offline_demo() else list_cost(model, usage)


def list_cost(model: str | None, usage) -> float | None:
    """``estimate_cost`` even in the offline demo: what the same answer would cost at list prices.

    For limits (``claude_magics.map``'s ``max_cost``) that must behave in the demo as they would
    for real; what a person is shown goes through ``estimate_cost``.
    """
    price = price_for(model)
    if price is None or usage is None:
        return None
    written = usage.cache_creation_input_tokens or 0
    written_1h = 0
    breakdown = (getattr(usage, "extra", None) or {}).get("cache_creation") or {}
    if isinstance(breakdown, dict):
        written_1h = min(written, int(breakdown.get("ephemeral_1h_input_tokens") or 0))
    dollars = (
        (usage.input_tokens or 0) * price.input
        + (usage.output_tokens or 0) * price.output
        + (written - written_1h) * price.cache_write_5m
        + written_1h * price.cache_write_1h
        + (usage.cache_read_input_tokens or 0) * price.cache_read
    )
    return dollars / 1_000_000


def min_cacheable_tokens(model: str | None) -> int:
    """The shortest prefix the model caches; a ``cache_control`` on less is silently ignored.

    Haiku models need 2,048 tokens, the others 1,024 (the API's documented minimums).
    """
    return 2048 if model and "haiku" in model else 1024


def aliases_from_listing(models: list[dict]) -> dict[str, str]:
    """``{"haiku": id, "sonnet": id, "opus": id}``: the newest model of each line listed.

    The line is the entry's ``line`` field when the endpoint gives one (today's API does, and
    says not to infer it from the id); otherwise it is read from the id, so proxies with older
    listings still work. Retired models are skipped, active ones beat deprecated ones, then the
    latest ``created_at`` wins (the endpoint's order breaks ties: it lists newest first).
    Lines with nothing listed are left out (the caller falls back for those).
    """
    from ..api.model_ids import ALIAS_LINES, parse

    best: dict[str, tuple] = {}
    for position, entry in enumerate(models):
        model_id = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(model_id, str) or entry.get("lifecycle") == "retired":
            continue
        line = entry["line"] if "line" in entry else parse(model_id).line
        if line not in ALIAS_LINES:
            continue
        rank = (entry.get("lifecycle") != "deprecated", str(entry.get("created_at") or ""), -position)
        if line not in best or rank > best[line][0]:
            best[line] = (rank, model_id)
    return {line: model_id for line, (_, model_id) in best.items()}
