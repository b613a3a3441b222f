"""claude_magics.map end to end in this process, against the fake API on loopback."""

from __future__ import annotations

import pandas as pd
import pytest

import claude_magics
from claude_magics.core.store import default_store
from claude_magics.mapping import MapError, batch as batch_module
from claude_magics.testing import FakeAPI, echo, error, text, tool_use

KEY = "sk-ant-test-map-0000"


@pytest.fixture(scope="module")
def server():
    with FakeAPI(api_key=KEY) as fake:
        fake.batches.duration = 0.3
        yield fake


@pytest.fixture
def fake(server, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    server.reset()
    default_store().clear()
    yield server
    server.reset()


def messages(fake):
    return [r for r in fake.requests if r.path == "/v1/messages"]


def test_labels_align_to_a_non_default_index(fake):
    s = pd.Series(["great", "awful", "fine"], index=["z", "x", "y"], name="review")
    result = claude_magics.map(s, "Classify the sentiment.", schema=["positive", "negative"], progress=False)
    assert list(result.index) == ["z", "x", "y"]
    assert isinstance(result.dtype, pd.CategoricalDtype) and list(result.cat.categories) == ["positive", "negative"]
    sent = [r.json for r in messages(fake)]
    assert sorted(m["messages"][0]["content"][1]["text"] for m in sent) == ["awful", "fine", "great"]
    assert all(m["tool_choice"] == {"type": "tool", "name": "record_answer"} for m in sent)
    assert result.attrs["errors"] == {} and result.attrs["report"]["answered"] == 3


def test_fields_give_typed_columns_and_a_second_run_sends_nothing(fake):
    df = pd.DataFrame({"subject": ["a", "b"], "body": ["{not a ref}", "x"]}, index=pd.Index([10, 20], name="id"))
    schema = {"product": str, "price": float, "count": int, "urgent": bool}
    first = claude_magics.map(df, "Ticket: {subject}\n{body}", schema=schema, progress=False)
    assert dict(first.dtypes.astype(str)) == {"product": "string", "price": "Float64", "count": "Int64", "urgent": "boolean"}
    assert list(first.index) == [10, 20] and first.index.name == "id"
    assert messages(fake)[0].json["messages"][0]["content"][0]["text"] in ("Ticket: a\n{not a ref}", "Ticket: b\nx")
    sent = len(fake.requests)
    second = claude_magics.map(df, "Ticket: {subject}\n{body}", schema=schema, progress=False)
    assert len(fake.requests) == sent  # every answer came from the store
    pd.testing.assert_frame_equal(first, second)
    assert second.attrs["report"]["from_store"] == 2


def test_answers_from_another_server_are_not_reused(fake, monkeypatch):
    """The offline demo's answers must never come back as Claude's: the server is part of the key."""
    s = pd.Series(["great"], name="review")
    claude_magics.map(s, "Classify the sentiment.", schema=["positive", "negative"], progress=False)
    with FakeAPI(api_key=KEY) as other:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", other.base_url)
        again = claude_magics.map(s, "Classify the sentiment.", schema=["positive", "negative"], progress=False)
        assert len([r for r in other.requests if r.path == "/v1/messages"]) == 1
    assert again.attrs["report"]["from_store"] == 0


def test_429_and_529_in_the_middle_lose_nothing(fake):
    fake.enqueue(
        *[echo() for _ in range(5)],
        error(429, retry_after=0.05), error(529), error(529), error(500),
    )
    rows = [f"document {i}" for i in range(30)]
    result = claude_magics.map(rows, "Summarise.", progress=False)
    assert result.notna().all() and len(result) == 30
    report = result.attrs["report"]
    assert report["answered"] == 30 and report["failed"] == 0 and report["retries"] == 4
    assert len(messages(fake)) == 34
    answered = {r.json["messages"][0]["content"][1]["text"] for r in messages(fake) if r.status == 200}
    assert answered == set(rows)


def test_a_row_that_never_fits_is_retried_once_then_failed(fake):
    bad = tool_use("record_answer", {"label": "maybe"})
    fake.enqueue(bad, bad)
    result = claude_magics.map(["a", "b"], "Label it.", schema=["yes", "no"], concurrency=1, progress=False)
    assert pd.isna(result.iloc[0]) and result.iloc[1] == "yes"
    assert "maybe" in result.attrs["errors"][0] and "not one of" in result.attrs["errors"][0]
    assert len(messages(fake)) == 3
    # the failed row is not stored: the next run asks for it again, and only for it
    again = claude_magics.map(["a", "b"], "Label it.", schema=["yes", "no"], concurrency=1, progress=False)
    assert list(again) == ["yes", "yes"] and len(messages(fake)) == 4


def test_a_row_that_fits_on_the_second_try_is_kept(fake):
    fake.enqueue(text("not a tool call"))
    result = claude_magics.map(["a"], "Label it.", schema=["yes", "no"], progress=False)
    assert list(result) == ["yes"] and result.attrs["report"]["retries"] == 1


def test_on_error_raise_keeps_the_partial_result(fake):
    fake.enqueue(error(400, message="bad image"))
    with pytest.raises(MapError, match="1 rows failed") as caught:
        claude_magics.map(["a", "b"], "Label it.", concurrency=1, on_error="raise", progress=False)
    assert caught.value.result.notna().sum() == 1


def test_max_cost_stops_sending(fake, capsys):
    rows = [f"row {i}" for i in range(40)]
    result = claude_magics.map(rows, "Summarise.", concurrency=1, max_cost=0.01, progress=False)
    sent = len(messages(fake))
    assert 0 < sent < 40
    spent = result.attrs["report"]["cost"]
    average = spent / sent
    assert 0.01 - 2 * average <= spent <= 0.01 + average  # stopped at the cap, give or take a row
    assert result.notna().sum() == sent and "max_cost" in next(iter(result.attrs["errors"].values()))
    out = capsys.readouterr().out
    assert "Stopped at max_cost" in out and "Estimate for 40 rows" in out
    # resumable: the rows already paid for are not sent again
    claude_magics.map(rows, "Summarise.", progress=False)
    assert len(messages(fake)) == 40


def test_max_cost_holds_with_many_requests_in_flight(fake):
    rows = [f"line {i}" for i in range(60)]
    result = claude_magics.map(rows, "Summarise.", concurrency=16, max_cost=0.01, progress=False)
    spent, sent = result.attrs["report"]["cost"], len(messages(fake))
    assert 0 < sent < 60 and spent <= 0.01 + 2 * spent / sent  # the estimate reserves what is in flight
    assert result.notna().sum() == sent and len(result.attrs["errors"]) == 60 - sent


def test_dry_run_sends_no_message(fake, capsys):
    assert claude_magics.map(["a", "b"], "Say {value} twice.", dry_run=True, progress=False) is None
    out = capsys.readouterr().out
    assert "Say a twice." in out and "Estimate for 2 rows" in out
    assert not messages(fake) and any(r.path.endswith("count_tokens") for r in fake.requests)


def test_a_long_instruction_is_a_cached_prefix(fake):
    instruction = "Follow these labelling rules carefully. " * 150
    result = claude_magics.map([f"r{i}" for i in range(4)], instruction, schema=["a", "b"], concurrency=1, progress=False)
    first = messages(fake)[0].json["messages"][0]["content"][0]
    assert first["cache_control"] == {"type": "ephemeral"}
    assert result.attrs["report"]["cache_read_tokens"] > 0 and result.attrs["report"]["saved"] > 0


def test_batch_end_to_end_at_half_price(fake):
    rows = [f"doc {i}" for i in range(12)]
    direct = claude_magics.map(rows, "Summarise.", cache=False, progress=False)
    fake.reset()
    result = claude_magics.map(rows, "Summarise.", batch=True, progress=False)
    assert list(result) == list(direct)  # the same answers, back in the rows' order
    assert not messages(fake)
    creates = [r for r in fake.requests if r.path == "/v1/messages/batches" and r.method == "POST"]
    assert len(creates) == 1 and len(creates[0].json["requests"]) == 12
    assert result.attrs["report"]["cost"] == pytest.approx(direct.attrs["report"]["cost"] / 2)
    assert default_store().stats().by_kind.get("batch", 0) == 0  # the batch record is dropped when done


def test_batch_errors_per_request_and_schema_retries(fake):
    fake.enqueue(error(529), tool_use("record_answer", {"label": "nope"}))
    result = claude_magics.map(["a", "b", "c"], "Label it.", schema=["yes", "no"], batch=True, progress=False)
    assert result.isna().sum() == 1 and "overloaded_error" in next(iter(result.attrs["errors"].values()))
    assert len(messages(fake)) == 1  # the answer that did not fit was asked again directly


def test_an_interrupted_batch_is_picked_up_again(fake, monkeypatch):
    calls = []

    def interrupt(seconds):
        calls.append(seconds)
        raise KeyboardInterrupt

    real = batch_module.run_batch
    monkeypatch.setattr(batch_module, "run_batch", lambda *a, **k: real(*a, **k, sleep=interrupt))
    rows = ["p", "q", "r"]
    with pytest.raises(KeyboardInterrupt):
        claude_magics.map(rows, "Summarise.", batch=True, progress=False)
    assert calls and default_store().stats().by_kind.get("batch") == 1
    monkeypatch.setattr(batch_module, "run_batch", real)
    result = claude_magics.map(rows, "Summarise.", batch=True, progress=False)
    assert result.notna().all()
    creates = [r for r in fake.requests if r.path == "/v1/messages/batches" and r.method == "POST"]
    assert len(creates) == 1  # the second run collected the first run's batch


def test_a_list_of_images_sends_image_blocks(fake):
    pil = pytest.importorskip("PIL.Image")
    import io

    pictures = []
    for color in ("red", "blue"):
        buffer = io.BytesIO()
        pil.new("RGB", (8, 6), color).save(buffer, format="PNG")
        pictures.append(buffer.getvalue())
    result = claude_magics.map(pictures, "What colour is this?", progress=False)
    assert result.notna().all()
    for request in messages(fake):
        kinds = [block["type"] for block in request.json["messages"][0]["content"]]
        assert kinds[0] == "text" and "image" in kinds


def test_a_failed_row_is_missing_and_an_int_column_stays_integer(fake):
    fake.enqueue(error(400, message="this row is refused"))
    result = claude_magics.map(["a", "b", "c"], "Count it.", schema={"count": int, "ok": bool}, concurrency=1, progress=False)
    assert str(result["count"].dtype) == "Int64" and str(result["ok"].dtype) == "boolean"
    assert result["count"].isna().tolist() == [True, False, False]
    assert "this row is refused" in result.attrs["errors"][0]


def test_a_pydantic_model_as_the_schema(fake):
    pydantic = pytest.importorskip("pydantic")

    class Ticket(pydantic.BaseModel):
        product: str
        price: float
        urgent: bool

    result = claude_magics.map(pd.Series(["pen for 2 EUR, asap"], index=["t1"]), "Extract.", schema=Ticket, progress=False)
    assert list(result.columns) == ["product", "price", "urgent"] and list(result.index) == ["t1"]
    tool = messages(fake)[0].json["tools"][0]
    assert tool["name"] == "record_answer" and set(tool["input_schema"]["required"]) == {"product", "price", "urgent"}
