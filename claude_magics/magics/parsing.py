"""What a person typed after ``%claude``, made into options and a prompt; code out of an answer.

Pure functions, kept apart from the magic so they can be tested without a shell.
"""

from __future__ import annotations

import re
import shlex

from IPython.core.error import UsageError

__all__ = ["code_blocks", "keep_question_marks", "split_leading_options", "unquote"]

_TOKEN = re.compile(r"""\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\S+)""")


_QUESTION_LINE = re.compile(r"^([ \t]*)%claude([ \t].*?)?[ \t]*(\r?\n)?$")


def keep_question_marks(lines: list[str]) -> list[str]:
    """An input transform: ``%claude Why is {df} empty?`` asks Claude, not for help on ``df``.

    IPython reads a line ending in ``?`` as a request for help on the name before it,
    which would swallow most questions typed after ``%claude``. Rewriting such lines to
    the explicit ``run_line_magic`` call first leaves nothing for that rule to match;
    ``%claude?`` (help on the magic itself) and cell magics are left alone.
    """
    if lines and lines[0].lstrip().startswith("%%"):
        return lines
    out = []
    for line in lines:
        match = _QUESTION_LINE.match(line)
        args = (match.group(2) or "").strip() if match else ""
        if match and args.endswith("?") and args.strip("?").strip():
            indent, newline = match.group(1), match.group(3) or ""
            line = f"{indent}get_ipython().run_line_magic('claude', {args!r}){newline}"
        out.append(line)
    return out


def code_blocks(markdown: str) -> list[str]:
    """The fenced code in an answer: its Python blocks, else all of them, in order.

    The fences are the ones the renderer shows (``core.commonmark``): nested in a list item
    too, and a fence left open by ``max_tokens`` runs to the end.
    """
    from ..core.commonmark import PYTHON_LANGUAGES
    from ..core.commonmark import code_blocks as find_code

    blocks = [(b.language, b.code.rstrip("\n")) for b in find_code(markdown, indented=False)]
    python = [body for lang, body in blocks if lang in PYTHON_LANGUAGES]
    return python or [body for _, body in blocks]


def split_leading_options(line: str, parser) -> tuple[list[str], str]:
    """Split ``-m haiku --temperature 0 What's up?`` into option tokens and the raw rest.

    The question after the options is kept byte for byte (apostrophes, braces and all),
    which a shell-style split of the whole line would break. ``--`` ends the options.
    """
    actions = parser._option_string_actions
    tokens: list[str] = []
    pos = 0
    expect_value = False
    while True:
        match = _TOKEN.match(line, pos)
        if not match:
            return tokens, ""
        token = match.group(1)
        if expect_value:
            tokens.append(token)
            pos, expect_value = match.end(), False
            continue
        if token == "--":
            return tokens, line[match.end():].strip()
        name = token.split("=", 1)[0]
        action = actions.get(name)
        if action is None:
            if token.startswith("-") and len(token) > 1 and not _is_number(token):
                raise UsageError(f"Unknown option {token!r}. See `%%claude?` for the options.")
            return tokens, line[match.start():].strip()
        tokens.append(token)
        pos = match.end()
        if "=" in token or action.nargs == 0:
            continue
        if action.nargs == "?":
            following = _TOKEN.match(line, pos)
            if following and _is_number(following.group(1)):
                tokens.append(following.group(1))
                pos = following.end()
            continue
        expect_value = True


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def unquote(tokens: list[str]) -> list[str]:
    out = []
    for token in tokens:
        if token[:1] in "\"'" and token[-1:] == token[:1] and len(token) > 1:
            token = shlex.split(token)[0]
        out.append(token)
    return out
