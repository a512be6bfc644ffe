"""Open the tenant a campaign file names: settings in, a connected :class:`GraphClient` out.

The secret is read from its environment variable only here, at connect time, and handed to
the connector; it is never stored in the settings or logged.
"""
from __future__ import annotations

from connectors.graph.auth import ClientSecret, Credential, PfxCertificate, pem_certificate
from connectors.graph.client import GraphClient, connect, is_sandbox_url
from connectors.graph.errors import AuthError, Outcome
from connectors.graph.pacing import PacingConfig, Pacer
from plugin.settings import Settings
from plugin.settings_parsers import CertificateRef, SecretRef


def credential_of(settings: Settings) -> Credential:
    ref = settings.tenant.credential
    if isinstance(ref, SecretRef):
        try:
            return ClientSecret(ref.read())
        except KeyError:
            raise AuthError(f"the environment variable {ref.env} holding the client secret is not set",
                            aadsts=None, outcome=Outcome.PERMANENT,
                            hint=f"export {ref.env}=<the secret's value>") from None
    assert isinstance(ref, CertificateRef)
    passphrase = None
    if ref.passphrase is not None:
        try:
            passphrase = ref.passphrase.read()
        except KeyError:
            raise AuthError(f"the environment variable {ref.passphrase.env} holding the certificate "
                            "passphrase is not set", aadsts=None, outcome=Outcome.PERMANENT) from None
    if ref.is_pfx:
        return PfxCertificate(ref.path, passphrase)
    return pem_certificate(ref.path, ref.thumbprint or "", passphrase)


def pacer_for(settings: Settings) -> Pacer | None:
    """Pacing at the campaign's SharePoint budget (``pacing.*``); off on a sandbox unless a
    ``pacing`` key is given, so sandbox runs are not slowed to a real tenant's budget."""
    if is_sandbox_url(settings.tenant.graph_url) and not settings.pacing.explicit:
        return None
    return Pacer(PacingConfig(ru_per_minute=settings.pacing.budget))


def open_client(settings: Settings, **kw: object) -> GraphClient:
    """A client for the campaign's tenant; a plain-HTTP loopback URL is a sandbox (static token)."""
    kw.setdefault("pacer", pacer_for(settings))
    url = settings.tenant.graph_url
    credential = None if is_sandbox_url(url) else credential_of(settings)
    return connect(graph_url=url, tenant_id=settings.tenant.tenant_id,
                   client_id=settings.tenant.client_id, credential=credential,
                   max_concurrency=settings.concurrency.max_requests,
                   authority_host=settings.tenant.authority, **kw)  # type: ignore[arg-type]
