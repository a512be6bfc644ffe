"""One redaction helper for everything samtal logs or puts in an error message.

Logs carry what an operator needs (method, object ids, status, request-id) and nothing else:
no tokens, no secrets, no query values, no names from drive paths, no e-mail addresses, no
pre-authenticated upload or download URLs.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

_EMAIL = re.compile(r"[^/?#:@\s]+@[^/?#:\s]+")
_DRIVE_PATH = re.compile(r":/[^:]*:?")  # OneDrive path addressing: root:/Folder/Name.docx:
SENSITIVE_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "proxy-authorization"})
SENSITIVE_KEYS = frozenset({"access_token", "client_secret", "secret", "password", "passphrase",
                            "private_key", "client_assertion", "refresh_token", "id_token"})


def redact_path(url: str) -> str:
    """The path of ``url`` with names, addresses and query values removed.

    ``https://graph.microsoft.com/v1.0/drives/b!x/root:/Medarbetarsamtal/Åsa Öberg:/children?$top=5``
    becomes ``/v1.0/drives/b!x/root:/…:/children?$top``.
    """
    parts = urlsplit(url)
    path = parts.path or "/"
    if "/v1.0" not in path and "/beta" not in path and parts.netloc and not path.startswith("/_"):
        return f"{parts.scheme}://{parts.netloc}/…"  # a pre-authenticated URL: show no part of it
    path = _DRIVE_PATH.sub(lambda m: ":/…:" if m.group(0).endswith(":") else ":/…", path)
    path = _EMAIL.sub("…@…", path)
    if parts.query:
        keys = [p.split("=", 1)[0] for p in parts.query.split("&") if p]
        path += "?" + "&".join(k for k in keys if k.lower() not in SENSITIVE_KEYS)
    return path


def redact_mapping(data: Mapping[str, object]) -> dict[str, object]:
    """A copy of ``data`` with secret-looking keys replaced (for debug dumps)."""
    out: dict[str, object] = {}
    for key, value in data.items():
        if key.lower() in SENSITIVE_KEYS or key.lower() in SENSITIVE_HEADERS:
            out[key] = "***"
        elif isinstance(value, Mapping):
            out[key] = redact_mapping(value)
        else:
            out[key] = value
    return out
