"""Where the bearer token may go once the client is running: the Graph endpoint's own scheme,
host and port, and nowhere else.

Graph's paging hands back ``@odata.nextLink`` as a whole URL to request as it is
(https://learn.microsoft.com/graph/paging); it is Graph's own host, and a link to anywhere else
is not followed with the token, whoever put it in the answer
(:class:`~connectors.graph.errors.ForeignLink`). A URL with a user name or password, a
backslash, a space or control character, or a port that is no number has no origin here:
parsers disagree on such URLs, so none of them is trusted with a token. Which endpoints a
campaign may name at all is decided before, in :mod:`connectors.graph.clouds`.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from connectors.graph import errors
from connectors.graph.clouds import is_loopback
from connectors.graph.redact import redact_path

_DEFAULT_PORTS = {"http": 80, "https": 443}


def check_origin(url: str, base_url: str, method: str) -> None:
    """:meth:`GraphHttp.check_origin <connectors.graph.http.GraphHttp.check_origin>`: raise
    :class:`errors.ForeignLink` unless ``url`` is on ``base_url``'s scheme, host and port."""
    if url == base_url or url.startswith(base_url + "/") or same_origin(url, base_url):
        return
    parts = urlsplit(url)
    raise errors.ForeignLink(
        f"Graph answered with a link to {parts.scheme}://{parts.netloc or '?'}, not to "
        f"{urlsplit(base_url).netloc} (tenant.graph_url); the bearer token goes nowhere else, "
        "so the link was not followed", method=method, path=redact_path(url))


def same_origin(url: str, base_url: str) -> bool:
    """Whether ``url`` is on ``base_url``'s scheme, host and port (and nothing odd about it)."""
    mine = _origin(url)
    return mine is not None and mine == _origin(base_url)


def is_loopback_url(url: str) -> bool:
    return is_loopback(urlsplit(url).hostname)


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an absolute http(s) URL, or None when it has none or is odd: a
    user name or password, a backslash, a space or control character, a port that is no number
    (parsers disagree on such URLs, so none of them is trusted with a token)."""
    if "\\" in url or any(ord(c) <= 32 or ord(c) == 127 for c in url):
        return None
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname or "@" in parts.netloc:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    return scheme, parts.hostname.lower(), port if port is not None else _DEFAULT_PORTS[scheme]
