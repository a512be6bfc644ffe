"""One object for everything samtal does in a tenant: :class:`GraphClient`.

Built by :func:`connect` from the settings' plain values (URL, tenant, app, credential). A
plain-HTTP loopback ``graph_url`` is a sandbox: it gets a static bearer token instead of asking
Entra ID (SPEC §8). The ``requests.Session`` can be injected (tests, the sandbox); otherwise one
is made with a connection pool sized for the concurrency cap.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from connectors.graph.auth import (
    DEFAULT_AUTHORITY_HOST, Credential, MsalTokenProvider, StaticTokenProvider, TokenProvider,
    token_roles,
)
from connectors.graph.batch import BatchRequest, BatchResult, execute_batch
from connectors.graph.calendar import Calendar
from connectors.graph.directory import Directory
from connectors.graph.drive import Drive
from connectors.graph.http import GraphHttp
from connectors.graph.lists import Lists
from connectors.graph.pacing import Pacer
from connectors.graph.retry import RetryPolicy


def is_sandbox_url(graph_url: str) -> bool:
    """True for ``http://`` on a loopback address (127.0.0.0/8, ::1, localhost)."""
    parts = urlsplit(graph_url)
    if parts.scheme != "http" or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class GraphClient:
    http: GraphHttp
    directory: Directory
    calendar: Calendar
    drive: Drive
    lists: Lists

    def batch(self, requests: Sequence[BatchRequest]) -> dict[str, BatchResult]:
        return execute_batch(self.http, requests)

    @property
    def is_sandbox(self) -> bool:
        return isinstance(self.http.tokens, StaticTokenProvider)

    def granted_roles(self) -> tuple[str, ...] | None:
        """The application permissions in the app's token (None: the token does not say,
        as with a plain-HTTP sandbox's static token). Raises AuthError when no token comes."""
        return token_roles(self.http.tokens.token())


def make_session(pool_size: int = 32, verify: str | bool = True) -> requests.Session:
    session = requests.Session()
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
) -> GraphClient:
    """A :class:`GraphClient` for one tenant (or a sandbox)."""
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
                     max_concurrency=max_concurrency, pacer=pacer)
    return GraphClient(http, Directory(http), Calendar(http), Drive(http), Lists(http))
