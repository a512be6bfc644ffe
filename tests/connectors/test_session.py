"""The default session reads the proxy environment once per host and still honours it."""
from __future__ import annotations

import pytest
import requests

from connectors.graph import client as client_module
from connectors.graph.client import make_session


def test_proxies_from_the_environment_per_host_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    calls: list[str] = []
    real = client_module.get_environ_proxies

    def counting(url: str, no_proxy: str | None = None) -> dict[str, str]:
        calls.append(url)
        return real(url, no_proxy=no_proxy)

    monkeypatch.setattr(client_module, "get_environ_proxies", counting)
    session = make_session()
    plain = requests.Session()
    for url in ("https://graph.microsoft.com/v1.0/users", "https://graph.microsoft.com/v1.0/sites/x"):
        ours = session.merge_environment_settings(url, {}, None, None, None)
        theirs = plain.merge_environment_settings(url, {}, None, None, None)
        assert ours == theirs and ours["proxies"]["https"] == "http://proxy.example:3128"
    local = session.merge_environment_settings("http://127.0.0.1:8080/v1.0/users", {}, None, None, None)
    assert "http" not in local["proxies"] and "https" not in local["proxies"]  # NO_PROXY kept
    assert len(calls) == 2  # graph.microsoft.com once, 127.0.0.1 once


def test_a_session_that_does_not_trust_the_environment_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    session = make_session()
    session.trust_env = False
    assert session.merge_environment_settings("https://graph.microsoft.com/", {}, None, None, None)["proxies"] == {}
