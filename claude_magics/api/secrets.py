"""The process's credentials, and the one check that keeps them out of every request.

Why by value, not by type: a prompt can reach the API key through many objects -
``os.environ``, ``sys.modules['posix'].environ`` (the bytes copy taken at start-up), a
``dict(os.environ)`` kept in a variable, a ``Client`` holding a key, a repr that happens
to include one. Recognising each of those types is a list that is never complete; the
values themselves are few and known. So this module collects them -

- the value of every environment variable whose name says it is a credential (KEY,
  TOKEN, SECRET, PASSWORD, PASSWD, PASSPHRASE, CREDENTIAL, AUTH), from ``os.environ``
  and from the start-up copy in ``posix.environ``;
- the password of every URL in the environment (``ANTHROPIC_BASE_URL``,
  ``DATABASE_URL``: ``scheme://user:password@host``);
- every key held by a :class:`Secret` (the ``Client``'s ``api_key=``), wherever it came from

- and :func:`check_request` looks for them in all the text of a request body just before
it leaves (``Client._request`` calls it; nothing else sends). A hit raises
:class:`SecretInRequestError` naming the variable and where it was found, never the value.
Values shorter than 8 characters are not treated as secrets (``AUTH_MODE=1`` would make
every "1" in a prompt a credential). Besides the whole value, its first and last
20 characters count as a hit: a repr cut to fit (``'sk-ant-api03-xYz...``) must not send
most of a key either.

The same values are masked in text shown or logged (:func:`redact`), and URLs are shown
with their password replaced (:func:`mask_url`).
"""

from __future__ import annotations

import json
import os
import re
import sys
import weakref
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from .errors import SecretInRequestError

__all__ = [
    "Secret", "SecretInRequestError", "credentials", "find_secret", "secrets_in", "check_request", "check_text",
    "redact", "mask_url",
]

#: Environment variable names that hold credentials (matched anywhere in the upper-cased name).
CREDENTIAL_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIAL|AUTH")
MIN_SECRET_LENGTH = 8
#: Leading and trailing characters of a long secret that already count as sending it.
WINDOW = 20
_URL_PASSWORD = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:([^/\s@]+)@")
#: Body fields whose strings are binary payloads (base64), model signatures or opaque data.
_OPAQUE_KEYS = frozenset({"signature"})

_held: "weakref.WeakSet[Secret]" = weakref.WeakSet()


class Secret:
    """Holds a key so that no repr, vars() dump, pickle or debugger view can show it.

    Every live ``Secret`` is also a credential the request check looks for, so a key given
    to one ``Client`` cannot be sent as text through another.
    """

    __slots__ = ("value", "name", "__weakref__")

    def __init__(self, value: str, name: str = "the API key") -> None:
        self.value = value
        self.name = name
        _held.add(self)

    def __repr__(self) -> str:
        return "<secret>"

    def __reduce__(self):
        raise TypeError("A secret cannot be pickled: it would be written out in clear.")

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict) -> Secret:
        return self


def credentials() -> dict[str, str]:
    """``{value: name}`` of every credential of this process, read now (not cached).

    Read on every call because a notebook sets keys while it runs
    (``os.environ["X_TOKEN"] = getpass()``); it costs a few microseconds per variable.
    """
    found: dict[str, str] = {}
    for name, value in _environment():
        if CREDENTIAL_NAME.search(name.upper()):
            _add(found, value, name)
        if "://" in value:
            for password in _URL_PASSWORD.findall(value):
                _add(found, password, f"the password in {name}")
                _add(found, unquote(password), f"the password in {name}")
    for secret in list(_held):
        _add(found, secret.value, secret.name)
    return found


def _environment() -> Iterator[tuple[str, str]]:
    yield from list(os.environ.items())
    # The copy the interpreter took at start-up: os.environ changes do not reach it.
    posix = sys.modules.get("posix") or sys.modules.get("nt")
    start = getattr(posix, "environ", None)
    if isinstance(start, Mapping) and start is not os.environ:
        for name, value in list(start.items()):
            if isinstance(name, bytes):
                name = name.decode("utf-8", "replace")
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            if isinstance(name, str) and isinstance(value, str):
                yield name, value


def _add(found: dict[str, str], value: Any, name: str) -> None:
    if isinstance(value, str):
        value = value.strip()
        if len(value) >= MIN_SECRET_LENGTH and value not in found:
            found[value] = name


def _needles(value: str) -> set[str]:
    """The strings whose presence means ``value`` (or most of it) is in a text."""
    forms = {value, json.dumps(value)[1:-1], repr(value)[1:-1], repr(value.encode("utf-8", "replace"))[2:-1]}
    needles = set()
    for form in forms:
        if len(form) > WINDOW:
            needles.update((form[:WINDOW], form[-WINDOW:]))
        else:
            needles.add(form)
    return needles


def find_secret(text: str, found: Mapping[str, str] | None = None) -> str | None:
    """The name of a credential whose value (or a 20-character end of it) is in ``text``."""
    names = secrets_in(text, found)
    return names[0] if names else None


def secrets_in(text: str, found: Mapping[str, str] | None = None) -> list[str]:
    """The names of every credential in ``text`` (see :func:`find_secret`), without repeats."""
    if not text:
        return []
    found = credentials() if found is None else found
    names: list[str] = []
    for value, name in found.items():
        if name not in names and any(needle in text for needle in _needles(value)):
            names.append(name)
    return names


def check_text(text: str, where: str) -> None:
    """Raise :class:`SecretInRequestError` if ``text`` holds a credential."""
    names = secrets_in(text)
    if names:
        raise SecretInRequestError(refusal(where, names))


def check_request(body: Mapping[str, Any] | list, where: str | None = None) -> None:
    """Raise :class:`SecretInRequestError` if any text in a request body holds a credential.

    Every string is checked - prompt, system, tool inputs and results, document text, stop
    sequences, metadata - except base64 payloads of images and PDFs and thinking signatures,
    which are binary or opaque. The message names ``where`` (e.g. ``{d}``), or else the
    field (``messages[2].content[0].text``), and every credential found there.
    """
    found = credentials()
    if not found:
        return
    strings = list(_strings(body, ""))
    joined = "\x00".join(text for _, text in strings)
    if not secrets_in(joined, found):
        return
    for path, text in strings:
        names = secrets_in(text, found)
        if names:
            raise SecretInRequestError(refusal(where or path, names))


def refusal(where: str, names: list[str]) -> str:
    """The message of a refusal: where, and which credentials by name - never a value."""
    described = [name if name.startswith("the ") else f"the value of {name}" for name in names]
    what = described[0] if len(described) == 1 else ", ".join(described[:-1]) + " and " + described[-1]
    plural = "credentials" if len(names) > 1 else "a credential"
    return (
        f"Not sent: {where} contains {what} ({plural} of this process). Nothing was sent "
        "and nothing was added to the conversation; leave that out of the prompt."
    )


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        binary = value.get("type") == "base64" and value.get("media_type") != "text/plain"
        for key, item in value.items():
            if key in _OPAQUE_KEYS or (binary and key == "data"):
                continue
            if value.get("type") == "redacted_thinking" and key == "data":
                continue
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def redact(text: str) -> str:
    """``text`` with every credential's value replaced by ``<NAME>``: for messages and logs."""
    if not text:
        return text
    for value, name in credentials().items():
        if value in text:
            text = text.replace(value, f"<{name}>")
    return mask_urls(text)


def mask_url(url: str | None) -> str:
    """``url`` with the password of its ``user:password@`` part replaced by ``***``."""
    if not url:
        return url or ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return mask_urls(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def mask_urls(text: str) -> str:
    """Every ``scheme://user:password@`` in ``text`` with its password masked."""
    return _URL_PASSWORD.sub(lambda m: m.group(0)[: m.start(1) - m.start(0)] + "***@", text)
