"""``claude_magics.map``: Claude over a column - label, extract or summarise every row.

    df["sentiment"] = claude_magics.map(df["review"], "Classify the sentiment of this review.",
                                        schema=["positive", "negative", "neutral"])
    facts = claude_magics.map(df, "Ticket: {subject}\\n{body}",
                              schema={"product": str, "price": float, "urgent": bool})
    summaries = claude_magics.map(docs, "Summarise in one sentence.", batch=True)

The pieces, one job each: ``prompts`` (each row's content, with the magics' ``{name}`` rules),
``schema`` (the forced tool and the check of its answer), ``runner`` (concurrent requests,
retries, the store), ``limiter`` (how many in flight), ``batch`` (the Message Batches path),
``estimate`` (cost before sending), ``progress`` (the live display), ``result`` (the typed,
aligned pandas result) and ``report`` (tokens, cost, the final line). This module wires them.
"""

from __future__ import annotations

import json
import time
from typing import Any

__all__ = ["map", "MapError", "DEFAULT_MAX_TOKENS", "ESTIMATE_ABOVE"]

DEFAULT_MAX_TOKENS = 1024  # per row: labels, fields and summaries are short
ESTIMATE_ABOVE = 200  # rows still to send from which an estimate is shown first
MAX_TEXT_BYTES = 100_000  # one value of a row (a document to summarise can be long)
_ON_ERROR = ("keep", "raise")


class MapError(RuntimeError):
    """Rows failed and ``on_error="raise"`` was asked; ``.result`` holds everything that worked."""

    def __init__(self, message: str, result: Any) -> None:
        super().__init__(message)
        self.result = result


def map(  # noqa: A001 - the name users asked for; builtins.map stays reachable as builtins.map
    data: Any,
    prompt: str,
    *,
    schema: Any = None,
    model: str | None = None,
    system: str | None = None,
    max_tokens: int | None = None,
    temperature: float | None = None,
    batch: bool = False,
    concurrency: int = 32,
    max_cost: float | None = None,
    dry_run: bool = False,
    cache: bool = True,
    on_error: str = "keep",
    progress: bool = True,
    estimate_above: int = ESTIMATE_ABOVE,
):
    """Ask Claude the same question about every row of ``data``; returns one answer per row.

    ``data``: a pandas Series, a DataFrame, or a list of values (strings, images, objects).
    ``prompt``: an instruction (``"Classify the sentiment of this review."``), sent before each
    row, or a template naming the row's values (``"Ticket: {subject}\\n{body}"`` over a
    DataFrame's columns; ``{value}`` or the Series' name for a Series or list). The rules are
    the magics': nothing is evaluated, other braces stay as written, ``{{``/``}}`` are literal.

    ``schema``: None for text; a list of labels; ``{field: str | int | float | bool | [labels]}``;
    a JSON Schema of an object; or a pydantic model. Structured answers come from a forced
    tool call and are validated; one that does not fit is asked again once, then the row fails.

    Returns a Series (text, or a categorical of the labels) or a DataFrame (one typed column
    per field) aligned to ``data``'s index. Failed rows are missing values;
    ``result.attrs["errors"]`` says why (``on_error="raise"`` raises :class:`MapError` instead),
    ``result.attrs["report"]`` has rows, tokens, cost and time.

    Every answer is kept in the on-disk store, keyed by its full request: running the same
    cell again sends nothing, and an interrupted run (or one stopped by ``max_cost``) resumes
    where it stopped. ``cache=False`` neither reads nor writes the store.

    ``model``, ``system``, ``max_tokens`` (default 1024), ``temperature``: as in ``%%claude``.
    ``concurrency``: the most requests in flight (the actual number adapts to 429/529 answers
    and the rate-limit headers; 1 sends one at a time). ``batch=True``: one Message Batch at
    half the price (minutes to hours; re-running picks up the same batch). ``max_cost``: send no
    request that would take the estimated spend (USD, list prices) past it. ``dry_run=True``: show the
    first prompts and the estimate, send nothing. ``estimate_above``: rows to send from which
    an estimate is printed first. ``progress=False`` hides the live display.
    """
    if on_error not in _ON_ERROR:
        raise ValueError(f"on_error must be 'keep' or 'raise', not {on_error!r}")
    if not isinstance(concurrency, int) or concurrency < 1:
        raise ValueError(f"concurrency must be a whole number >= 1, not {concurrency!r}")
    if max_cost is not None and not max_cost > 0:
        raise ValueError(f"max_cost must be a positive number of US dollars, not {max_cost!r}")
    try:
        import pandas  # noqa: F401 - the result is a pandas object
    except ImportError:
        raise ImportError("claude_magics.map needs pandas: pip install pandas") from None

    from ..core.context import ContextOptions
    from ..core.session import get_session
    from ..core.replay import replay_key
    from ..core.store import default_store
    from .limiter import AdaptiveLimit
    from .progress import Progress
    from .prompts import build_prompts
    from .report import Stats
    from .result import assemble
    from .runner import Outcome, Runner, Task, interpret
    from .schema import normalize_schema

    spec = normalize_schema(schema)
    prompts = build_prompts(data, prompt, ContextOptions(max_text_bytes=MAX_TEXT_BYTES))
    session = get_session()
    options = session.request_options(
        model=model, system=system, max_tokens=max_tokens or DEFAULT_MAX_TOKENS, temperature=temperature
    )
    options.pop("thinking", None)  # a forced tool call cannot think; map answers are short anyway
    bodies = _bodies(prompts, options, spec)
    stats = Stats(total=len(bodies))
    store = default_store() if cache else None
    limiter = AdaptiveLimit(concurrency)
    runner = Runner(None, spec, stats, limiter, store, max_cost)
    client = _client(session, runner, concurrency)
    runner.client = client
    outcomes: dict[int, Outcome] = {}
    tasks: list[Task] = []
    for position, body in enumerate(bodies):
        if body is None:
            outcomes[position] = Outcome(error="the row's prompt is empty")
            stats.failed += 1
            continue
        key = replay_key(body, client)  # the key cell replay uses: API version and server included
        stored = store.get(key) if store is not None else None
        if stored is not None:
            try:
                outcomes[position] = Outcome(value=interpret(stored, spec))
                stats.from_store += 1
                continue
            except ValueError:
                pass
        tasks.append(Task(position, key, body))

    view = Progress(stats, enabled=progress)
    try:
        if dry_run:
            _dry_run(client, prompts, tasks, spec, batch)
            return None
        if tasks and not client.has_api_key:
            from ..api.errors import MissingAPIKeyError

            raise MissingAPIKeyError()
        planned = None
        if tasks and (len(tasks) >= estimate_above or max_cost is not None):
            from .estimate import estimate

            planned = estimate(client, [t.body for t in tasks], spec, batch=batch)
            print(planned.line())
            if max_cost is not None and planned.cost is not None and planned.cost > max_cost:
                print(f"That is more than max_cost=${max_cost:g}: the run stops before the spend would pass it.")
        view.update(force=True)
        if tasks and batch:
            tasks = _within_budget(tasks, planned, max_cost, outcomes, stats)
            from .batch import run_batch

            found, again = run_batch(client, tasks, spec, stats, view, store)
            outcomes.update(found)
            tasks = again
        if tasks:
            runner.on_tick = view.update
            runner.row_estimate = planned.per_row if planned is not None else None
            try:
                runner.run(tasks)
            except KeyboardInterrupt:
                view.finish()
                print(
                    f"Interrupted: {stats.from_store + stats.answered:,} of {stats.total:,} rows have answers "
                    "(stored); run the same call again to resume."
                )
                runner.when_idle(lambda: _close(client))
                client = None
                raise
            if stats.stopped == "max_cost":
                runner.stop_remaining(f"not run: max_cost ${max_cost:g} reached")
                print(f"Stopped at max_cost=${max_cost:g}: the rows not run are missing; run again to continue.")
            outcomes.update(runner.outcomes)
        stats.finished = time.monotonic()
        view.finish()
    finally:
        if client is not None:
            _close(client)
    result = assemble(prompts.index, outcomes, spec, stats.to_dict())
    print(stats.line())
    errors = result.attrs["errors"]
    if errors:
        shown = "; ".join(f"{label!r}: {reason}" for label, reason in list(errors.items())[:3])
        more = f" (and {len(errors) - 3:,} more)" if len(errors) > 3 else ""
        message = f"{len(errors):,} rows failed: {shown}{more}. Details: result.attrs['errors']."
        if on_error == "raise":
            raise MapError(message, result)
        print(message)
    return result


def _bodies(prompts: Any, options: dict, spec: Any) -> list[dict | None]:
    """One request body per row (None for a row with nothing to ask), the shared prefix marked for caching."""
    from ..core.models import min_cacheable_tokens

    base = dict(options)
    tool = spec.tool
    if tool is not None:
        base["tools"] = [tool]
        base["tool_choice"] = {"type": "tool", "name": tool["name"]}
    shared_chars = len(json.dumps(tool)) if tool else 0
    system = base.get("system")
    shared_chars += len(system) if isinstance(system, str) else 0
    shared = prompts.shared
    shared_chars += len(shared["text"]) if shared else 0
    marked_block = None
    if len(prompts.contents) > 1 and shared_chars / 4 >= min_cacheable_tokens(base.get("model")):
        marker = {"type": "ephemeral"}
        if shared is not None:
            marked_block = {**shared, "cache_control": marker}
        elif isinstance(system, str) and system:
            base["system"] = [{"type": "text", "text": system, "cache_control": marker}]
        elif tool is not None:
            base["tools"] = [{**tool, "cache_control": marker}]
    bodies: list[dict | None] = []
    for content in prompts.contents:
        if not content or (shared is not None and len(content) == 1):
            bodies.append(None)
            continue
        if marked_block is not None:
            content = [marked_block, *content[1:]]
        bodies.append({**base, "messages": [{"role": "user", "content": content}]})
    return bodies


def _client(session: Any, runner: Any, concurrency: int) -> Any:
    """A Client of its own: the session's settings, no internal retries, a pool sized to the run."""
    import httpx

    from ..api.client import Client

    options = dict(session.client_options)
    options["max_retries"] = 0
    timeout = options.pop("timeout", 600.0)
    http = httpx.Client(
        timeout=timeout,
        limits=httpx.Limits(max_connections=concurrency + 2, max_keepalive_connections=concurrency + 2),
        event_hooks={"response": [runner.on_response]},
    )
    client = Client(timeout=timeout, http_client=http, **options)
    client._map_http = http
    return client


def _close(client: Any) -> None:
    http = getattr(client, "_map_http", None)
    if http is not None:
        http.close()


def _within_budget(tasks: list, planned: Any, max_cost: float | None, outcomes: dict, stats: Any) -> list:
    """With a batch, ``max_cost`` limits how many rows are submitted (a batch cannot stop midway)."""
    from .runner import Outcome

    if max_cost is None or planned is None or not planned.per_row:
        return tasks
    fits = int(max_cost // planned.per_row)
    if fits >= len(tasks):
        return tasks
    for task in tasks[fits:]:
        outcomes[task.position] = Outcome(error=f"not run: max_cost ${max_cost:g} reached")
        stats.failed += 1
    print(f"max_cost=${max_cost:g} covers about {fits:,} of {len(tasks):,} rows: only those are sent.")
    stats.stopped = "max_cost"
    return tasks[:fits]


def _dry_run(client: Any, prompts: Any, tasks: list, spec: Any, batch: bool) -> None:
    shown = 0
    for task in tasks[:3]:
        shown += 1
        label = list(prompts.index)[task.position]
        print(f"--- row {label!r} ---")
        print(_as_text(task.body["messages"][0]["content"]))
    if not shown:
        print("Nothing to send: every row already has a stored answer.")
        return
    if spec.tool is not None:
        print(f"--- answer shape (forced tool call) ---\n{json.dumps(spec.tool['input_schema'])}")
    if client.has_api_key:
        from .estimate import estimate

        print(estimate(client, [t.body for t in tasks], spec, batch=batch).line())
    print(f"Dry run: {len(tasks):,} rows would be sent; nothing was.")


def _as_text(content: list[dict]) -> str:
    parts = []
    for block in content:
        if block.get("type") == "text":
            parts.append(block["text"])
        else:
            parts.append(f"[{block.get('type')} block]")
    return "\n".join(parts)
