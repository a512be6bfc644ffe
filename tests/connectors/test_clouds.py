"""The client secret and the bearer token go only to Microsoft's login and Graph hosts of the
public and national clouds, or to a loopback sandbox (connectors/graph/clouds.py), and MSAL's
token request never reaches another host, whatever discovery or a redirect says."""
from __future__ import annotations

import re

import pytest
import responses

from connectors.graph import errors
from connectors.graph.auth import ClientSecret, MsalTokenProvider
from connectors.graph.client import connect
from connectors.graph.clouds import (
    UntrustedHost, check_authority, check_graph_url, cloud_mismatch, without_userinfo,
)

TENANT = "11111111-2222-3333-4444-555555555555"
LOGIN = f"https://login.microsoftonline.com/{TENANT}"
TOKEN_URL = f"{LOGIN}/oauth2/v2.0/token"
SECRET = "very-secret-value-Q8~x"
EVIL = "https://evil.example"


@pytest.mark.parametrize("url", [
    "https://login.microsoftonline.com", "https://login.microsoftonline.com/",
    "https://LOGIN.microsoftonline.com:443", "https://login.microsoftonline.us",
    "https://login.partner.microsoftonline.cn", "https://login.chinacloudapi.cn",
    "https://127.0.0.1:8443", "http://127.0.0.1:8080", "http://localhost:9", "https://[::1]:8443",
    "http://127.3.4.5:1",
])
def test_login_hosts_accepted(url: str) -> None:
    assert check_authority(url) == url.rstrip("/").lower().replace(":443", "")


@pytest.mark.parametrize(("url", "why"), [
    ("https://evil.example", "must be one of Microsoft's"),
    ("https://login.microsoftonline.com.evil.example", "must be one of Microsoft's"),
    ("https://login.microsoftonline.com.", "must be one of Microsoft's"),
    ("https://login.windows.net", "must be one of Microsoft's"),  # an old alias: one name per cloud
    ("https://login.microsoftonline.de", "must be one of Microsoft's"),  # Azure Germany, closed
    ("https://login.microsoftonline.com:8443", "must be one of Microsoft's"),
    ("http://login.microsoftonline.com", "plain http is only allowed to a loopback sandbox"),
    ("https://user:pass@login.microsoftonline.com", "user name or password"),
    ("https://login.microsoftonline.com@evil.example", "user name or password"),
    ("https://evil.example\\@login.microsoftonline.com", "user name or password"),
    ("http://user@127.0.0.1:8080", "user name or password"),
    ("https://login.microsoftonline.com/tenant", "host only"),
    ("https://login.microsoftonline.com/?x=1", "query"),
    ("ftp://login.microsoftonline.com", "https://"),
    ("https://login.microsoftonline.com:x", "port"),
    ("http://10.0.0.1:8080", "plain http"),
])
def test_other_login_hosts_refused(url: str, why: str) -> None:
    with pytest.raises(UntrustedHost, match=re.escape(why)):
        check_authority(url)


@pytest.mark.parametrize("url", [
    "https://graph.microsoft.com/v1.0", "https://graph.microsoft.us/v1.0", "https://dod-graph.microsoft.us/beta",
    "https://microsoftgraph.chinacloudapi.cn/v1.0", "http://127.0.0.1:8765/v1.0", "https://localhost:8443/v1.0",
])
def test_graph_hosts_accepted(url: str) -> None:
    assert check_graph_url(url + "/") == url


@pytest.mark.parametrize("url", [
    "https://graph.evil.example/v1.0", "https://user:pass@graph.microsoft.com/v1.0",
    "https://graph.microsoft.com:444/v1.0", "http://graph.microsoft.com/v1.0", "https://graph.microsoft.de/v1.0",
    "https://graph.microsoft.com@evil.example/v1.0",
])
def test_other_graph_hosts_refused(url: str) -> None:
    with pytest.raises(UntrustedHost):
        check_graph_url(url)
    with pytest.raises(UntrustedHost):  # the connector refuses it too, settings or not
        connect(graph_url=url, tenant_id=TENANT, client_id="cid", credential=ClientSecret(SECRET))


def test_clouds_must_match() -> None:
    assert cloud_mismatch("https://login.microsoftonline.com", "https://graph.microsoft.com/v1.0") is None
    assert cloud_mismatch("https://login.microsoftonline.us", "https://dod-graph.microsoft.us/v1.0") is None
    assert cloud_mismatch("https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn/v1.0") is None
    assert cloud_mismatch("https://127.0.0.1:8443", "https://graph.microsoft.com/v1.0") is None
    why = cloud_mismatch("https://login.microsoftonline.com", "https://graph.microsoft.us/v1.0")
    assert why and "https://login.microsoftonline.us" in why


def test_a_password_is_not_repeated_in_messages() -> None:
    assert without_userinfo("https://bob:hunter2@graph.microsoft.com/v1.0") == "https://…@graph.microsoft.com/v1.0"


def test_the_secret_is_not_sent_to_a_foreign_authority(rsps: responses.RequestsMock) -> None:
    with pytest.raises(errors.AuthError) as info:
        MsalTokenProvider(tenant_id=TENANT, client_id="cid", credential=ClientSecret(SECRET), authority_host=EVIL)
    assert info.value.outcome is errors.Outcome.PERMANENT and SECRET not in str(info.value)
    assert len(rsps.calls) == 0


def _discovery(rsps: responses.RequestsMock, token_endpoint: str) -> None:
    rsps.get(f"{LOGIN}/v2.0/.well-known/openid-configuration", json={
        "token_endpoint": token_endpoint, "authorization_endpoint": f"{LOGIN}/oauth2/v2.0/authorize",
        "issuer": f"{LOGIN}/v2.0"})
    rsps.get(re.compile(r"https://login\.microsoftonline\.com/common/discovery/instance\?.*"), json={
        "tenant_discovery_endpoint": f"{LOGIN}/v2.0/.well-known/openid-configuration",
        "metadata": [{"preferred_network": "login.microsoftonline.com", "aliases": ["login.microsoftonline.com"]}]})


def test_a_discovered_token_endpoint_elsewhere_gets_nothing(rsps: responses.RequestsMock) -> None:
    _discovery(rsps, f"{EVIL}/{TENANT}/oauth2/v2.0/token")
    stolen = rsps.post(f"{EVIL}/{TENANT}/oauth2/v2.0/token", json={"access_token": "x", "expires_in": 3599})
    with pytest.raises(errors.AuthError) as info:
        MsalTokenProvider(tenant_id=TENANT, client_id="cid", credential=ClientSecret(SECRET)).token()
    assert stolen.call_count == 0
    assert info.value.outcome is errors.Outcome.PERMANENT and "evil.example" in str(info.value)


def test_a_redirect_from_the_token_endpoint_is_not_followed(rsps: responses.RequestsMock) -> None:
    _discovery(rsps, TOKEN_URL)
    rsps.post(TOKEN_URL, status=307, headers={"Location": f"{EVIL}/collect"})
    stolen = rsps.post(f"{EVIL}/collect", json={"access_token": "x", "expires_in": 3599})
    with pytest.raises(errors.AuthError):
        MsalTokenProvider(tenant_id=TENANT, client_id="cid", credential=ClientSecret(SECRET)).token()
    assert stolen.call_count == 0


def test_msal_force_region_does_not_move_the_token_request(rsps: responses.RequestsMock,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MSAL_FORCE_REGION", "westus")
    _discovery(rsps, TOKEN_URL)
    rsps.post(TOKEN_URL, json={"token_type": "Bearer", "expires_in": 3599, "access_token": "AT-1"})
    provider = MsalTokenProvider(tenant_id=TENANT, client_id="cid", credential=ClientSecret(SECRET))
    assert provider.token() == "AT-1"
    assert {call.request.url.split("/")[2] for call in rsps.calls} == {"login.microsoftonline.com"}
