"""claude_magics.map in a real ipykernel against the fake API: what a notebook user sees and keeps."""

from __future__ import annotations

import re
import time

import pytest

from claude_magics.testing import echo, error, tool_use

from .conftest import TEST_KEY
from .kernel_runner import Kernel

pytestmark = pytest.mark.kernel

SETUP = """
import pandas as pd, claude_magics
from claude_magics.core.store import default_store
default_store().clear()
"""


@pytest.fixture
def k(fresh):
    run = fresh.run(SETUP)
    assert run.status == "ok", run.error
    return fresh


def ok(kernel, code, timeout=60):
    run = kernel.run(code, timeout=timeout)
    assert run.status == "ok", (run.error, run.stdout, run.stderr)
    return run


def value(kernel, expression):
    run = ok(kernel, f"print(repr(({expression})))")
    return eval(run.stdout.strip())  # noqa: S307 - our own repr of plain values


def messages(fake):
    return [r for r in fake.requests if r.path == "/v1/messages"]


def test_labels_align_to_a_non_default_index_and_show_progress(k, fake):
    run = ok(k, """
reviews = pd.Series(["Loved it", "Broke in a day", "It is fine"], index=[103, 101, 102], name="review")
sentiment = claude_magics.map(reviews, "Classify the sentiment of this review.", schema=["positive", "negative", "neutral"])
""")
    assert value(k, "list(sentiment.index)") == [103, 101, 102]
    assert value(k, "str(sentiment.dtype), list(sentiment.cat.categories)") == ("category", ["positive", "negative", "neutral"])
    assert value(k, "bool((sentiment.index == reviews.index).all())") is True
    assert "<progress" in run.html() and "3/3 rows" in run.html()
    assert "3 rows: 3 answered" in run.stdout


def test_field_schema_and_a_template_with_braces(k, fake):
    ok(k, """
tickets = pd.DataFrame({"subject": ["Refund", "Crash"], "body": ['charged {"eur": 12} twice', "f'{x}' fails"]},
                       index=pd.Index(["t-9", "t-7"], name="ticket"))
facts = claude_magics.map(tickets, "Ticket: {subject}\\n{body}\\nLiteral: {{subject}} and {nothing}",
                          schema={"product": str, "price": float, "count": int, "urgent": bool, "team": ["billing", "tech"]})
""")
    assert value(k, "list(facts.index), facts.index.name") == (["t-9", "t-7"], "ticket")
    assert value(k, "dict(facts.dtypes.astype(str))") == {
        "product": "string", "price": "Float64", "count": "Int64", "urgent": "boolean", "team": "category",
    }
    texts = sorted(r.json["messages"][0]["content"][0]["text"] for r in messages(fake))
    assert texts == [
        'Ticket: Crash\nf\'{x}\' fails\nLiteral: {subject} and {nothing}',
        'Ticket: Refund\ncharged {"eur": 12} twice\nLiteral: {subject} and {nothing}',
    ]


def test_429_and_529_midway_lose_nothing_and_a_second_run_sends_nothing(k, fake):
    fake.enqueue(*[echo() for _ in range(10)], error(429, retry_after=0.1), error(529), error(529), error(503))
    run = ok(k, """
docs = pd.Series([f"document number {i}" for i in range(40)], index=range(100, 140))
first = claude_magics.map(docs, "Summarise in one sentence.")
""")
    assert value(k, "int(first.notna().sum()), len(first.attrs['errors'])") == (40, 0)
    assert value(k, "first.attrs['report']['retries']") == 4
    assert run.update_count <= run.elapsed * 4 + 2  # the progress display is throttled
    answered = {r.json["messages"][0]["content"][1]["text"] for r in messages(fake) if r.status == 200}
    assert len(answered) == 40
    before = len(fake.requests)
    run = ok(k, "second = claude_magics.map(docs, 'Summarise in one sentence.')")
    assert len(fake.requests) == before
    assert "40 from the store" in run.stdout and value(k, "second.equals(first)") is True


def test_interrupt_stops_promptly_and_the_next_run_resumes(k, fake):
    fake.enqueue(*[echo().delayed(0.25) for _ in range(60)])
    state = {}

    def on_message(message):
        if "at" not in state and message["msg_type"] == "update_display_data":
            done = re.search(r"(\d+)/60 rows", message["content"]["data"].get("text/plain", ""))
            if done and int(done.group(1)) >= 8:
                state["at"] = time.monotonic()
                k.interrupt()

    code = "rows = [f'row {i}' for i in range(60)]\nout = claude_magics.map(rows, 'Summarise.', concurrency=4)"
    run = k.run(code, on_message=on_message)
    assert "at" in state and run.status == "error" and run.error["ename"] == "KeyboardInterrupt"
    assert time.monotonic() - state["at"] < 3.0  # the cell ends at once (the bound allows for a loaded machine)
    assert "run the same call again to resume" in run.stdout
    time.sleep(0.6)  # requests in flight at the interrupt finish in the background and are stored
    first = len(messages(fake))
    time.sleep(0.6)
    assert len(messages(fake)) == first  # and no new request starts after the interrupt
    assert 0 < first < 60
    ok(k, "out = claude_magics.map(rows, 'Summarise.', concurrency=4)", timeout=120)
    assert value(k, "int(out.notna().sum())") == 60
    assert len(messages(fake)) == 60  # nothing asked twice
    assert value(k, "out.attrs['report']['from_store']") == first


def test_max_cost_stops_the_run(k, fake):
    run = ok(k, "capped = claude_magics.map([f'row {i}' for i in range(50)], 'Summarise.', concurrency=2, max_cost=0.02)")
    sent = len(messages(fake))
    assert 0 < sent < 50
    spent = value(k, "capped.attrs['report']['cost']")
    assert 0.02 - 3 * spent / sent <= spent <= 0.02 + 2 * spent / sent
    assert "Stopped at max_cost=$0.02" in run.stdout
    assert value(k, "int(capped.isna().sum())") == 50 - sent


def test_a_row_that_fails_validation_is_marked_and_the_rest_kept(k, fake):
    bad = tool_use("record_answer", {"label": "very positive"})
    fake.enqueue(bad, bad)
    run = ok(k, "labels = claude_magics.map(['a', 'b', 'c'], 'Label it.', schema=['positive', 'negative'], concurrency=1)")
    assert value(k, "labels.isna().tolist()") == [True, False, False]
    assert "not one of" in value(k, "labels.attrs['errors'][0]")
    assert "1 rows failed" in run.stdout
    run = k.run("claude_magics.map(['a', 'b', 'c'], 'Label it.', schema=['positive', 'negative'], on_error='raise')")
    assert run.status == "ok"  # the failed row was asked again (not stored) and fits now


def test_batch_end_to_end_survives_a_kernel_restart(k, fake, tmp_path):
    fake.batches.duration = 3.0
    state = {}

    def on_message(message):
        if "at" not in state and "msgbatch_" in str(message["content"].get("data", "")):
            state["at"] = time.monotonic()
            k.interrupt()

    code = "docs = [f'long document {i}' for i in range(8)]\nsummaries = claude_magics.map(docs, 'Summarise.', batch=True)"
    run = k.run(code, on_message=on_message)
    assert run.status == "error" and run.error["ename"] == "KeyboardInterrupt"
    # a new kernel (as after a restart) picks the same batch up: no second batch is created
    env = {"ANTHROPIC_BASE_URL": fake.base_url, "ANTHROPIC_API_KEY": TEST_KEY}
    other = Kernel(env, cwd=str(tmp_path))
    try:
        ok(other, "import claude_magics\n" + code, timeout=60)
        assert value(other, "bool(summaries.notna().all()), summaries.attrs['report']['cost']")[0] is True
    finally:
        other.shutdown()
    creates = [r for r in fake.requests if r.path == "/v1/messages/batches" and r.method == "POST"]
    assert len(creates) == 1 and not messages(fake)
    fake.batches.duration = 1.0


def test_a_claude_cell_maps_a_column_into_a_dataframe(k, fake):
    ok(k, "df = pd.DataFrame({'review': ['good', 'bad']}, index=[7, 9])")
    run = ok(k, "%%claude --map df['review'] --into df['sentiment'] --labels positive,negative\n"
                "Classify the sentiment of this review.")
    assert "Stored in df['sentiment']" in run.stdout
    assert value(k, "df['sentiment'].tolist(), str(df['sentiment'].dtype), list(df.index)") == (
        ["positive", "positive"], "category", [7, 9],
    )
    sent = [r.json["messages"][0]["content"] for r in messages(fake)]
    assert sorted(c[1]["text"] for c in sent) == ["bad", "good"]
    assert {c[0]["text"] for c in sent} == {"Classify the sentiment of this review."}
    # fields into a variable; a template over the DataFrame's columns
    ok(k, "fields = {'positive': bool, 'topic': str}")
    ok(k, "%%claude --map df --into facts --schema fields\nReview: {review}")
    assert value(k, "list(facts.columns), list(facts.index)") == (["positive", "topic"], [7, 9])
    # map-only options without --map, and targets that are not names, are usage errors
    for cell in ("%%claude --into x\nhi", "%%claude --map nothing_here\nhi", "%%claude --map df --into 1+1\nhi"):
        run = k.run(cell)
        assert run.status == "error" and run.error["ename"] == "UsageError", cell
    doc = value(k, "claude_magics.ClaudeMagics.claude.__doc__")
    assert "--map DATA" in doc and "--into TARGET" in doc and "--labels" in doc


def result_of(cell) -> str:
    return next(o for o in cell.outputs if o.output_type == "execute_result")["data"]["text/plain"]


def test_the_map_notebook_runs_against_the_fake(monkeypatch, tmp_path):
    from pathlib import Path

    import nbformat

    from claude_magics.testing import FakeAPI

    from .test_notebooks import KEY, execute

    path = Path(__file__).resolve().parents[2] / "notebooks" / "map.ipynb"
    monkeypatch.setenv("CLAUDE_MAGICS_CACHE_DIR", str(tmp_path / "store"))
    with FakeAPI(api_key=KEY) as fake:
        notebook = execute(path, fake, monkeypatch, tmp_path)
        requests = fake.requests
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, errors[0]
    code = [c for c in notebook.cells if c.cell_type == "code"]
    again = next(c for c in code if c.source.startswith("again ="))
    assert result_of(again) == "(True, 24)"  # the second run came from the store
    batches = [r for r in requests if r.path == "/v1/messages/batches" and r.method == "POST"]
    assert len(batches) == 1 and len(batches[0].json["requests"]) == 6
    messages = [r for r in requests if r.path == "/v1/messages"]
    capped = next(c for c in code if c.source.startswith("capped ="))
    ran = int(result_of(capped).strip("()").split(",")[0])
    assert 0 < ran < 60
    assert len(messages) == 24 + 8 + ran + 24  # guesses, fields, capped run, the %%claude --map cell
    assert KEY not in nbformat.writes(notebook)
