"""Text converters: scalars, strings, containers, unknown objects, exceptions, and their bounds."""

from __future__ import annotations

import collections
import datetime
import decimal
import fractions
import sys

import pytest

from claude_magics.core.convert import ContextOptions, to_blocks, to_text
from claude_magics.core.convert.sections import Section, fit_sections
from claude_magics.core.convert.text import clip_utf8, framed, truncate, utf8_len
from claude_magics.core.convert.tracebacks import format_exception

OPTIONS = ContextOptions()


def only_text(obj, label="x", options=OPTIONS) -> str:
    blocks = to_blocks(obj, label, options)
    assert len(blocks) == 1 and blocks[0]["type"] == "text"
    assert blocks[0]["text"].strip()
    return blocks[0]["text"]


@pytest.mark.parametrize(
    "value, expected",
    [
        (42, "42"),
        (-1.5, "-1.5"),
        (True, "True"),
        (None, "None"),
        (1 + 2j, "(1+2j)"),
        (decimal.Decimal("1.10"), "1.10"),
        (fractions.Fraction(1, 3), "1/3"),
        (datetime.date(2024, 2, 29), "2024-02-29"),
        ("Ada Lovelace", "Ada Lovelace"),
        ((1, "a"), "(1, 'a')"),
        ([1, 2, 3], "[1, 2, 3]"),
        ({"b": 1, "a": 2}, "{'b': 1, 'a': 2}"),
    ],
)
def test_short_values_are_inline_text(value, expected) -> None:
    assert only_text(value) == expected


def test_huge_int_does_not_raise() -> None:
    text = only_text(10**10000)
    assert "decimal digits" in text or text.isdigit()


def test_long_string_is_framed_and_truncated_with_its_size() -> None:
    value = "".join(f"line {i}: " + "é" * 40 + "\n" for i in range(3000))
    text = only_text(value, "log")
    assert utf8_len(text) <= OPTIONS.max_text_bytes
    assert text.startswith(f"log: str, {len(value):,} chars, 3,000 lines\n```\nline 0: ")
    assert f"[truncated, {len(value):,} chars total]" in text
    assert text.endswith("\n```")


def test_a_100k_char_single_line_string_stays_within_the_budget() -> None:
    value = "x" * 100_000
    text = only_text(value)
    assert utf8_len(text) <= OPTIONS.max_text_bytes
    assert "[truncated, 100,000 chars total]" in text


def test_text_containing_fences_cannot_close_the_frame() -> None:
    value = "before\n```\nafter\n````\nend"
    text = only_text(value, "md")
    fence = text.split("\n")[1]
    assert fence == "`````"
    assert text.endswith("\n" + fence)


def test_whitespace_string_is_shown_as_repr() -> None:
    assert "'   '" in only_text("   ")


def test_bytes_that_are_not_media_show_a_bounded_prefix() -> None:
    data = bytes(range(256)) * 100
    text = only_text(data, "blob")
    assert text.startswith("blob: bytes, 25,600 bytes\n")
    assert "[25,600 bytes total]" in text
    assert utf8_len(text) <= OPTIONS.max_text_bytes


def test_big_containers_are_bounded_cheaply() -> None:
    big = list(range(1_000_000))
    text = only_text(big, "ids")
    assert text.startswith("ids: list, 1,000,000 items\n")
    assert "..." in text and len(text) < 2000
    nested = {f"k{i}": {"inner": list(range(100)), "s": "v" * 1000} for i in range(100)}
    text = only_text(nested, "cfg")
    assert text.startswith("cfg: dict, 100 keys\n")
    assert utf8_len(text) <= OPTIONS.max_text_bytes


def test_dict_subclasses_keep_their_bounds() -> None:
    counts = collections.OrderedDict((i, "v" * 500) for i in range(1000))
    assert utf8_len(only_text(counts)) <= 20_000  # reprlib bounds, not a 500 KB repr


def test_sets_are_deterministic_regardless_of_hash_order() -> None:
    assert only_text({"pear", "apple", "fig"}) == "{'apple', 'fig', 'pear'}"


class Opaque:
    pass


class Chatty:
    def __repr__(self) -> str:
        return "Chatty(" + "word " * 10_000 + ")"


class Broken:
    def __repr__(self) -> str:
        raise RuntimeError("no repr today")


def test_unknown_objects() -> None:
    assert only_text(Opaque()) == f"<{__name__}.Opaque object>"
    chatty = only_text(Chatty(), "c")
    assert chatty.startswith(f"c: {__name__}.Chatty\n```\nChatty(word word")
    assert "[truncated, 50,008 chars total]" in chatty
    assert utf8_len(chatty) <= OPTIONS.max_text_bytes
    assert "repr() failed: RuntimeError: no repr today" in only_text(Broken())


def test_budget_is_configurable() -> None:
    small = ContextOptions(max_text_bytes=300)
    text = only_text("y" * 5000, "s", small)
    assert utf8_len(text) <= 300


@pytest.mark.parametrize(
    "field, value",
    [
        ("max_text_bytes", 10),
        ("max_rows", 0),
        ("max_image_edge", True),
        ("max_image_megapixels", 0),
        ("image_format", "gif"),
        ("max_columns", 2.5),
    ],
)
def test_options_are_validated(field, value) -> None:
    with pytest.raises(ValueError, match=field):
        ContextOptions(**{field: value})


# -- helpers -----------------------------------------------------------------------------


def test_clip_utf8_never_splits_a_character() -> None:
    text = "aé€😀" * 10
    for limit in range(0, 60):
        clipped = clip_utf8(text, limit)
        assert utf8_len(clipped) <= limit
        assert text.startswith(clipped)


def test_truncate_notes_the_original_size() -> None:
    assert truncate("short", 100) == "short"
    cut = truncate("\n".join(["row"] * 100), 60, what="lines")
    assert utf8_len(cut) <= 60
    assert cut.endswith("[truncated, 100 lines total]")


def test_framed_respects_its_limit() -> None:
    for limit in (80, 200, 1000):
        text = framed("name", "kind", "z" * 5000, limit)
        assert utf8_len(text) <= limit


def test_fit_sections_trims_the_largest_parts_first() -> None:
    small = Section("Small:", ["a", "b"])
    large = Section("Large:", [f"row {i}" for i in range(500)], keep=1, unit="rows")
    text = fit_sections([small, large], 400)
    assert utf8_len(text) <= 400
    assert text.startswith("Small:\na\nb\n\nLarge:\nrow 0\n")
    assert "more rows omitted]" in text
    # a budget that fits everything changes nothing
    assert "omitted" not in fit_sections([small, large], 100_000)


# -- exceptions --------------------------------------------------------------------------


def raise_chain():
    try:
        {}["missing"]
    except KeyError as error:
        raise ValueError("could not load\x1b[31m config\x1b[0m") from error


def test_exception_chain_is_rendered_oldest_first() -> None:
    with pytest.raises(ValueError) as info:
        raise_chain()
    text = format_exception(info.value, 4096)
    first, second = text.split("The above exception was the direct cause of the following exception:")
    assert "KeyError: 'missing'" in first
    assert 'File "' in first and ', in raise_chain\n    {}["missing"]' in first
    assert second.rstrip().endswith("ValueError: could not load config")
    assert "\x1b" not in text


def test_exception_objects_in_the_namespace_are_tracebacks() -> None:
    with pytest.raises(ValueError) as info:
        raise_chain()
    text = only_text(info.value, "err")
    assert text.startswith("err: ValueError exception\n```\n")


def test_library_paths_are_shortened() -> None:
    def fake_site_frame():
        namespace: dict = {}
        code = compile("def boom():\n    raise OSError('disk')\n", "/home/someone/.venv/lib/python3.11/site-packages/lib/io.py", "exec")
        exec(code, namespace)
        namespace["boom"]()

    with pytest.raises(OSError) as info:
        fake_site_frame()
    text = format_exception(info.value, 4096)
    assert 'File "lib/io.py", line 2, in boom' in text
    assert "someone" not in text


def test_deep_distinct_stacks_are_cut_in_the_middle() -> None:
    source = "\n".join(f"def f{i}():\n    return f{i + 1}()" for i in range(300)) + "\ndef f300():\n    raise LookupError('deep')\n"
    namespace: dict = {}
    exec(compile(source, "deep.py", "exec"), namespace)
    with pytest.raises(LookupError) as info:
        namespace["f0"]()
    text = format_exception(info.value, 2048)
    assert utf8_len(text) <= 2048
    assert "in f0\n" in text  # the outermost call survives
    assert "in f300\n" in text  # and the innermost
    assert "lines omitted] ..." in text
    assert text.endswith("LookupError: deep")


def test_recursion_is_collapsed() -> None:
    def forever(n):
        return forever(n + 1)

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)
    try:
        with pytest.raises(RecursionError) as info:
            forever(0)
    finally:
        sys.setrecursionlimit(limit)
    text = format_exception(info.value, 4096)
    assert "[previous frame repeated" in text
    assert text.count("in forever") == 3


def test_huge_messages_are_bounded() -> None:
    error = RuntimeError("m" * 100_000)
    text = to_text(error, "e", ContextOptions(max_traceback_bytes=1024))
    assert utf8_len(text) <= 1024
