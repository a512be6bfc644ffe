"""A sandbox served once per session over loopback; each test starts from the seed (reset)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from connectors.sandbox import Sandbox

SEED = Path(__file__).with_name("seed.yaml")


class Client:
    """A keep-alive requests session pointed at the sandbox's Graph root."""

    def __init__(self, graph_url: str) -> None:
        self.graph = graph_url
        self.base = graph_url[: -len("/v1.0")]
        self.session = requests.Session()
        self.session.headers["Authorization"] = "Bearer test-token"

    def call(self, method: str, path: str, **kw: Any) -> requests.Response:
        url = path if path.startswith("http") else self.graph + path
        return self.session.request(method, url, allow_redirects=False, timeout=10, **kw)

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.call("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self.call("POST", path, **kw)

    def control(self, method: str, path: str, **kw: Any) -> requests.Response:
        return requests.request(method, f"{self.base}/_sandbox/{path}", timeout=10, **kw)


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    sb = Sandbox.from_seed(SEED)
    yield sb


@pytest.fixture(scope="session")
def served(sandbox: Sandbox) -> Iterator[Any]:
    with sandbox.serve(port=0) as server:
        yield server


@pytest.fixture()
def graph(served: Any, sandbox: Sandbox) -> Client:
    sandbox.reset()
    return Client(served.graph_url)
