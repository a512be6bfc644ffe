"""One redaction helper for everything samtal logs or puts in an error message.

Logs carry what an operator needs (method, object ids, status, request-id) and nothing else:
no tokens, no secrets, no query values, no names from drive paths, no e-mail addresses, no
pre-authenticated upload or download URLs.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import unquote, urlsplit

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


# ---------------------------------------------------------------------------- trace paths
#
# A trace (connectors/graph/trace.py) goes to people outside the organisation, so its paths keep
# Graph's own words and nothing of the tenant: every id, address, name and query value becomes a
# placeholder. What is kept is a short list of Graph's path words; anything else is replaced,
# so a word missing from the list costs readability, never privacy.

#: Collections whose next segment is one member's id (or address, or name): the placeholder
#: names the kind (``/users/{user}/events/{event}``).
_MEMBER_OF = {
    "users": "user", "groups": "group", "directoryobjects": "object", "contacts": "contact",
    "events": "event", "calendars": "calendar", "instances": "event", "messages": "message",
    "mailfolders": "folder", "drives": "drive", "items": "item", "sites": "site", "lists": "list",
    "columns": "column", "contenttypes": "contenttype", "permissions": "permission",
    "versions": "version", "shares": "share", "subscriptions": "subscription",
    "thumbnails": "thumbnail", "attachments": "attachment", "uploadsessions": "session",
}
#: Graph's path words samtal (or a common SDK) uses that are not members' ids; ``root`` and
#: ``me`` stand for a member but are Graph's own aliases.
_GRAPH_WORDS = frozenset(w.lower() for w in (
    "v1.0", "beta", "$batch", "$value", "$count", "$ref", "root", "me", "manager", "directReports",
    "memberOf", "calendar", "calendarView", "getSchedule", "findMeetingTimes", "mailboxSettings",
    "sendMail", "send", "cancel", "accept", "decline", "tentativelyAccept", "forward", "permanentDelete",
    "dismissReminder", "snoozeReminder", "drive", "children", "content", "invite", "grant",
    "createUploadSession", "createLink", "delta", "driveItem", "fields", "list", "copy", "restore",
    "search", "preview", "checkin", "checkout", "followup", "getByPath", "sitePage", "analytics",
    "organization", "servicePrincipals", "applications", "contentTypes", "columns", "lists", "items",
    "users", "groups", "directoryObjects", "contacts", "events", "calendars", "instances",
    "messages", "mailFolders", "drives", "sites", "permissions", "versions", "shares",
    "subscriptions", "thumbnails", "attachments", "uploadSessions", "extensions", "photo",
))
#: Query options whose values are Graph's own words once their literals are taken out.
_SCRUBBED_OPTIONS = frozenset({"$select", "$expand", "$filter", "$orderby", "$search", "$top",
                               "$count", "$levels", "$skip", "$format",
                               "@microsoft.graph.conflictbehavior"})
_ODATA_STRING = re.compile(r"'(?:[^']|'')*'")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_GUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
_NUMBER = re.compile(r"(?<![\w$.{])[-+]?\d+(?:\.\d+)?(?![\w}])")
_DATE_TIME = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?\b")
_QUERY_KEY = re.compile(r"^[$@]?[A-Za-z][A-Za-z0-9_.-]{0,63}$")
_PATH_ADDRESS = re.compile(r":/[^:?#]*(:?)")  # ``root:/a/b.docx:`` and ``host:/sites/hr``
_CALL = re.compile(r"^([A-Za-z$][A-Za-z0-9.$]*)\((.*)\)$")
PREAUTHENTICATED = "{preauthenticated-url}"


def placeholder_path(url: str, base_url: str = "") -> str:
    """``url`` as a trace shows it: relative to ``base_url`` (the Graph root), with every id,
    address, name and query value replaced by a placeholder.

    ``/users/asa.oberg@contoso.se/drive/root:/Medarbetarsamtal/Åsa Öberg:/children?$top=5&$filter=name eq 'x'``
    becomes ``/users/{user}/drive/root:/{path}:/children?$top=5&$filter=name eq '{value}'``.
    A URL outside ``base_url`` (a pre-authenticated upload or download URL) becomes
    :data:`PREAUTHENTICATED` whole.
    """
    parts = urlsplit(url)
    path = parts.path
    if parts.netloc:
        base = urlsplit(base_url) if base_url else None
        if base is None or (parts.scheme, parts.netloc.lower()) != (base.scheme, base.netloc.lower()) \
                or not (path == base.path or path.startswith(base.path.rstrip("/") + "/")):
            return PREAUTHENTICATED
        path = path[len(base.path.rstrip("/")):]
    # Path addressing spans slashes: ``root:/a/b:`` is one token before the path is cut up.
    path = _PATH_ADDRESS.sub(lambda m: ":{path}" + m.group(1), path)
    shown: list[str] = []
    previous = ""
    for raw in path.split("/"):
        base_part, colon, rest = raw.partition(":")
        word = unquote(base_part)
        segment = _segment(word, previous) if raw else ""
        if colon:  # only path addressing may follow a colon; anything else goes whole
            segment = segment + ":/" + rest if rest in ("{path}", "{path}:") else "{name}"
        shown.append(segment)
        previous = word.lower()
    out = "/".join(shown)
    if parts.query:
        out += "?" + "&".join(_query_part(p) for p in parts.query.split("&") if p)
    return out


def _segment(segment: str, previous: str) -> str:
    call = _CALL.match(segment)
    if call:  # ``lists('…')`` or ``delta(token='…')``: the word stays, its arguments go
        word = call.group(1)
        return (word if word.lower() in _GRAPH_WORDS else "{name}") + "({value})"
    kind = _MEMBER_OF.get(previous)
    if kind is not None and segment.lower() not in ("root", "me", "delta"):
        return "{" + kind + "}"
    return segment if segment.lower() in _GRAPH_WORDS else "{name}"


def _query_part(part: str) -> str:
    key, sep, value = part.partition("=")
    key = unquote(key)
    if not _QUERY_KEY.match(key):
        return "{key}" + ("={value}" if sep else "")
    if not sep:
        return key
    if key.lower() not in _SCRUBBED_OPTIONS:
        return f"{key}={{value}}"
    return f"{key}={scrub_literals(unquote(value))}"


def scrub_literals(expression: str) -> str:
    """An OData expression with every literal taken out: strings (``'…'``, ``"…"``), GUIDs,
    dates and numbers (except ``$top``-like bare counts, which carry no tenant data anyway)."""
    text = _ODATA_STRING.sub("'{value}'", expression)
    text = _QUOTED.sub('"{value}"', text)
    text = _GUID.sub("{guid}", text)
    text = _DATE_TIME.sub("{date}", text)
    if not re.fullmatch(r"\d+", text):  # a bare count ($top=5) stays
        text = _NUMBER.sub("{n}", text)
    return text
