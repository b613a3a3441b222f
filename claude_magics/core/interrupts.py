"""Kernel interrupts that stop an answer while it arrives, and never between its end and its commit.

Why: Kernel > Interrupt raises ``KeyboardInterrupt`` wherever the main thread happens to be.
While an answer streams that is what a person wants - stop, keep the part that arrived. But
an interrupt landing after the last byte, while the turn is being committed or its views
told, would lose a complete answer or leave the chat panel "busy" forever. So a turn on the
main thread runs under an :class:`InterruptWindow`: interrupts raise as usual only inside
``window.open()`` (sending and streaming); anywhere else in the turn they are held, and a
held interrupt is dropped when the turn ends, because there is nothing left to stop.

On other threads (the chat panel's worker) there are no interrupts and the window does nothing.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

__all__ = ["InterruptWindow"]


class InterruptWindow:
    """Use as ``with window:`` around a turn, and ``with window.open():`` around its I/O."""

    def __init__(self) -> None:
        self._open = False
        self.held = False  # an interrupt arrived while closed
        self._previous = None
        self._installed = False

    def __enter__(self) -> InterruptWindow:
        if threading.current_thread() is threading.main_thread():
            try:
                self._previous = signal.getsignal(signal.SIGINT)
                signal.signal(signal.SIGINT, self._handle)
                self._installed = True
            except (ValueError, TypeError):  # embedded interpreters without signal support
                self._installed = False
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
            self._installed = False

    @contextlib.contextmanager
    def open(self) -> Iterator[None]:
        """Let interrupts through while the body runs."""
        self._open = True
        try:
            yield
        finally:
            self._open = False

    def _handle(self, signum, frame) -> None:
        if not self._open:
            self.held = True
            return
        previous = self._previous
        if callable(previous) and previous is not self._handle:
            previous(signum, frame)  # the kernel's own handler: raises KeyboardInterrupt
        elif previous != signal.SIG_IGN:
            raise KeyboardInterrupt
