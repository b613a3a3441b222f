"""The chat panel: a widget view over the notebook's conversation that never blocks the kernel.

``show_chat()`` (exported as ``claude_magics.chat()``, and behind ``%claude chat``) displays a
``ChatPanel`` bound to the session's current ``Conversation``: the same history the
``%%claude`` cells use, in both directions. A turn asked in a cell streams into the panel
too, and a turn asked in the panel is in the history the next cell sends.

How it stays out of the kernel's way
    A click or Enter arrives as a widget comm message. Its handler checks, answers
    "accepted" or "refused" and returns at once; the turn runs on a worker thread with
    a ``threading.Event`` to stop it. The kernel's main thread stays free to run cells
    while an answer streams (whether or not the kernel handles widget messages on a
    subshell, as ipykernel 7 with JupyterLab 4.6 may; ipykernel 6 does not). The
    conversation refuses a second turn while one runs, so answers never interleave;
    the panel shows that refusal and keeps the draft.

What crosses the comm
    The panel draws from conversation events (``turn_started``, ``update``,
    ``turn_finished``, ``reset``, ``loaded``), whichever thread runs the turn. Updates
    are throttled to ten a second and sent as changes: finished Markdown blocks once,
    the unfinished tail as an edit of the previous one (``panel.stream``). Durable state
    that a re-rendered view needs is either a small synced trait (busy, model, picker
    contents, footer) or, for the transcript, a snapshot sent to a view when it attaches,
    so a page reload rebuilds the panel without the transcript riding on every update.

Safety
    All HTML is made in Python (``panel.transcript``: escaped user text, Markdown through
    ``render``'s nh3 allow-list); the front end inserts only those strings and uses
    ``textContent`` for everything else. Model output is data.

Where it works
    The front end is an anywidget ES module (no build step): JupyterLab 4, Notebook 7,
    VS Code's Jupyter extension and Colab (anywidget enables Colab's custom widget manager
    itself). A front end that cannot show widgets shows the text fallback, which says so
    and points to the ``%%claude`` cells and ``%claude history``, which need no widgets.

The agent, and approving code from the page
    With ``agent`` on (the "Agent" checkbox), panel turns get the EDA tools
    (``core.tools.eda``), as ``%%claude --agent`` does in a cell. ``run_python`` runs only
    after the person approves that exact code: the worker thread puts the request in the
    synced ``approval`` trait (so a view that attaches later, after a page reload, shows
    it too), the page shows the code as text with Approve / Refuse, and the worker waits on
    a ``threading.Event`` for the answer. Stop refuses and stops; after
    ``approval_timeout`` seconds with no answer the call is refused.
    Caveat: panel turns run on a worker thread, so approved code runs there with ``exec``
    in the notebook's namespace, beside whatever the kernel is running: a cell that runs at
    the same time sees the variables change under it, its prints during the run are
    captured with the tool's, and Kernel › Interrupt cannot stop the code (it stops cells).

Extension hook
    Each code block in an answer gets a Copy button in a small toolbar. For other front-end
    code (a lab extension's "insert into notebook"), the front end marks each block's box
    with ``data-claude-code``, calls every function in ``globalThis.claudeMagics.codeActions``
    with ``{box, toolbar, code}`` (``code()`` returns the block's text; append buttons to
    ``toolbar``), and dispatches the same ``detail`` as a bubbling
    ``claude-magics:code-block`` event.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path

import anywidget
import traitlets as t

from ..render import CSS
from ..subshells import follow_page_subshell
from .attach import attachment_blocks, list_attachables
from .stream import Throttle
from .transcript import (
    Transcript,
    answer_text,
    assistant_html,
    question_html,
    text_html,
)

__all__ = ["ChatPanel", "ensure_panel", "show_chat"]

_HERE = Path(__file__).resolve().parent

PLACEHOLDER = "Ask Claude… (Enter sends, Shift+Enter adds a line; {name} puts a variable in)"
BUSY = (
    "Claude is still answering in this conversation. Wait for the answer or press Stop; "
    "your message stays in the box."
)
BUSY_IN_CELL = (
    "A %%claude cell is answering in this conversation. Wait for it, or interrupt the "
    "kernel to stop it; your message stays in the box."
)
FALLBACK = (
    "Claude chat panel over conversation {name!r} ({count} messages). If you are reading "
    "this text, this front end cannot show Jupyter widgets: open the notebook in JupyterLab "
    "4, Notebook 7 or VS Code with the Jupyter extension, or keep using %%claude cells and "
    "`%claude history`, which need no widgets."
)
MAX_ERROR_CHARS = 500
#: Names the conversation in the panel's display, so that the lab extension can show the
#: live panel again in place of one whose widget died with a previous kernel.
PANEL_MIMETYPE = "application/vnd.claude-magics.panel+json"
NEW_STARTED = "Started a new conversation (for the cells too)."
#: How long the page offers Undo after "New conversation"; the kernel allows a little more
#: for the click's round trip.
UNDO_SECONDS = 8
UNDO_GRACE = 2


def _short_error(error: BaseException) -> str:
    """One line a person can act on: typed API errors already read that way; others get their type."""
    from ...api.errors import APIError

    text = str(error) if isinstance(error, APIError) else f"{type(error).__name__}: {error}"
    text = " ".join(text.split())
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


def _shell():
    """The running IPython shell, or None (plain Python)."""
    from IPython import get_ipython

    return get_ipython()


def _execution_key():
    """Identifies the code execution in progress, so a display can be recognised as a repeat."""
    shell = _shell()
    if shell is None:
        return None
    header = getattr(shell, "parent_header", None) or {}
    msg_id = (header.get("header") or {}).get("msg_id")
    return (shell.execution_count, msg_id)


def _user_namespace() -> dict:
    shell = _shell()
    return shell.user_ns if shell is not None else {}


class ChatPanel(anywidget.AnyWidget):
    """A chat view of one conversation: transcript, input box, model and attach pickers, usage.

    ``ChatPanel()`` binds to the kernel session's current conversation; pass ``session``
    and/or ``conversation`` to choose. Besides the widget, it can be driven from code:
    ``ask(text, attachments)``, ``stop()``, ``new_conversation()``, ``wait()``.
    Call ``close()`` to detach it from the conversation.
    """

    _esm = _HERE / "frontend.js"  # a path: anywidget reloads it when it changes in development
    _css = (_HERE / "panel.css").read_text(encoding="utf-8") + "\n" + CSS  # the panel's layout, then the answers' styles

    conversation_name = t.Unicode("").tag(sync=True)
    #: "" when idle, "panel" while this panel's turn runs, "cell" while another view's turn runs.
    busy = t.Unicode("").tag(sync=True)
    #: The picker's value: "" follows the session's default model, else an alias or model id.
    selected_model = t.Unicode("").tag(sync=True)
    #: ``[[value, label], ...]`` for the model picker.
    models = t.List(t.List(t.Unicode())).tag(sync=True)
    #: ``[{name, kind, detail}, ...]`` for the attach picker.
    attachables = t.List(t.Dict()).tag(sync=True)
    #: The usage line of the last answer and the conversation's totals, as plain text.
    footer = t.Unicode("").tag(sync=True)
    placeholder = t.Unicode(PLACEHOLDER).tag(sync=True)
    #: Whether questions reach the kernel while a cell runs (ipykernel 7 subshells); without
    #: them the front end says "waiting for the running cell" instead of going silent.
    subshells = t.Bool(False).tag(sync=True)
    #: The "Agent" checkbox: panel turns get the EDA tools (code runs only when approved).
    agent = t.Bool(False).tag(sync=True)
    #: The code waiting for the person's answer, ``{id, name, code}``, or ``{}``.
    approval = t.Dict().tag(sync=True)
    #: Seconds an approval waits for an answer before the call is refused.
    approval_timeout = 600.0

    def __init__(
        self,
        session=None,
        conversation=None,
        *,
        throttle: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
        **kwargs,
    ) -> None:
        """``throttle`` is the least time between two view updates of a streaming answer;
        ``clock`` is its time source (a benchmark replays a model's pace with a fake one)."""
        from ...core.session import get_session

        super().__init__(**kwargs)
        self._session = session if session is not None else get_session()
        self._conversation = conversation if conversation is not None else self._session.conversation()
        self._transcript = Transcript()
        self._throttle = Throttle(throttle, clock)
        self._worker: threading.Thread | None = None
        self._cancel: threading.Event | None = None
        self._forgotten = None  # (what "New conversation" forgot, when), for Undo
        self._suppress_display = None
        self.last_result = None
        self._approval_lock = threading.Lock()
        self._answered: threading.Event | None = None  # set when the pending approval is answered
        self._answer = None  # the Approval given
        self._approvals = 0

        self.conversation_name = self._conversation.name
        # Questions are answered beside a running cell, even after a %%claude cell (main
        # shell) last sent on this comm: see ui.subshells.
        self.subshells = follow_page_subshell(self.comm)
        self._refresh_models()
        with self._transcript.lock:
            self._transcript.rebuild(self._conversation.messages, self._conversation.typed_questions())
        self.footer = self._totals_line()
        self.on_msg(self._handle_message)
        self._unsubscribe = self._conversation.subscribe(self._on_event)

    # -- public API --------------------------------------------------------------------
    @property
    def conversation(self):
        return self._conversation

    @property
    def session(self):
        return self._session

    @property
    def namespace(self) -> dict:
        """The notebook's variables: the session's (set by the extension) or IPython's own."""
        return self._session.namespace or _user_namespace()

    def ask(self, text: str, attachments=(), *, view: str | None = None, context=None) -> bool:
        """Start a turn on the worker thread; False (and a notice in the panel) if refused.

        Returns at once: the answer streams into the panel. ``attachments`` are variable
        names from the attach picker (DataFrames, figures, images). ``context`` is
        ``(labels, blocks)``: content blocks made elsewhere (a notebook cell, from the lab
        extension) sent before the question, shown as chips with these labels.
        """
        from ...api.errors import ClaudeError

        text = text or ""
        names = [str(name) for name in attachments or ()]
        labels, extra = context if context is not None else ((), ())
        labels, extra = [str(label) for label in labels], list(extra)
        if not text.strip() and not names and not extra:
            return False
        with self._transcript.lock:
            if self._worker is not None and self._worker.is_alive():
                return self._refuse(view, BUSY)
            if self._conversation.busy:
                return self._refuse(view, BUSY_IN_CELL if self.busy == "cell" else BUSY)
            try:
                options = self._session.request_options(model=self.selected_model or None)
            except ValueError as exc:
                return self._refuse(view, str(exc))
            try:
                self._session.require_key()
            except ClaudeError as exc:  # the one text about a missing key
                return self._refuse(view, str(exc))
            from ...api.watch import Cancel

            cancel = Cancel()  # setting it also shuts the answer's socket: Stop works mid-read
            worker = threading.Thread(
                target=self._run_turn, args=(text, names, options, cancel, view, extra, labels),
                name="claude-chat-panel", daemon=True,
            )
            self._cancel, self._worker = cancel, worker
            self._post({"type": "accepted", "view": view})
            worker.start()
        return True

    def stop(self) -> None:
        """Stop this panel's answer at once, even mid-read; the partial answer is kept.

        Code waiting for approval is refused (and Claude is told the person stopped).
        """
        self.answer_approval(None, False, "the user pressed Stop")
        if self._cancel is not None and self._worker is not None and self._worker.is_alive():
            self._cancel.set()
        elif self.busy == "cell":
            self._notice(None, "That answer runs in a cell: stop it with Kernel › Interrupt.")

    def wait(self, timeout: float | None = None):
        """Block until this panel's current turn ends; returns its ``TurnResult`` (or None)."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)
        return self.last_result

    def new_conversation(self, *, view: str | None = None) -> bool:
        """Forget the history (the same for the cells); refused while an answer runs.

        A click is easy to make by mistake and the history is the cells' too, so the page
        offers Undo for ``UNDO_SECONDS`` (``undo_new_conversation``) rather than asking first.
        """
        from ...core.conversation import ConversationBusy

        try:
            forgotten = self._conversation.reset()
        except ConversationBusy as exc:
            self._notice(view, str(exc), level="error")
            return False
        if forgotten is not None and forgotten.messages:
            self._forgotten = (forgotten, time.monotonic())
            self._post({"type": "undoable", "text": NEW_STARTED, "seconds": UNDO_SECONDS})
        return True

    def undo_new_conversation(self, *, view: str | None = None) -> bool:
        """Bring back the history "New conversation" forgot, within the Undo window and before any new turn."""
        from ...core.conversation import ConversationBusy

        held, self._forgotten = self._forgotten, None
        if held is None or time.monotonic() - held[1] > UNDO_SECONDS + UNDO_GRACE:
            self._notice(view, "Nothing to undo.", level="info")
            return False
        try:
            restored = self._conversation.restore(held[0])
        except ConversationBusy as exc:
            self._notice(view, str(exc), level="error")
            return False
        if not restored:
            self._notice(view, "The new conversation already has answers; the old one cannot come back.", level="error")
        return restored

    def answer_approval(self, approval_id, approved: bool, reason: str = "") -> bool:
        """Answer the code waiting for approval (``approval_id`` None: whichever waits).

        False when nothing waits, or the id is not the waiting one (a stale page).
        """
        from ...core.tools import Approval

        with self._approval_lock:
            pending, answered = self.approval, self._answered
            if not pending or answered is None or (approval_id is not None and pending.get("id") != approval_id):
                return False
            self._answer = Approval(bool(approved), "" if approved else str(reason or ""))
            answered.set()
            return True

    def _approve(self, name: str, tool_input: dict, preview: str):
        """The toolset's approver, on the worker thread: show the code in every view and wait."""
        from ...core.tools import Approval

        with self._approval_lock:
            self._approvals += 1
            answered = self._answered = threading.Event()
            self._answer = None
            self.approval = {"id": f"a{self._approvals}", "name": name, "code": preview}
        try:
            deadline = time.monotonic() + self.approval_timeout
            cancel = self._cancel
            while not answered.wait(0.1):
                if cancel is not None and cancel.is_set():
                    return Approval(False, "the user pressed Stop")
                if time.monotonic() >= deadline:
                    return Approval(False, f"no answer within {self.approval_timeout:g} seconds")
            return self._answer or Approval(False)
        finally:
            with self._approval_lock:
                self._answered = None
                self.approval = {}

    def _toolset(self):
        """The agent's tools over the notebook's namespace, approved from the page."""
        from ...core.tools import Toolset
        from ...core.tools.eda import eda_tools

        steps = getattr(self._session, "max_tool_steps", None) or 10
        return Toolset.of(eda_tools(self.namespace), approver=self._approve, max_steps=steps)

    def refresh_attachables(self) -> None:
        """Re-list the notebook's DataFrames, figures and images for the attach picker."""
        self.attachables = [item.to_json() for item in list_attachables(self.namespace)]

    def close(self) -> None:
        """Stop any answer, stop listening to the conversation, and close the widget."""
        unsubscribe = getattr(self, "_unsubscribe", None)  # absent if __init__ failed early
        if unsubscribe is not None:
            unsubscribe()
        cancel = getattr(self, "_cancel", None)
        if cancel is not None:
            cancel.set()
        super().close()

    # -- display -----------------------------------------------------------------------
    def show(self) -> ChatPanel:
        """Display a view now; a repeat display of the same object in this execution is skipped.

        ``show_chat()`` both displays the panel and returns it (so code can drive it); when
        it is the last line of a cell, the notebook would otherwise show a second copy.
        """
        from IPython.display import display

        data, metadata = self._bundle()
        display(data, metadata=metadata, raw=True)
        self._suppress_display = _execution_key()
        return self

    def _ipython_display_(self, **kwargs) -> None:
        if self._suppress_display is not None and self._suppress_display == _execution_key():
            self._suppress_display = None
            return
        from IPython.display import display

        data, metadata = self._bundle()
        display(data, metadata=metadata, raw=True)

    def _bundle(self) -> tuple[dict, dict]:
        data, metadata = super()._repr_mimebundle_()
        data[PANEL_MIMETYPE] = {"conversation": self._conversation.name}
        data["text/plain"] = FALLBACK.format(name=self._conversation.name, count=len(self._conversation))
        return data, metadata

    def __repr__(self) -> str:
        return f"<ChatPanel conversation={self._conversation.name!r} messages={len(self._conversation)}>"

    # -- messages from the front end -----------------------------------------------------
    def _handle_message(self, _widget, content, _buffers) -> None:
        """Dispatch a front-end message; never lets an exception become a traceback in a cell."""
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        view = content.get("view")
        try:
            if kind == "hello":
                self._send_snapshot(view)
            elif kind == "send":
                self.ask(content.get("text") or "", content.get("attachments") or (), view=view)
            elif kind == "stop":
                self.stop()
            elif kind == "new":
                self.new_conversation(view=view)
            elif kind == "undo":
                self.undo_new_conversation(view=view)
            elif kind == "refresh":
                self.refresh_attachables()
            elif kind == "approval":
                self.answer_approval(content.get("id"), content.get("approved") is True)
        except Exception as exc:  # a bug here must show in the panel, not kill the handler
            self._notice(view, _short_error(exc), level="error")

    # -- the worker ---------------------------------------------------------------------
    def _run_turn(
        self, text: str, names: list[str], options: dict, cancel: threading.Event, view, extra=(), labels=(),
    ) -> None:
        from ...core.context import unresolved_notice
        from ...core.conversation import ConversationBusy

        result = None
        try:
            content, unresolved = self._content(text, names, view)
            content = list(extra) + content
            notice = unresolved_notice(unresolved)
            if notice:  # the same words as under a cell's answer
                self._notice(view, notice, level="warning")
            typed = {"text": text, "attachments": [*labels, *names], "unresolved": list(unresolved)}
            result = self._conversation.run_turn(
                content, client=self._session.client(), options=options, cancel=cancel, typed=typed,
                tools=self._toolset() if self.agent else None,
            )
        except ConversationBusy:  # a cell started a turn between the check and now
            self._notice(view, BUSY_IN_CELL, level="error")
            self._restore(view, text, names)
        except Exception as exc:  # nothing was sent: a bad attachment, too long, a bug
            self._notice(view, _short_error(exc), level="error")
            self._restore(view, text, names)
        else:
            if not result.committed:
                self._restore(view, text, names)
        finally:
            self.last_result = result

    def _content(self, text: str, names: list[str], view=None) -> tuple[list[dict], tuple]:
        """Attachments first (images before the question, as the API recommends), then the prompt.

        The prompt goes through ``resolve_prompt`` like a cell's, so ``{df}`` works here too;
        also returns the references that named nothing.
        """
        from ...core.context import resolve_prompt

        namespace = self.namespace
        options = getattr(self._session, "context_options", None)
        notes: list[str] = []
        blocks = attachment_blocks(names, namespace, options, on_note=notes.append) if names else []
        unresolved: tuple = ()
        if text.strip():
            resolved = resolve_prompt(text, namespace, options=options, shell=_shell())
            blocks.extend(resolved.blocks)
            unresolved = resolved.unresolved
            notes.extend(resolved.redactions)
        for note in notes:  # masked values, said before the question is sent
            self._notice(view, note, level="warning")
        return blocks, unresolved

    # -- conversation events (any thread) -------------------------------------------------
    def _on_event(self, event) -> None:
        """Draw a conversation event; runs on whichever thread runs the turn.

        The conversation ignores exceptions from its subscribers (a broken view must not
        break a turn), so a failure to draw is reported in the panel instead of vanishing.
        """
        try:
            self._draw(event)
        except Exception as exc:
            self._notice(None, f"The panel could not show this update: {_short_error(exc)}", level="error")

    def _draw(self, event) -> None:
        kind = event.kind
        with self._transcript.lock:
            if kind == "update":
                if self._throttle.ready():
                    self._update(event.snapshot)
            elif kind == "turn_started":
                self._throttle.reset()
                own = threading.current_thread() is self._worker
                shown = question_html(event.content, event.typed) if event.typed else None
                user, answer = self._transcript.start_turn(event.content, shown)
                self._post({"type": "add", "entries": [user.to_json(), answer.to_json()]})
                self.busy = "panel" if own else "cell"
            elif kind == "turn_finished":
                try:
                    self._finish(event.result)
                finally:
                    self.busy = ""
            elif kind in ("reset", "loaded"):
                self._transcript.rebuild(self._conversation.messages, self._conversation.typed_questions())
                self._send_snapshot(None)
                self.footer = self._totals_line()

    def _update(self, snapshot) -> None:
        """Send what changed since the last update of the answer being streamed."""
        live, stream = self._transcript.live, self._transcript.stream
        if live is None or stream is None or snapshot is None:
            return  # the answer began before this panel existed: it is drawn when it ends
        change = stream.feed(snapshot.content)
        if change:
            self._post({"type": "stream", "id": live.id, **change})

    def _finish(self, result) -> None:
        transcript = self._transcript
        live, user, stream = transcript.live, transcript.live_user, transcript.stream
        if live is None or stream is None:  # this panel missed the start: show history as it is
            transcript.rebuild(self._conversation.messages, self._conversation.typed_questions())
            self._send_snapshot(None)
            return
        message = result.message
        try:
            final = assistant_html(message.content) if message is not None else ""
        except Exception:  # a renderer bug: show the answer as plain text rather than lose it
            final = text_html(answer_text(message.content))
        change = stream.finish(final)
        live.html = final
        own = threading.current_thread() is self._worker
        live.state, live.note = _outcome(result, own)
        live.footer = result.usage_line if message is not None else ""
        if not result.committed and user is not None:
            user.state = "failed"
        transcript.live = transcript.live_user = transcript.stream = None
        self._post({
            "type": "finish", "id": live.id, **change,
            "state": live.state, "note": live.note, "footer": live.footer,
            "user": {"id": user.id, "state": user.state} if user is not None else None,
        })
        self.footer = self._totals_line()
        self._refresh_models()

    # -- sending ---------------------------------------------------------------------------
    def _post(self, content: dict) -> None:
        if self.comm is not None:
            self.send(content)

    def _send_snapshot(self, view) -> None:
        with self._transcript.lock:
            self._post({"type": "snapshot", "view": view, **self._transcript.snapshot()})

    def _notice(self, view, text: str, level: str = "info") -> None:
        self._post({"type": "notice", "view": view, "text": text, "level": level})

    def _refuse(self, view, text: str) -> bool:
        self._notice(view, text, level="error")
        return False

    def _restore(self, view, text: str, names: list[str]) -> None:
        """Give the question back to the input box: it did not make it into the conversation."""
        self._post({"type": "restore", "view": view, "text": text, "attachments": names})

    # -- small state -------------------------------------------------------------------------
    def _refresh_models(self) -> None:
        session = self._session
        default = session.model
        table = getattr(session, "alias_table", None)
        aliases = dict(table() if table is not None else getattr(session, "aliases", {}) or {})
        by_id = {model_id: alias for alias, model_id in aliases.items()}
        label = f"{by_id[default]} ({default})" if default in by_id else default
        choices = [["", f"Notebook default: {label}"]]
        choices += [[alias, f"{alias} ({model_id})"] for alias, model_id in aliases.items()]
        for name in session.models():
            if name not in aliases and name not in by_id:
                choices.append([name, name])
        if self.models != choices:
            self.models = choices

    def _totals_line(self) -> str:
        totals = getattr(self._conversation, "spent", None)
        if totals is None or not totals.turns:
            return ""
        from ...core.models import offline_demo

        if offline_demo():
            cost = "no cost (offline demo)"
        else:
            cost = f"~${totals.cost:.4f}" + (" (some models unpriced)" if totals.unpriced_turns else "")
        answers = "answer" if totals.turns == 1 else "answers"
        # Totals survive "New conversation" (money spent stays spent), hence "so far".
        return (
            f"Total so far: {totals.turns} {answers} · {totals.input_tokens:,} in · "
            f"{'~' if totals.estimated_turns else ''}{totals.output_tokens:,} out · {cost}"
        )


def _outcome(result, own: bool) -> tuple[str, str]:
    """The answer's state and the plain-text note under it."""
    kept = "The partial answer is kept in the conversation." if result.committed else (
        "Nothing was added to the conversation"
        + ("; your question is back in the input box." if own else ".")
    )
    if result.interrupted:
        return "stopped", f"Stopped. {kept}"
    if result.error is not None:
        return "failed", f"{_short_error(result.error)} {kept}"
    if not result.committed:
        return "failed", "The answer was empty, so nothing was added to the conversation."
    return "done", ""


#: The open panel of each conversation, so that showing the chat again adds a view of the
#: same panel instead of one more widget listening to every turn for the kernel's lifetime
#: (re-running a ``%claude chat`` cell clears the old view, not the old widget).
_panels: weakref.WeakKeyDictionary[object, ChatPanel] = weakref.WeakKeyDictionary()
_panels_lock = threading.Lock()


def show_chat(session=None, conversation=None) -> ChatPanel:
    """Display the chat panel over the notebook's conversation and return it.

    ``claude_magics.chat()`` and ``%claude chat`` call this. The panel shares its history
    with the ``%%claude`` cells; see ``ChatPanel`` for driving it from code. There is one
    panel per conversation: calling this again shows another view of it, in step with
    the first.
    """
    return ensure_panel(session, conversation).show()


def ensure_panel(session=None, conversation=None) -> ChatPanel:
    """The open panel of ``conversation`` (the session's current one), made if needed.

    Not displayed: the lab extension's sidebar shows it as one more view.
    """
    if session is None:
        from ...core.session import get_session

        session = get_session()
    if conversation is None:
        conversation = session.conversation()
    with _panels_lock:
        panel = _panels.get(conversation)
        if panel is None or panel.comm is None:  # never made, or closed
            panel = _panels[conversation] = ChatPanel(session=session, conversation=conversation)
    return panel
