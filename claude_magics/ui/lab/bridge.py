"""The comm between the lab extension and this kernel: attach, restore, ask, code.

Why the page opens it (target ``claude_magics.lab``) rather than the kernel: a comm the
kernel opens reaches every tab showing the notebook, and each tab would act on it (two
tabs, two inserted cells). A comm the page opens belongs to that page: replies go to it
alone, and a reloaded page simply opens a new one (the old one's messages are not lost
to a dead comm, because every reply answers a request of the live page).

What the page gets is ids and plain data, never HTML of its own making: the sidebar shows
the notebook's chat panel widget (``ui.panel``), whose HTML is rendered in Python like
every cell's. The bridge only tells the page which widget that is (``model_id``).

Every incoming message may run on a kernel subshell, i.e. beside a running cell (see
``ui.subshells``); the handlers therefore only read the session, start turns through
the panel (which refuses politely while another turn runs) and reply.

Messages from the page (``data["type"]``), each with a ``request`` id echoed in the reply:

- ``attach`` ``{saved, settings}``: restore ``saved`` (the notebook's metadata blob) into
  an empty conversation, make sure the panel exists, reply ``attached`` with its
  ``model_id``, whether a key is set, whether the kernel has subshells.
- ``panel`` ``{conversation}``: the panel widget of a named conversation (``model_id``),
  for cell outputs of ``%claude chat`` whose widget died with the previous kernel.
- ``ask`` ``{text, cell}``: a question about a cell (source, outputs, images) on the panel.
- ``code``: the code blocks of the last answer (for "Insert Claude's code below").

Pushed to every attached page: ``saved`` ``{state}`` whenever the conversation changes,
for the notebook's metadata (``ui.lab.saved``).
"""

from __future__ import annotations

import threading

from ..subshells import follow_page_subshell, kernel_has_subshells
from .saved import DEFAULT_MAX_BYTES, restore, saved_state

__all__ = ["TARGET", "Bridge", "get_bridge", "register"]

TARGET = "claude_magics.lab"
MAX_PAGES = 16  # comms of pages that went away without closing are forgotten after this many


class Bridge:
    """One per kernel: the open page comms, and the conversation whose changes they hear."""

    def __init__(self, session) -> None:
        self._session = session
        self._comms: list = []
        self._lock = threading.RLock()
        self._watched = None
        self._unsubscribe = None
        self._settings: dict = {"max_bytes": DEFAULT_MAX_BYTES, "images": False}

    # -- comms ---------------------------------------------------------------------------
    def open(self, comm, _msg) -> None:
        """The comm target: a page attached."""
        follow_page_subshell(comm)
        with self._lock:
            self._comms.append(comm)
            del self._comms[:-MAX_PAGES]
        comm.on_msg(lambda msg, comm=comm: self._on_msg(comm, msg))
        comm.on_close(lambda _msg, comm=comm: self._forget(comm))

    def _forget(self, comm) -> None:
        with self._lock:
            if comm in self._comms:
                self._comms.remove(comm)

    def _on_msg(self, comm, msg) -> None:
        data = (msg.get("content") or {}).get("data") or {}
        kind = data.get("type")
        handler = getattr(self, "_do_" + str(kind), None)
        reply: dict
        try:
            if handler is None:
                raise ValueError(f"unknown request {kind!r}")
            reply = handler(data)
        except Exception as exc:  # a bug must reach the page as a message, not a log line
            reply = {"type": "error", "error": f"{type(exc).__name__}: {exc}"}
        reply["request"] = data.get("request")
        comm.send(reply)
        if kind == "attach" and reply.get("type") == "attached" and not reply.get("restored"):
            # turns asked before this page attached (no sidebar open yet) reach its metadata now
            conversation = self._session.conversation()
            if len(conversation):
                self._push(conversation, [comm])

    # -- requests ------------------------------------------------------------------------
    def _panel(self, name=None):
        from ..panel.widget import ensure_panel

        return ensure_panel(session=self._session, conversation=self._session.conversation(name or None))

    def _do_attach(self, data: dict) -> dict:
        from ...api.errors import MissingAPIKeyError

        settings = data.get("settings") or {}
        with self._lock:
            if isinstance(settings.get("max_bytes"), int) and settings["max_bytes"] > 0:
                self._settings["max_bytes"] = settings["max_bytes"]
            if isinstance(settings.get("images"), bool):
                self._settings["images"] = settings["images"]
        conversation = self._session.conversation()
        restored = restore(conversation, data.get("saved"))
        panel = self._panel()
        model = settings.get("model")
        if isinstance(model, str) and model.strip() and not panel.selected_model:
            try:
                self._session.resolve_model(model)
                panel.selected_model = model.strip()
            except ValueError:
                pass  # a bad setting must not stop the sidebar; the picker keeps the default
        self._watch(conversation)
        try:
            self._session.require_key()
            key, key_help = True, ""
        except MissingAPIKeyError as exc:  # the one text about a missing key
            key, key_help = False, f"{exc.message} {exc.hint}"
        return {
            "type": "attached",
            "model_id": panel.model_id,
            "conversation": conversation.name,
            "messages": len(conversation),
            "restored": restored,
            "has_key": key,
            "key_help": key_help,
            "subshells": kernel_has_subshells(),
        }

    def _do_panel(self, data: dict) -> dict:
        panel = self._panel(data.get("conversation"))
        return {"type": "panel", "model_id": panel.model_id}

    def _do_ask(self, data: dict) -> dict:
        from .cells import cell_blocks, cell_label

        cell = data.get("cell") or {}
        blocks = cell_blocks(cell) if cell else []
        labels = [cell_label(cell)] if cell else []
        ok = self._panel().ask(str(data.get("text") or ""), context=(labels, blocks))
        return {"type": "asked", "ok": ok}

    def _do_code(self, _data: dict) -> dict:
        from ...magics.parsing import code_blocks
        from ..panel.transcript import answer_text

        messages = self._session.conversation().messages
        last = next((m for m in reversed(messages) if m["role"] == "assistant"), None)
        blocks = code_blocks(answer_text(last["content"])) if last else []
        return {"type": "code", "code": "\n\n".join(blocks), "count": len(blocks)}

    # -- metadata pushes -----------------------------------------------------------------
    def _watch(self, conversation) -> None:
        with self._lock:
            if self._watched is conversation:
                return
            if self._unsubscribe is not None:
                self._unsubscribe()
            self._watched = conversation
            self._unsubscribe = conversation.subscribe(self._on_event)

    def _on_event(self, event) -> None:
        if event.kind not in ("turn_finished", "reset", "loaded"):
            return
        with self._lock:
            comms = list(self._comms)
        self._push(event.conversation, comms)

    def _push(self, conversation, comms) -> None:
        """Send the conversation's saved form to the pages, which write it into the notebook."""
        with self._lock:
            settings = dict(self._settings)
        state = saved_state(conversation, max_bytes=settings["max_bytes"], images=settings["images"])
        for comm in comms:
            try:
                comm.send({"type": "saved", "state": state})
            except Exception:
                self._forget(comm)


_bridge: Bridge | None = None
_bridge_lock = threading.Lock()


def get_bridge() -> Bridge:
    global _bridge
    from ...core.session import get_session

    with _bridge_lock:
        if _bridge is None:
            _bridge = Bridge(get_session())
        return _bridge


def register() -> bool:
    """Register the comm target in this kernel (idempotent); False outside a kernel."""
    try:
        from comm import get_comm_manager
    except ImportError:
        return False
    manager = get_comm_manager()
    if manager is None:
        return False
    manager.register_target(TARGET, _open)
    return True


def _open(comm, msg) -> None:
    # the session (and with it the API layer) is built on the first attach, not at load
    get_bridge().open(comm, msg)


def start(saved_json: str | None = None) -> None:
    """What the extension runs (silently) in a kernel that has not loaded claude_magics.

    Loads the IPython extension (magics, the comm target); with ``saved_json``, the
    notebook's saved conversation goes back into the fresh kernel at once, before any
    cell that Restart & Run All queued behind this.
    """
    import json

    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        shell.extension_manager.load_extension("claude_magics")
    register()
    if saved_json:
        from ...core.session import get_session

        session = get_session()
        if not session.namespace and shell is not None:
            session.namespace = shell.user_ns
        restore(session.conversation(), json.loads(saved_json))
