"""Tokens through the real MSAL client-credentials path (Entra ID mocked with `responses`)."""
from __future__ import annotations

import datetime as dt
import json
import logging
import re
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import requests
import responses
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from connectors.graph import errors
from connectors.graph.auth import (
    ClientSecret, MsalTokenProvider, PfxCertificate, StaticTokenProvider, auth_error_from_msal,
    pem_certificate, secret_from_env,
)
from connectors.graph.http import GraphHttp

TENANT = "11111111-2222-3333-4444-555555555555"
LOGIN = f"https://login.microsoftonline.com/{TENANT}"
TOKEN_URL = f"{LOGIN}/oauth2/v2.0/token"
SECRET = "very-secret-value-Q8~x"
GRAPH = "https://graph.microsoft.com/v1.0"


@pytest.fixture
def entra(rsps):
    rsps.get(f"{LOGIN}/v2.0/.well-known/openid-configuration", json={
        "token_endpoint": TOKEN_URL, "authorization_endpoint": f"{LOGIN}/oauth2/v2.0/authorize",
        "issuer": f"{LOGIN}/v2.0"})
    # MSAL asks for instance metadata after some failures.
    rsps.get(re.compile(r"https://login\.microsoftonline\.com/common/discovery/instance\?.*"), json={
        "tenant_discovery_endpoint": f"{LOGIN}/v2.0/.well-known/openid-configuration",
        "metadata": [{"preferred_network": "login.microsoftonline.com",
                      "aliases": ["login.microsoftonline.com"]}]})
    return rsps


def _token_calls(rsps):
    return [c for c in rsps.calls if c.request.url == TOKEN_URL]


def test_secret_flow_caches_and_refreshes_after_invalidate(entra):
    entra.post(TOKEN_URL, json={"token_type": "Bearer", "expires_in": 3599, "access_token": "AT-1"})
    entra.post(TOKEN_URL, json={"token_type": "Bearer", "expires_in": 3599, "access_token": "AT-2"})
    p = MsalTokenProvider(tenant_id=TENANT, client_id="cid", credential=ClientSecret(SECRET))
    assert p.scopes == ["https://graph.microsoft.com/.default"]
    assert p.token() == "AT-1"
    assert p.token() == "AT-1"  # from MSAL's cache
    assert len(_token_calls(entra)) == 1
    form = parse_qs(_token_calls(entra)[0].request.body)
    assert form["grant_type"] == ["client_credentials"] and form["client_secret"] == [SECRET]
    p.invalidate("AT-1")
    assert p.token() == "AT-2"
    assert len(_token_calls(entra)) == 2


@pytest.mark.parametrize("code, outcome, hint", [
    (7000215, errors.Outcome.NEEDS_CONSENT, "secret is wrong"),
    (7000222, errors.Outcome.NEEDS_CONSENT, "expired"),
    (700016, errors.Outcome.PERMANENT, "client id"),
    (65001, errors.Outcome.NEEDS_CONSENT, "consent"),
])
def test_msal_error_dicts_become_auth_errors_with_hints(entra, code, outcome, hint):
    entra.post(TOKEN_URL, status=401, json={
        "error": "invalid_client", "error_codes": [code],
        "error_description": f"AADSTS{code}: something went wrong.\r\nTrace ID: x\r\nTimestamp: y"})
    p = MsalTokenProvider(tenant_id=TENANT, client_id="cid", credential=ClientSecret(SECRET))
    with pytest.raises(errors.AuthError) as info:
        p.token()
    assert info.value.aadsts == f"AADSTS{code}"
    assert info.value.outcome is outcome
    assert hint in str(info.value)
    assert SECRET not in str(info.value)


def test_unknown_tenant_is_a_permanent_auth_error():
    err = auth_error_from_msal({"error": "invalid_request", "error_description":
                                "AADSTS90002: Tenant 'nope' not found."}, "nope")
    assert err.aadsts == "AADSTS90002" and err.outcome is errors.Outcome.PERMANENT
    assert "tenant.tenant_id" in str(err)


def test_entra_unavailable_is_retry_later():
    err = auth_error_from_msal({"error": "temporarily_unavailable", "error_description": "busy"}, TENANT)
    assert err.outcome is errors.Outcome.RETRY


def test_common_authority_is_refused():
    with pytest.raises(errors.AuthError, match="tenant-specific"):
        MsalTokenProvider(tenant_id="common", client_id="cid", credential=ClientSecret("x"))


def test_secret_from_env(monkeypatch):
    monkeypatch.setenv("SAMTAL_TEST_SECRET", SECRET)
    assert secret_from_env("SAMTAL_TEST_SECRET").value == SECRET
    assert SECRET not in repr(secret_from_env("SAMTAL_TEST_SECRET"))
    monkeypatch.delenv("SAMTAL_TEST_SECRET")
    with pytest.raises(errors.AuthError, match="SAMTAL_TEST_SECRET"):
        secret_from_env("SAMTAL_TEST_SECRET")


def _certificate(tmp_path: Path) -> tuple[Path, Path, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "samtal-test")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256()))
    pem = tmp_path / "key.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())
                    + cert.public_bytes(serialization.Encoding.PEM))
    pfx = tmp_path / "cert.pfx"
    pfx.write_bytes(pkcs12.serialize_key_and_certificates(
        b"samtal", key, cert, None, serialization.BestAvailableEncryption(b"pfx-pass")))
    return pem, pfx, cert.fingerprint(hashes.SHA1()).hex()


def test_pem_certificate_sends_a_client_assertion(entra, tmp_path):
    pem, _, thumb = _certificate(tmp_path)
    entra.post(TOKEN_URL, json={"token_type": "Bearer", "expires_in": 3599, "access_token": "AT-c"})
    cred = pem_certificate(pem, ":".join(re.findall("..", thumb)))
    assert cred.thumbprint == thumb.upper() and cred.public_certificate_pem
    p = MsalTokenProvider(tenant_id=TENANT, client_id="cid", credential=cred)
    assert p.token() == "AT-c"
    form = parse_qs(_token_calls(entra)[0].request.body)
    assert form["client_assertion_type"] == ["urn:ietf:params:oauth:client-assertion-type:jwt-bearer"]
    assert form["client_assertion"][0].count(".") == 2 and "client_secret" not in form


def test_pfx_certificate_with_passphrase(entra, tmp_path):
    _, pfx, _ = _certificate(tmp_path)
    entra.post(TOKEN_URL, json={"token_type": "Bearer", "expires_in": 3599, "access_token": "AT-p"})
    p = MsalTokenProvider(tenant_id=TENANT, client_id="cid", credential=PfxCertificate(pfx, "pfx-pass"))
    assert p.token() == "AT-p"
    assert "client_assertion" in parse_qs(_token_calls(entra)[0].request.body)


def test_pem_file_without_a_key_is_refused(tmp_path):
    bad = tmp_path / "cert.pem"
    bad.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    with pytest.raises(errors.AuthError, match="no PEM private key"):
        pem_certificate(bad, "00" * 20)


def test_static_token_provider():
    p = StaticTokenProvider("sandbox")
    p.invalidate("sandbox")
    assert p.token() == "sandbox"


def test_logs_never_contain_the_token_or_the_secret(entra, caplog):
    """A whole run at DEBUG: token acquisition, a Graph call, a 401 refresh, an auth failure."""
    entra.post(TOKEN_URL, json={"token_type": "Bearer", "expires_in": 3599, "access_token": "eyJ.ACCESS-1.sig"})
    entra.post(TOKEN_URL, json={"token_type": "Bearer", "expires_in": 3599, "access_token": "eyJ.ACCESS-2.sig"})
    entra.get(f"{GRAPH}/users/u1", status=401, json={"error": {"code": "InvalidAuthenticationToken", "message": "expired"}})
    entra.get(f"{GRAPH}/users/u1", json={"id": "u1"})
    with caplog.at_level(logging.DEBUG):
        p = MsalTokenProvider(tenant_id=TENANT, client_id="cid", credential=ClientSecret(SECRET))
        http = GraphHttp(GRAPH, p, requests.Session(), sleep=lambda s: None)
        http.get("/users/u1")
        assert json.loads(entra.calls[-1].response.text) == {"id": "u1"}
    text = caplog.text + " ".join(str(r.args) for r in caplog.records)
    for secret in (SECRET, "eyJ.ACCESS-1.sig", "eyJ.ACCESS-2.sig", "ACCESS-1", "ACCESS-2"):
        assert secret not in text
    assert "GET /v1.0/users/u1 401" in caplog.text and "GET /v1.0/users/u1 200" in caplog.text
