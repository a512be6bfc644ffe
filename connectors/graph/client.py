"""One object for everything samtal does in a tenant: :class:`GraphClient`.

Built by :func:`connect` from the settings' plain values (URL, tenant, app, credential). A
plain-HTTP loopback ``graph_url`` is a sandbox: it gets a static bearer token instead of asking
Entra ID (README.md#configuration). The ``requests.Session`` can be injected (tests, the sandbox); otherwise one
is made with a connection pool sized for the concurrency cap.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.sessions import merge_setting
from requests.utils import get_environ_proxies

from connectors.graph.auth import (
    DEFAULT_AUTHORITY_HOST, Credential, MsalTokenProvider, StaticTokenProvider, TokenProvider,
    token_roles,
)
from connectors.graph.batch import BatchRequest, BatchResult, execute_batch
from connectors.graph.calendar import Calendar
from connectors.graph.clouds import check_graph_url, is_loopback
from connectors.graph.directory import Directory
from connectors.graph.drive import Drive
from connectors.graph.http import GraphHttp
from connectors.graph.lists import Lists
from connectors.graph.mail import Mail
from connectors.graph.mail_limits import SendingLimits
from connectors.graph.pacing import Pacer
from connectors.graph.reach import WaitNotices
from connectors.graph.retry import RetryPolicy
from connectors.graph.trace import Tracer, active


def is_sandbox_url(graph_url: str) -> bool:
    """True for ``http://`` on a loopback address (127.0.0.0/8, ::1, localhost)."""
    parts = urlsplit(graph_url)
    return parts.scheme == "http" and is_loopback(parts.hostname)


@dataclass(frozen=True)
class GraphClient:
    http: GraphHttp
    directory: Directory
    calendar: Calendar
    drive: Drive
    lists: Lists
    mail: Mail

    def batch(self, requests: Sequence[BatchRequest]) -> dict[str, BatchResult]:
        return execute_batch(self.http, requests)

    @property
    def is_sandbox(self) -> bool:
        return isinstance(self.http.tokens, StaticTokenProvider)

    def granted_roles(self) -> tuple[str, ...] | None:
        """The application permissions in the app's token (None: the token does not say,
        as with a plain-HTTP sandbox's static token). Raises AuthError when no token comes."""
        return token_roles(self.http.tokens.token())


class GraphSession(requests.Session):
    """A session that reads the proxy environment once per host instead of on every request.

    ``requests`` looks up ``*_PROXY``/``NO_PROXY`` for each request (``get_environ_proxies``):
    a few per cent of the client's CPU in a round of thousands of requests (py-spy on
    bench/round.py). The answer depends only on the scheme and host, so it is kept per host;
    the CA bundle variables are still read each time, as ``requests`` does.
    """

    def __init__(self) -> None:
        super().__init__()
        self._env_proxies: dict[tuple[str, str, str | None], dict[str, str]] = {}
        self._env_lock = threading.Lock()

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any,
                                   cert: Any) -> dict[str, Any]:
        if not self.trust_env:
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        no_proxy = proxies.get("no_proxy") if proxies is not None else None
        parts = urlsplit(str(url))
        key = (parts.scheme, parts.netloc, no_proxy)
        with self._env_lock:
            env = self._env_proxies.get(key)
        if env is None:
            env = dict(get_environ_proxies(str(url), no_proxy=no_proxy))
            with self._env_lock:
                self._env_proxies[key] = env
        if proxies is not None:
            for k, v in env.items():
                proxies.setdefault(k, v)
        if verify is True or verify is None:
            verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or verify
        return {"proxies": merge_setting(proxies, self.proxies), "stream": merge_setting(stream, self.stream),
                "verify": merge_setting(verify, self.verify), "cert": merge_setting(cert, self.cert)}


def make_session(pool_size: int = 32, verify: str | bool = True) -> requests.Session:
    session = GraphSession()
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.verify = verify
    return session


def connect(
    *,
    graph_url: str,
    tenant_id: str,
    client_id: str,
    credential: Credential | None,
    session: requests.Session | None = None,
    max_concurrency: int = 16,
    policy: RetryPolicy | None = None,
    authority_host: str = DEFAULT_AUTHORITY_HOST,
    tokens: TokenProvider | None = None,
    pacer: Pacer | None = None,
    notices: WaitNotices | None = None,
    trace: Tracer | None = None,
    sending_limits: SendingLimits | None = None,
) -> GraphClient:
    """A :class:`GraphClient` for one tenant (or a sandbox). ``graph_url`` must be Microsoft's
    Graph host or a loopback sandbox (:func:`connectors.graph.clouds.check_graph_url`: the bearer
    token goes nowhere else); raises :class:`connectors.graph.clouds.UntrustedHost` otherwise.
    ``notices`` hears of every wait of 5 s or more (:class:`connectors.graph.reach.WaitNotices`);
    ``trace`` (default: the one :func:`connectors.graph.trace.recording` installed, if any)
    records every exchange's shape. ``sending_limits`` are the sender mailboxes' Exchange sending
    limits :class:`~connectors.graph.mail.Mail` keeps (default: Exchange Online's, 30 messages a
    minute and 10,000 recipients a day)."""
    graph_url = check_graph_url(graph_url)
    session = session or make_session(max(8, max_concurrency * 2))
    if tokens is None:
        if is_sandbox_url(graph_url):
            tokens = StaticTokenProvider()
        else:
            if credential is None:
                raise ValueError("a client secret or certificate is needed for a real tenant")
            tokens = MsalTokenProvider(tenant_id=tenant_id, client_id=client_id,
                                       credential=credential, graph_url=graph_url,
                                       authority_host=authority_host, http_client=session,
                                       validate_authority=authority_host == DEFAULT_AUTHORITY_HOST)
    http = GraphHttp(graph_url, tokens, session, policy=policy or RetryPolicy(),
                     max_concurrency=max_concurrency, pacer=pacer, notices=notices,
                     trace=trace if trace is not None else active())
    return GraphClient(http, Directory(http), Calendar(http), Drive(http), Lists(http),
                       Mail(http, sending_limits))
