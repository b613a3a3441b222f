"""A conversation: the history, the rules that keep it a valid request, and one turn at a time.

Why this module is the only writer of history: every display (a cell, the chat panel,
later the sidebar) watches the same conversation, and the Messages API rejects a request
whose roles do not alternate, whose text blocks are empty, or whose ``tool_use`` is not
answered. If any of those could be written from several places, one failure path would
sooner or later leave the notebook unable to ask anything. So a turn is committed here,
once, when it ends - successfully, interrupted, or failed - and always as a valid
``user``/``assistant`` pair (or not at all).

The rules themselves (what a valid history is) live in ``history``; usage totals in ``usage``;
what makes two requests the same and which answers are replayed in ``replay``.

Replay: given an answer store, ``run_turn`` looks the request up before sending it and, when
this exact request was answered before, commits the stored answer instead - at no cost, the
conversation continuing exactly as it did (``refresh`` asks again and replaces it).

Where a turn came from: a turn may carry an ``origin`` (the notebook cell that asked, and the
execution). When a cell runs again, its earlier turn and everything after it are replaced by
the new turn instead of being appended to: the history is what the cells say, in the order
they last ran, so Restart & Run All over a restored conversation never duplicates it, and an
edited cell re-asks from its own point. Turns without an origin (the chat panel, a terminal)
append.

A turn runs synchronously on the calling thread: the magic runs it on the kernel's main
thread so that Kernel > Interrupt (KeyboardInterrupt) stops it; the chat panel runs it on
a worker thread and stops it through ``cancel``. No event loop is involved.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..api.errors import APIError, ClaudeError, RequestCancelledError, RequestValidationError
from ..api.secrets import check_request
from ..api.types import Message, TextBlock, Usage
from . import models as model_info
from .interrupts import InterruptWindow
from .history import (
    FAILED_NOTE,
    INTERRUPTED_NOTE,
    NO_TOOL_RUNNER,
    answer_open_tools,
    TOOL_CUT_OFF,
    as_blocks,
    content_as_text,
    estimate_tokens,
    has_substance,
    kept_on_failure,
    validate_history,
    with_cache_breakpoints,
)
from .replay import from_record, replay_key, storable, to_record
from .usage import UsageTotals, format_replay_line, format_usage_line, generated_usage

__all__ = ["Conversation", "ConversationBusy", "ConversationEvent", "ContextTooLong", "Forgotten", "TurnResult"]

SAVE_FORMAT = "claude_magics.conversation"
SAVE_VERSION = 1
# pause_turn continuations per user turn, so a misbehaving server cannot loop forever.
MAX_CONTINUATIONS = 5


class ConversationBusy(ClaudeError):
    """A turn is already running in this conversation; turns never interleave."""


class ContextTooLong(ClaudeError):
    """The history plus the new prompt would not fit in the model's context window."""


@dataclass
class TurnResult:
    """What a turn produced. ``message`` is the final answer, or the partial one on failure."""

    message: Message | None = None
    error: BaseException | None = None
    interrupted: bool = False
    committed: bool = False
    elapsed: float = 0.0
    model: str | None = None
    cost: float | None = None
    #: Messages between the question and the final answer: ``assistant`` (tool calls) and
    #: ``user`` (their results) pairs of a tool loop, committed with the turn.
    steps: list[dict] = field(default_factory=list)
    #: Usage of every request of the turn added up (a tool loop or ``pause_turn`` sends several).
    total_usage: Usage | None = None
    #: The tool loop stopped at ``Toolset.max_steps`` with calls still asked for.
    stopped_tools: bool = False
    #: the stored answer to this exact request was shown instead of asking (no cost)
    replayed: bool = False
    #: for a replayed answer: the record it came from (when it was asked, what it cost then)
    record: dict | None = None
    #: the store key of the turn's first request (None without a store, or with tools)
    replay_key: str | None = None
    #: The output tokens are partly estimated: a request ended before the API counted them.
    usage_estimated: bool = False
    #: The message of the request being streamed, until it ends (see ``core.usage``).
    in_flight: Message | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.error is None and not self.interrupted

    @property
    def usage(self) -> Usage | None:
        if self.total_usage is not None:
            return self.total_usage
        return self.message.usage if self.message is not None else None

    @property
    def usage_line(self) -> str:
        if self.replayed:
            record = self.record or {}
            return format_replay_line(self.model, record.get("stored_at"), record.get("cost"))
        return format_usage_line(self.model, self.usage, self.cost, self.elapsed, estimated=self.usage_estimated)


@dataclass
class ConversationEvent:
    """What subscribers (cell displays, the chat panel) are told about a conversation."""

    kind: str  # "turn_started" | "update" | "turn_finished" | "reset" | "loaded"
    conversation: "Conversation"
    content: list[dict] | None = None
    snapshot: Message | None = None
    result: TurnResult | None = None
    #: The question as the person typed it (``run_turn(typed=...)``), for views; None if unknown.
    typed: dict | None = None


@dataclass(frozen=True)
class Forgotten:
    """What ``reset`` forgot, so that ``restore`` can bring it back (the panel's Undo)."""

    messages: list
    typed: dict
    totals: UsageTotals
    earlier: UsageTotals
    origins: list = field(default_factory=list)


class Conversation:
    """The committed history of one named conversation, plus its usage totals."""

    def __init__(self, name: str = "default") -> None:
        self.name = name
        self._messages: list[dict] = []
        # id(user message in _messages) -> (that message, what the person typed). Views show
        # the typed question ("Describe {df}") rather than the summary that was sent; the
        # message is held so that an id is never matched to a later object.
        self._typed: dict[int, tuple[dict, dict]] = {}
        #: one entry per user/assistant pair of ``_messages``: the origin of the turn it
        #: belongs to (every pair of a tool loop's turn has the turn's origin), or None
        self._origins: list[dict | None] = []
        #: answers of a loaded conversation by request key (see ``_recorded_answers``)
        self._recorded: dict[str, dict] = {}
        self.totals = UsageTotals()  # since the last new/load (or as saved)
        self.earlier = UsageTotals()  # spent before that, in this kernel: money spent stays spent
        self._lock = threading.Lock()
        self._subscribers: list[Callable[[ConversationEvent], None]] = []

    # -- reading -------------------------------------------------------------------
    @property
    def messages(self) -> list[dict]:
        """A deep copy of the committed history (API message dicts); safe to mutate."""
        return copy.deepcopy(self._messages)

    def typed_questions(self) -> list[dict | None]:
        """For each message of ``messages``, the question as typed (``run_turn(typed=...)``) or None."""
        found = []
        for message in self._messages:
            held = self._typed.get(id(message))
            found.append(held[1] if held is not None and held[0] is message else None)
        return found

    @property
    def busy(self) -> bool:
        return self._lock.locked()

    def __len__(self) -> int:
        return len(self._messages)

    def __repr__(self) -> str:
        return f"<Conversation {self.name!r}: {len(self._messages)} messages>"

    # -- observers -----------------------------------------------------------------
    def subscribe(self, callback: Callable[[ConversationEvent], None]) -> Callable[[], None]:
        """Call ``callback(event)`` on every change; returns a function that unsubscribes."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    def _emit(self, kind: str, **fields: Any) -> None:
        """Tell every subscriber, whatever any one of them raises.

        A ``KeyboardInterrupt`` inside a subscriber still reaches all the others first (a
        panel that missed ``turn_finished`` would stay busy); it is raised again only for an
        ``update``, where it means "stop this answer".
        """
        event = ConversationEvent(kind, self, **fields)
        interrupted = False
        for callback in list(self._subscribers):
            try:
                callback(event)
            except KeyboardInterrupt:
                interrupted = True
            except Exception:  # a broken view must never break the conversation
                pass
        if interrupted and kind == "update":
            raise KeyboardInterrupt

    # -- building a request --------------------------------------------------------
    def build_messages(self, content: list[dict], *, record: bool = True, keep: int | None = None) -> list[dict]:
        """The ``messages`` field for a new user turn: history (if ``record``) plus it.

        ``keep``: how many messages of the history come before it (all by default; fewer
        when a cell that runs again replaces its earlier turn). Answers any ``tool_use``
        left open by the previous turn first, so the request is valid even when the model
        asked for a tool nobody ran.
        """
        # a shallow copy: nothing downstream mutates these dicts (cache breakpoints are
        # marked on a deep copy, and only the new user message is committed, copied)
        history = list(self._messages[:keep]) if record else []
        return history + [{"role": "user", "content": answer_open_tools(history, content)}]

    def replaced_from(self, origin: dict | None) -> int:
        """How many messages stay before a turn from ``origin``: all, unless the same cell
        asked before in an earlier execution - then everything from that turn on goes.

        A turn of the same execution (a cell asking twice) is kept: only a new run of the
        cell replaces what its earlier run said.
        """
        cell = (origin or {}).get("cell")
        if not cell:
            return len(self._messages)
        for index, earlier in enumerate(self._origins):
            if earlier and earlier.get("cell") == cell and earlier.get("run") != origin.get("run"):
                return index * 2
        return len(self._messages)

    def _recorded_answers(self) -> dict[str, dict]:
        """Stored-answer records, by request key, of the exchanges of a loaded conversation.

        Why: the conversation travels in the notebook's metadata with the request key of each
        cell's answer, so a colleague's Restart & Run All (their store is empty) replays the
        answers the notebook was written with instead of paying for new ones. Read once at
        load: a re-run cell replaces the exchanges after it before those cells run again.
        """
        recorded = {}
        for index, origin in enumerate(self._origins):
            key = (origin or {}).get("key")
            if not key or 2 * index + 1 >= len(self._messages):
                continue
            answer = self._messages[2 * index + 1]
            message = {"id": "", "type": "message", "role": "assistant", "model": origin.get("model") or "",
                       "content": copy.deepcopy(answer["content"]), "stop_reason": origin.get("stop") or "end_turn",
                       "stop_sequence": None, "usage": {"input_tokens": 0, "output_tokens": 0}}
            recorded[key] = {"version": 1, "message": message, "model": origin.get("model"), "cost": None,
                             "elapsed": 0.0, "stored_at": origin.get("at")}
        return recorded

    @property
    def recorded_answer_count(self) -> int:
        """How many answers of this conversation a saved copy lets others replay."""
        return sum(1 for o in {id(o): o for o in self._origins if o}.values() if o.get("key"))

    def forget_recorded_answers(self) -> int:
        """Drop the request keys kept with the exchanges (``%claude cache --notebook clear``):
        the saved notebook then no longer replays its answers elsewhere. Returns how many."""
        self._require_idle()
        count = 0
        for origin in {id(o): o for o in self._origins if o}.values():
            if origin.pop("key", None) is not None:
                count += 1
        self._recorded = {}
        self._emit("loaded")  # the notebook's copy is saved again, without them
        return count

    def check_fits(self, messages: list[dict], options: dict) -> None:
        """Refuse early, with the way out, when a request clearly exceeds the window."""
        model = options.get("model")
        window = model_info.context_window(model)
        needed = estimate_tokens(messages, options.get("system")) + int(options.get("max_tokens") or 0)
        if needed > window:
            raise ContextTooLong(
                f"This conversation is about {needed:,} tokens (history + prompt + max_tokens), "
                f"more than {model}'s {window:,}-token context window. Start a fresh one with "
                "`%%claude --new`, drop the oldest turns with `%claude trim N`, or ask with "
                "`--no-history`."
            )

    # -- running a turn ------------------------------------------------------------
    def run_turn(
        self,
        content: str | list,
        *,
        client,
        options: dict,
        on_update: Callable[[Message], None] | None = None,
        cancel: threading.Event | None = None,
        record: bool = True,
        stream: bool = True,
        cache: bool = True,
        tools=None,
        typed: dict | None = None,
        store=None,
        refresh: bool = False,
        origin: dict | None = None,
        prefill: str | None = None,
    ) -> TurnResult:
        """Ask one question and commit the answer; never raises for API or network trouble.

        ``tools`` (a ``core.tools.Toolset``, or a list of functions/tools) runs the tool
        loop: while the model stops with ``tool_use``, the calls are run (approval first
        where a tool needs it), their results sent back, and the model asked again, at most
        ``Toolset.max_steps`` requests. Every message of the loop is committed with the turn.

        ``typed`` is the question as the person wrote it, for views only (never sent):
        ``{"text": ..., "attachments": [names], "unresolved": [sources]}``.

        ``prefill`` starts Claude's answer with that text: it is sent as the final assistant
        message, shown as the start of the answer while it streams, and committed as one
        assistant turn whose text is the prefill followed by the continuation. Trailing
        whitespace is dropped (the API refuses a prefill ending in it); models that refuse
        prefills are refused before sending, naming the model (``RequestValidationError``).

        ``options`` are the request fields other than ``messages`` (model, max_tokens,
        system, ...). Failures come back in ``TurnResult.error`` with the partial answer in
        ``TurnResult.message``; ``ConversationBusy``, ``ContextTooLong`` and an empty prompt
        raise, because nothing was sent. With ``record=False`` the turn neither reads nor
        writes history.

        ``store`` (an ``AnswerStore``): replay the stored answer to this exact request
        instead of sending it, and store a complete new answer; ``refresh`` asks anyway and
        replaces the stored answer. Turns with tools never replay: their answers depend on
        what the tools return when run. ``origin`` (``{"cell": id, "run": id}``): the cell
        and execution that asked; a new run of a cell replaces its earlier turn and what
        followed it (``replaced_from``).
        """
        blocks = as_blocks(content)
        if not blocks:
            raise ValueError("The prompt is empty: write a question (or mention an object) first.")
        if not self._lock.acquire(blocking=False):
            raise ConversationBusy(
                f"Conversation {self.name!r} is still answering; wait for it or stop it first."
            )
        try:
            keep = self.replaced_from(origin) if record else 0
            messages = self.build_messages(blocks, record=record, keep=keep)
            self.check_fits(messages, options)
            # Before any view is told: a credential must not even be drawn in the panel.
            check_request({"system": options.get("system"), "messages": messages})
            toolset = _as_toolset(tools)
            replay = None
            if store is not None and not toolset:
                replay = _Replay(store, refresh, recorded=self._recorded.get)
            with InterruptWindow() as window:
                if record:
                    self._emit("turn_started", content=blocks, typed=typed)
                try:
                    result = self._exchange(
                        messages, client, options, on_update, cancel, stream, cache, toolset, window, replay,
                        _prefill_blocks(prefill),
                    )
                except BaseException as exc:  # refused by the client after all: views must recover
                    if record:
                        self._emit("turn_finished", result=TurnResult(model=options.get("model"), error=exc))
                    raise
                # Interrupts are held from here: the answer is complete, or its failure known.
                if result.replayed:  # an answer, at no cost: kept or one-off alike
                    self.totals.add_replayed()
                elif result.usage is not None:  # money spent stays spent: kept, failed or one-off alike
                    self.totals.add(result.usage, result.cost, estimated=result.usage_estimated)
                if record:
                    replaced = self._commit(messages[-1], result, keep, origin, typed)
                    self._emit("turn_finished", result=result)
                    if replaced:
                        self._emit("loaded")  # views redraw the history that the new run replaced
            return result
        finally:
            self._lock.release()

    def _exchange(
        self, messages, client, options, on_update, cancel, stream, cache, toolset=None, window=None, replay=None,
        prefill=(),
    ) -> TurnResult:
        """Send (or replay), stream, run tools and follow ``pause_turn``; fold failures into a result.

        ``result.message`` is what the displays show: every assistant block of the turn with
        the tool results between them; ``result.steps`` the messages a tool loop added.
        """
        started = time.monotonic()
        result = TurnResult(model=options.get("model"))
        shown: list = []  # blocks of finished tool rounds (calls and results), for the displays
        # Blocks of the current assistant message sent back as its start: a prefill, then the
        # earlier segments of a pause_turn. The first answer to a prefill continues its text.
        answer: list = list(prefill)
        requests = 0
        limit = MAX_CONTINUATIONS + 1 + (toolset.max_steps if toolset else 0)
        window = window or InterruptWindow()  # not entered: interrupts simply pass
        reading: list = [None]  # the stream just read, to tell a complete answer from a cut one
        try:
            while requests < limit:
                body = dict(options)
                if toolset:
                    body["tools"] = list(options.get("tools") or []) + toolset.definitions()
                    choice = toolset.tool_choice
                    if choice and (requests == 0 or choice.get("type") in ("auto", "none")):
                        body["tool_choice"] = choice  # a forced choice applies to the first request only
                request_messages = messages + result.steps
                if answer:
                    request_messages = request_messages + [{"role": "assistant", "content": [b.to_dict() for b in answer]}]
                body["messages"] = with_cache_breakpoints(request_messages) if cache else request_messages
                if replay is not None and requests == 0 and replay.lookup(body, client, result):
                    if on_update is not None:
                        on_update(result.message)  # the same display path as a live answer
                    self._emit("update", snapshot=result.message)
                    result.elapsed = time.monotonic() - started
                    return result
                join = bool(prefill) and requests == 0
                with window.open():
                    segment = self._one_request(
                        client, body, on_update, cancel, stream, shown + answer, result, reading, join
                    )
                requests += 1
                if segment is None:  # cancelled
                    break
                result.total_usage = _added(result.total_usage, segment.usage)
                current = _merge(answer, segment, join=join)
                result.message = _merge(shown, current)
                result.model = segment.model or result.model
                if segment.stop_reason == "pause_turn":
                    # The server paused a long server-tool turn: send its work back unchanged.
                    answer = list(current.content)
                    continue
                calls = [b.to_dict() for b in current.content if b.type == "tool_use"]
                if not (toolset and calls and segment.stop_reason in ("tool_use", "max_tokens")):
                    break
                if len(result.steps) // 2 >= toolset.max_steps:
                    result.stopped_tools = True
                    break
                result.steps.append({"role": "assistant", "content": [b.to_dict() for b in current.content]})
                answer = []
                reading[0] = None  # an interrupt from here stops the tools, not a finished answer
                with window.open():  # tools run the notebook's code: Interrupt must reach it
                    results = self._run_tools(toolset, calls, segment.stop_reason, result, shown, current, on_update)
                result.steps.append({"role": "user", "content": results})
                if cancel is not None and cancel.is_set():  # stopped while the tools ran: ask nothing more
                    result.interrupted = True
                    break
        except RequestValidationError:
            raise  # nothing was sent: the caller's parameters need fixing
        except KeyboardInterrupt:
            done = reading[0]
            stop = done.current_message.stop_reason if done is not None and done.finished else None
            if stop is not None and stop != "pause_turn" and not (toolset and stop == "tool_use"):
                # The interrupt came after the last byte: the answer is whole, keep it whole.
                result.message = _merge(shown + answer, done.current_message)
                result.model = done.current_message.model or result.model
            else:
                result.interrupted = True
        except APIError as exc:
            if isinstance(exc, RequestCancelledError) or (cancel is not None and cancel.is_set()):
                result.interrupted = True
            else:
                result.error = exc
            partial = exc.partial_message
            if partial is not None:
                result.message = _merge(shown + answer, partial)
        except Exception as exc:  # a bug or an unexpected transport failure: report, keep going
            result.error = exc
        if result.in_flight is not None:  # stopped or failed mid-stream: count what was generated
            usage, result.usage_estimated = generated_usage(result.in_flight)
            result.total_usage = _added(result.total_usage, usage)
            result.in_flight = None
        result.elapsed = time.monotonic() - started
        if result.message is not None:
            usage = result.total_usage or result.message.usage
            result.cost = model_info.estimate_cost(result.model, usage)
        if replay is not None:
            replay.keep(result)
        return result

    def _run_tools(self, toolset, calls, stop_reason, result, shown, current, on_update) -> list[dict]:
        """Run one round of tool calls; the displays see each result as it arrives."""
        from ..api.types import block_from_dict

        shown.extend(current.content)
        if stop_reason == "max_tokens" and current.content[-1].type == "tool_use":
            *calls, cut = calls  # the last call's input was cut off: it cannot run
            cut_result = {"type": "tool_result", "tool_use_id": cut["id"], "is_error": True,
                          "content": TOOL_CUT_OFF}
        else:
            cut_result = None

        def show(_use: dict, tool_result: dict) -> None:
            shown.append(block_from_dict(tool_result))
            result.message = _merge(shown, _empty_like(current))
            if on_update is not None:
                on_update(result.message)
            self._emit("update", snapshot=result.message)

        results = toolset.answer(calls, on_result=show)
        if cut_result is not None:
            results.append(cut_result)
            show(None, cut_result)
        return results

    def _one_request(self, client, body, on_update, cancel, stream, earlier, result, reading, join=False):
        """One HTTP request; returns the message, or None when ``cancel`` stopped it.

        ``cancel`` goes to the client too, so that setting it ends a read that is waiting
        for a byte that may never come (the panel's Stop), not just the loop below. ``join``:
        the answer continues the last earlier text block (a prefill).
        """
        if cancel is not None:
            body = {**body, "cancel": cancel}
        if not stream:
            return client.create(**body)
        with client.stream(**body) as events:
            reading[0] = events
            for _event in events:
                snapshot = result.in_flight = events.current_message
                result.message = _merge(earlier, snapshot, join=join)
                if on_update is not None:
                    on_update(result.message)
                self._emit("update", snapshot=result.message)
                if cancel is not None and cancel.is_set():
                    result.interrupted = True
                    return None
            final = events.get_final_message()
            result.in_flight = None  # the API counted it: the caller adds final.usage
            return final

    def _commit(self, user_message: dict, result: TurnResult, keep: int, origin: dict | None,
                typed: dict | None = None) -> bool:
        """Put the turn into history after the first ``keep`` messages as a valid sequence
        ending in an answer - or change nothing at all. True when an earlier run's turns
        were replaced.
        """
        message = result.message
        steps = copy.deepcopy(result.steps)
        if result.ok and message is not None:
            final = [b.to_dict() for b in message.content[_final_start(message, steps):]]
            if message.stop_reason == "pause_turn" or not has_substance(final):
                final = []  # e.g. a refusal with no blocks: nothing valid to keep
        else:
            note = INTERRUPTED_NOTE if result.interrupted else FAILED_NOTE
            final = kept_on_failure(_tail(message, steps), note)
        if steps and steps[-1]["role"] == "user" and not final:
            # the loop ended after sending tool results: keep them, with a note as the answer
            final = [{"type": "text", "text": INTERRUPTED_NOTE if result.interrupted else FAILED_NOTE}]
        if not final and not steps:
            return False
        if not final:  # ends in an assistant message whose tool calls the next turn answers
            turn = [copy.deepcopy(user_message), *steps]
        else:
            turn = [copy.deepcopy(user_message), *steps, {"role": "assistant", "content": final}]
        replaced = keep < len(self._messages)
        self._messages = self._messages[:keep] + turn
        kept = {id(message) for message in self._messages}
        self._typed = {key: held for key, held in self._typed.items() if key in kept}
        mark = dict(origin) if origin else None
        if mark is not None and result.replay_key and len(turn) == 2 and (result.replayed or storable(result)):
            # what the notebook needs to replay this answer elsewhere (see ``_recorded_answers``)
            mark.update(key=result.replay_key, model=result.model, stop=message.stop_reason,
                        at=(result.record or {}).get("stored_at") or time.time())
        self._origins = self._origins[:keep // 2] + [mark] * (len(turn) // 2)
        if typed is not None:
            self._typed[id(turn[0])] = (turn[0], dict(typed))
        result.committed = True
        return replaced

    # -- changing history ----------------------------------------------------------
    def reset(self) -> Forgotten:
        """Forget the history and start fresh totals; what was spent stays in ``spent``.

        Returns what was forgotten; ``restore`` brings it back while nothing was asked since.
        """
        self._require_idle()
        forgotten = Forgotten(self._messages, self._typed, self.totals, self.earlier, self._origins)
        self._messages, self._typed, self._origins = [], {}, []
        self.earlier = self.earlier.plus(self.totals)
        self.totals = UsageTotals()
        self._emit("reset")
        return forgotten

    def restore(self, forgotten: Forgotten) -> bool:
        """Undo a ``reset``: True if restored, False when the new conversation already has turns."""
        self._require_idle()
        if self._messages:
            return False
        self._messages, self._typed = forgotten.messages, dict(forgotten.typed)
        self._origins = list(forgotten.origins) or [None] * (len(self._messages) // 2)
        self.earlier = forgotten.earlier
        self.totals = forgotten.totals.plus(self.totals)  # anything spent since stays counted
        self._emit("loaded")
        return True

    @property
    def spent(self) -> UsageTotals:
        """Everything this conversation's name cost in this kernel, across ``new`` and ``load``."""
        return self.earlier.plus(self.totals)

    def trim(self, turns: int) -> int:
        """Drop the oldest ``turns`` user/assistant pairs; returns how many were dropped."""
        self._require_idle()
        pairs = len(self._messages) // 2
        drop = max(0, min(turns, pairs))
        self._messages = self._messages[drop * 2:]
        kept = {id(message) for message in self._messages}
        self._typed = {key: held for key, held in self._typed.items() if key in kept}
        self._origins = self._origins[drop:]
        self._emit("loaded")
        return drop

    def _require_idle(self) -> None:
        if self.busy:
            raise ConversationBusy(f"Conversation {self.name!r} is answering; stop it first.")

    # -- persistence ---------------------------------------------------------------
    def to_dict(self) -> dict:
        return {
            "format": SAVE_FORMAT,
            "version": SAVE_VERSION,
            "name": self.name,
            "messages": self.messages,
            "origins": copy.deepcopy(self._origins),
            "totals": self.totals.to_dict(),
        }

    def load_dict(self, data: dict) -> None:
        """Replace the history with a saved one - only if all of it is valid.

        Everything is checked before anything changes (the history by the API's own rules,
        see ``history.validate_history``; the totals as counts), so a file that is refused
        leaves the current conversation exactly as it was.
        """
        if not isinstance(data, dict) or data.get("format") != SAVE_FORMAT:
            raise ValueError("Not a saved claude_magics conversation (missing 'format').")
        version = data.get("version", 0)
        if isinstance(version, bool) or not isinstance(version, int):
            raise ValueError(f"'version' must be a whole number, not {version!r}.")
        if version > SAVE_VERSION:
            raise ValueError("This conversation was saved by a newer claude_magics; upgrade to load it.")
        messages = data.get("messages")
        messages = [] if messages is None else messages
        validate_history(messages)
        totals = UsageTotals.from_dict(data.get("totals"))
        self._require_idle()
        self._messages = copy.deepcopy(messages)
        self._typed = {}
        self._origins = _origins_of(data.get("origins"), len(messages) // 2)
        self._recorded = self._recorded_answers()
        self.earlier = self.earlier.plus(self.totals)
        self.totals = totals
        self._emit("loaded")

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=1, ensure_ascii=False), encoding="utf-8")
        return path

    def load(self, path: str | Path) -> None:
        self.load_dict(json.loads(Path(path).read_text(encoding="utf-8")))

    def to_markdown(self) -> str:
        """The conversation as readable Markdown (images and tool traffic summarised)."""
        lines = [f"# Conversation: {self.name}", ""]
        for message in self._messages:
            lines.append("## You" if message["role"] == "user" else "## Claude")
            lines.append("")
            lines.append(content_as_text(message["content"]))
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"


def _as_toolset(tools):
    """``None``, a ``Toolset``, or a list of functions/tools/definitions as a ``Toolset``."""
    if tools is None:
        return None
    from .tools import Toolset

    return tools if isinstance(tools, Toolset) else Toolset.of(tools)


def _added(total: Usage | None, usage: Usage | None) -> Usage | None:
    """Usage of two requests added up (each request pays its own input)."""
    if usage is None:
        return total
    if total is None:
        return copy.deepcopy(usage)
    summed = copy.deepcopy(total)
    summed.input_tokens = (total.input_tokens or 0) + (usage.input_tokens or 0)
    summed.output_tokens = (total.output_tokens or 0) + (usage.output_tokens or 0)
    for name in ("cache_creation_input_tokens", "cache_read_input_tokens"):
        mine, theirs = getattr(total, name), getattr(usage, name)
        if mine is not None or theirs is not None:
            setattr(summed, name, (mine or 0) + (theirs or 0))
    return summed


def _final_start(message: Message, steps: list[dict]) -> int:
    """Where the final answer starts in the displayed message (after the tool rounds' blocks)."""
    return sum(len(step["content"]) for step in steps)


def _tail(message: Message | None, steps: list[dict]) -> Message | None:
    """The displayed message without the tool rounds' blocks: the final, maybe partial, answer."""
    if message is None or not steps:
        return message
    tail = copy.copy(message)
    tail.content = list(message.content[_final_start(message, steps):])
    return tail


def _empty_like(message: Message) -> Message:
    empty = copy.copy(message)
    empty.content = []
    return empty


def _merge(earlier: list, segment: Message, *, join: bool = False) -> Message:
    """A message whose content is ``earlier`` blocks followed by ``segment``'s.

    ``join``: the segment continues the last earlier text block (a prefill), so its first text
    block is appended to that one - the answer reads, and is kept, as one text.
    """
    if not earlier:
        return segment
    merged = copy.copy(segment)
    blocks = list(segment.content)
    if join and blocks and isinstance(earlier[-1], TextBlock) and isinstance(blocks[0], TextBlock):
        head, first = earlier[-1], blocks[0]
        joined = TextBlock(head.text + first.text, citations=first.citations)
        merged.content = list(earlier[:-1]) + [joined] + blocks[1:]
    else:
        merged.content = list(earlier) + blocks
    return merged


def _prefill_blocks(prefill: str | None) -> list:
    """The prefill as the start of the answer: one text block, trailing whitespace dropped."""
    if prefill is None:
        return []
    if not isinstance(prefill, str) or not prefill.strip():
        raise ValueError("The prefill is empty: give the text Claude's answer should start with.")
    return [TextBlock(prefill.rstrip())]


def _origins_of(saved, pairs: int) -> list[dict | None]:
    """The saved origins when they fit the saved history, else none known (turns append)."""
    if isinstance(saved, list) and len(saved) == pairs:
        return [_origin_of(o) for o in saved]
    return [None] * pairs


def _origin_of(saved) -> dict | None:
    """One saved origin, keeping only well-formed fields (a file is data, not trusted)."""
    if not isinstance(saved, dict) or not saved.get("cell"):
        return None
    origin = {"cell": str(saved["cell"]), "run": str(saved.get("run", ""))}
    key = saved.get("key")
    if isinstance(key, str) and len(key) == 64 and all(c in "0123456789abcdef" for c in key):
        origin["key"] = key
        for name in ("model", "stop"):
            if isinstance(saved.get(name), str):
                origin[name] = saved[name]
        if isinstance(saved.get("at"), (int, float)) and not isinstance(saved.get("at"), bool):
            origin["at"] = saved["at"]
    return origin


class _Replay:
    """One turn's use of the answer store: look the first request up, keep a complete answer.

    A store that cannot be read or written (a full disk, a locked file) costs the replay,
    never the turn.
    """

    def __init__(self, store, refresh: bool, recorded=None) -> None:
        self.store = store
        self.refresh = refresh
        self.recorded = recorded  # key -> a record kept with the conversation, or None
        self.key: str | None = None

    def lookup(self, body: dict, client, result: TurnResult) -> bool:
        """Fill ``result`` with the stored answer to ``body``; False when it must be asked."""
        try:
            self.key = result.replay_key = replay_key(body, client)
            found = None if self.refresh else from_record(self.store.get(self.key))
        except Exception:  # sqlite3.Error, OSError: ask instead
            found = None
        if found is None and not self.refresh and self.recorded is not None and self.key:
            value = self.recorded(self.key)
            found = from_record(value)
            if found is not None:
                try:
                    self.store.put(self.key, value, kind="message")  # replayed locally from now on
                except Exception:
                    pass
        if found is None:
            return False
        message, record = found
        result.message, result.record, result.replayed = message, record, True
        result.model = message.model or record.get("model") or result.model
        result.cost = 0.0
        return True

    def keep(self, result: TurnResult) -> None:
        """Store a complete, successful answer under the key of the turn's first request."""
        if self.key is None or result.replayed or not storable(result):
            return
        try:
            self.store.put(self.key, to_record(result), kind="message")
        except Exception:  # the answer is shown and committed either way
            pass
