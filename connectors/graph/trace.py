"""``--trace FILE``: one JSON line per Graph exchange, with shapes, never values.

An administrator whose run fails on a real tenant can send the trace to whoever helps them
without sending personal data: a line says what was asked and what kind of answer came back,
not what the answer said. :class:`Tracer` is fed by :class:`connectors.graph.http.GraphHttp`
(the one place every exchange passes) and writes, per exchange::

    {"seq": 7, "at": "2027-01-20T08:00:01.123Z", "method": "GET",
     "path": "/users/{user}/events?$filter=… eq '{value}'", "status": 200, "ms": 41,
     "attempt": 1, "request_id": "…", "client_request_id": "…",
     "headers": {"retry-after": "3", "ratelimit-remaining": "120"},
     "body": "json", "shape": {"value": [{"id": "string", "start": {"dateTime": "string"}}]}}

- ``path`` is :func:`connectors.graph.redact.placeholder_path`: Graph's words stay, every id,
  address, name and query value is a placeholder; a pre-authenticated URL is
  ``{preauthenticated-url}`` whole.
- ``shape`` is :func:`shape_of` the JSON answer: property names and the kinds of their values
  (``string``, ``number``, ``boolean``, ``null``, an object, an array as the union of its items'
  shapes). No string, number or date of the answer is copied. A property name that does not
  look like a schema word (an address, a GUID, a name with spaces) is ``{key}``.
- ``headers`` keeps only Graph's ``Retry-After`` and ``RateLimit-*``; request headers (the
  bearer token among them) are never written. ``error_code`` is Graph's error code of an
  error answer (a word from Microsoft's vocabulary, such as ``ErrorAccessDenied``), never its
  message.
- A ``$batch`` envelope has its own line (``batch_items``: how many, its shape without the items'
  bodies) and each item answered inside it a line of its own with ``batch``: the envelope's
  ``seq``, ``item`` (samtal's own item id within the batch), the item's method and path, status,
  headers and shape, as if it had been sent alone.
- Retries are exchanges too: each attempt has its line (``attempt``); an attempt that got no
  answer has ``status`` null and ``error`` (the exception's class name).

:func:`recording` makes a tracer the process's active one; :func:`active` is what
:func:`connectors.graph.client.connect` gives a new client when none is passed. The trace file
is written with permissions 0600 and replaced on each run. :mod:`connectors.graph.trace_shapes`
compares two traces' shapes (a real tenant's with the sandbox's, say).
"""
from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from connectors.graph.redact import placeholder_path

#: Response headers a trace keeps: throttling and budgets (docs/graph.md#throttling-and-errors).
TRACED_HEADERS = ("retry-after", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset")
_SCHEMA_KEY = re.compile(r"^[@$#]?[A-Za-z_][A-Za-z0-9_.@$#-]{0,99}$")
_GUIDISH = re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}")
_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_.]{0,79}$")
_TOKENISH = re.compile(r"^[A-Za-z0-9-]{1,64}$")  # request ids: GUIDs in practice

Shape = Any  # str | dict[str, Shape] | list[Shape] | {"anyOf": [Shape, ...]}
_PRIMITIVES = ("boolean", "null", "number", "string")


def shape_of(value: Any) -> Shape:
    """The shape of a JSON value: ``"string"``, ``"number"``, ``"boolean"``, ``"null"``; an
    object as ``{name: shape}``; an array as ``[]`` (empty) or ``[shape]``, the union of its
    items' shapes. Different kinds in one place make a union: primitives as ``"null|string"``,
    mixed structures as ``{"anyOf": [...]}``."""
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return {_key(k): shape_of(v) for k, v in value.items()} if value else {}
    if isinstance(value, (list, tuple)):
        merged: Shape | None = None
        for item in value:
            merged = shape_of(item) if merged is None else union(merged, shape_of(item))
        return [] if merged is None else [merged]
    return "string"  # nothing else comes out of JSON


def _key(name: Any) -> str:
    """A property name as it may appear in a trace: a schema word, or ``{key}``."""
    text = str(name)
    if not _SCHEMA_KEY.match(text) or _GUIDISH.search(text):
        return "{key}"
    _, at, after = text.lstrip("@").partition("@")
    if at and not after.startswith(("odata.", "microsoft.graph.")):  # an address, not an annotation
        return "{key}"
    return text


def _members(shape: Shape) -> list[Shape]:
    if isinstance(shape, dict) and set(shape) == {"anyOf"} and isinstance(shape["anyOf"], list):
        return list(shape["anyOf"])
    if isinstance(shape, str):
        return list(shape.split("|"))
    return [shape]


def union(a: Shape, b: Shape) -> Shape:
    """The shape of a place that held a value of shape ``a`` once and ``b`` another time."""
    if a == b:
        return a
    kinds: set[str] = set()
    obj: dict[str, Shape] | None = None
    arr: list[Shape] | None = None
    for m in _members(a) + _members(b):
        if isinstance(m, str):
            kinds.add(m)
        elif isinstance(m, dict):
            if obj is None:
                obj = dict(m)
            else:
                for k, v in m.items():
                    obj[k] = union(obj[k], v) if k in obj else v
        elif isinstance(m, list):
            if arr is None or not arr:
                arr = list(m)
            elif m:
                arr = [union(arr[0], m[0])]
    parts: list[Shape] = []
    if kinds:
        parts.append("|".join(sorted(kinds)))
    if obj is not None:
        parts.append(obj)
    if arr is not None:
        parts.append(arr)
    return parts[0] if len(parts) == 1 else {"anyOf": parts}


class Tracer:
    """Writes one JSON line per exchange to ``path`` (thread-safe). Close it when done."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._out: IO[str] = os.fdopen(fd, "w", encoding="utf-8")
        self._lock = threading.Lock()
        self._seq = 0
        self.lines = 0

    def close(self) -> None:
        with self._lock:
            self._out.close()

    def exchange(self, method: str, url: str, base_url: str, *, status: int | None, ms: float,
                 attempt: int, sent_id: str | None = None, headers: Mapping[str, str] | None = None,
                 body: Any = None, content: bytes = b"", sent: Any = None, error: str | None = None) -> None:
        """One exchange: the request (``method``, ``url``, its ``client-request-id`` ``sent_id``,
        the JSON ``sent``) and its answer (``status`` with lower-case ``headers`` and the parsed
        ``body``; or ``error``)."""
        headers = headers or {}
        line: dict[str, Any] = {"method": method.upper(), "path": placeholder_path(url, base_url),
                                "status": status, "ms": round(ms), "attempt": attempt}
        if error is not None:
            line["error"] = error
        line.update(_answer(headers, body, content))
        if sent_id and _TOKENISH.match(sent_id):
            line["client_request_id"] = sent_id
        batch_items: list[tuple[dict[str, Any], dict[str, Any]]] = []
        if method.upper() == "POST" and line["path"] == "/$batch" and isinstance(body, Mapping):
            batch_items = _batch_items(sent, body)
            line["batch_items"] = len(batch_items)
            line["shape"] = shape_of(_without_bodies(body))
        with self._lock:
            if self._out.closed:
                return
            self._seq += 1
            envelope = self._seq
            self._write(dict(seq=envelope, **line))
            for request, answer in batch_items:
                self._seq += 1
                item_headers = {str(k).lower(): str(v) for k, v in (answer.get("headers") or {}).items()}
                status_value = answer.get("status")
                item: dict[str, Any] = {
                    "seq": self._seq, "batch": envelope, "item": _item_id(answer.get("id")),
                    "method": str(request.get("method", "")).upper(),
                    "path": placeholder_path(str(request.get("url", "")), base_url),
                    "status": status_value if isinstance(status_value, int) else None,
                }
                item.update(_answer(item_headers, answer.get("body"), b""))
                self._write(item)

    def _write(self, line: dict[str, Any]) -> None:
        at = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        line = {"seq": line.pop("seq"), "at": at, **line}
        self._out.write(json.dumps(line, ensure_ascii=False) + "\n")
        self._out.flush()
        self.lines += 1


def _answer(headers: Mapping[str, str], body: Any, content: bytes) -> dict[str, Any]:
    out: dict[str, Any] = {}
    value = headers.get("request-id")
    if value and _TOKENISH.match(value):
        out["request_id"] = value
    kept = {h: headers[h] for h in TRACED_HEADERS if h in headers and len(headers[h]) <= 64}
    if kept:
        out["headers"] = kept
    if body is None:
        out["body"] = "bytes" if content else "empty"
        if content:
            kind = headers.get("content-type", "").split(";")[0].strip()
            if re.fullmatch(r"[\w.+-]+/[\w.+-]+", kind):
                out["content_type"] = kind
        return out
    out["body"] = "json"
    code = _error_code(body)
    if code is not None:
        out["error_code"] = code
    out["shape"] = shape_of(body)
    return out


def _error_code(body: Any) -> str | None:
    err = body.get("error") if isinstance(body, Mapping) else None
    if not isinstance(err, Mapping):
        return None
    codes = [err.get("code")]
    node: Any = err
    for _ in range(8):
        node = node.get("innerError") or node.get("innererror") if isinstance(node, Mapping) else None
        if isinstance(node, Mapping):
            codes.append(node.get("code"))
    words = [c for c in codes if isinstance(c, str) and _CODE.match(c) and not c.isdigit()]
    return words[-1] if words else None


def _batch_items(sent: Any, body: Mapping[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(request, answer) of each item answered in a ``$batch`` envelope, by ``id``."""
    requests = sent.get("requests") if isinstance(sent, Mapping) else None
    asked = {str(r.get("id")): dict(r) for r in requests or [] if isinstance(r, Mapping)}
    out = []
    for answer in body.get("responses") or []:
        if isinstance(answer, Mapping):
            out.append((asked.get(str(answer.get("id")), {}), dict(answer)))
    return out


def _without_bodies(body: Mapping[str, Any]) -> dict[str, Any]:
    copy = dict(body)
    if isinstance(copy.get("responses"), list):
        copy["responses"] = [{k: v for k, v in r.items() if k != "body"} if isinstance(r, Mapping) else r
                             for r in copy["responses"]]
    return copy


def _item_id(value: Any) -> str | None:
    text = str(value) if value is not None else ""
    return text if re.fullmatch(r"[\w.-]{1,32}", text) else None


_active: Tracer | None = None
_active_lock = threading.Lock()


def active() -> Tracer | None:
    """The tracer :func:`recording` installed, if any."""
    return _active


@contextmanager
def recording(target: str | Path | Tracer) -> Iterator[Tracer]:
    """Trace every client connected while this block runs into ``target`` (a path or an open
    :class:`Tracer`), and close it at the end."""
    global _active
    tracer = target if isinstance(target, Tracer) else Tracer(target)
    with _active_lock:
        previous, _active = _active, tracer
    try:
        yield tracer
    finally:
        with _active_lock:
            _active = previous
        tracer.close()


def read_trace(path: str | Path) -> list[dict[str, Any]]:
    """The lines of a trace file (blank lines skipped)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]
