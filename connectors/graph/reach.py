"""Telling "the host cannot be reached at all" from a passing fault, and telling a person that
samtal is waiting.

A connection refused, a host name that does not resolve, a TLS handshake that fails (an
``http://`` server asked over ``https://``) or no connection within the connect timeout says
that the URL is wrong or the network is down: retrying it for minutes helps nobody, so
:class:`~connectors.graph.http.GraphHttp` tries such a host only a few times, within seconds,
and raises :class:`~connectors.graph.errors.Unreachable`. A connection that was made and then
dropped, a timeout while reading, throttling and 5xx are passing faults and are retried as
before.

:class:`WaitNotices` is how a long wait (``Retry-After``, backoff, pacing) reaches the person
running samtal: once per wait, and only waits of :data:`NOTICE_AFTER` seconds or more.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import NewConnectionError

try:  # urllib3 2: a NewConnectionError of its own for names that do not resolve
    from urllib3.exceptions import NameResolutionError
except ImportError:  # pragma: no cover - urllib3 1.x
    NameResolutionError = NewConnectionError  # type: ignore[misc,assignment]

NOTICE_AFTER = 5.0  # seconds: shorter waits are not worth a line
# OpenSSL's words for a handshake that cannot succeed (ssl.SSLError reasons).
_HANDSHAKE = ("wrong version number", "certificate verify failed", "handshake", "unknown protocol",
              "unsupported protocol", "record layer failure", "packet length too long", "tlsv1 alert")


def unreachable_reason(err: BaseException) -> str | None:
    """Why the host of a failed request could not be reached at all, or None when the failure
    may be a passing one (the connection was made, or it is not a transport failure)."""
    if isinstance(err, requests.exceptions.SSLError):
        # Only a handshake that failed: an SSL error later on (the server closing mid-answer) may
        # come after the request reached the server, and is a passing fault like any drop.
        if any(words in str(err).lower() for words in _HANDSHAKE):
            return ("the TLS handshake failed (https:// to a server that speaks plain http://, or "
                    "a certificate this machine does not trust)")
        return None
    if isinstance(err, requests.ConnectTimeout):
        return "no connection within the connect timeout"
    if not isinstance(err, requests.ConnectionError):
        return None
    inner = _new_connection_error(err)
    if isinstance(inner, NameResolutionError) or (inner is not None and "resolve" in str(inner)):
        return "the host name does not resolve"
    if inner is None:
        return None
    if isinstance(inner.__cause__, ConnectionRefusedError) or "refused" in str(inner).lower():
        return "connection refused"
    return "no connection could be made"


def _new_connection_error(err: BaseException) -> NewConnectionError | None:
    seen: set[int] = set()
    todo: list[object] = [err]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, NewConnectionError):
            return current
        if isinstance(current, BaseException):
            todo.extend(current.args)
            todo.extend((current.__cause__, current.__context__))
        todo.append(getattr(current, "reason", None))
    return None


def origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, for a message (no path, no user info)."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


class WaitNotices:
    """Says "waiting 30 s: <reason>" through ``tell``, once per wait: a wait that ends no later
    than one already told (other threads held by the same ``Retry-After``) is not told again.
    Thread-safe."""

    def __init__(self, tell: Callable[[str], None], *, threshold: float = NOTICE_AFTER,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._tell = tell
        self.threshold = threshold
        self._clock = clock
        self._lock = threading.Lock()
        self._told_until = float("-inf")

    def waiting(self, seconds: float, reason: str) -> None:
        if seconds < self.threshold:
            return
        with self._lock:
            end = self._clock() + seconds
            if end <= self._told_until + 1.0:
                return
            self._told_until = end
        self._tell(f"waiting {seconds:.0f} s: {reason}")
