"""The subcommands' grammar: which lines are commands, which are questions, which are near misses."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from claude_magics.magics.subcommands import SUBCOMMANDS, match_subcommand


def matched(line, cell=None):
    found = match_subcommand(line, cell)
    return None if found is None else (found[0].name, found[1])


@pytest.mark.parametrize(
    "line",
    [
        "new features in pandas 2, what are they?",
        "system design for a cache?",
        "history of numpy?",
        "history?",
        "usage of groupby?",
        "model of the universe?",
        "help me with pandas",
        "save me from this error",
        "load balancing, how does it work?",
        "chat about plots in general",
        "config files in Jupyter?",
        "hello",
        "what",
        "Why",
        "hisotry?",
    ],
)
def test_questions_are_not_commands(line):
    assert matched(line) is None


@pytest.mark.parametrize(
    "line, cell, expected",
    [
        ("help", None, ("help", ())),
        ("new", None, ("new", (None,))),
        ("new plots", None, ("new", ("plots",))),
        ("reset", None, ("reset", (None,))),
        ("history", None, ("history", (None,))),
        ("history plots", None, ("history", ("plots",))),
        ("model", None, ("model", (None,))),
        ("model claude-haiku-4-5", None, ("model", ("claude-haiku-4-5",))),
        ("system", None, ("system", ("show", None))),
        ("system --clear", None, ("system", ("clear", None))),
        ('system "Be terse."', None, ("system", ("set", "Be terse."))),
        ("system 'Answer in French.'", None, ("system", ("set", "Answer in French."))),
        ("system", "Be kind.\n", ("system", ("set", "Be kind."))),
        ("trim 3", None, ("trim", (3,))),
        ("save chat.json", None, ("save", ("chat.json",))),
        ("load '~/my chats/a.json'", None, ("load", ("~/my chats/a.json",))),
        ("export chat.md", None, ("export", ("chat.md",))),
        ("usage", None, ("usage", ())),
        ("history", "", ("history", (None,))),  # an empty cell body is no body
    ],
)
def test_commands_whose_arguments_fit(line, cell, expected):
    assert matched(line, cell) == expected


@pytest.mark.parametrize(
    "line, cell, fragment",
    [
        ("hisotry", None, "did you mean `%claude history`"),
        ("histroy", None, "did you mean `%claude history`"),
        ("modle", None, "did you mean `%claude model`"),
        ("useage", None, "did you mean `%claude usage`"),
        ("trim", None, "Usage: %claude trim N"),
        ("trim all", None, "Usage: %claude trim N"),
        ("save notes", None, "Usage: %claude save PATH.json"),
        ("load", None, "Usage: %claude load PATH.json"),
        ("export chat.txt", None, "Usage: %claude export PATH.md"),
        ("system Be terse.", None, "quote it"),
        ("new", "What is a p-value?", "takes no cell body"),
        ("history", "question", "takes no cell body"),
    ],
)
def test_near_misses_are_usage_errors(line, cell, fragment):
    with pytest.raises(UsageError, match=fragment.replace("(", r"\(").replace("?", r"\?")):
        match_subcommand(line, cell)


def test_every_subcommand_has_a_method_and_a_usage_line():
    from claude_magics.magics.magic import ClaudeMagics

    for name, command in SUBCOMMANDS.items():
        assert callable(getattr(ClaudeMagics, "_cmd_" + name)), name
        assert command.usage.startswith("%claude " + name)
        assert command.help
