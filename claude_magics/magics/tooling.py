"""``--tools``, ``--tool-choice`` and ``--agent``: the magic's tools, and asking the person in a cell.

Tools are looked up by name in the notebook's namespace (never evaluated): a function, a
``claude_magics.tool``-made ``Tool``, or an API tool definition dict. ``--agent`` adds the
EDA tools (``core.tools.eda``), whose ``run_python`` runs only after the person approves.

Why stdin for approval: a cell that is running can still ask a question through the
kernel's ``input()`` (an input box under the cell) in JupyterLab, Notebook 7, VS Code,
Colab and a terminal IPython alike. Where no front end can answer (a headless run), the
request is refused and Claude is told so - code never runs unseen.
"""

from __future__ import annotations

from IPython.core.error import UsageError

__all__ = ["build_toolset", "stdin_approver"]

YES = {"y", "yes"}


def stdin_approver(shell):
    """Show the code, then ask ``Run it? [y/N]`` through the kernel's stdin."""

    def approve(name: str, tool_input: dict, preview: str):
        from IPython.display import display

        from ..core.tools import Approval
        from ..ui.render import STYLE, render_markdown

        fence = "````"
        language = "python" if name == "run_python" else ("bash" if "bash" in name else "")
        markdown = f"**Claude wants to run `{name}`:**\n\n{fence}{language}\n{preview}\n{fence}"
        display({"text/plain": f"Claude wants to run {name}:\n{preview}",
                 "text/html": STYLE + '<div class="claude-answer">' + render_markdown(markdown) + "</div>"}, raw=True)
        answer = input(f"Run {name}? [y/N] (or type why not) ").strip()
        if answer.lower() in YES:
            return Approval(True)
        return Approval(False, "" if answer.lower() in ("", "n", "no") else answer)

    return approve


def build_toolset(args, shell, *, max_steps: int, auto_approve: bool = False):
    """The turn's ``Toolset`` from ``--tools``/``--agent``/``--tool-choice``, or None without tools."""
    names = [n.strip() for n in (args.tools or "").split(",") if n.strip()]
    if not names and not args.agent:
        if args.tool_choice:
            raise UsageError("--tool-choice needs tools: add --tools NAMES or --agent.")
        return None
    from ..core.tools import Approval, Toolset, ToolSchemaError, as_tool
    from ..core.tools.eda import eda_tools

    namespace = shell.user_ns
    items = []
    for name in names:
        if name not in namespace:
            raise UsageError(f"--tools: there is no {name!r} in the notebook. Define the function first.")
        value = namespace[name]
        try:
            items.append(as_tool(value))
        except (TypeError, ToolSchemaError) as exc:
            raise UsageError(f"--tools {name}: {exc}") from None
    if args.agent:
        items.extend(eda_tools(namespace))
    approver = (lambda *_: Approval(True)) if auto_approve else stdin_approver(shell)
    try:
        toolset = Toolset.of(items, approver=approver, max_steps=max_steps)
    except ValueError as exc:
        raise UsageError(f"--tools: {exc}") from None
    toolset.tool_choice = _tool_choice(args.tool_choice, toolset.names, thinking=args.thinking is not None)
    return toolset


def _tool_choice(value: str | None, names: list[str], *, thinking: bool) -> dict | None:
    if not value:
        return None
    if value in ("auto", "any", "none"):
        choice = {"type": value}
    elif value in names:
        choice = {"type": "tool", "name": value}
    else:
        raise UsageError(f"--tool-choice {value!r}: use auto, any, none, or one of the tools ({', '.join(names)}).")
    if thinking and choice["type"] in ("any", "tool"):
        raise UsageError(
            "--tool-choice any or a tool name forces a call, which the API refuses with --thinking; "
            "use --tool-choice auto, or drop --thinking."
        )
    return choice
