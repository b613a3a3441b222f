"""The offline demo's EDA agent: how the fake plays the model when it is offered the agent's tools.

When a request offers ``list_variables``, ``describe`` and ``run_python`` (``%%claude
--agent``), the fake walks the loop a careful analyst would, one step per request, reading
only what the earlier tool results said:

1. list the notebook's variables;
2. describe the first DataFrame it saw;
3. ask to run a short piece of code on it (missing values per column, and a histogram of
   its numeric columns), which the person approves or refuses;
4. answer in text, saying what came back (and that it is the offline demo, not Claude).

It is deterministic, so notebooks and tests that use it give the same answers every run.
"""

from __future__ import annotations

import re

__all__ = ["AGENT_TOOLS", "agent_step"]

AGENT_TOOLS = frozenset({"list_variables", "describe", "run_python"})
_FRAME_LINE = re.compile(r"^([A-Za-z_]\w*): [\w.]*DataFrame\b", re.MULTILINE)
_COUNT_LINE = re.compile(r"^\s*[\w.-]+\s+\d+\s*$")  # a "column  count" line of a Series' text


def _turn_results(messages: list[dict]) -> list[tuple[dict, dict]]:
    """(tool_use, tool_result) pairs of the current turn, in order."""
    calls: dict[str, dict] = {}
    pairs: list[tuple[dict, dict]] = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
        blocks = list(content or [])
        if message["role"] == "user" and not any(b.get("type") == "tool_result" for b in blocks):
            calls, pairs = {}, []  # a new question: the turn starts here
            continue
        for block in blocks:
            if block.get("type") == "tool_use":
                calls[block.get("id")] = block
            elif block.get("type") == "tool_result":
                pairs.append((calls.get(block.get("tool_use_id"), {}), block))
    return pairs


def _text(result: dict) -> str:
    content = result.get("content")
    if isinstance(content, str):
        return content
    return "\n".join(b.get("text", "") for b in content or [] if b.get("type") == "text")


def _images(result: dict) -> int:
    content = result.get("content")
    return 0 if isinstance(content, str) else sum(1 for b in content or [] if b.get("type") == "image")


def _code(frame: str) -> str:
    return (
        "import matplotlib.pyplot as plt\n"
        f"numeric = {frame}.select_dtypes('number')\n"
        "numeric.hist(figsize=(8, 4), bins=20)\n"
        "plt.tight_layout()\n"
        f"{frame}.isna().sum()"
    )


def agent_step(body: dict, notice: str) -> tuple[list[dict], str]:
    """The next content blocks and stop reason for an agent request."""
    pairs = _turn_results(body["messages"])
    if not pairs:
        return [
            {"type": "text", "text": f"{notice}\n\nFirst I will look at what the notebook holds."},
            {"type": "tool_use", "id": None, "name": "list_variables", "input": {}},
        ], "tool_use"
    call, last = pairs[-1]
    name = call.get("name")
    if name == "list_variables":
        frames = _FRAME_LINE.findall(_text(last))
        if not frames:
            return [{"type": "text", "text": f"{notice}\n\nThe notebook has no DataFrame yet: load one and ask again."}], "end_turn"
        return [
            {"type": "text", "text": f"`{frames[0]}` is a DataFrame; let me see its summary."},
            {"type": "tool_use", "id": None, "name": "describe", "input": {"name": frames[0]}},
        ], "tool_use"
    if name == "describe":
        frame = (call.get("input") or {}).get("name", "df")
        return [
            {"type": "text", "text": "I would like to count the missing values and plot the numeric columns."},
            {"type": "tool_use", "id": None, "name": "run_python", "input": {"code": _code(frame)}},
        ], "tool_use"
    if last.get("is_error") and "refused" in _text(last):
        text = "You declined to run the code, so I only used the summary above. Ask again if you want the plot."
    elif last.get("is_error"):
        text = "The code failed; the error is above. I would fix it before reading anything into the data."
    else:
        images = _images(last)
        counts = [line for line in _text(last).splitlines() if _COUNT_LINE.match(line)][:12]
        text = (
            "The code ran. Missing values per column:\n\n```text\n"
            + "\n".join(counts) + "\n```\n\n"
            + (f"It produced {images} figure{'s' if images != 1 else ''}, which came back to me as an image. " if images else "")
            + "In a real session Claude would now read the histograms and suggest what to look at next."
        )
    return [{"type": "text", "text": f"{notice}\n\n{text}"}], "end_turn"
