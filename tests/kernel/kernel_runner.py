"""A real ipykernel driven over the Jupyter protocol, for tests that must see what a notebook sees.

nbclient executes whole notebooks (tests/kernel/test_notebooks.py); this runner executes one
cell at a time and keeps every iopub message, so a test can assert on streaming display
updates, payloads (``set_next_input``) and timing of an interrupt.
"""

from __future__ import annotations

import os
import queue
import time
from dataclasses import dataclass, field

from jupyter_client import KernelManager


@dataclass
class CellRun:
    """Everything one execution produced."""

    reply: dict
    messages: list[dict] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def status(self) -> str:
        return self.reply["content"]["status"]

    @property
    def payloads(self) -> list[dict]:
        return self.reply["content"].get("payload", [])

    def of_type(self, *types: str) -> list[dict]:
        return [m for m in self.messages if m["msg_type"] in types]

    @property
    def stdout(self) -> str:
        return "".join(m["content"]["text"] for m in self.of_type("stream") if m["content"]["name"] == "stdout")

    @property
    def stderr(self) -> str:
        return "".join(m["content"]["text"] for m in self.of_type("stream") if m["content"]["name"] == "stderr")

    @property
    def error(self) -> dict | None:
        """ename/evalue of a failed cell (IPython reports a UsageError only in the reply)."""
        errors = self.of_type("error")
        if errors:
            return errors[0]["content"]
        return self.reply["content"] if self.status == "error" else None

    def displays(self) -> dict[str, dict]:
        """The final data of every display, by display id (updates applied in order)."""
        shown: dict[str, dict] = {}
        for index, message in enumerate(self.of_type("display_data", "update_display_data", "execute_result")):
            content = message["content"]
            display_id = (content.get("transient") or {}).get("display_id") or f"anon-{index}"
            shown[display_id] = content["data"]
        return shown

    def html(self) -> str:
        """All HTML the cell finally shows, concatenated."""
        return "\n".join(d.get("text/html", "") for d in self.displays().values())

    def text(self) -> str:
        return "\n".join(d.get("text/plain", "") for d in self.displays().values()) + self.stdout

    @property
    def update_count(self) -> int:
        return len(self.of_type("update_display_data"))


class Kernel:
    """One python3 kernel with its own environment and working directory."""

    def __init__(self, env: dict, cwd: str, *, inherit: bool = True) -> None:
        """``inherit=False`` starts from a minimal environment (PATH, HOME, PYTHONPATH) plus ``env``."""
        base = dict(os.environ) if inherit else {
            name: os.environ[name] for name in ("PATH", "HOME", "PYTHONPATH", "LANG") if name in os.environ
        }
        self.manager = KernelManager(kernel_name="python3")
        self.manager.start_kernel(env={**base, **env}, cwd=cwd)
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)
        self.prompts: list[str] = []  # every input() prompt a cell showed

    def run(self, code: str, timeout: float = 60.0, on_message=None, stdin=None, cell_id: str | None = None) -> CellRun:
        """Execute ``code`` and collect its iopub messages until the kernel is idle again.

        ``stdin(prompt) -> str`` answers the cell's ``input()`` calls (as a front end's input
        box does); without it the kernel is told that this front end has no stdin.
        ``cell_id``: sent as ``metadata.cellId``, as JupyterLab does for a notebook cell.
        """
        started = time.monotonic()
        content = dict(code=code, silent=False, store_history=True, user_expressions={},
                       allow_stdin=stdin is not None, stop_on_error=True)
        message = self.client.session.msg(
            "execute_request", content, metadata={"cellId": cell_id} if cell_id is not None else {}
        )
        self.client.shell_channel.send(message)
        msg_id = message["header"]["msg_id"]
        messages: list[dict] = []
        deadline = started + timeout
        idle = False
        while not idle:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"cell did not finish in {timeout} s: {code[:80]!r}")
            if stdin is not None:
                try:
                    request = self.client.get_stdin_msg(timeout=0)
                except queue.Empty:
                    pass
                else:
                    if request["msg_type"] == "input_request":
                        self.prompts.append(request["content"]["prompt"])
                        self.client.input(stdin(request["content"]["prompt"]))
            try:
                message = self.client.get_iopub_msg(timeout=min(remaining, 0.05 if stdin else 1.0))
            except queue.Empty:
                continue
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            if message["msg_type"] == "status":
                idle = message["content"]["execution_state"] == "idle"
                continue
            messages.append(message)
            if on_message is not None:
                on_message(message)
        reply = self.client.get_shell_msg(timeout=max(1.0, deadline - time.monotonic()))
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = self.client.get_shell_msg(timeout=max(1.0, deadline - time.monotonic()))
        return CellRun(reply=reply, messages=messages, elapsed=time.monotonic() - started)

    def interrupt(self) -> None:
        self.manager.interrupt_kernel()

    def shutdown(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)
