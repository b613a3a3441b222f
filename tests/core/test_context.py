"""build_content: which braces are references, where their content lands, and what stays literal."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from claude_magics.core.context import ContextError, ContextOptions, build_content, last_exception
from claude_magics.core.references import Reference, parse


@pytest.fixture
def png_bytes():
    """A function making a real PNG of the given size (made by Pillow, not by the code under test)."""
    image_module = pytest.importorskip("PIL.Image")

    def make(width: int, height: int) -> bytes:
        out = io.BytesIO()
        image_module.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
        return out.getvalue()

    return make


def text_of(blocks: list[dict]) -> str:
    assert all(b["type"] == "text" for b in blocks), blocks
    return "".join(b["text"] for b in blocks)


# -- literal braces: everything that is not a reference stays byte for byte ---------------

NAMESPACE = {"x": 42, "a": 1, "b": 2, "name": "Ada", "d": {"k": [1, 2]}, "n": 7}


@pytest.mark.parametrize(
    "prompt, expected",
    [
        ('config = {"a": 1, "b": [1, 2, {"c": null}]}', 'config = {"a": 1, "b": [1, 2, {"c": null}]}'),
        ("d = {'a': 1, 'b': 2}", "d = {'a': 1, 'b': 2}"),
        ("s = {a, b}", "s = {a, b}"),
        ("total = {x:.2f} and {x!r} and {x=}", "total = {x:.2f} and {x!r} and {x=}"),
        ("{ x } and {x }", "{ x } and {x }"),
        (r"$\frac{a}{b} + x^{n} + x_{i} + \mathbf{x}$", r"$\frac{a}{b} + x^{n} + x_{i} + \mathbf{x}$"),
        ("echo ${x} and #{x} and %{x} and @{x}", "echo ${x} and #{x} and %{x} and @{x}"),
        ("{nope} {nope.attr} {x.nope} {d['missing']} {d[5]}", "{nope} {nope.attr} {x.nope} {d['missing']} {d[5]}"),
        ("def f():\n    return {}\n", "def f():\n    return {}\n"),
        ("{1} {x.1} {x[} {x[]} {x['a} {!} {!nope}", "{1} {x.1} {x[} {x[]} {x['a} {!} {!nope}"),
        ('print(f"{x} items")', 'print(f"{x} items")'),
        ("print('{x}')", "print('{x}')"),
        ("{{x}}", "{x}"),
        ("{{}} and }} and {{", "{} and } and {"),
        ("{{{x}}}", "{42}"),
        ("nested {{a: {b: {c}}}}", "nested {a: {b: {c}}}"),
    ],
)
def test_text_that_is_not_a_reference_stays_literal(prompt: str, expected: str) -> None:
    assert text_of(build_content(prompt, NAMESPACE)) == expected


def test_markdown_code_is_verbatim_even_with_known_names_and_escapes() -> None:
    prompt = (
        "Why does this fail with {x}?\n"
        "```python\n"
        'msg = f"{x} rows, {{literal}}"\n'
        "```\n"
        "and inline `{x} {{x}}` code, ``double `{x}` ticks``, then {x} again."
    )
    expected = (
        "Why does this fail with 42?\n"
        "```python\n"
        'msg = f"{x} rows, {{literal}}"\n'
        "```\n"
        "and inline `{x} {{x}}` code, ``double `{x}` ticks``, then 42 again."
    )
    assert text_of(build_content(prompt, NAMESPACE)) == expected


def test_unclosed_fence_runs_to_the_end_but_stray_backticks_do_not() -> None:
    assert text_of(build_content("a {x}\n~~~\n{x}", NAMESPACE)) == "a 42\n~~~\n{x}"
    assert text_of(build_content("it's a ` tick, {x}", NAMESPACE)) == "it's a ` tick, 42"
    # an inline span does not reach across a blank line
    assert text_of(build_content("`open\n\n{x} `", NAMESPACE)) == "`open\n\n42 `"


def test_code_nested_in_a_list_or_quote_is_verbatim_as_the_renderer_sees_it() -> None:
    prompt = "Steps, {x}:\n\n1. run\n\n    ```python\n    print({x})\n    ```\n\n> ~~~\n> {x}\n> ~~~\n"
    expected = "Steps, 42:\n\n1. run\n\n    ```python\n    print({x})\n    ```\n\n> ~~~\n> {x}\n> ~~~\n"
    assert text_of(build_content(prompt, NAMESPACE)) == expected
    # four spaces outside a list are an indented code block, not a fence: the braces there are prose
    assert text_of(build_content("a\n\n    ```\n    {x}\n", NAMESPACE)) == "a\n\n    ```\n    42\n"


def test_adjacent_references_and_punctuation_resolve() -> None:
    prompt = "({x}), {x}.{n}; [{name}]! {x}{n} '{x}'"
    assert text_of(build_content(prompt, NAMESPACE)) == "(42), 42.7; [Ada]! 427 '{x}'"


def test_a_brace_glued_to_a_word_is_not_a_reference() -> None:
    assert text_of(build_content("ab{x} x{x} _{x} 1{x}", NAMESPACE)) == "ab{x} x{x} _{x} 1{x}"


# -- parsing ----------------------------------------------------------------------------


def test_parse_splits_paths_into_steps() -> None:
    (ref,) = parse("{df['a b'].iloc[3][\"c\"]}")
    assert isinstance(ref, Reference)
    assert ref.name == "df"
    assert ref.steps == (("item", "a b"), ("attr", "iloc"), ("item", 3), ("item", "c"))
    assert ref.label == "df['a b'].iloc[3][\"c\"]"
    (error,) = parse("{!error}")
    assert error.special == "error" and error.name == ""


# -- resolution --------------------------------------------------------------------------


class Model:
    coef = [0.5, 1.5]
    __secret__ = "hidden"

    @property
    def broken(self):
        raise RuntimeError("property failed")


def test_attribute_item_and_history_lookups() -> None:
    ns = {"m": Model(), "Out": {3: "third output"}, "In": ["", "x = 1", "y = 2"], "_": "last", "__": "before"}
    assert text_of(build_content("{m.coef} {m.coef[1]} {m.coef[-1]}", ns)) == "[0.5, 1.5] 1.5 1.5"
    assert text_of(build_content("{Out[3]} / {In[2]} / {_} / {__}", ns)) == "third output / y = 2 / last / before"


def test_dunder_attributes_and_failing_properties_stay_literal() -> None:
    ns = {"m": Model()}
    assert text_of(build_content("{m.__secret__} {m.__class__} {m.broken}", ns)) == "{m.__secret__} {m.__class__} {m.broken}"


def test_environment_is_never_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAUDE_MAGICS_TEST_SECRET", "sk-do-not-send")
    ns = {"os": os, "env": os.environ}
    prompt = "{os.environ} {env} {os.environ['CLAUDE_MAGICS_TEST_SECRET']} {env['CLAUDE_MAGICS_TEST_SECRET']}"
    out = text_of(build_content(prompt, ns))
    assert out == prompt
    assert "sk-do-not-send" not in out


def test_lookup_never_evaluates_code() -> None:
    calls = []

    class Spy:
        def __getattr__(self, name):
            calls.append(name)
            raise AttributeError(name)

    ns = {"s": Spy(), "__import__": __import__}
    prompt = "{s.run()} {__import__('os')} {s[0].x()}"
    assert text_of(build_content(prompt, ns)) == prompt
    assert calls == []


# -- placement ---------------------------------------------------------------------------


def test_multiline_content_sits_on_its_own_lines_and_text_merges() -> None:
    ns = {"code": "import pandas as pd\ndf = pd.read_csv('x.csv')\n"}
    blocks = build_content("Explain {code} briefly.", ns)
    assert len(blocks) == 1
    text = blocks[0]["text"]
    assert text.startswith("Explain \ncode: str, 46 chars, 2 lines\n```\nimport pandas as pd\n")
    assert text.endswith("```\n briefly.")


def test_images_become_separate_blocks_in_prompt_order(png_bytes) -> None:
    ns = {"first": png_bytes(20, 10), "second": png_bytes(30, 12)}
    blocks = build_content("Compare {first} with {second}.", ns)
    assert [b["type"] for b in blocks] == ["text", "image", "text", "image", "text"]
    assert blocks[0]["text"] == "Compare [image: first (bytes, 20x10 png)]"
    assert blocks[2]["text"] == " with [image: second (bytes, 30x12 png)]"
    assert blocks[4]["text"] == "."


def test_repeated_reference_is_sent_once(png_bytes) -> None:
    ns = {"img": png_bytes(16, 16), "n": 3}
    blocks = build_content("{img} then {img} and {n}, {n}", ns)
    assert [b["type"] for b in blocks] == ["text", "image", "text"]
    assert blocks[2]["text"] == " then [img: see above] and 3, 3"


def test_empty_and_whitespace_only_results_give_no_blocks(png_bytes) -> None:
    assert build_content("", {}) == []
    assert build_content("   \n\t ", {}) == []
    blocks = build_content("  {img}  \n", {"img": png_bytes(8, 8)})
    assert [b["type"] for b in blocks] == ["text", "image"]  # the trailing whitespace block is dropped
    for block in blocks:
        if block["type"] == "text":
            assert block["text"].strip()


def test_empty_string_object_is_visible_not_empty() -> None:
    text = text_of(build_content("value: {s}", {"s": ""}))
    assert "''" in text


# -- the last error and the current figure -----------------------------------------------


@pytest.fixture
def shell():
    interactive = pytest.importorskip("IPython.core.interactiveshell")
    shell = interactive.InteractiveShell.instance()
    saved = {name: getattr(sys, name) for name in ("last_type", "last_value", "last_traceback") if hasattr(sys, name)}
    yield shell
    for name in ("last_type", "last_value", "last_traceback"):
        if name in saved:
            setattr(sys, name, saved[name])
        elif hasattr(sys, name):
            delattr(sys, name)


def test_last_error_from_a_real_cell(shell) -> None:
    shell.run_cell("def load(rows):\n    return rows['price']\n", store_history=True)
    result = shell.run_cell("data = {'cost': 1}\nload(data)", store_history=True)
    assert isinstance(result.error_in_exec, KeyError)
    assert last_exception() is result.error_in_exec

    text = text_of(build_content("Why? {!error}", shell.user_ns, shell=shell))
    assert text.startswith("Why? \nlast error: KeyError exception\n```\nTraceback (most recent call last):\n")
    cell = f"Cell In[{shell.execution_count - 1}]"
    assert f"  {cell}, line 2, in <module>\n    load(data)\n" in text
    assert "in load\n    return rows['price']\n" in text
    assert text.endswith("KeyError: 'price'\n```")
    assert "interactiveshell.py" not in text  # IPython's own frames are dropped
    assert "\x1b[" not in text


def test_last_error_without_shell_uses_file_names_and_strips_ansi(shell) -> None:
    shell.run_cell("raise ValueError('\\x1b[31mred\\x1b[0m alert')")
    text = text_of(build_content("{!error}", {}))
    assert "ValueError: red alert" in text
    assert "\x1b" not in text


def test_last_error_when_there_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("last_value", "last_exc"):
        monkeypatch.delattr(sys, name, raising=False)
    text = text_of(build_content("{!error}", {}))
    assert text == "[last error: none - no exception has been raised in this session]"


def test_error_is_not_shadowed_by_a_variable_named_error(shell) -> None:
    shell.run_cell("1/0")
    text = text_of(build_content("{error} vs {!error}", {"error": 0.25}))
    assert text.startswith("0.25 vs \nlast error: ZeroDivisionError exception")


def test_current_figure_special() -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.close("all")
    note = text_of(build_content("{!figure}", {}))
    assert note.startswith("[current figure: none")
    assert plt.get_fignums() == []  # asking did not create one
    fig = plt.figure(figsize=(2, 1), dpi=50)
    try:
        blocks = build_content("{!figure}", {})
        assert [b["type"] for b in blocks] == ["text", "image"]
        assert blocks[0]["text"].startswith("[image: current figure (matplotlib Figure, ")
        assert plt.fignum_exists(fig.number)  # not closed
    finally:
        plt.close(fig)


# -- errors, options, determinism, imports ------------------------------------------------


def test_context_error_propagates_for_objects_that_cannot_be_sent() -> None:
    options = ContextOptions(max_document_bytes=100)
    with pytest.raises(ContextError, match="PDF"):
        build_content("{doc}", {"doc": b"%PDF-1.4\n" + b"0" * 200}, options=options)
    assert issubclass(ContextError, ValueError)


def test_same_namespace_gives_identical_blocks(png_bytes) -> None:
    ns = {"img": png_bytes(40, 30), "s": {3, 1, 2}, "o": object(), "t": ("a", 1.5)}
    prompt = "{img} {s} {o} {t}"
    first = build_content(prompt, ns)
    assert build_content(prompt, ns) == first
    assert " at 0x" not in text_of([b for b in first if b["type"] == "text"])


def test_importing_context_loads_no_optional_library() -> None:
    code = (
        "import sys, claude_magics.core.context, claude_magics.core.convert;"
        "loaded = [m for m in ('pandas', 'numpy', 'matplotlib', 'PIL', 'IPython') if m in sys.modules];"
        "print(','.join(loaded))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_plain_values_do_not_load_optional_libraries() -> None:
    code = (
        "import sys\n"
        "from claude_magics.core.context import build_content\n"
        "build_content('{a} {b} {c} {d}', {'a': 1, 'b': [1, 2], 'c': 'x' * 500, 'd': b'\\x89PNG'})\n"
        "print(','.join(m for m in ('pandas', 'numpy', 'matplotlib', 'PIL') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_a_slow_repr_is_abandoned_within_the_time_limit_and_named():
    import time

    from claude_magics.core.context import ContextError

    class Slow:
        def __repr__(self):
            time.sleep(30)
            return "never"

    class SlowProperty:
        @property
        def value(self):
            time.sleep(30)

    options = ContextOptions(max_seconds=0.3)
    for prompt, ref in (("Look at {x}", "{x}"), ("and {y.value}", "{y.value}")):
        started = time.monotonic()
        with pytest.raises(ContextError, match=r"took more than 0.3 s") as caught:
            build_content(prompt, {"x": Slow(), "y": SlowProperty()}, options=options)
        assert time.monotonic() - started < 1.0
        assert str(caught.value).startswith(ref)
    assert build_content("fine {n}", {"n": 3}, options=options) == [{"type": "text", "text": "fine 3"}]


def test_a_huge_array_is_summarised_from_a_sample_in_bounded_time_and_memory():
    import resource
    import time

    np = pytest.importorskip("numpy")
    from claude_magics.core.convert.arrays import SAMPLE_VALUES

    big = np.zeros((6000, 6000))  # 36 M values; a whole-array pass would copy 288 MB
    big[::7] = np.nan
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    text = build_content("{big}", {"big": big})[0]["text"]
    elapsed = time.monotonic() - started
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert f"evenly spaced sample of {SAMPLE_VALUES:,}" in text and "NaN" in text
    assert elapsed < 1.5 and grown_mb < 100, (elapsed, grown_mb)


def test_secret_shapes_in_data_are_masked_and_said():
    from claude_magics.core.context import resolve_prompt

    aws, jwt = "AKIAIOSFODNN7EXAMPLE", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
    log = f"user=ana key={aws} session={jwt}\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----"
    resolved = resolve_prompt("What is in {log}?", {"log": log})
    sent = resolved.blocks[0]["text"]
    assert aws not in sent and jwt not in sent and "MIIEow" not in sent
    assert "[redacted: AWS access key id]" in sent and "user=ana" in sent
    (note,) = resolved.redactions
    assert note.startswith("{log}: masked what looks like secrets") and "1 AWS access key id" in note
    unmasked = resolve_prompt("{log}", {"log": log}, options=ContextOptions(scan_secrets=False))
    assert aws in unmasked.blocks[0]["text"] and unmasked.redactions == ()


def test_sensitive_columns_are_summarised_without_their_values():
    pd = pytest.importorskip("pandas")
    from claude_magics.core.context import resolve_prompt

    users = pd.DataFrame({"name": ["ana", "bo"], "Password_Hash": ["$2b$12$abcdefghijk", None],
                          "email": ["a@x.org", "b@y.org"]})
    resolved = resolve_prompt("{users}", {"users": users},
                              options=ContextOptions(redact_columns=("*password*", "email")))
    text = resolved.blocks[0]["text"]
    assert "$2b$12$" not in text and "a@x.org" not in text and "ana" in text
    assert "Password_Hash" in text and "[redacted]" in text
    assert resolved.redactions == ("{users}: the values of Password_Hash, email were masked (ClaudeMagics.redact_columns).",)
    assert users["email"][0] == "a@x.org"  # the notebook's frame is untouched
    default = resolve_prompt("{users}", {"users": users})
    assert "$2b$12$" not in default.blocks[0]["text"] and "a@x.org" in default.blocks[0]["text"]
