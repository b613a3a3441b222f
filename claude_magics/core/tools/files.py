"""Executors for the API's typed tools: bash and the text editor, behind approval, in one folder.

The API defines ``bash_20241022`` and ``text_editor_20241022`` (and ``computer_20241022``,
which only passes through: nothing here drives a screen). Their definitions carry no
schema; the model knows their inputs. Here each call runs only after the person approves
it, and only inside ``root`` (the notebook's folder by default):

- the text editor resolves every path (symlinks included) and refuses one outside ``root``;
- bash runs with ``root`` as its working directory, a timeout and bounded output. A shell
  can ``cd`` anywhere, so for bash the confinement is the approval itself: the person sees
  the exact command before it runs.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from .toolset import Tool

__all__ = ["bash_tool", "text_editor_tool", "computer_tool"]

MAX_OUTPUT_CHARS = 20_000
BASH_TIMEOUT = 120.0


class OutsideRoot(PermissionError):
    """A path that leaves the folder the tools are confined to."""


def _inside(root: Path, path: str) -> Path:
    if not path:
        raise ValueError("a path is required")
    candidate = Path(path)
    target = (candidate if candidate.is_absolute() else root / candidate).resolve()
    if target != root and root not in target.parents:
        raise OutsideRoot(f"{path} is outside {root}; these tools only work inside the notebook's folder")
    return target


def _clip(text: str) -> str:
    return text if len(text) <= MAX_OUTPUT_CHARS else text[:MAX_OUTPUT_CHARS] + f"\n... [{len(text) - MAX_OUTPUT_CHARS:,} characters cut]"


def bash_tool(root: str | os.PathLike | None = None, *, name: str = "bash", version: str = "bash_20241022") -> Tool:
    """The API's bash tool, run with ``root`` as the working directory, after approval."""
    folder = Path(root or os.getcwd()).resolve()

    def run(tool_input: dict) -> str:
        if tool_input.get("restart"):
            return "The shell was restarted (each command runs in a fresh shell here)."
        command = tool_input.get("command")
        if not isinstance(command, str) or not command.strip():
            raise ValueError("bash needs a 'command'")
        try:
            done = subprocess.run(
                ["bash", "-c", command], cwd=folder, capture_output=True, text=True,
                timeout=BASH_TIMEOUT, stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            raise TimeoutError(f"the command ran longer than {BASH_TIMEOUT:.0f} s and was stopped") from None
        parts = [done.stdout, done.stderr and "stderr:\n" + done.stderr]
        text = "\n".join(p for p in parts if p) or "(no output)"
        if done.returncode:
            text += f"\n(exit status {done.returncode})"
        return _clip(text)

    return Tool(
        {"type": version, "name": name}, run, needs_approval=True, spread_input=False,
        preview=lambda tool_input: f"$ {tool_input.get('command', '(restart)')}\n(in {folder})",
    )


def text_editor_tool(
    root: str | os.PathLike | None = None, *, name: str = "str_replace_editor", version: str = "text_editor_20241022"
) -> Tool:
    """The API's text editor (view, create, str_replace, insert, undo_edit), confined to ``root``."""
    folder = Path(root or os.getcwd()).resolve()
    undo: dict[Path, list[str | None]] = {}

    def remember(path: Path) -> None:
        undo.setdefault(path, []).append(path.read_text(encoding="utf-8") if path.exists() else None)

    def run(tool_input: dict) -> str:
        command = tool_input.get("command")
        path = _inside(folder, tool_input.get("path", ""))
        if command == "view":
            if path.is_dir():
                entries = sorted(p.name + ("/" if p.is_dir() else "") for p in path.iterdir() if not p.name.startswith("."))
                return _clip("\n".join(entries) or "(empty folder)")
            lines = path.read_text(encoding="utf-8").splitlines()
            first, last = (tool_input.get("view_range") or [1, len(lines)])[:2]
            last = len(lines) if last in (-1, None) else last
            return _clip("\n".join(f"{n:6}\t{lines[n - 1]}" for n in range(max(first, 1), min(last, len(lines)) + 1)))
        if command == "create":
            if path.exists():
                raise FileExistsError(f"{path.name} exists; use str_replace to change it")
            remember(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(tool_input.get("file_text", ""), encoding="utf-8")
            return f"Created {path.relative_to(folder)}"
        if command == "str_replace":
            text = path.read_text(encoding="utf-8")
            old, new = tool_input.get("old_str", ""), tool_input.get("new_str", "")
            found = text.count(old) if old else 0
            if found != 1:
                raise ValueError(f"old_str must occur exactly once in {path.name}; it occurs {found} times")
            remember(path)
            path.write_text(text.replace(old, new, 1), encoding="utf-8")
            return f"Edited {path.relative_to(folder)}"
        if command == "insert":
            lines = path.read_text(encoding="utf-8").split("\n")
            at = int(tool_input.get("insert_line", 0))
            if not 0 <= at <= len(lines):
                raise ValueError(f"insert_line must be between 0 and {len(lines)}")
            remember(path)
            lines[at:at] = tool_input.get("new_str", "").split("\n")
            path.write_text("\n".join(lines), encoding="utf-8")
            return f"Inserted at line {at} of {path.relative_to(folder)}"
        if command == "undo_edit":
            if not undo.get(path):
                raise ValueError(f"no edit of {path.name} to undo")
            previous = undo[path].pop()
            if previous is None:
                path.unlink()
            else:
                path.write_text(previous, encoding="utf-8")
            return f"Undid the last edit of {path.relative_to(folder)}"
        raise ValueError(f"unknown command {command!r}: view, create, str_replace, insert or undo_edit")

    def preview(tool_input: dict) -> str:
        shown = {k: v for k, v in tool_input.items() if k != "command"}
        body = "\n".join(f"{k}: {v}" for k, v in shown.items())
        return f"{tool_input.get('command', '?')} (in {folder})\n{body}"

    # every command, viewing included, is shown to the person first
    return Tool({"type": version, "name": name}, run, needs_approval=True, spread_input=False, preview=preview)


def computer_tool(display_width_px: int = 1024, display_height_px: int = 768, *, version: str = "computer_20241022") -> Tool:
    """The API's computer-use tool, defined for Claude only: calls to it get an error result here."""
    return Tool({"type": version, "name": "computer", "display_width_px": display_width_px, "display_height_px": display_height_px})
