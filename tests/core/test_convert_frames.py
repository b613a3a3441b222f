"""DataFrame, Series and numpy array summaries: content, exactness, bounds, determinism."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

np = pytest.importorskip("numpy")
pd = pytest.importorskip("pandas")

from claude_magics.core.convert import ContextOptions, to_blocks  # noqa: E402
from claude_magics.core.convert.columns import format_number, profile_column  # noqa: E402
from claude_magics.core.convert.text import utf8_len  # noqa: E402

OPTIONS = ContextOptions()


def summary(obj, label="df", options=OPTIONS) -> str:
    blocks = to_blocks(obj, label, options)
    assert len(blocks) == 1 and blocks[0]["type"] == "text"
    return blocks[0]["text"]


def mixed(rows: int = 1000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    price = rng.normal(100, 10, rows)
    price[::10] = np.nan
    return pd.DataFrame(
        {
            "qty": rng.integers(0, 50, rows),
            "price": price,
            "city": np.array(["Paris", "Lyon", "Nice", "Lille"], dtype=object)[rng.integers(0, 4, rows)],
            "tier": pd.Categorical(rng.choice(["gold", "silver"], rows), categories=["gold", "silver", "bronze"]),
            "when": pd.date_range("2024-01-01", periods=rows, freq="h"),
            "ok": rng.random(rows) < 0.25,
        }
    )


def test_frame_summary_sections_and_exact_statistics() -> None:
    df = mixed()
    text = summary(df)
    assert text.startswith("df: pandas DataFrame, 1,000 rows x 6 columns, ")
    assert "Index: RangeIndex start=0 stop=1000 step=1" in text
    assert "   1  price   float64         100 (10.0%)" in text
    assert "First 10 rows:" in text and "All 1,000 rows" not in text

    numeric = {line.split()[0]: line.split()[1:] for line in text.split("Numeric columns:\n")[1].split("\n\n")[0].split("\n")[1:]}
    present = df["price"].dropna()
    expected = [present.count(), present.mean(), present.std(), present.min(), *present.quantile([0.25, 0.5, 0.75]), present.max()]
    assert numeric["price"] == [format_number(v) for v in expected]
    qty = df["qty"]
    assert numeric["qty"] == [format_number(v) for v in [qty.count(), qty.mean(), qty.std(), qty.min(), *qty.quantile([0.25, 0.5, 0.75]), qty.max()]]

    assert "when  2024-01-01 00:00:00 .. 2024-02-11 15:00:00" in text
    counts = df["city"].value_counts()
    top = counts.index[0]
    assert f"city  4 distinct; most frequent: '{top}' ({counts.iloc[0]:,})" in text
    tiers = df["tier"].value_counts()
    assert f"tier  2 distinct (3 categories); most frequent: '{tiers.index[0]}' ({tiers.iloc[0]:,})" in text
    assert f"ok    2 distinct; most frequent: False ({(~df['ok']).sum():,}), True ({df['ok'].sum():,})" in text


def test_small_frames_are_shown_whole_without_statistics() -> None:
    df = pd.DataFrame({"a": [1, 2, 3], "b": ["x", None, "z"]})
    text = summary(df)
    assert "All 3 rows:" in text
    assert "Numeric columns" not in text
    assert "   1  b       " in text and "1 (33.3%)" in text


def test_five_hundred_columns_stay_within_the_budget() -> None:
    wide = pd.DataFrame(np.arange(200 * 500, dtype=float).reshape(200, 500), columns=[f"feature_{i:03d}" for i in range(500)])
    text = summary(wide, "wide")
    assert utf8_len(text) <= OPTIONS.max_text_bytes
    assert "Columns (500):" in text
    assert "(first 30 of 500 columns)" in text
    assert "more columns (not profiled)" in text or "more columns omitted" in text
    assert "columns cut to" in text


def test_long_cells_and_names_are_cut() -> None:
    df = pd.DataFrame({"note": ["word " * 200] * 100, "n" * 300: range(100)})
    text = summary(df)
    assert utf8_len(text) <= OPTIONS.max_text_bytes
    assert "word word word" in text
    assert "word " * 20 not in text


def test_budget_holds_for_any_limit() -> None:
    df = mixed(5000)
    for limit in (512, 1024, 3000, 8192):
        text = summary(df, options=ContextOptions(max_text_bytes=limit))
        assert utf8_len(text) <= limit, limit


def test_multiindex_columns_and_index() -> None:
    columns = pd.MultiIndex.from_product([["sales", "cost"], ["q1", "q2"]], names=["metric", "quarter"])
    index = pd.MultiIndex.from_product([["north", "south"], range(50)], names=["region", "store"])
    df = pd.DataFrame(np.arange(400).reshape(100, 4), index=index, columns=columns)
    text = summary(df)
    assert "Index: MultiIndex, 2 levels (region, store)" in text
    assert "Columns: MultiIndex, 2 levels (metric, quarter)" in text
    assert "('sales', 'q1')" in text


def test_datetime_index_range_is_reported() -> None:
    s = pd.Series(np.arange(100.0), index=pd.date_range("2020-01-01", periods=100, freq="D", name="day"), name="v")
    text = summary(s, "s")
    assert text.startswith("s: pandas Series 'v', 100 values, dtype float64")
    index_line = next(line for line in text.split("\n") if line.startswith("Index:"))
    assert index_line.startswith("Index: DatetimeIndex 'day', dtype datetime64[")
    assert index_line.endswith(", 2020-01-01 00:00:00 .. 2020-04-09 00:00:00")
    assert "First 10 values:" in text
    assert "Statistics:" in text


def test_series_of_dtypes_is_shown_whole() -> None:
    text = summary(mixed().dtypes, "dtypes")
    assert "All 6 values:" in text
    assert "when" in text and "datetime64" in text


def test_full_frame_sends_bounded_csv() -> None:
    df = mixed(50_000)
    options = ContextOptions(full_frame=True)
    text = summary(df, options=options)
    assert utf8_len(text) <= options.max_full_frame_bytes
    assert utf8_len(text) > 32_000
    assert "Rows as CSV (" in text and "of 50,000):" in text
    assert "[CSV truncated after" in text
    assert ",qty,price,city,tier,when,ok\n0," in text
    small = summary(df.head(5), options=options)
    assert "Rows as CSV (5 of 5):" in small and "truncated" not in small


def test_mostly_unique_long_text_column_is_declared_not_counted() -> None:
    ids = pd.Series([f"user-{i}" for i in range(300_000)], name="user")
    profile = profile_column(ids)
    assert profile.distinct.startswith("mostly unique (10,000 distinct in the first 10,000 rows")
    assert profile.top == []
    short = profile_column(ids.head(1000))
    assert short.distinct == "1,000 distinct (all values unique)"


class Unhashable:
    __hash__ = None  # type: ignore[assignment]

    def __eq__(self, other):
        return self is other


def test_unhashable_values_never_fail_and_never_show_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = Unhashable(), Unhashable()
    s = pd.Series([first, second, None] * 10, name="objs")
    text = summary(s.to_frame())
    assert " at 0x" not in text
    from claude_magics.core.convert import columns

    monkeypatch.setattr(columns, "_EXACT_ROWS", 5)  # take the probing path, which must hash
    profile = profile_column(s)
    assert profile.note.startswith("values are unhashable")
    assert profile.nulls == 10


def test_nullable_and_all_null_columns() -> None:
    df = pd.DataFrame(
        {
            "i": pd.array([1, None, 3] * 30, dtype="Int64"),
            "empty": [np.nan] * 90,
            "t": pd.Series([pd.NaT] * 90, dtype="datetime64[ns]"),
        }
    )
    text = summary(df)
    rows = {line.split()[0]: line.split()[1:] for line in text.split("Numeric columns:\n")[1].split("\n\n")[0].split("\n")}
    assert rows["i"][:2] == ["60", "2"]
    assert rows["empty"] == ["0"] + ["-"] * 7
    assert "t  (all null)" in text


def test_ties_among_frequent_values_do_not_depend_on_hash_order() -> None:
    code = textwrap.dedent(
        """
        import pandas as pd
        from claude_magics.core.convert import to_blocks
        values = [f"v{i:02d}" for i in range(40)] * 5
        df = pd.DataFrame({"key": pd.Series(values, dtype=object).sample(frac=1, random_state=3).tolist(), "n": range(200)})
        print(to_blocks(df, "df")[0]["text"])
        """
    )
    runs = [
        subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONHASHSEED": seed})
        for seed in ("1", "2")
    ]
    outputs = {run.communicate(timeout=60)[0] for run in runs}
    assert all(run.returncode == 0 for run in runs)
    assert len(outputs) == 1
    assert "most frequent: 'v00' (5), 'v01' (5), 'v02' (5)" in outputs.pop()


def test_user_display_options_do_not_change_the_summary() -> None:
    df = mixed()
    before = summary(df)
    with pd.option_context("display.precision", 2, "display.float_format", "{:.1f}".format, "display.max_colwidth", 5):
        assert summary(df) == before


def test_summary_is_fast_enough_for_a_large_frame() -> None:
    # a loose bound on a 200k-row frame, far below the benchmark's target, to catch O(n log n) regressions
    import time

    df = mixed(200_000)
    start = time.perf_counter()
    summary(df)
    assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize(
    "value, expected",
    [(3, "3"), (2.5, "2.5"), (999999.5, "999999.5"), (1e20, "1e+20"), (0.000123456789, "0.000123457"), (float("nan"), "nan"), (-0.0, "0")],
)
def test_format_number(value, expected) -> None:
    assert format_number(value) == expected


# -- numpy arrays -------------------------------------------------------------------------


def test_array_summary_has_statistics_and_pinned_printing() -> None:
    arr = np.arange(10_000, dtype=float).reshape(100, 100)
    arr[0, 0] = np.nan
    with np.printoptions(precision=1, threshold=5):
        text = summary(arr, "grid")
    assert text.startswith("grid: numpy ndarray, shape (100, 100), dtype float64, 78.1 KB")
    assert "count: 9,999  NaN: 1" in text
    assert "min: 1  max: 9999" in text
    assert "Values (10,000, middle elided):" in text
    assert utf8_len(text) <= OPTIONS.max_text_bytes


def test_small_and_special_arrays() -> None:
    assert "Values:\n[1, 2, 3]" in summary(np.array([1, 2, 3]), "a")
    assert summary(np.array(5), "z") == "5"
    assert summary(np.float64(0.25), "f") == "0.25"
    assert "True: 2  False: 1" in summary(np.array([True, False, True]), "b")
    assert "Statistics" not in summary(np.array(["a", "b"]), "s")
    assert "2x2" not in summary(np.zeros((2, 2), dtype=np.uint8), "tiny")  # too small to be a picture: text
