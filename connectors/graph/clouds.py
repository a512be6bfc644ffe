"""Where the client secret and the bearer token may go: Microsoft's login and Graph hosts of the
public and national clouds, or a sandbox on loopback. Nothing else.

The token request carries ``client_secret`` (or a signed assertion), and every Graph request the
bearer token; whoever can edit the campaign file must not be able to point either at a server of
their own. So ``tenant.authority`` and ``tenant.graph_url`` accept exactly the hosts Microsoft
documents, over HTTPS on the default port with no user name or password in the URL, or a
loopback address (127.0.0.0/8, ::1, localhost) over HTTP or HTTPS for a sandbox.

Login hosts (Microsoft Entra authentication endpoints), from
https://learn.microsoft.com/entra/identity-platform/authentication-national-cloud (global,
US Government, China operated by 21Vianet as ``login.partner.microsoftonline.cn``) and
https://learn.microsoft.com/graph/deployments (which names ``login.chinacloudapi.cn`` for China).
MSAL Python's ``msal/authority.py`` (``WELL_KNOWN_AUTHORITY_HOSTS``, 1.39) knows these four and
some older aliases of them (``login.windows.net``, ``sts.windows.net``, ``login.microsoft.com``,
``login-us.microsoftonline.com``, ``login.usgovcloudapi.net``), the closed Azure Germany
(``login.microsoftonline.de``, closed 29 October 2021 per the first page) and the new
sovereign clouds ``login.sovcloud-identity.{fr,de,sg}``, for which Microsoft documents no Graph
host; one documented name per cloud is enough, so those are not accepted.

Graph hosts ("Microsoft Graph and Graph Explorer service root endpoints",
https://learn.microsoft.com/graph/deployments): ``graph.microsoft.com`` (global, and Microsoft
365 GCC), ``graph.microsoft.us`` (US Government L4, GCC High), ``dod-graph.microsoft.us`` (L5,
DoD), ``microsoftgraph.chinacloudapi.cn`` (21Vianet). Tokens of one cloud are not accepted by
another's Graph (same page), so a login host and a Graph host of different clouds is refused too.
"""
from __future__ import annotations

import ipaddress
from urllib.parse import SplitResult, urlsplit

GLOBAL, US_GOVERNMENT, CHINA = "global", "US Government", "China (21Vianet)"
#: The Graph endpoint a campaign talks to unless it names another (the global cloud, v1.0).
DEFAULT_GRAPH_URL = "https://graph.microsoft.com/v1.0"
LOGIN_HOSTS: dict[str, str] = {
    "login.microsoftonline.com": GLOBAL,
    "login.microsoftonline.us": US_GOVERNMENT,
    "login.partner.microsoftonline.cn": CHINA,
    "login.chinacloudapi.cn": CHINA,
}
GRAPH_HOSTS: dict[str, str] = {
    "graph.microsoft.com": GLOBAL,
    "graph.microsoft.us": US_GOVERNMENT,
    "dod-graph.microsoft.us": US_GOVERNMENT,
    "microsoftgraph.chinacloudapi.cn": CHINA,
}


class UntrustedHost(ValueError):
    """A URL that may not receive the secret or the token; the message says what is accepted."""


def is_loopback(host: str | None) -> bool:
    """127.0.0.0/8, ::1 or ``localhost``."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def without_userinfo(url: str) -> str:
    """``url`` for a message: a password (or user name) in it is not repeated, and it is cut to
    80 characters."""
    parts = urlsplit(url)
    if "@" in parts.netloc:
        parts = parts._replace(netloc="…@" + parts.netloc.rsplit("@", 1)[1])
    text = parts.geturl()
    return text if len(text) <= 80 else text[:79] + "…"


def _parts(url: str) -> SplitResult:
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as err:
        raise UntrustedHost(f"the port of {url!r} is not a number") from err
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise UntrustedHost("a user name or password in the URL is not allowed")
    if parts.query or parts.fragment:
        raise UntrustedHost("a query or fragment is not allowed")
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UntrustedHost("expected an https:// URL")
    return parts


def _check(parts: SplitResult, known: dict[str, str], what: str) -> None:
    if is_loopback(parts.hostname):
        return  # a sandbox on this machine, over http or https, any port
    hosts = ", ".join(known)
    if parts.scheme != "https":
        raise UntrustedHost(f"plain http is only allowed to a loopback sandbox (127.0.0.1); {what} "
                            f"is one of {hosts} over https")
    if parts.hostname not in known or parts.netloc.lower() not in (parts.hostname, f"{parts.hostname}:443"):
        raise UntrustedHost(f"{what} must be one of Microsoft's: {hosts} (or a loopback sandbox), "
                            f"not {parts.netloc}")


def check_authority(url: str) -> str:
    """``url`` as ``scheme://host[:port]`` when it is a login host samtal may send the secret to;
    raises :class:`UntrustedHost` otherwise."""
    parts = _parts(url)
    if parts.path.strip("/"):
        raise UntrustedHost("expected the host only, such as https://login.microsoftonline.com "
                            "(the tenant is tenant.tenant_id)")
    _check(parts, LOGIN_HOSTS, "the login host")
    netloc = parts.netloc.lower()
    if parts.scheme == "https" and netloc.endswith(":443"):
        netloc = netloc[:-len(":443")]
    return f"{parts.scheme}://{netloc}"


def check_graph_url(url: str) -> str:
    """``url`` without a trailing ``/`` when it is a Graph base URL samtal may send the token
    to; raises :class:`UntrustedHost` otherwise."""
    parts = _parts(url)
    _check(parts, GRAPH_HOSTS, "the Graph host")
    return url.rstrip("/")


def cloud_mismatch(authority: str, graph_url: str) -> str | None:
    """Why a token from ``authority`` would not open ``graph_url`` (different clouds), or None."""
    login = LOGIN_HOSTS.get(urlsplit(authority).hostname or "")
    graph = GRAPH_HOSTS.get(urlsplit(graph_url).hostname or "")
    if login is None or graph is None or login == graph:
        return None
    wanted = ", ".join(h for h, cloud in LOGIN_HOSTS.items() if cloud == graph)
    return (f"the login host is the {login} cloud's but the Graph host is the {graph} cloud's; "
            f"tokens do not cross clouds: use https://{wanted.split(', ')[0]}")


def sandbox_mismatch(authority: str, graph_url: str) -> str | None:
    """Why a token from ``authority`` would never open ``graph_url`` because exactly one of them
    is a loopback sandbox, or None. Entra ID issues no token for a Graph on this machine, and a
    sandbox's token opens no Microsoft Graph; the usual cause is ``https://`` typed for a sandbox
    served over plain HTTP (which needs no login host at all)."""
    graph, login = urlsplit(graph_url), urlsplit(authority)
    if not is_loopback(graph.hostname) or graph.scheme != "https" or is_loopback(login.hostname):
        if is_loopback(login.hostname) and not is_loopback(graph.hostname):
            return ("the login host is a sandbox on this machine but the Graph host is not; a "
                    "sandbox's tokens open only that sandbox")
        return None
    return (f"https:// on {graph.netloc} is a sandbox served with --https, which takes its token "
            f"from the sandbox too: set tenant.authority: https://{graph.netloc}; a sandbox served "
            f"without --https is http://{graph.netloc}{graph.path}")
