"""The magic's pure helpers: option splitting, the question-mark transform, code extraction."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from claude_magics.magics.parsing import code_blocks, keep_question_marks, split_leading_options
from claude_magics.magics.magic import ClaudeMagics

PARSER = ClaudeMagics.claude.parser


@pytest.mark.parametrize(
    "line, tokens, rest",
    [
        ("What's in {df}?", [], "What's in {df}?"),
        ("-m haiku What's up?", ["-m", "haiku"], "What's up?"),
        ("--temperature 0.5 --stop END -s 'Be terse.' Why?", ["--temperature", "0.5", "--stop", "END", "-s", "'Be terse.'"], "Why?"),
        ("--thinking 2048 prove it", ["--thinking", "2048"], "prove it"),
        ("--thinking prove it", ["--thinking"], "prove it"),
        ("--new --code -- --flag-like question", ["--new", "--code"], "--flag-like question"),
        ("--max-tokens=100 hi", ["--max-tokens=100"], "hi"),
        ("-5 is negative, why?", [], "-5 is negative, why?"),
        ("", [], ""),
    ],
)
def test_split_leading_options(line, tokens, rest):
    assert split_leading_options(line, PARSER) == (tokens, rest)


def test_unknown_options_are_refused():
    with pytest.raises(UsageError, match="Unknown option '--bogus'"):
        split_leading_options("--bogus hi", PARSER)


@pytest.mark.parametrize(
    "lines, expected",
    [
        (["%claude Why is {df} empty?\n"], ["get_ipython().run_line_magic('claude', 'Why is {df} empty?')\n"]),
        (["  %claude -m haiku isn't it?"], ["  get_ipython().run_line_magic('claude', \"-m haiku isn't it?\")"]),
        (["%claude?\n"], ["%claude?\n"]),  # help on the magic itself
        (["%claude??\n"], ["%claude??\n"]),
        (["%claude no question mark\n"], ["%claude no question mark\n"]),
        (["%%claude\n", "%claude inside a cell magic?\n"], ["%%claude\n", "%claude inside a cell magic?\n"]),
        (["x = 1\n", "%claudeX foo?\n"], ["x = 1\n", "%claudeX foo?\n"]),
    ],
)
def test_question_marks_are_kept_for_claude(lines, expected):
    assert keep_question_marks(lines) == expected


def test_code_blocks_prefer_python():
    answer = "Text\n\n```bash\npip install x\n```\n\n```python\nimport x\n```\n\n~~~py\nx.run()\n~~~\n"
    assert code_blocks(answer) == ["import x", "x.run()"]
    assert code_blocks("```sql\nselect 1\n```") == ["select 1"]
    assert code_blocks("no code") == []


def test_code_blocks_are_the_fences_the_renderer_shows():
    nested = "1. Load it:\n\n   ```python\n   df = load()\n   ```\n2. Plot:\n   ```python\n   df.plot()\n   ```\n"
    assert code_blocks(nested) == ["df = load()", "df.plot()"]  # de-indented, as rendered
    assert code_blocks("Start:\n\n```python\nx = 1\nif x") == ["x = 1\nif x"]  # cut off by max_tokens
    assert code_blocks("````md\n```python\ninner\n```\n````") == ["```python\ninner\n```"]
