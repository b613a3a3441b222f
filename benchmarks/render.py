"""Rendering cost of a streamed answer in a cell (ui.render + ui.live), as ratios.

Target (docs/performance.md): a whole ``%%claude`` on a 100 KB streamed answer costs <= 2x the
CPU of merely consuming the stream. The answer arrives as 4-character text deltas in a real
SSE body (4 KB reads). Two ways of "merely consuming", measured in the same run:

* A: one ``json.loads`` and one string append per delta (the bare minimum);
* B: the project's own client minus HTTP: ``api.stream.MessageStream`` over the body, which
  decodes the SSE, folds every event into the snapshot ``Message`` and yields it.

The "cell" run is B plus what ``%%claude`` adds: ``LiveDisplay.update(snapshot)`` after every
event (with a display function that only counts what it would send), then ``finish``, which
renders the whole answer once more, exactly. Two arrival speeds, because the throttle is
time-based:

* replay: events as fast as the CPU allows (a recorded or fake stream), real clock. Consuming
  is then all CPU, so this is where the ratio means something.
* paced: the real API's ~100 tokens/s (4 characters every 10 ms of a fake clock), so the
  display updates as in a person's notebook; the figure to read is the display's CPU per
  streamed second.

For contrast, the quadratic approach (render the whole answer again on every delta) on a
16 KB answer, against ``IncrementalRenderer``. Run: ``python benchmarks/render.py``; figures
are medians of five cold runs (the highlight cache is cleared before each).
"""

from __future__ import annotations

import json
import statistics
import time

from claude_magics.api.stream import MessageStream
from claude_magics.ui.live import LiveDisplay
from claude_magics.ui.highlight import highlight_cached
from claude_magics.ui.incremental import IncrementalRenderer
from claude_magics.ui.render import render_markdown

DELTA = 4
PACE = 0.010  # fake seconds per 4-character delta: ~100 tokens/s


def make_answer(size: int) -> str:
    """A deterministic Markdown answer of at least ``size`` characters, shaped like a long
    data-analysis answer: sections of prose with some inline markup, a list, a code block,
    and a table every third section (about 60% prose, 25% code, 15% lists and tables)."""
    parts: list[str] = []
    i = 0
    while sum(map(len, parts)) < size:
        i += 1
        parts.append(f"## {i}. Checking `price_{i}`")
        parts.append(
            f"The column `price_{i}` has a **skewed** distribution: most orders sit between 10 and "
            f"40, but a long right tail reaches several thousand. The mean is therefore pulled "
            f"upwards and says little about a typical order, so the summary below uses the median "
            f"and the interquartile range instead. Values above the 99th percentile are *probably* "
            f"data-entry errors in batch {i}; see [the pandas docs](https://pandas.pydata.org/docs/) "
            f"for `quantile`."
        )
        parts.append(
            "Before trusting any of these figures, the data needs a few checks. Missing values in "
            "`region` are not random: they cluster in the first weeks of the export, when the "
            "field was optional. Duplicated order ids come from retried uploads and should be "
            "dropped, keeping the latest row. Timestamps mix two time zones, which shifts the "
            "daily totals by one day for late orders."
        )
        parts.append(
            f"- missing values in `region` ({i % 7} %)\n- duplicated `order_id`s\n"
            "- timestamps in two time zones (UTC and local)\n- prices stored as text in old rows"
        )
        parts.append(
            "```python\n"
            f"clean_{i} = (\n    df.drop_duplicates('order_id', keep='last')\n"
            "      .assign(ts=lambda d: pd.to_datetime(d['ts'], utc=True))\n)\n"
            f"cut = clean_{i}['price'].quantile(0.99)\n"
            f"kept = clean_{i}[clean_{i}['price'] <= cut]\n"
            "summary = kept.groupby('region')['price'].describe()[['50%', '25%', '75%']]\n"
            "for region, row in summary.iterrows():  # one line per region\n"
            "    print(f\"{region}: median {row['50%']:.2f}\")\n"
            "```"
        )
        if i % 3 == 0:
            parts.append(
                "| region | median | IQR |\n|:--|--:|--:|\n"
                + "\n".join(f"| r{j} | {j * 1.5 + i:.2f} | {3 + j * 0.5:.1f} |" for j in range(4))
            )
    return "\n\n".join(parts) + "\n"


def sse_body(answer: str) -> list[bytes]:
    """A complete Messages stream for ``answer`` in 4-character deltas, cut into 4 KB reads."""

    def event(name: str, data: dict) -> bytes:
        return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()

    message = {
        "id": "msg_bench", "type": "message", "role": "assistant", "model": "claude-sonnet-4-6",
        "content": [], "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": 1234, "output_tokens": 1},
    }
    parts = [
        event("message_start", {"type": "message_start", "message": message}),
        event("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
    ]
    parts += [
        event("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": answer[i : i + DELTA]}})
        for i in range(0, len(answer), DELTA)
    ]
    parts += [
        event("content_block_stop", {"type": "content_block_stop", "index": 0}),
        event("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None}, "usage": {"output_tokens": len(answer) // 4}}),
        event("message_stop", {"type": "message_stop"}),
    ]
    wire = b"".join(parts)
    return [wire[i : i + 4096] for i in range(0, len(wire), 4096)]


def delta_payloads(answer: str) -> list[bytes]:
    """Just the ``data`` JSON of each text delta, for consumer A."""
    return [
        json.dumps({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": answer[i : i + DELTA]}}).encode()
        for i in range(0, len(answer), DELTA)
    ]


def consume_payloads(payloads: list[bytes]) -> str:
    """Consumer A: one ``json.loads`` and one append per delta."""
    text = ""
    for payload in payloads:
        text += json.loads(payload)["delta"]["text"]
    return text


def consume_stream(chunks: list[bytes]) -> str:
    """Consumer B: the client's stream reader, every event folded into the snapshot."""
    stream = MessageStream(chunks)
    for _ in stream:
        pass
    return stream.current_message.text


class CountingDisplay:
    def __init__(self) -> None:
        self.calls = 0
        self.bytes = 0

    def __call__(self, bundle, **kwargs) -> None:
        self.calls += 1
        self.bytes += sum(len(v.encode()) for v in bundle.values())


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def consume_and_display(chunks: list[bytes], paced: bool) -> CountingDisplay:
    """Consumer B plus what ``%%claude`` adds: the snapshot to LiveDisplay per event, finish."""
    shown, clock = CountingDisplay(), FakeClock()
    live = LiveDisplay(plain=False, display_fn=shown, clock=clock if paced else time.monotonic)
    stream = MessageStream(chunks)
    for _ in stream:
        clock.now += PACE
        live.update(stream.current_message)
    live.finish(stream.current_message, footer="claude-sonnet-4-6 · 1,234 in · 25,300 out · ~$0.38 · 253.0 s")
    return shown


def cpu(fn, *args, repeat: int = 5):
    """Median process CPU seconds of ``fn(*args)`` over ``repeat`` cold runs, and a result.

    The highlight cache is cleared first: a cell meets each code block fresh.
    """
    times, result = [], None
    for _ in range(repeat):
        highlight_cached.cache_clear()
        start = time.process_time()
        result = fn(*args)
        times.append(time.process_time() - start)
    return statistics.median(times), result


SAMPLE = 20  # the naive run renders every 20th prefix and is scaled up: a full run takes minutes


def naive(answer: str) -> None:
    for i in range(DELTA * SAMPLE, len(answer) + DELTA, DELTA * SAMPLE):
        render_markdown(answer[:i])


def incremental_every_5(answer: str) -> None:
    renderer = IncrementalRenderer()
    for n, i in enumerate(range(DELTA, len(answer) + DELTA, DELTA)):
        if n % 5 == 0:
            renderer.feed(answer[:i])
    renderer.finish(answer)


def main() -> None:
    answer = make_answer(100_000)
    payloads, chunks = delta_payloads(answer), sse_body(answer)
    render_markdown(answer)  # warm up: Pygments lexer lookup, the Markdown instance
    floor, text = cpu(consume_payloads, payloads)
    base, text_b = cpu(consume_stream, chunks)
    assert text == text_b == answer
    final_only, html = cpu(render_markdown, answer)
    print(f"100 KB answer: {len(payloads):,} deltas of {DELTA} chars; final HTML {len(html):,} chars")
    print(f"  consume A: json.loads + append per delta          {floor * 1e3:7.1f} ms CPU")
    print(f"  consume B: MessageStream (SSE decode + reducer)   {base * 1e3:7.1f} ms CPU")
    print(f"  one exact render of the answer, alone             {final_only * 1e3:7.1f} ms CPU")
    for label, paced in (("replay", False), ("paced ", True)):
        total, shown = cpu(consume_and_display, chunks, paced)
        display = total - base  # what LiveDisplay added to consumer B
        print(
            f"  {label}: B + LiveDisplay {total * 1e3:7.1f} ms CPU = {total / base:4.2f}x B "
            f"({(floor + display) / floor:4.2f}x A); {shown.calls:,} display calls, {shown.bytes / 1e6:.1f} MB"
        )
        if paced:
            seconds = len(payloads) * PACE
            print(f"          over {seconds:.0f} streamed seconds: {display / seconds * 1e3:.2f} ms CPU per second for the display")

    small = make_answer(16_000)
    quadratic, _ = cpu(naive, small, repeat=1)
    quadratic *= SAMPLE
    linear, _ = cpu(incremental_every_5, small)
    print("16 KB answer, render on every delta (no throttle):")
    print(f"  whole answer re-rendered per delta: {quadratic:7.2f} s CPU (every {SAMPLE}th measured, scaled)")
    print(f"  IncrementalRenderer, feed every 5 deltas + finish: {linear:7.3f} s CPU ({quadratic / linear:.0f}x less)")


if __name__ == "__main__":
    main()
