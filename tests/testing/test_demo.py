"""The offline demo answers like an assistant: an analysis, a description, code - never only an echo."""

from __future__ import annotations

import ast
import re

from claude_magics.testing import DEMO_NOTICE
from claude_magics.testing.demo import asks_for_code, frames_in

from .helpers import body, image_block, png

SALES = """sales: pandas DataFrame, 8 rows x 3 columns, 324 bytes
```
Index: RangeIndex start=0 stop=8 step=1

Columns (3):
   #  column   dtype           nulls
   0  month    datetime64[us]  0
   1  region   str             1 (12.5%)
   2  revenue  float64         1 (12.5%)

All 8 rows:
       month region  revenue
0 2026-01-01  north    120.5
```"""

MISSING = """missing: pandas Series, 4 values, dtype int64
```
Index: Index, dtype str, first: species, island, sex
Nulls: 0

All 4 values:
species     0
island      0
sex        11
bill_mm     2
```"""

TRACEBACK = """last error: ValueError exception
```
Traceback (most recent call last):
  Cell In[10], line 1, in <module>
    int(sales.loc[0, "region"])
ValueError: invalid literal for int() with base 10: 'north'
```"""


def answer_text(client, request: dict) -> str:
    response = client.post("/v1/messages", json=request)
    assert response.status_code == 200, response.text
    return response.json()["content"][0]["text"]


def the_answer(text: str) -> str:
    """What follows the notice and the list of what arrived."""
    assert text.startswith(DEMO_NOTICE)
    return text.split("\n- No system prompt.\n", 1)[-1] if "No system prompt" in text else text


def code_of(text: str) -> str:
    blocks = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    assert len(blocks) == 1, text
    ast.parse(blocks[0])  # valid Python, ready for a new cell
    return blocks[0]


def test_a_dataframe_summary_gets_an_analysis_from_its_own_lines(client):
    text = the_answer(answer_text(client, body(f"What stands out in \n{SALES}\n? Any data quality problems?")))
    assert "**`sales`** has 8 rows and 3 columns" in text
    assert "`region` (str)" in text and "`revenue` (float64)" in text
    assert "2 columns have missing values: `region` 1 (12.5%), `revenue` 1 (12.5%)" in text
    assert "```" not in text, "the summary's own fence is not pasted code"


def test_a_series_gets_its_largest_values(client):
    text = the_answer(answer_text(client, body(f"The counts are {MISSING}. Drop or impute?")))
    assert "**`missing`** is a Series of 4 values (int64)" in text
    assert "2 of 4 are zero; the largest: `sex` (11), `bill_mm` (2)" in text


def test_an_image_is_described_by_format_and_size(client):
    content = [{"type": "text", "text": "Describe the trend in"}, image_block(png(530, 295))]
    text = the_answer(answer_text(client, body(messages=[{"role": "user", "content": content}])))
    assert "wide PNG of 530 x 295 px" in text and "cannot look at it" in text


def test_a_traceback_gets_its_exception_named(client):
    text = the_answer(answer_text(client, body(f"Explain {TRACEBACK} and how to fix it.")))
    assert "**`ValueError`**: invalid literal for int() with base 10: 'north'" in text
    assert "```" not in text


def test_asking_for_code_gets_code_over_the_conversations_dataframe(client):
    history = [
        {"role": "user", "content": f"Look at {SALES}"},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": "Write code that plots revenue by region as a bar chart."},
    ]
    text = answer_text(client, body(messages=history))
    code = code_of(text)
    assert "sales.groupby('region')['revenue']" in code and ".plot.bar()" in code
    assert "using `sales` from this conversation" in text


def test_code_aggregates_what_the_question_names():
    from claude_magics.testing.demo import best_frame, demo_code

    penguins = frames_in(
        "penguins: pandas DataFrame, 3 rows x 3 columns, 1 KB\n```\nColumns (3):\n   #  column  dtype  nulls\n"
        "   0  species      str      0\n   1  sex          str      1 (33.3%)\n   2  body_mass_g  float64  0\n```"
    )
    question = "Write pandas code that compares body mass between sexes within each species (mean, std, count)."
    code = demo_code(question, best_frame(question, penguins + frames_in(SALES)))
    assert code.startswith("summary = penguins.groupby(['species', 'sex'])['body_mass_g'].agg(['mean', 'std', 'count'])")


def test_code_without_any_dataframe_is_still_a_runnable_block(client):
    code = code_of(answer_text(client, body("Give me a function to parse dates")))
    assert "import pandas" in code


def test_a_plain_question_says_where_claudes_answer_would_be(client):
    text = the_answer(answer_text(client, body("In two sentences: what is exploratory data analysis for?")))
    assert "Claude's answer to your question would stream in here" in text
    assert "exploratory" not in text, "the answer itself does not repeat the question"


def test_what_counts_as_a_request_for_code():
    assert asks_for_code("Write code that plots revenue")
    assert asks_for_code("a function to parse dates, please")
    assert asks_for_code("Write pandas code that compares body mass")
    assert not asks_for_code("Why does this code fail?")
    assert not asks_for_code("What stands out in the data?")


def test_pasted_code_comes_back_as_the_renderer_reads_it(client):
    """A fence nested in a list item is found and de-indented, like the rendered answer shows it."""
    question = "Why does this fail?\n\n1. My loop:\n\n   ```python\n   for row in rows:\n       total += row\n   ```\n"
    code = code_of(answer_text(client, body(question)))
    assert code == "for row in rows:\n    total += row\n"
