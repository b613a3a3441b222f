"""Executing notebooks headless when a cell asks its front end a question (the agent's approval).

``nbclient`` tells every kernel that no one can answer ``input()``, so an ``%%claude --agent``
notebook run headless refuses every code run (as it should when no one is there). Tests,
the notebook refresher and a user's own CI sometimes want the approved path instead:
``AnsweringNotebookClient(notebook, answer=lambda prompt: "y")`` answers each prompt and
records it in ``.prompts``. nbclient is imported here only, so only its users need it.
"""

from __future__ import annotations

import asyncio
import queue
from collections.abc import Callable

from nbclient import NotebookClient

__all__ = ["AnsweringNotebookClient"]


class AnsweringNotebookClient(NotebookClient):
    """An nbclient ``NotebookClient`` whose front end answers ``input()`` with ``answer(prompt)``."""

    def __init__(self, nb, km=None, *, answer: Callable[[str], str], **kw) -> None:
        super().__init__(nb, km=km, **kw)
        self._answer = answer
        self.prompts: list[str] = []

    async def async_start_new_kernel_client(self):
        client = await super().async_start_new_kernel_client()
        client.allow_stdin = True  # nbclient turns it off; this front end can answer
        return client

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        answering = asyncio.ensure_future(self._answer_prompts())
        try:
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        finally:
            answering.cancel()

    async def _answer_prompts(self) -> None:
        while True:
            try:
                message = await self.kc.get_stdin_msg(timeout=0.05)
            except queue.Empty:
                continue
            if message["msg_type"] == "input_request":
                prompt = message["content"]["prompt"]
                self.prompts.append(prompt)
                self.kc.input(self._answer(prompt))
