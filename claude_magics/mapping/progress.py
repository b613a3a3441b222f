"""The live progress of a run: rows done, failures, spend, ETA - at a bounded rate.

In a Jupyter kernel it is one display updated in place (at most 4 updates a second, so a
fast run does not flood the front end with messages); in a terminal it is one line on
stderr rewritten with ``\\r`` (at most once a second). Only counts are shown - never model
output - so nothing here can inject markup.
"""

from __future__ import annotations

import html
import sys
import time

from .report import Stats, show_dollars

__all__ = ["Progress"]


def _in_kernel() -> bool:
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    try:
        from IPython import get_ipython

        ip = get_ipython()
    except Exception:
        return False
    return ip is not None and getattr(ip, "kernel", None) is not None


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


class Progress:
    """Shows ``stats`` while a run goes; ``enabled=False`` shows nothing."""

    def __init__(self, stats: Stats, *, enabled: bool = True, label: str = "claude_magics.map") -> None:
        self.stats = stats
        self.enabled = enabled
        self.label = label
        self.kernel = enabled and _in_kernel()
        self.interval = 0.25 if self.kernel else 1.0
        self.updates = 0
        self._last = 0.0
        self._handle = None
        self._note = ""
        self._width = 0

    def note(self, text: str) -> None:
        """A status word shown after the counts (e.g. "batch in progress")."""
        self._note = text

    def text(self) -> str:
        s = self.stats
        parts = [f"{self.label}: {s.done:,}/{s.total:,} rows"]
        if s.failed:
            parts.append(f"{s.failed:,} failed")
        if show_dollars():
            parts.append(f"~${s.cost:.4f}")
        if s.done < s.total:
            parts.append(f"ETA {_duration(s.eta())}")
        if self._note:
            parts.append(self._note)
        return " · ".join(parts)

    def _bundle(self) -> dict:
        s = self.stats
        text = self.text()
        bar = f'<progress value="{s.done}" max="{max(s.total, 1)}" style="width:16em;vertical-align:middle"></progress>'
        return {"text/plain": text, "text/html": f'<div class="claude-map-progress">{bar} {html.escape(text)}</div>'}

    def update(self, *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        self.updates += 1
        if self.kernel:
            from IPython.display import display

            if self._handle is None:
                self._handle = display(self._bundle(), raw=True, display_id=True)
            else:
                self._handle.update(self._bundle(), raw=True)
        else:
            text = self.text()
            # pad over the rest of a longer previous line: "\r" moves back but erases nothing
            sys.stderr.write("\r" + text + " " * max(0, self._width - len(text)))
            sys.stderr.flush()
            self._width = len(text)

    def finish(self) -> None:
        """The last state, drawn once more so the display ends exact."""
        if not self.enabled:
            return
        self.update(force=True)
        if not self.kernel:
            sys.stderr.write("\n")
            sys.stderr.flush()
