"""A loopback Entra ID: OpenID metadata, the client-credentials token endpoint, token checks.

Routes (served with HTTPS, where MSAL insists on them; authority ``https://127.0.0.1:PORT/{tenant}``
where ``{tenant}`` is the seed's tenant id or domain):

- ``GET /{tenant}/v2.0/.well-known/openid-configuration`` → metadata with ``token_endpoint``;
  unknown tenant → 400 with ``AADSTS90002`` (MSAL's tenant discovery turns it into an error).
- ``POST /{tenant}/oauth2/v2.0/token`` (form): ``grant_type=client_credentials``,
  ``scope=https://graph.microsoft.com/.default``, ``client_id`` and either ``client_secret`` or
  a ``client_assertion`` JWT (RS256 or PS256, as MSAL signs it) verified against the
  ``certificate_pem`` registered for the app in the seed (``tenant.apps``, see ``seed.py``).
  Errors in Entra's shape: unknown client ``AADSTS700016``, wrong secret ``AADSTS7000215``,
  bad assertion ``AADSTS700027``.

The access token is an HS256 JWT signed with this sandbox's key, with claims ``aud``, ``iss``,
``tid``, ``appid``, ``roles`` (the app's granted application permissions), ``iat``/``nbf``/``exp``
(``exp`` from ``expires_in``, default 3599) and a generation number: ``expire_all()`` (control
route ``POST /_sandbox/tokens/expire``) bumps it so every token issued so far answers 401
``InvalidAuthenticationToken`` and clients' refresh paths can be tested (docs/failures.md#a1).
"""
from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import jwt
from cryptography import x509

from connectors.sandbox.errors import GraphError
from connectors.sandbox.http_types import Request, Response

if TYPE_CHECKING:
    from connectors.sandbox.app import Sandbox

GRAPH_AUDIENCE = "https://graph.microsoft.com"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class Identity:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.lifetime_s = 3599
        self.generation = 0
        self.issued = 0
        self._lock = threading.Lock()

    def expire_all(self) -> int:
        with self._lock:
            self.generation += 1
            return self.generation

    # -- routes -----------------------------------------------------------------------------
    def handle(self, req: Request) -> Response:
        parts = req.path.strip("/").split("/")
        if len(parts) >= 2 and parts[1:] == ["v2.0", ".well-known", "openid-configuration"] and req.method == "GET":
            return self._metadata(req, parts[0])
        if len(parts) == 4 and parts[1:] == ["oauth2", "v2.0", "token"] and req.method == "POST":
            return self._token(req, parts[0])
        raise GraphError(404, "NotFound", f"No sandbox route for {req.method} {req.path}.")

    def _tenant_ok(self, name: str) -> bool:
        t = self.sandbox.tenant.seed["tenant"]
        return name.lower() in (t["id"].lower(), t["domain"].lower())

    def _error(self, status: int, error: str, code: int, text: str) -> Response:
        now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
        trace, corr = str(uuid.uuid4()), str(uuid.uuid4())
        return Response(status, {
            "error": error, "error_description": f"AADSTS{code}: {text} Trace ID: {trace} Correlation ID: {corr} Timestamp: {now}",
            "error_codes": [code], "timestamp": now, "trace_id": trace, "correlation_id": corr,
            "error_uri": f"https://login.microsoftonline.com/error?code={code}"})

    def _unknown_tenant(self, name: str) -> Response:
        return self._error(400, "invalid_tenant", 90002, f"Tenant '{name}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.")

    def _metadata(self, req: Request, tenant: str) -> Response:
        if not self._tenant_ok(tenant):
            return self._unknown_tenant(tenant)
        tid = self.sandbox.tenant.seed["tenant"]["id"]
        root = f"{req.base}/{tenant}"
        return Response(200, {
            "token_endpoint": f"{root}/oauth2/v2.0/token", "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
            "issuer": f"{req.base}/{tid}/v2.0", "jwks_uri": f"{root}/discovery/v2.0/keys",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "subject_types_supported": ["pairwise"], "id_token_signing_alg_values_supported": ["RS256"],
            "tenant_region_scope": "EU", "cloud_instance_name": "microsoftonline.com"})

    def _token(self, req: Request, tenant: str) -> Response:
        if not self._tenant_ok(tenant):
            return self._unknown_tenant(tenant)
        form = dict(parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True))
        if form.get("grant_type") != "client_credentials":
            return self._error(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type; the sandbox supports client_credentials only.")
        client_id = form.get("client_id", "")
        app = next((a for a in self.sandbox.tenant.seed["tenant"]["apps"] if a["client_id"] == client_id), None)
        if app is None:
            tid = self.sandbox.tenant.seed["tenant"]["id"]
            return self._error(400, "unauthorized_client", 700016, f"Application with identifier '{client_id}' was not found in the directory '{tid}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.")
        scope = form.get("scope", "")
        if not scope.endswith("/.default"):
            return self._error(400, "invalid_scope", 1002012, f"The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).")
        if "client_assertion" in form:
            failure = self._check_assertion(app, form, f"{req.base}{req.path}")
            if failure:
                return self._error(401, "invalid_client", 700027, failure)
        elif not app.get("secret") or form.get("client_secret") != app["secret"]:
            return self._error(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '" + client_id + "'.")
        return Response(200, self._issue(app), {"Content-Type": "application/json"})

    def _check_assertion(self, app: dict[str, Any], form: dict[str, str], endpoint: str) -> str | None:
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            return "Client assertion type is not supported."
        if not app.get("certificate_pem"):
            return "The application has no certificate registered; use its client secret."
        try:
            cert = x509.load_pem_x509_certificate(str(app["certificate_pem"]).encode())
            claims = jwt.decode(form["client_assertion"], cert.public_key(), algorithms=["RS256", "PS256"],  # type: ignore[arg-type]
                                audience=endpoint, options={"require": ["exp", "aud", "iss", "sub"]})
        except (jwt.PyJWTError, ValueError) as err:
            return f"Client assertion contains an invalid signature or claims: {err}."
        if claims.get("iss") != app["client_id"] or claims.get("sub") != app["client_id"]:
            return "The client assertion's iss and sub must be the client id."
        return None

    def _issue(self, app: dict[str, Any]) -> dict[str, Any]:
        tenant = self.sandbox.tenant.seed["tenant"]
        now = int(time.time())
        with self._lock:
            self.issued += 1
            generation = self.generation
        claims = {"aud": GRAPH_AUDIENCE, "iss": f"https://sts.windows.net/{tenant['id']}/", "iat": now, "nbf": now,
                  "exp": now + self.lifetime_s, "appid": app["client_id"], "app_displayname": app["displayName"],
                  "tid": tenant["id"], "roles": list(app["roles"]), "sub": app["client_id"], "oid": app["client_id"],
                  "ver": "1.0", "idtyp": "app", "sbx_gen": generation, "uti": uuid.uuid4().hex}
        token = jwt.encode(claims, self.sandbox.tenant.key, algorithm="HS256", headers={"typ": "JWT"})
        return {"token_type": "Bearer", "expires_in": self.lifetime_s, "ext_expires_in": self.lifetime_s,
                "access_token": token}

    def verify(self, token: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(token, self.sandbox.tenant.key, algorithms=["HS256"], audience=GRAPH_AUDIENCE)
        except jwt.ExpiredSignatureError:
            raise GraphError(401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.") from None
        except jwt.PyJWTError:
            raise GraphError(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience or signature.") from None
        if claims.get("sbx_gen") != self.generation:
            raise GraphError(401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.")
        return claims

