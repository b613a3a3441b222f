"""Questions that begin with a subcommand's word reach Claude; near misses cost nothing.

Real kernel, fake API: a question is proven sent by the request the fake recorded, a
subcommand by its output and by the absence of any request.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.kernel


def user_text(fake) -> str:
    sent = [r for r in fake.requests if r.path == "/v1/messages"]
    assert sent, "nothing was sent"
    content = sent[-1].json["messages"][-1]["content"]
    return "".join(b.get("text", "") for b in content if b["type"] == "text")


@pytest.mark.parametrize(
    "question",
    [
        "new features in pandas 2, what are they?",
        "system design for a cache?",
        "history of the Python GIL?",
        "usage of groupby with several keys?",
        "model of the universe, briefly?",
        "save me from this error",
        "help me read a traceback",
        "chat about plots in general",
        "trim whitespace from column names, how?",
    ],
)
def test_a_question_starting_with_a_subcommand_word_is_asked(fresh, fake, question):
    before = fresh.run("%claude chats").stdout
    run = fresh.run(f"%claude {question}")
    assert run.status == "ok", run.error
    assert user_text(fake) == question
    assert fresh.run("%claude chats").stdout.replace("0 exchanges", "1 exchanges") == before.replace(
        "0 exchanges", "1 exchanges"
    )  # no conversation was created or switched to
    assert "system: " not in run.stdout


def test_the_system_prompt_is_untouched_by_a_question_about_systems(fresh, fake):
    fresh.run("%claude system design for a cache?")
    assert fresh.run("%claude system").stdout.strip() == "system: (none)"
    fresh.run("%claude hi")
    assert "system" not in [r for r in fake.requests if r.path == "/v1/messages"][-1].json


@pytest.mark.parametrize(
    "line, fragment",
    [
        ("%claude hisotry", "did you mean `%claude history`"),
        ("%claude usgae", "did you mean `%claude usage`"),
        ("%claude trim all", "Usage: %claude trim N"),
        ("%claude trim", "Usage: %claude trim N"),
        ("%claude save notes", "PATH.json"),
        ("%claude export", "PATH.md"),
        ("%claude system Be terse.", 'quote it: %claude system "Be terse."'),
        ("%%claude new\nWhat is a p-value?", "takes no cell body"),
    ],
)
def test_a_near_miss_is_a_usage_error_that_sends_nothing(fresh, fake, line, fragment):
    run = fresh.run(line)
    assert run.status == "error" and run.error["ename"] == "UsageError", run.error
    assert fragment in run.error["evalue"]
    assert fake.requests == []


def test_subcommands_still_work_when_the_rest_fits(fresh, fake, tmp_path):
    assert "Be terse." in fresh.run('%claude system "Be terse."').stdout
    assert fresh.run("%claude system --clear").stdout.strip() == "system: (none)"
    assert "Be kind." in fresh.run("%%claude system\nBe kind.").stdout
    fresh.run("%claude system --clear")
    assert "'plots'" in fresh.run("%claude new plots").stdout
    assert "* plots" in fresh.run("%claude chats").stdout
    fresh.run("%claude new default")
    assert fresh.run("%claude hello").status == "ok" and user_text(fake) == "hello"
    assert fresh.run("%claude trim 1").stdout.strip() == "Dropped 1 exchange(s)."
    assert fake.requests and len(fake.requests) == 1


@pytest.mark.parametrize("kind", ["line", "cell", "question mark"])
def test_a_reference_that_names_nothing_says_so_and_is_sent_as_written(fresh, fake, kind):
    code = {
        "line": "%claude Describe {nope} please",
        "cell": "%%claude\nDescribe {nope} please",
        "question mark": "%claude Describe {nope} please?",
    }[kind]
    run = fresh.run(code)
    assert run.status == "ok", run.error
    assert user_text(fake).startswith("Describe {nope} please")
    shown = run.html() + run.text()
    assert "{nope} names nothing in the notebook" in shown
    assert "{{nope}}" in shown
    again = fresh.run("x_known = 1\n")
    assert again.status == "ok"
    quiet = fresh.run("%claude Describe {x_known} and {{nope}}")
    assert "names nothing" not in quiet.html() + quiet.text()
