"""The real client against the fake: which failures are retried, how long it waits, what it raises."""

from __future__ import annotations

import time

import pytest

from claude_magics.api import errors
from claude_magics.api.client import Client
from claude_magics.testing import FakeAPI, error, request_too_large, text

from .helpers import params


def test_529_then_success_waits_what_retry_after_ms_asks(fake):
    waits: list[float] = []

    def sleep(seconds: float) -> None:  # a real wait, and a record of what was asked
        waits.append(seconds)
        time.sleep(seconds)

    fake.enqueue(error(529, retry_after_ms=50), text("recovered"))
    with Client("sk-test", fake.base_url, timeout=5, _sleep=sleep) as claude:
        started = time.monotonic()
        message = claude.create(**params())
        elapsed = time.monotonic() - started
    assert message.text == "recovered"
    assert waits == [0.05], "the 50 ms the server asked for, not a default backoff"
    assert elapsed >= 0.05
    assert [r.status for r in fake.wait_finished()] == [529, 200]
    assert fake.requests[1].headers.get("x-api-key") == "sk-test"


def test_backoff_without_retry_headers_grows(fake):
    waits: list[float] = []
    fake.enqueue(error(500), error(500), text("third time"))
    with Client("sk-test", fake.base_url, timeout=5, _sleep=waits.append) as claude:
        assert claude.create(**params()).text == "third time"
    assert len(waits) == 2
    assert 0.375 <= waits[0] <= 0.5 and 0.75 <= waits[1] <= 1.0, "0.5 s then 1 s, less up to 25 % jitter"


def test_x_should_retry_false_is_not_retried(fake, client):
    fake.enqueue(error(529, should_retry=False))
    with pytest.raises(errors.OverloadedError):
        client.create(**params())
    assert len(fake.requests) == 1


def test_x_should_retry_true_retries_even_a_400(fake, client):
    fake.enqueue(error(400, should_retry=True, retry_after_ms=10), text("ok"))
    assert client.create(**params()).text == "ok"
    assert len(fake.requests) == 2


def test_retries_are_bounded(fake, client):
    fake.enqueue(*[error(529, retry_after_ms=10)] * 4)
    with pytest.raises(errors.OverloadedError) as caught:
        client.create(**params())
    assert len(fake.requests) == 3, "one try and max_retries=2 retries"
    assert caught.value.request_id == fake.requests[-1].request_id
    assert fake.pending == 1


@pytest.mark.parametrize(
    "status, cls, retried",
    [
        (400, errors.BadRequestError, False),
        (401, errors.AuthenticationError, False),
        (402, errors.BillingError, False),
        (403, errors.PermissionDeniedError, False),
        (404, errors.NotFoundError, False),
        (409, errors.ConflictError, True),
        (429, errors.RateLimitError, True),
        (500, errors.InternalServerError, True),
        (504, errors.GatewayTimeoutError, True),
        (529, errors.OverloadedError, True),
    ],
)
def test_every_error_class_end_to_end(fake, client, status, cls, retried):
    fake.enqueue(*[error(status, retry_after_ms=1)] * 4)
    with pytest.raises(cls) as caught:
        client.create(**params())
    failure = caught.value
    assert failure.status_code == status
    assert failure.type == error(status).error_type
    assert failure.request_id == fake.requests[-1].request_id
    assert failure.message == error(status).message
    assert str(failure).startswith(f"{cls.__name__} ({status} {failure.type}): ")
    assert len(fake.requests) == (3 if retried else 1)


def test_cdn_413_without_json_or_request_id(fake, client):
    fake.enqueue(request_too_large())
    with pytest.raises(errors.RequestTooLargeError) as caught:
        client.create(**params())
    assert caught.value.status_code == 413 and caught.value.request_id is None
    assert "413 Request Entity Too Large" in caught.value.message
    assert len(fake.requests) == 1


def test_an_unknown_model_is_not_retried(fake, client):
    with pytest.raises(errors.NotFoundError) as caught:
        client.create(**params(model="claude-sonet-4-5"))
    assert caught.value.message == "model: claude-sonet-4-5"
    assert len(fake.requests) == 1, "x-should-retry: false on the 404"


def test_wrong_key_is_an_authentication_error():
    with FakeAPI("sk-right") as strict, Client("sk-wrong", strict.base_url, timeout=5) as claude:
        with pytest.raises(errors.AuthenticationError) as caught:
            claude.create(**params())
        assert caught.value.message == "invalid x-api-key"
        assert "sk-wrong" not in str(caught.value) + repr(caught.value)
        assert len(strict.requests) == 1


def test_a_connection_dropped_before_any_byte_is_retried(fake):
    fake.enqueue(text("lost").drop(after_bytes=0), text("second try"))
    with Client("sk-test", fake.base_url, timeout=5, _sleep=lambda seconds: None) as claude:
        assert claude.create(**params()).text == "second try"
    assert [r.outcome for r in fake.wait_finished()] == ["dropped", "completed"]


def test_a_read_timeout_is_retried_then_raised(fake):
    fake.enqueue(*[text("late").delayed(3.0)] * 2)
    with Client("sk-test", fake.base_url, max_retries=1, timeout=0.2, _sleep=lambda s: None) as claude:
        started = time.monotonic()
        with pytest.raises(errors.APITimeoutError):
            claude.create(**params())
    assert time.monotonic() - started < 2.5, "gave up on its timeouts, did not wait for the answers"
    assert len(fake.requests) == 2
