"""What a run will cost, before it is sent: ``count_tokens`` on a few rows, times the rows.

``count_tokens`` is free and exact for the rows it sees; rows differ in length, so up to
three spread-out rows are counted and averaged. Output cannot be counted in advance: the
estimate uses a typical answer length for the schema (a label is a few tokens, a sentence
a few dozen) and also gives the ceiling that ``max_tokens`` allows. Prices are list prices
(``core.models``), halved for batches.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core import models
from .report import BATCH_DISCOUNT, show_dollars
from .schema import Schema

__all__ = ["Estimate", "estimate"]


@dataclass(frozen=True)
class Estimate:
    rows: int
    input_tokens: int  # for all rows
    output_tokens: int  # typical, for all rows
    max_output_tokens: int  # the ceiling max_tokens allows, for all rows
    cost: float | None  # typical USD
    max_cost: float | None  # USD if every answer used max_tokens
    model: str
    batch: bool

    @property
    def per_row(self) -> float | None:
        return None if self.cost is None or not self.rows else self.cost / self.rows

    def line(self) -> str:
        price = "no list price known for this model" if self.cost is None else (
            f"~${self.cost:.4f} (at most ${self.max_cost:.4f})"
        )
        batch = ", batch price" if self.batch else ""
        tokens = f"~{self.input_tokens:,} input tokens, ~{self.output_tokens:,} output tokens (at most {self.max_output_tokens:,})"
        if not show_dollars():
            return f"Estimate for {self.rows:,} rows on {self.model}: {tokens} (offline demo: nothing is billed)"
        return f"Estimate for {self.rows:,} rows on {self.model}{batch}: {tokens}, {price}"


def typical_output_tokens(schema: Schema, max_tokens: int) -> int:
    if schema.kind == "labels":
        return min(max_tokens, 40)
    if schema.kind == "fields":
        return min(max_tokens, 40 + 25 * len(schema.fields))
    return min(max_tokens, 150)


def estimate(client, bodies: list[dict], schema: Schema, *, batch: bool = False) -> Estimate:
    """An estimate for sending ``bodies`` (the pending requests)."""
    rows = len(bodies)
    model = bodies[0]["model"]
    max_tokens = int(bodies[0].get("max_tokens") or 1)
    picks = sorted({0, rows // 2, rows - 1}) if rows else []
    counted = [client.count_tokens(**dict(bodies[i])) for i in picks]
    per_row_in = sum(counted) / len(counted) if counted else 0
    per_row_out = typical_output_tokens(schema, max_tokens)
    price = models.price_for(model)
    factor = BATCH_DISCOUNT if batch else 1.0
    cost = max_cost = None
    if price is not None:
        cost = rows * (per_row_in * price.input + per_row_out * price.output) / 1_000_000 * factor
        max_cost = rows * (per_row_in * price.input + max_tokens * price.output) / 1_000_000 * factor
    return Estimate(
        rows, round(per_row_in * rows), per_row_out * rows, max_tokens * rows, cost, max_cost, model, batch
    )
