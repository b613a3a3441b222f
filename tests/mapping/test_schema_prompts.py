"""The pure parts of map: schema normalisation and checks, per-row prompts, the adaptive limit."""

from __future__ import annotations

import threading

import pandas as pd
import pytest

from claude_magics.mapping.limiter import AdaptiveLimit
from claude_magics.mapping.prompts import build_prompts
from claude_magics.mapping.schema import SchemaError, normalize_schema


def test_labels_become_an_enum_tool_and_are_checked():
    spec = normalize_schema(["positive", "negative"])
    assert spec.kind == "labels"
    assert spec.tool["input_schema"]["properties"]["label"]["enum"] == ["positive", "negative"]
    assert spec.check({"label": "negative"}) == "negative"
    with pytest.raises(ValueError, match="not one of"):
        spec.check({"label": "Positive"})


def test_field_types_convert_and_refuse():
    spec = normalize_schema({"product": str, "price": float, "n": int, "urgent": bool, "tier": ["free", "pro"]})
    assert [f.dtype for f in spec.fields] == ["string", "Float64", "Int64", "boolean", "category"]
    value = spec.check({"product": "pen", "price": 2, "n": 3.0, "urgent": False, "tier": "pro"})
    assert value == {"product": "pen", "price": 2.0, "n": 3, "urgent": False, "tier": "pro"}
    assert isinstance(value["price"], float) and isinstance(value["n"], int)
    for bad in ({"price": "2"}, {"n": 2.5}, {"urgent": "yes"}, {"tier": "gold"}, {"price": True}):
        with pytest.raises(ValueError):
            spec.check({"product": "pen", "price": 1.0, "n": 1, "urgent": True, "tier": "free", **bad})
    with pytest.raises(ValueError, match="missing"):
        spec.check({"product": "pen"})


def test_json_schema_and_pydantic_models():
    spec = normalize_schema({"type": "object", "properties": {"city": {"type": "string"}}, "required": []})
    assert spec.check({}) == {"city": None}
    pydantic = pytest.importorskip("pydantic")

    class Fact(pydantic.BaseModel):
        name: str
        age: int

    spec = normalize_schema(Fact)
    assert spec.check({"name": "Ada", "age": "36"}) == {"name": "Ada", "age": 36}
    with pytest.raises(ValueError):
        spec.check({"name": "Ada"})


@pytest.mark.parametrize("bad", [[], ["a", "a"], {"x": set}, 42, {}])
def test_bad_schemas_say_what_to_use(bad):
    with pytest.raises(SchemaError):
        normalize_schema(bad)


def test_a_frame_template_fills_columns_and_keeps_other_braces():
    df = pd.DataFrame({"subject": ["Broken"], "body": ['It {does} not {"a": 1}'], "a b": [7]}, index=[42])
    prompts = build_prompts(df, "Ticket: {subject}\n{body} {row['a b']} {{subject}} {missing} f'{x}'")
    assert prompts.mode == "template" and list(prompts.index) == [42]
    assert prompts.contents == [
        [{"type": "text", "text": 'Ticket: Broken\nIt {does} not {"a": 1} 7 {subject} {missing} f\'{x}\''}]
    ]


def test_an_instruction_is_one_shared_block_before_each_row():
    prompts = build_prompts(pd.Series(["good", "bad"], name="review"), "Classify this review.")
    assert prompts.mode == "instruction"
    assert [c[0] for c in prompts.contents] == [prompts.shared, prompts.shared]
    assert [c[1]["text"] for c in prompts.contents] == ["good", "bad"]
    frame = build_prompts(pd.DataFrame({"a": [1], "b c": ["x"]}), "Describe.")
    assert frame.contents[0][1]["text"] == "a: 1\nb c: x"


def test_a_series_template_by_name_or_value():
    s = pd.Series(["good"], name="review")
    assert build_prompts(s, "Review: {review}").contents == [[{"type": "text", "text": "Review: good"}]]
    assert build_prompts(["x"], "Item: {value}!").contents == [[{"type": "text", "text": "Item: x!"}]]
    with pytest.raises(TypeError):
        build_prompts("not a list", "x")


def test_the_limit_halves_under_pressure_and_grows_back():
    limit = AdaptiveLimit(16, start=4)
    for _ in range(4):
        limit.success()
    assert limit.limit == 8  # slow start: one per success
    limit.pressure(0.0)
    assert limit.limit == 4 and not limit.slow_start
    limit.pressure(0.0)  # the same burst: counted once
    assert limit.limit == 4
    for _ in range(4):
        limit.success()
    assert limit.limit == pytest.approx(5, abs=0.1)  # additive: about one per round trip


def test_ratelimit_headers_cap_and_pause():
    now = [100.0]
    limit = AdaptiveLimit(32, start=32, clock=lambda: now[0])
    limit.observe({"anthropic-ratelimit-requests-remaining": "10"})
    assert limit.limit == 5
    limit.observe({"anthropic-ratelimit-requests-remaining": "0", "anthropic-ratelimit-requests-reset": "2999-01-01T00:00:00Z"})
    stop = threading.Event()
    stop.set()
    assert limit.acquire(stop) is False  # paused: no slot, and the stop flag wins
