"""Errors: the right class for every status and error type, one readable line, a useful hint."""

from __future__ import annotations

import copy
import json
import pickle

import pytest

from claude_magics.api import errors
from claude_magics.api.errors import error_from_event, error_from_response

TABLE = [
    (400, "invalid_request_error", errors.BadRequestError),
    (401, "authentication_error", errors.AuthenticationError),
    (402, "billing_error", errors.BillingError),
    (403, "permission_error", errors.PermissionDeniedError),
    (404, "not_found_error", errors.NotFoundError),
    (409, "conflict_error", errors.ConflictError),
    (413, "request_too_large", errors.RequestTooLargeError),
    (429, "rate_limit_error", errors.RateLimitError),
    (500, "api_error", errors.InternalServerError),
    (504, "timeout_error", errors.GatewayTimeoutError),
    (529, "overloaded_error", errors.OverloadedError),
]


def body(error_type: str, message: str, request_id: str | None = "req_body") -> bytes:
    payload = {"type": "error", "error": {"type": error_type, "message": message}}
    if request_id:
        payload["request_id"] = request_id
    return json.dumps(payload).encode()


@pytest.mark.parametrize(("status", "error_type", "cls"), TABLE)
def test_status_maps_to_class_with_the_apis_fields(status, error_type, cls):
    error = error_from_response(status, body(error_type, "what went wrong"), {"request-id": "req_header"})
    assert type(error) is cls and isinstance(error, errors.APIStatusError)
    assert (error.status_code, error.type, error.message, error.request_id) == (status, error_type, "what went wrong", "req_body")
    assert error.partial_message is None and error.body["error"]["type"] == error_type


@pytest.mark.parametrize(("status", "error_type", "cls"), TABLE)
def test_error_events_map_by_type_without_a_status(status, error_type, cls):
    error = error_from_event({"type": "error", "error": {"type": error_type, "message": "m"}, "request_id": "req_e"})
    assert type(error) is cls and error.status_code is None and error.request_id == "req_e"


def test_request_id_falls_back_to_the_header():
    error = error_from_response(401, body("authentication_error", "invalid x-api-key", None), {"request-id": "req_h"})
    assert error.request_id == "req_h"


def test_unknown_statuses_map_by_class():
    assert type(error_from_response(418, b"{}", {})) is errors.APIStatusError
    assert type(error_from_response(502, b"Bad gateway", {})) is errors.InternalServerError
    assert type(error_from_response(503, body("overloaded_error", "busy"), {})) is errors.OverloadedError
    assert type(error_from_event({"type": "error", "error": {"type": "new_kind", "message": "m"}})) is errors.APIError


def test_str_is_one_line_with_class_status_type_message_request_id_and_hint():
    error = error_from_response(429, body("rate_limit_error", "Too many\nrequests"), {"retry-after": "12"})
    text = str(error)
    assert "\n" not in text
    assert text.startswith("RateLimitError (429 rate_limit_error): Too many requests [req_body] - ")
    assert "12 s" in error.hint


@pytest.mark.parametrize(("status", "error_type", "message", "words"), [
    (401, "authentication_error", "invalid x-api-key", "ANTHROPIC_API_KEY"),
    (429, "rate_limit_error", "slow down", "retry"),
    (529, "overloaded_error", "Overloaded", "overloaded"),
    (413, "request_too_large", "too big", "smaller images"),
    (400, "invalid_request_error", "max_tokens: wrong", "message says"),
    (404, "not_found_error", "model: claude-sonet-4-5", "%claude models"),
])
def test_hints_say_what_to_do(status, error_type, message, words):
    error = error_from_response(status, body(error_type, message), {})
    assert words in error.hint and "\n" not in error.hint


def test_413_from_the_cdn_with_an_html_body():
    html = b"<html><head><title>413 Request Entity Too Large</title></head><body><h1>nope</h1></body></html>"
    error = error_from_response(413, html, {"content-type": "text/html"})
    assert type(error) is errors.RequestTooLargeError and error.type is None
    assert "413 Request Entity Too Large" in error.message and "<" not in error.message
    assert str(error).startswith("RequestTooLargeError (413): ")


def test_empty_error_body_gets_the_class_message():
    error = error_from_response(500, b"", {})
    assert error.message == errors.InternalServerError.default_message


def test_connection_errors_and_the_missing_key_read_well():
    assert str(errors.APIConnectionError()).startswith("APIConnectionError: Could not reach the API. - Check your network")
    missing = errors.MissingAPIKeyError()
    assert isinstance(missing, errors.AuthenticationError) and missing.status_code is None
    assert "ANTHROPIC_API_KEY" in str(missing)
    assert issubclass(errors.IncompleteStreamError, errors.APIConnectionError)
    assert issubclass(errors.APITimeoutError, errors.APIConnectionError)
    assert issubclass(errors.RequestValidationError, ValueError)


def test_errors_copy_and_pickle_with_their_fields():
    error = error_from_response(529, body("overloaded_error", "Overloaded"), {})
    for clone in (copy.copy(error), pickle.loads(pickle.dumps(error))):
        assert type(clone) is errors.OverloadedError
        assert (clone.status_code, clone.type, clone.message, str(clone)) == (529, "overloaded_error", "Overloaded", str(error))
