"""A misbehaving server never keeps an answer running: deadlines, caps, Stop, and clear errors.

Each test talks to ``hostile.HostileServer`` over loopback with short limits, and checks the
typed error, how fast it came, and that the part of the answer that arrived is kept.
"""

from __future__ import annotations

import threading
import time

import pytest
from hostile import HostileServer

from claude_magics.api import errors
from claude_magics.api.client import Client
from claude_magics.api.watch import Cancel
from claude_magics.core.conversation import Conversation
from claude_magics.testing import FakeAPI

from .helpers import params


def client(server, **options) -> Client:
    options = {"max_retries": 2, "_sleep": lambda s: None, **options}
    return Client("sk-ant-hostile-test", server.base_url, **options)


def timed(function):
    started = time.monotonic()
    try:
        function()
    except errors.APIError as exc:
        return exc, time.monotonic() - started
    raise AssertionError("no error")


def read_all(claude: Client, **extra):
    with claude.stream(**params(), **extra) as stream:
        return stream.get_final_message()


@pytest.mark.parametrize("behaviour, options", [("pings", {"interval": 0.2}), ("trickle", {"interval": 10.0})])
def test_the_deadline_ends_an_answer_that_never_ends(behaviour, options):
    with HostileServer(behaviour, **options) as server:
        error, elapsed = timed(lambda: read_all(client(server, timeout=1.0)))
    assert isinstance(error, errors.DeadlineExceededError)
    assert "deadline of 1 s" in str(error)
    assert 0.9 < elapsed < 2.0, elapsed
    assert error.partial_message.text == "Partial answer."
    assert server.served == 1  # never retried once the answer had begun


def test_the_first_byte_timeout_is_its_own_error_and_not_retried():
    with HostileServer("silent") as server:
        error, elapsed = timed(lambda: read_all(client(server, timeout=30, first_byte_timeout=0.5)))
    assert isinstance(error, errors.FirstByteTimeoutError) and "0.5 s" in str(error)
    assert elapsed < 1.5 and server.served == 1


def test_silence_mid_answer_is_a_stall():
    with HostileServer("stall_after_start") as server:
        error, elapsed = timed(lambda: read_all(client(server, timeout=30, first_byte_timeout=0.5)))
    assert isinstance(error, errors.APITimeoutError) and "stalled" in str(error)
    assert elapsed < 1.5 and error.partial_message.text == "Partial answer."


def test_a_huge_delta_is_refused_without_reading_it_all():
    with HostileServer("huge_delta", size=50 * 1024 * 1024) as server:
        error, elapsed = timed(lambda: read_all(client(server, max_event_bytes=1024 * 1024)))
    assert isinstance(error, errors.EventTooLargeError) and "1,048,576 bytes" in str(error)
    assert error.partial_message.text == "Partial answer."
    assert elapsed < 2.0


def test_an_answer_larger_than_the_cap_is_refused():
    with HostileServer("pings", interval=0.001) as server:
        error, _ = timed(lambda: read_all(client(server, max_answer_bytes=20_000)))
    assert isinstance(error, errors.AnswerTooLargeError)


def test_cancel_from_another_thread_ends_a_stalled_read_at_once():
    cancel = Cancel()
    with HostileServer("trickle", interval=10.0) as server:
        threading.Timer(0.3, cancel.set).start()
        error, elapsed = timed(lambda: read_all(client(server), cancel=cancel))
    assert isinstance(error, errors.RequestCancelledError)
    assert elapsed < 1.0 and error.partial_message.text == "Partial answer."


def test_a_web_page_says_so_with_its_title():
    with HostileServer("web_page") as server:
        error, _ = timed(lambda: read_all(client(server)))
        error_create, _ = timed(lambda: client(server).create(**params()))
    for caught in (error, error_create):
        assert isinstance(caught, errors.UnexpectedResponseError)
        assert 'answered with a web page titled "Hotel Wi-Fi - please log in"' in str(caught)
    assert server.served == 2  # not retried


def test_a_redirect_says_where_it_pointed_and_is_not_followed():
    with HostileServer("redirect") as server:
        error, _ = timed(lambda: client(server).create(**params()))
    assert isinstance(error, errors.RedirectError) and error.status_code == 307
    assert "https://user:***@elsewhere.example/v1/messages" in str(error)
    assert "hunter22" not in str(error) and server.served == 1


def test_an_event_that_is_not_json_is_an_error_of_the_answer():
    with HostileServer("not_json") as server:
        error, _ = timed(lambda: read_all(client(server)))
    assert isinstance(error, errors.MalformedStreamError) and "<html>proxy error</html>" in str(error)
    assert error.partial_message.text == "Partial answer."


def test_after_a_never_ending_stream_the_conversation_keeps_working():
    conversation = Conversation()
    options = {"model": "claude-sonnet-4-6", "max_tokens": 100}
    with HostileServer("pings", interval=0.2) as server:
        result = conversation.run_turn("First", client=client(server, timeout=0.8), options=options)
    assert isinstance(result.error, errors.DeadlineExceededError) and result.committed
    assert not conversation.busy
    with FakeAPI() as fake:
        second = conversation.run_turn("Second", client=Client("sk-test", fake.base_url), options=options)
    assert second.ok and second.committed
    assert [m["role"] for m in conversation.messages] == ["user", "assistant"] * 2


def test_cancel_ends_a_request_still_waiting_for_its_status_line():
    cancel = Cancel()
    with HostileServer("silent") as server:
        claude = client(server, first_byte_timeout=30)
        threading.Timer(0.3, cancel.set).start()
        error, elapsed = timed(lambda: read_all(claude, cancel=cancel))
        assert isinstance(error, errors.RequestCancelledError) and elapsed < 1.0, (error, elapsed)
        cancel2 = Cancel()
        threading.Timer(0.3, cancel2.set).start()  # and again on a fresh connection of the same pool
        error, elapsed = timed(lambda: read_all(claude, cancel=cancel2))
        assert isinstance(error, errors.RequestCancelledError) and elapsed < 1.0


def test_cancel_ends_a_wait_for_headers_on_a_reused_keep_alive_connection():
    from claude_magics.testing.replies import text

    with FakeAPI() as fake, Client("sk-test", fake.base_url, max_retries=0) as claude:
        assert read_all(claude).text  # opens the connection the next request reuses
        fake.enqueue(text("late").delayed(5.0))
        cancel = Cancel()
        threading.Timer(0.3, cancel.set).start()
        error, elapsed = timed(lambda: read_all(claude, cancel=cancel))
        assert isinstance(error, errors.RequestCancelledError) and elapsed < 1.0, (error, elapsed)
        assert read_all(claude).text  # the pool is fine afterwards
