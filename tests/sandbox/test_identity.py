"""HTTPS mode: the real msal client-credentials flow (secret and certificate) and token checks."""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import msal
import pytest
import requests
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from connectors.sandbox import Sandbox

SEED = Path(__file__).with_name("seed.yaml")
CERT_APP = "99999999-8888-4777-8666-555555555555"
SECRET_APP = "11111111-2222-4333-8444-555555555555"
SCOPE = ["https://graph.microsoft.com/.default"]


def _certificate() -> tuple[str, str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "samtal test app")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    thumb = hashlib.sha1(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
    return key_pem, cert_pem, thumb


@pytest.fixture(scope="module")
def tls() -> Iterator[tuple[Any, Sandbox, dict[str, str]]]:
    key_pem, cert_pem, thumb = _certificate()
    seed = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    seed["tenant"]["apps"].append({"client_id": CERT_APP, "certificate_pem": cert_pem, "roles": ["User.Read.All"]})
    sb = Sandbox.from_seed(seed)
    with sb.serve(port=0, https=True) as server:
        yield server, sb, {"private_key": key_pem, "thumbprint": thumb, "public_certificate": cert_pem}


def _app(server: Any, client_id: str, credential: Any, tenant: str | None = None) -> msal.ConfidentialClientApplication:
    session = requests.Session()
    session.verify = server.ca_file
    session.trust_env = False  # else REQUESTS_CA_BUNDLE from the environment overrides session.verify
    tid = tenant or "example.se"
    return msal.ConfidentialClientApplication(
        client_id, client_credential=credential, authority=f"{server.url}/{tid}",
        validate_authority=False, instance_discovery=False, http_client=session)


def test_secret_flow_and_graph_call(tls: tuple[Any, Sandbox, dict[str, str]]) -> None:
    server, sb, _ = tls
    result = _app(server, SECRET_APP, "sandbox-test-secret-not-real").acquire_token_for_client(scopes=SCOPE)
    assert "access_token" in result, result
    claims = jwt.decode(result["access_token"], options={"verify_signature": False})
    assert claims["roles"] == ["User.Read.All", "Calendars.ReadWrite", "Files.ReadWrite.All", "Sites.Selected"]
    assert claims["appid"] == SECRET_APP and claims["tid"] == sb.tenant.seed["tenant"]["id"]
    assert claims["exp"] - claims["iat"] == result["expires_in"] == 3599
    me = requests.get(f"{server.graph_url}/users/per.lind@example.se", verify=server.ca_file,
                      headers={"Authorization": f"Bearer {result['access_token']}"}, timeout=5)
    assert me.status_code == 200
    foreign = requests.get(f"{server.graph_url}/users", verify=server.ca_file, headers={"Authorization": "Bearer made-up"}, timeout=5)
    assert foreign.status_code == 401
    requests.post(f"{server.url}/_sandbox/tokens/expire", verify=server.ca_file, timeout=5)
    expired = requests.get(f"{server.graph_url}/users", verify=server.ca_file,
                           headers={"Authorization": f"Bearer {result['access_token']}"}, timeout=5)
    assert expired.status_code == 401 and expired.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_certificate_flow(tls: tuple[Any, Sandbox, dict[str, str]]) -> None:
    server, _, credential = tls
    result = _app(server, CERT_APP, credential).acquire_token_for_client(scopes=SCOPE)
    assert "access_token" in result, result
    assert jwt.decode(result["access_token"], options={"verify_signature": False})["roles"] == ["User.Read.All"]
    other_key, _, thumb = _certificate()
    wrong = _app(server, CERT_APP, {"private_key": other_key, "thumbprint": thumb}).acquire_token_for_client(scopes=SCOPE)
    assert "AADSTS700027" in wrong.get("error_description", "")


def test_entra_errors(tls: tuple[Any, Sandbox, dict[str, str]]) -> None:
    server, sb, _ = tls
    bad_secret = _app(server, SECRET_APP, "wrong").acquire_token_for_client(scopes=SCOPE)
    assert bad_secret["error"] == "invalid_client" and "AADSTS7000215" in bad_secret["error_description"]
    unknown = _app(server, "00000000-0000-4000-8000-000000000000", "x").acquire_token_for_client(scopes=SCOPE)
    assert "AADSTS700016" in unknown["error_description"]
    with pytest.raises(ValueError, match="authority configuration"):  # msal's words for a failed discovery
        _app(server, SECRET_APP, "x", tenant="nosuch.example").acquire_token_for_client(scopes=SCOPE)
    meta = requests.get(f"{server.url}/nosuch.example/v2.0/.well-known/openid-configuration", verify=server.ca_file, timeout=5)
    assert meta.status_code == 400 and "AADSTS90002" in meta.json()["error_description"]
    token = requests.post(f"{server.url}/nosuch.example/oauth2/v2.0/token", verify=server.ca_file, timeout=5,
                          data={"grant_type": "client_credentials", "client_id": SECRET_APP, "client_secret": "x", "scope": SCOPE[0]})
    assert token.json()["error_codes"] == [90002]
