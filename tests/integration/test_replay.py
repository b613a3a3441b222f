"""Every recording, served by the fake and read by the real client, gives what the bytes say."""

from __future__ import annotations

import json

import pytest

from claude_magics.api import errors
from claude_magics.api.stream import MessageStream
from claude_magics.api.types import Message
from claude_magics.testing import replay
from claude_magics.testing.cassettes import default_cassettes_dir, load_cassettes

from .helpers import params

RECORDINGS = [r for r in load_cassettes(default_cassettes_dir()) if r.path == "/v1/messages"]


@pytest.mark.parametrize("recording", RECORDINGS, ids=[r.source for r in RECORDINGS])
def test_recording_through_server_and_client(fake, client, recording):
    fake.enqueue(replay(recording))
    if recording.is_error:
        with pytest.raises(errors.APIStatusError) as caught:
            client.create(**params())
        failure = caught.value
        assert failure.status_code == recording.status
        body = json.loads(recording.body)
        assert failure.type == body["error"]["type"] and failure.message == body["error"]["message"]
        assert failure.request_id == body.get("request_id") or recording.headers.get("request-id") or failure.request_id
    elif recording.is_stream:
        with client.stream(**params()) as stream:
            received = stream.get_final_message()
        expected = MessageStream([recording.body]).get_final_message()
        assert received.to_dict() == expected.to_dict()
    else:
        received = client.create(**params())
        assert received.to_dict() == Message.from_dict(json.loads(recording.body)).to_dict()
