"""Tokens for Microsoft Graph: MSAL client credentials, or a static token for a sandbox.

Facts (docs/graph.md#authentication): one long-lived ``ConfidentialClientApplication``
with its token cache, reused for every call; a tenant-specific authority; scope
``<graph origin>/.default``; MSAL answers with a dict (``access_token`` or ``error`` +
``error_description``), never an exception; since MSAL 1.23 ``acquire_token_for_client`` reads
the cache first and treats a token as expired 5 minutes early; ``force_refresh`` is refused, so
a token Graph rejected is removed from the cache to force a new one.

Tokens and secrets never reach a log or an exception message. The secret goes only to the login
host the settings name, which must be one of Microsoft's (:mod:`connectors.graph.clouds`) or a
loopback sandbox: MSAL is given an HTTP client that reaches no other host (whatever a discovery
document says the token endpoint is) and follows no redirect (a 307 would send the form with the
secret again, to wherever it points), and MSAL's regional endpoints are off.
"""
from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from connectors.graph.clouds import LOGIN_HOSTS, UntrustedHost, check_authority, is_loopback
from connectors.graph.errors import AuthError, GraphError, Outcome, Unreachable
from connectors.graph.reach import origin, unreachable_reason

DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"


class TokenProvider(Protocol):
    """Gives a bearer token; ``invalidate`` drops one Graph refused so the next is fresh."""

    def token(self) -> str: ...

    def invalidate(self, token: str) -> None: ...


class StaticTokenProvider:
    """A fixed token, for a plain-HTTP sandbox on loopback (it accepts any bearer token)."""

    def __init__(self, token: str = "sandbox-token") -> None:
        self._token = token

    def token(self) -> str:
        return self._token

    def invalidate(self, token: str) -> None:
        """Nothing to refresh: the sandbox accepts the same token again."""


# ---------------------------------------------------------------------- credentials
@dataclass(frozen=True)
class ClientSecret:
    value: str = field(repr=False)


@dataclass(frozen=True)
class PemCertificate:
    """A PEM private key with the certificate's SHA-1 thumbprint (hex)."""

    private_key_pem: str = field(repr=False)
    thumbprint: str
    passphrase: str | None = field(default=None, repr=False)
    public_certificate_pem: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class PfxCertificate:
    """A PKCS#12 (.pfx) file and its passphrase (MSAL ≥ 1.29 reads it directly)."""

    path: Path
    passphrase: str | None = field(default=None, repr=False)


Credential = ClientSecret | PemCertificate | PfxCertificate


def secret_from_env(variable: str) -> ClientSecret:
    """The client secret held by environment variable ``variable``."""
    value = os.environ.get(variable, "")
    if not value.strip():
        raise AuthError(f"the environment variable {variable} holding the client secret is not set",
                        aadsts=None, outcome=Outcome.PERMANENT,
                        hint=f"export {variable}=<the secret's value> before running samtal")
    return ClientSecret(value.strip())


def pem_certificate(path: Path, thumbprint: str, passphrase: str | None = None) -> PemCertificate:
    """Read a PEM file holding the private key (and, optionally, the certificate)."""
    try:
        text = Path(path).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as err:
        raise AuthError(f"cannot read the certificate file {path}: {err.__class__.__name__}",
                        aadsts=None, outcome=Outcome.PERMANENT) from err
    if "PRIVATE KEY-----" not in text:
        raise AuthError(f"{path} holds no PEM private key", aadsts=None, outcome=Outcome.PERMANENT,
                        hint="export the key with: openssl pkcs12 -in cert.pfx -nocerts -out key.pem")
    thumb = re.sub(r"[^0-9A-Fa-f]", "", thumbprint)
    if len(thumb) != 40:
        raise AuthError("the certificate thumbprint must be 40 hex digits (SHA-1)", aadsts=None,
                        outcome=Outcome.PERMANENT)
    match = re.search(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", text, re.S)
    return PemCertificate(text, thumb.upper(), passphrase, match.group(0) if match else None)


def _msal_credential(credential: Credential) -> str | dict[str, Any]:
    if isinstance(credential, ClientSecret):
        return credential.value
    if isinstance(credential, PemCertificate):
        cred: dict[str, Any] = {"private_key": credential.private_key_pem,
                                "thumbprint": credential.thumbprint}
        if credential.passphrase:
            cred["passphrase"] = credential.passphrase
        if credential.public_certificate_pem:
            cred["public_certificate"] = credential.public_certificate_pem
        return cred
    cred = {"private_key_pfx_path": str(credential.path)}
    if credential.passphrase:
        cred["passphrase"] = credential.passphrase
    return cred


# ---------------------------------------------------------------------- MSAL errors → AuthError
# AADSTS codes with what a person can do about them. Sources: Microsoft Entra error reference
# (https://learn.microsoft.com/entra/identity-platform/reference-error-codes) and
# docs/failures.md#authentication-and-tokens.
_AADSTS_HINTS: dict[str, tuple[Outcome, str]] = {
    "AADSTS7000215": (Outcome.NEEDS_CONSENT, "the client secret is wrong: copy the secret's value (not its id) again"),
    "AADSTS7000222": (Outcome.NEEDS_CONSENT, "the client secret has expired: create a new one in the app registration"),
    "AADSTS700027": (Outcome.NEEDS_CONSENT, "the certificate is not registered on the app, or its thumbprint is wrong"),
    "AADSTS700024": (Outcome.RETRY, "the client assertion is not within its valid time range: check the clock"),
    "AADSTS65001": (Outcome.NEEDS_CONSENT, "admin consent is missing: grant it in the app's API permissions"),
    "AADSTS500011": (Outcome.NEEDS_CONSENT, "Microsoft Graph is not consented in this tenant: grant admin consent"),
    "AADSTS700016": (Outcome.PERMANENT, "no app with this client id in the tenant: check tenant.client_id and tenant.tenant_id"),
    "AADSTS90002": (Outcome.PERMANENT, "the tenant was not found: check tenant.tenant_id"),
    "AADSTS900023": (Outcome.PERMANENT, "tenant.tenant_id is not a valid tenant id or domain"),
    "AADSTS7000112": (Outcome.NEEDS_CONSENT, "the app is disabled in the tenant: enable its enterprise application"),
    "AADSTS53003": (Outcome.NEEDS_CONSENT, "a Conditional Access policy blocks the app"),
    "AADSTS700082": (Outcome.NEEDS_CONSENT, "the credential expired after long inactivity: sign in or renew it"),
    "AADSTS50076": (Outcome.NEEDS_CONSENT, "a multi-factor policy now applies to the app"),
}
_AADSTS = re.compile(r"AADSTS\d+")


def auth_error_from_msal(result: dict[str, Any], tenant: str) -> AuthError:
    """Turn MSAL's error dictionary into an :class:`AuthError` a person can act on."""
    error = str(result.get("error") or "unknown_error")
    description = str(result.get("error_description") or "")
    codes = result.get("error_codes") or []
    aadsts = None
    if codes:
        aadsts = f"AADSTS{codes[0]}"
    else:
        m = _AADSTS.search(description)
        aadsts = m.group(0) if m else None
    known = _AADSTS_HINTS.get(aadsts or "")
    outcome: Outcome | None = known[0] if known else None
    hint: str | None = known[1] if known else None
    if outcome is None:
        if error in ("temporarily_unavailable", "server_error") or error.startswith("http_"):
            outcome, hint = Outcome.RETRY, "Entra ID is unavailable for now; samtal will try again"
        elif error in ("invalid_client", "unauthorized_client"):
            outcome, hint = Outcome.NEEDS_CONSENT, "the app's credentials were refused"
        else:
            outcome, hint = Outcome.PERMANENT, "see the AADSTS code in the Entra error reference"
    first_line = description.splitlines()[0] if description else error
    return AuthError(f"Entra ID refused a token for tenant {tenant}: {first_line}", aadsts=aadsts,
                     outcome=outcome, hint=hint, code=error)


class HostRefused(Exception):
    """MSAL was about to send a request to a host that is not the login host."""


class LoginHostOnly:
    """The HTTP client MSAL gets (MSAL's ``HttpClient`` interface: ``get``/``post``/``close``):
    requests go through ``session`` only to the login host ``authority`` names (or another
    documented login host of the same cloud), never following a redirect."""

    def __init__(self, session: Any, authority: str) -> None:
        self.session = session
        parts = urlsplit(authority)
        netloc = parts.netloc.lower()
        self.allowed = {(parts.scheme, netloc)}
        cloud = LOGIN_HOSTS.get(parts.hostname or "")
        if cloud is not None and not is_loopback(parts.hostname):
            self.allowed |= {("https", host) for host, c in LOGIN_HOSTS.items() if c == cloud}
            self.allowed |= {("https", f"{host}:443") for host, c in LOGIN_HOSTS.items() if c == cloud}

    def _check(self, url: str) -> None:
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc.lower()) not in self.allowed:
            raise HostRefused(f"MSAL asked to reach {parts.scheme}://{parts.netloc}, which is not the "
                              "login host in the settings; nothing was sent there")

    def get(self, url: str, **kwargs: Any) -> Any:
        self._check(url)
        return self.session.get(url, allow_redirects=False, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Any:
        self._check(url)
        return self.session.post(url, allow_redirects=False, **kwargs)

    def close(self) -> None:
        """The session belongs to the caller."""


def _refused(err: HostRefused) -> AuthError:
    return AuthError(str(err), aadsts=None, outcome=Outcome.PERMANENT,
                     hint="tenant.authority must be Microsoft's login host of the tenant's cloud")


class MsalTokenProvider:
    """Client-credentials tokens from one long-lived MSAL app, thread-safe (one refresh at a time)."""

    def __init__(
        self,
        *,
        tenant_id: str,
        client_id: str,
        credential: Credential,
        graph_url: str = "https://graph.microsoft.com/v1.0",
        authority_host: str = DEFAULT_AUTHORITY_HOST,
        http_client: Any = None,
        validate_authority: bool = True,
    ) -> None:
        import msal  # imported here so a sandbox run never needs MSAL's network set-up

        if tenant_id.lower() in ("common", "organizations", "consumers"):
            raise AuthError("a daemon needs a tenant-specific authority, not /" + tenant_id,
                            aadsts=None, outcome=Outcome.PERMANENT,
                            hint="set tenant.tenant_id to the Directory (tenant) ID")
        try:
            authority_host = check_authority(authority_host)
        except UntrustedHost as err:
            raise AuthError(f"the client secret is not sent to {authority_host}: {err}", aadsts=None,
                            outcome=Outcome.PERMANENT,
                            hint="set tenant.authority to Microsoft's login host") from None
        graph = urlsplit(graph_url)
        self.scopes = [f"{graph.scheme}://{graph.netloc}/.default"]
        self.tenant_id = tenant_id
        self._lock = threading.Lock()
        self.cache = msal.TokenCache()
        if http_client is None:
            import requests

            http_client = requests.Session()
        # azure_region=False: no regional token endpoint (MSAL_FORCE_REGION would send the token
        # request to <region>.login.microsoft.com), only the login host of the settings.
        kwargs: dict[str, Any] = {"http_client": LoginHostOnly(http_client, authority_host),
                                  "azure_region": False}
        if not validate_authority:
            kwargs["validate_authority"] = False
            kwargs["instance_discovery"] = False
        try:
            self.app = msal.ConfidentialClientApplication(
                client_id,
                authority=f"{authority_host.rstrip('/')}/{tenant_id}",
                client_credential=_msal_credential(credential),
                token_cache=self.cache,
                **kwargs,
            )
        except HostRefused as err:
            raise _refused(err) from None
        except ValueError as err:  # MSAL validates keys, authority and PFX files eagerly
            raise AuthError(f"MSAL refused the app settings: {type(err).__name__}", aadsts=None,
                            outcome=Outcome.PERMANENT,
                            hint="check the certificate file, its passphrase and tenant.tenant_id") from None
        except Exception as err:  # network errors while discovering the authority
            raise _transport_error(err, authority_host) from None
        self.authority_host = authority_host

    def token(self) -> str:
        with self._lock:
            try:
                result = self.app.acquire_token_for_client(scopes=self.scopes)
            except HostRefused as err:
                raise _refused(err) from None
            except Exception as err:  # transport failures inside MSAL
                raise _transport_error(err, self.authority_host) from None
        if not isinstance(result, dict) or "access_token" not in result:
            raise auth_error_from_msal(result or {}, self.tenant_id)
        return str(result["access_token"])

    def invalidate(self, token: str) -> None:
        """Forget ``token`` so the next :meth:`token` asks Entra ID for a new one."""
        import msal

        with self._lock:
            for entry in list(self.cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN)):
                if entry.get("secret") == token:
                    self.cache.remove_at(entry)


def _transport_error(err: Exception, authority_host: str) -> GraphError:
    """A login host that cannot be reached at all is :class:`Unreachable` (a wrong
    ``tenant.authority`` or no network: no credential is at fault); anything else that kept
    MSAL from an answer is an :class:`AuthError` to retry later."""
    why = unreachable_reason(err)
    if why is not None:
        return Unreachable(f"cannot reach Entra ID at {origin(authority_host)}: {why}",
                           host=origin(authority_host), hint="check tenant.authority and the network")
    return AuthError(f"could not reach Entra ID: {type(err).__name__}", aadsts=None, outcome=Outcome.RETRY)


def token_roles(token: str) -> tuple[str, ...] | None:
    """The application roles (``roles`` claim) of an Entra access token, or None when the token
    is not a readable JWT. Only reads the claims; the signature is Graph's business."""
    import base64
    import json

    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeDecodeError):
        return None
    roles = claims.get("roles") if isinstance(claims, dict) else None
    if not isinstance(roles, list):
        return ()
    return tuple(str(r) for r in roles)
