"""The fake's Message Batches endpoints, through the client's Batches calls."""

from __future__ import annotations

import time

import pytest

from claude_magics.api.batches import Batches
from claude_magics.api.client import Client
from claude_magics.api.errors import NotFoundError, RequestValidationError
from claude_magics.testing import error, text


def request(custom_id, content="hi", model="claude-sonnet-4-6"):
    return {"custom_id": custom_id, "params": {"model": model, "max_tokens": 64, "messages": [{"role": "user", "content": content}]}}


@pytest.fixture
def batches(fake):
    fake.batches.duration = 0.3
    yield Batches(Client("sk-test", base_url=fake.base_url))
    fake.batches.duration = 1.0


def test_a_batch_runs_then_ends_with_results_in_any_order(fake, batches):
    fake.enqueue(error(529), text("scripted"))
    created = batches.create([request(f"r{i}", f"question {i}") for i in range(8)] + [request("bad", model="claude-nope-1")])
    assert created["processing_status"] == "in_progress" and created["id"].startswith("msgbatch_01")
    assert created["request_counts"]["processing"] == 9 and created["results_url"] is None
    assert batches.retrieve(created["id"])["request_counts"]["processing"] == 9  # counts move only at the end
    time.sleep(0.35)
    ended = batches.retrieve(created["id"])
    assert ended["processing_status"] == "ended" and ended["ended_at"] and ended["results_url"].endswith("/results")
    assert ended["request_counts"] == {"processing": 0, "succeeded": 7, "errored": 2, "canceled": 0, "expired": 0}
    lines = list(batches.results(created["id"]))
    assert sorted(line["custom_id"] for line in lines) == sorted([f"r{i}" for i in range(8)] + ["bad"])
    assert [line["custom_id"] for line in lines] != [f"r{i}" for i in range(8)] + ["bad"]  # shuffled
    by_id = {line["custom_id"]: line["result"] for line in lines}
    assert by_id["r0"]["error"]["error"]["type"] == "overloaded_error"  # the batch's order takes the script
    assert by_id["r1"]["message"]["content"][0]["text"] == "scripted"
    assert by_id["bad"]["error"]["error"]["type"] == "not_found_error"
    assert by_id["r2"]["message"]["usage"]["service_tier"] == "batch"
    results_request = [r for r in fake.requests if r.path.endswith("/results")][-1]
    assert results_request.headers["accept"] == "application/binary"


def test_results_before_the_end_and_unknown_batches_are_refused(fake, batches):
    created = batches.create([request("only")])
    with pytest.raises(Exception, match="not ended"):
        list(batches.results(created["id"]))
    with pytest.raises(NotFoundError):
        batches.retrieve("msgbatch_01nope")


def test_cancel_ends_with_the_rest_canceled(fake, batches):
    fake.batches.duration = 5.0
    created = batches.create([request(f"r{i}") for i in range(5)])
    canceling = batches.cancel(created["id"])
    assert canceling["processing_status"] == "canceling" and canceling["cancel_initiated_at"]
    time.sleep(0.15)
    ended = batches.retrieve(created["id"])
    assert ended["processing_status"] == "ended" and ended["request_counts"]["canceled"] == 5
    assert {line["result"]["type"] for line in batches.results(created["id"])} == {"canceled"}


def test_the_client_refuses_bad_batches_before_sending(fake, batches):
    with pytest.raises(RequestValidationError):
        batches.create([])
    with pytest.raises(RequestValidationError, match="custom_id"):
        batches.create([request("has space")])
    with pytest.raises(RequestValidationError, match="twice"):
        batches.create([request("a"), request("a")])
    assert not fake.requests
