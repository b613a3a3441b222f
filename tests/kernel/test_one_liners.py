"""``%claude`` one-liners follow exactly the cell rules: what is SENT, seen by the fake API.

IPython expands ``{expr}`` and ``$name`` in a line magic's line before the magic sees it,
unless the magic opts out. These tests run a real kernel and read the request bodies the
fake received, so any evaluation or environment read on the way would show.
"""

from __future__ import annotations

import pytest

from .conftest import TEST_KEY

pytestmark = pytest.mark.kernel


def messages_sent(fake) -> list[dict]:
    return [r for r in fake.requests if r.path == "/v1/messages"]


def last_content(fake) -> list[dict]:
    return messages_sent(fake)[-1].json["messages"][-1]["content"]


def last_text(fake) -> str:
    return "".join(b.get("text", "") for b in last_content(fake) if b["type"] == "text")


@pytest.fixture(scope="module")
def objects(kernel):
    run = kernel.run(
        "import os\n"
        "import pandas as pd\n"
        "import matplotlib.pyplot as plt\n"
        "df = pd.DataFrame({'species': ['Adelie', 'Gentoo', None], 'mass': [3700.0, None, 5000.0]})\n"
        "fig, ax = plt.subplots()\n"
        "ax.plot([1, 3, 2]);\n"
        "price = 5\n"
    )
    assert run.status == "ok", run.error
    return kernel


def test_the_environment_is_never_expanded_into_a_one_liner(objects, fake):
    fake.reset()
    run = objects.run("%claude --no-history Please explain {os.environ}")
    assert run.status == "ok", run.error
    body = messages_sent(fake)[-1].body
    assert TEST_KEY.encode() not in body and b"ANTHROPIC_BASE_URL" not in body
    assert last_text(fake) == "Please explain {os.environ}"


def test_the_options_line_of_a_cell_is_not_expanded_either(objects, fake):
    fake.reset()
    run = objects.run("%%claude --no-history -s '{os.environ} $price'\nHi")
    assert run.status == "ok", run.error
    sent = messages_sent(fake)[-1]
    assert sent.json["system"] == "{os.environ} $price"
    assert TEST_KEY.encode() not in sent.body


@pytest.mark.parametrize(
    "prompt, expected",
    [
        ("What is {1+1}", "What is {1+1}"),
        ("Is $price a lot", "Is $price a lot"),
        ("Is $price a lot?", "Is $price a lot?"),  # the `?` input transform's path
        ("What is {1+1}?", "What is {1+1}?"),
        ("Call {len(df)} now", "Call {len(df)} now"),
    ],
)
def test_nothing_is_evaluated_in_a_one_liner(objects, fake, prompt, expected):
    fake.reset()
    run = objects.run(f"%claude --no-history {prompt}")
    assert run.status == "ok", run.error
    assert last_text(fake) == expected


@pytest.mark.parametrize(
    "prompt",
    [
        "Describe {df}",
        "Why is {df} empty?",
        "What does {fig} show?",
        "Compare {df['mass']} with {price} and {{df}}",
        "Explain {os.environ} and {1+1} and $price",
    ],
)
def test_a_one_liner_sends_exactly_what_the_same_cell_sends(objects, fake, prompt):
    fake.reset()
    line = objects.run(f"%claude --no-history {prompt}")
    assert line.status == "ok", line.error
    from_line = last_content(fake)
    cell = objects.run(f"%%claude --no-history\n{prompt}")
    assert cell.status == "ok", cell.error
    assert from_line == last_content(fake)
    kinds = [b["type"] for b in from_line]
    if "{fig}" in prompt:
        assert "image" in kinds  # not the text "Figure(640x480)"
    if "{df}" in prompt.replace("{{df}}", ""):
        assert "Figure(" not in last_text(fake) and "species" in last_text(fake)
