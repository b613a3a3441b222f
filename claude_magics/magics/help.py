"""The text ``%%claude?`` and ``%claude?`` show: plain text, as a person reads it in a notebook.

IPython's ``magic_arguments`` writes a magic's help for Sphinx: a ``::`` literal block
around the usage, ``<[BUDGET]>`` placeholders, and the docstring's reStructuredText
(double backticks) as is. In a notebook's pager those are noise. ``plain_help`` rebuilds
the help from the same parser, so the options listed are exactly those the magic accepts
(an option that does not work yet is not declared, hence not advertised).
"""

from __future__ import annotations

import argparse
from textwrap import dedent

__all__ = ["DESCRIPTION", "plain_help"]

USAGE = """%%claude [options]            (the cell body is the question)
       %claude [options] QUESTION
       %claude SUBCOMMAND [ARGS]     (%claude help lists them)"""

DESCRIPTION = """\
Ask Claude. The cell body (or the rest of the line) is the question, and the
conversation continues across cells; --new starts afresh. A cell whose request
is unchanged (a re-run notebook) shows its stored answer at no cost, marked
Replayed; --refresh asks again.

{name} puts a variable of the notebook into the question: a DataFrame as a
bounded summary, a figure or image as an image, anything else as a bounded repr.
Also {df.dtypes}, {df['col']}, {Out[3]}, {_}, {!error} (the last exception, as a
short traceback) and {!figure} (the current matplotlib figure). Nothing is
evaluated and the environment is never read; braces around anything else stay as
they are, {{ and }} are literal braces, and a {name} that names nothing is sent
as written with a notice.

--map DATA runs the question over every row of DATA instead (claude_magics.map),
and --into stores the result:
  %%claude --map df['review'] --into df['sentiment'] --labels positive,negative

Subcommands:
{subcommands}

Settings (defaults for the options): %config ClaudeMagics
"""


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """argparse's own layout, with the description kept as written."""

    def _fill_text(self, text, width, indent):
        return super()._fill_text(dedent(text), width, indent)


def plain_help(func):
    """Replace the help ``magic_arguments`` wrote on ``func`` with plain text (apply above it)."""
    from .subcommands import SUBCOMMANDS

    width = max(len(f"{c.name} {c.syntax}") for c in SUBCOMMANDS.values())
    subcommands = "\n".join(
        f"  %claude {f'{c.name} {c.syntax}':<{width}}  {c.help}" for c in SUBCOMMANDS.values()
    )
    parser = func.parser
    parser.usage = USAGE.replace("%", "%%")  # argparse formats usage with %
    parser.description = DESCRIPTION.replace("{subcommands}", subcommands)
    parser.formatter_class = _Formatter
    func.__doc__ = parser.format_help()
    return func
