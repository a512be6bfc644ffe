"""Microsoft's Python SDK (``msgraph-sdk``, on kiota and httpx) pointed at a sandbox served on
loopback: the same requests a real tenant gets from another client, parsed into the SDK's models.

Authentication is a static bearer token through kiota's own ``BaseBearerTokenAuthenticationProvider``
(the sandbox's plain-HTTP mode takes any token), the request adapter's ``base_url`` is the
sandbox's ``http://127.0.0.1:PORT/v1.0``, and the httpx client ignores proxy variables
(``trust_env=False``) so nothing leaves the machine. The SDK talks plain HTTP to 127.0.0.1 as it
is: neither kiota nor the SDK insists on https, only azure-identity's credentials do, and they
are not used here.

Use (an ``async def`` test body run by :func:`run`)::

    def test_something(sdk: SdkSandbox) -> None:
        async def body() -> None:
            users = await sdk.client.users.get()
            ...
        run(body())

``sdk.sent`` holds every request the SDK sent (method, URL, JSON body), so a test can show what
the SDK put on the wire (getSchedule's parameters in PascalCase, say).
"""
from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from kiota_abstractions.authentication import (
    AccessTokenProvider, AllowedHostsValidator, BaseBearerTokenAuthenticationProvider,
)
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph_core import GraphClientFactory

from connectors.sandbox import Sandbox

SEED = Path(__file__).resolve().parents[1] / "sandbox" / "seed.yaml"


class StaticToken(AccessTokenProvider):
    """The same bearer token for every request, and only to the sandbox's host."""

    def __init__(self, host: str, token: str = "sandbox-static-token") -> None:
        self._hosts = AllowedHostsValidator([host])
        self._token = token

    async def get_authorization_token(self, uri: str,
                                      additional_authentication_context: dict[str, Any] | None = None) -> str:
        return self._token if self._hosts.is_url_host_valid(uri) else ""

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return self._hosts


@dataclass
class SdkSandbox:
    """A served sandbox and a ``GraphServiceClient`` on it."""

    sandbox: Sandbox
    graph_url: str
    client: GraphServiceClient
    adapter: GraphRequestAdapter
    sent: list[tuple[str, str, Any]] = field(default_factory=list)


def make_client(graph_url: str, sent: list[tuple[str, str, Any]]) -> tuple[GraphServiceClient, GraphRequestAdapter]:
    async def record(request: httpx.Request) -> None:
        body: Any = None
        if request.content:
            try:
                body = json.loads(request.content)
            except ValueError:
                body = request.content
        sent.append((request.method, str(request.url), body))

    http = httpx.AsyncClient(trust_env=False, timeout=30, event_hooks={"request": [record]})
    http = GraphClientFactory.create_with_default_middleware(client=http)
    adapter = GraphRequestAdapter(BaseBearerTokenAuthenticationProvider(StaticToken(urlsplit(graph_url).hostname or "")),
                                  client=http)
    adapter.base_url = graph_url
    return GraphServiceClient(request_adapter=adapter), adapter


def run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run one async test body to its end."""
    return asyncio.run(coroutine)


@pytest.fixture()
def sdk() -> Iterator[SdkSandbox]:
    """A fresh sandbox from the sandbox tests' seed, served on loopback, with the SDK on it."""
    sandbox = Sandbox.from_seed(SEED)
    with sandbox.serve(port=0) as server:
        sent: list[tuple[str, str, Any]] = []
        client, adapter = make_client(server.graph_url, sent)
        yield SdkSandbox(sandbox, server.graph_url, client, adapter, sent)
