"""Fixtures for connector tests: a GraphHttp on `responses`, with a fake clock instead of sleeping."""
from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
import requests
import responses

from connectors.graph.auth import StaticTokenProvider
from connectors.graph.http import GraphHttp
from connectors.graph.retry import RetryPolicy

GRAPH = "https://graph.microsoft.com/v1.0"
TOKEN = "test-bearer-token-7f3a9c"


class FakeClock:
    """Monotonic time that only moves when the code under test sleeps."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class RecordingTokens(StaticTokenProvider):
    """Hands out token-1, token-2, ... and records invalidations."""

    def __init__(self) -> None:
        super().__init__(TOKEN)
        self.issued = 0
        self.invalidated: list[str] = []
        self._current = TOKEN

    def token(self) -> str:
        self.issued += 1
        return self._current

    def invalidate(self, token: str) -> None:
        self.invalidated.append(token)
        self._current = f"{TOKEN}-refreshed-{len(self.invalidated)}"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def tokens() -> RecordingTokens:
    return RecordingTokens()


@pytest.fixture
def http(clock: FakeClock, tokens: RecordingTokens) -> GraphHttp:
    return GraphHttp(GRAPH, tokens, requests.Session(), policy=RetryPolicy(deadline=600),
                     sleep=clock.sleep, clock=clock, rng=random.Random(7))


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
