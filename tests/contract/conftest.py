"""Contract tests: Graph calls held against the shapes Microsoft documents (tests/contract/README.md).

A *contract* is one YAML file under ``shapes/<area>/<call>.yaml``: the Learn page(s), the method
and path template, the query options and request body samtal may send, and the shape of the
answer it parses. Helpers here:

- :func:`contract` loads one, :func:`all_contracts` loads every one, :func:`match` finds the
  contract for a method and URL;
- :func:`check_request` holds a request samtal sent (a ``requests.PreparedRequest`` captured with
  ``responses``, or a :class:`Exchange` recorded on the sandbox) against its contract: path,
  query options, headers, and the body (closed: a property the contract does not name is a
  problem, so samtal never sends what Graph does not document);
- :func:`check_answer` holds a JSON answer against the contract's ``answer`` shape (open: extra
  properties are allowed; required ones must be there, with their types);
- :class:`Recorder`, a ``requests`` session that records every exchange (``$batch`` items one
  by one), so the same checks run on the sandbox's real answers.

The shape language (README): a type name (``string``, ``integer``, ``number``, ``boolean``,
``null``, ``any``, ``object``, ``array``, ``timestamp``, ``localDateTime``, ``time``), unions
with ``|``, ``enum:a,b`` (exact, case-sensitive), ``T[]`` (array of T), ``$name`` (a shape from
``shapes/_common.yaml``), a mapping (an object; a key ending in ``!`` is required, ``"*"`` gives
the shape of properties not named) or a one-element list (an array of that shape).
"""
from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
import requests
import yaml

SHAPES = Path(__file__).with_name("shapes")
COMMON = SHAPES / "_common.yaml"
_SCALARS = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "any": lambda v: True,
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    # DateTimeOffset, always UTC with a Z: "2017-04-15T03:00:50.7579581Z"
    "timestamp": lambda v: isinstance(v, str) and re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?Z", v) is not None,
    # dateTimeTimeZone.dateTime: wall-clock time without an offset, "2017-04-15T11:00:00.0000000"
    "localDateTime": lambda v: isinstance(v, str) and re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,7})?)?", v) is not None,
    # TimeOfDay: "08:00:00.0000000"
    "time": lambda v: isinstance(v, str) and re.fullmatch(r"\d\d:\d\d(:\d\d(\.\d{1,7})?)?", v) is not None,
}
_REQUIRED_KEYS = ("docs", "method", "path", "answer")


class ContractError(AssertionError):
    """A request or answer that does not keep its contract; the message lists every problem."""


# ---------------------------------------------------------------------------------- loading
@dataclass(frozen=True)
class Contract:
    """One documented call. ``name`` is ``<area>/<call>``, the file's place under ``shapes/``."""

    name: str
    docs: tuple[str, ...]
    method: str
    path: str
    query: Mapping[str, Any]
    headers: Mapping[str, Any]
    request: Any
    status: tuple[int, ...]
    answer: Any
    example: Any
    raw: Mapping[str, Any] = field(repr=False)

    @property
    def route(self) -> str:
        return f"{self.method} {self.path}"

    def matches(self, method: str, path: str) -> bool:
        return method.upper() == self.method and _template(self.path).fullmatch(path) is not None


@lru_cache(maxsize=None)
def _template(path: str) -> re.Pattern[str]:
    """``/users/{user}/events/{event}`` as a regex over a decoded path: ``{name}`` is one segment,
    ``{name*}`` any run of segments (an OneDrive path), ``:`` and the rest literal."""
    out, pos = "", 0
    for m in re.finditer(r"\{(\w+)(\*?)\}", path):
        out += re.escape(path[pos:m.start()]) + (".+" if m.group(2) else "[^/]+")
        pos = m.end()
    return re.compile(out + re.escape(path[pos:]), re.IGNORECASE)


@lru_cache(maxsize=None)
def common_shapes() -> dict[str, Any]:
    """The shared shapes: ``_common.yaml`` and every other ``shapes/_*.yaml`` (one per area's
    resources, e.g. ``_files.yaml``); a name given twice is an error."""
    data: dict[str, Any] = {}
    for path in [COMMON, *sorted(p for p in SHAPES.glob("_*.yaml") if p != COMMON)]:
        part = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        assert isinstance(part, dict), f"{path}: a mapping of shape names"
        twice = set(part) & set(data)
        assert not twice, f"{path}: shapes named elsewhere too: {sorted(twice)}"
        data.update(part)
    return data


def _load(path: Path) -> Contract:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    name = path.relative_to(SHAPES).with_suffix("").as_posix()
    if not isinstance(data, dict):
        raise ContractError(f"{name}: a contract is a mapping")
    missing = [k for k in _REQUIRED_KEYS if k not in data]
    if missing:
        raise ContractError(f"{name}: missing {', '.join(missing)}")
    docs = data["docs"] if isinstance(data["docs"], list) else [data["docs"]]
    if not docs or not all(isinstance(d, str) and d.startswith("https://") for d in docs):
        raise ContractError(f"{name}: docs must name the Microsoft page(s) as https URLs")
    status = data.get("status", [200])
    return Contract(
        name=name, docs=tuple(docs), method=str(data["method"]).upper(), path=str(data["path"]),
        query=data.get("query") or {}, headers=data.get("headers") or {}, request=data.get("request"),
        status=tuple(status if isinstance(status, list) else [status]), answer=data["answer"],
        example=data.get("example"), raw=data)


def all_contracts() -> list[Contract]:
    """Every contract under ``shapes/`` (files whose name starts with ``_`` are shared shapes)."""
    return [_load(p) for p in sorted(SHAPES.rglob("*.yaml")) if not p.name.startswith("_")]


def contract(name: str) -> Contract:
    """The contract ``<area>/<call>`` (``shapes/<area>/<call>.yaml``)."""
    return _load(SHAPES / f"{name}.yaml")


def graph_path(url: str, graph_url: str) -> str:
    """The decoded Graph path of ``url`` (no query), relative to ``graph_url``; a user addressed
    by key (``/users('$x@y')``) as ``/users/$x@y``. URLs outside Graph map to the placeholders
    contracts use for them: ``{uploadUrl}``, ``{downloadUrl}`` (the sandbox serves those under
    ``/_upload/`` and ``/_download/``), else ``{external}``."""
    path = unquote(urlsplit(url).path)
    base = urlsplit(graph_url).path.rstrip("/")
    if url.startswith(graph_url.rstrip("/") + "/") or (url.startswith("/") and not url.startswith("/_")):
        rel = path[len(base):] if path.startswith(base + "/") else path
        return re.sub(r"^/users\('(.*)'\)", lambda m: "/users/" + m.group(1).replace("''", "'"), rel)
    if path.startswith("/_upload/"):
        return "{uploadUrl}"
    if path.startswith("/_download/"):
        return "{downloadUrl}"
    return "{external}"


def match(method: str, path: str, contracts: list[Contract] | None = None) -> Contract | None:
    """The contract for ``method path`` (a decoded Graph path); the most specific one (fewest
    placeholders) when several templates fit, so ``/users/{user}/manager`` wins over
    ``/users/{user}/{x}``."""
    found = [c for c in (contracts if contracts is not None else all_contracts()) if c.matches(method, path)]
    found.sort(key=lambda c: c.path.count("{"))
    return found[0] if found else None


# ---------------------------------------------------------------------------------- shapes
def problems(value: Any, shape: Any, where: str = "$", *, closed: bool = False) -> list[str]:
    """What is wrong with ``value`` against ``shape``; empty when it fits. ``closed`` objects
    allow no property the shape does not name (for requests samtal sends)."""
    if isinstance(shape, str):
        return _type_problems(value, shape, where, closed)
    if isinstance(shape, list):
        if len(shape) != 1:
            return [f"{where}: bad shape (a list shape has one element)"]
        if not isinstance(value, list):
            return [f"{where}: expected an array, got {_kind(value)}"]
        out: list[str] = []
        for i, item in enumerate(value):
            out += problems(item, shape[0], f"{where}[{i}]", closed=closed)
        return out
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return [f"{where}: expected an object, got {_kind(value)}"]
        out = []
        named: dict[str, tuple[Any, bool]] = {}
        for key, sub in shape.items():
            required = key.endswith("!") and key != "*"
            named[key[:-1] if required else key] = (sub, required)
        extra = named.pop("*", None)
        for key, (sub, required) in named.items():
            if key not in value:
                if required:
                    out.append(f"{where}.{key}: required, missing")
                continue
            out += problems(value[key], sub, f"{where}.{key}", closed=closed)
        for key, item in value.items():
            if key in named:
                continue
            if extra is not None:
                out += problems(item, extra[0], f"{where}.{key}", closed=closed)
            elif closed:
                out.append(f"{where}.{key}: not in the documented shape")
        return out
    return [f"{where}: bad shape {shape!r}"]


def _type_problems(value: Any, text: str, where: str, closed: bool) -> list[str]:
    options = [t.strip() for t in text.split("|")]
    tried: list[str] = []
    for option in options:
        if option.endswith("[]"):
            found = problems(value, [option[:-2]], where, closed=closed)
            if not found or len(options) == 1:
                return found
            tried.append(option)
            continue
        if option.startswith("enum:"):
            allowed = [a.strip() for a in option[5:].split(",")]
            if value in allowed:
                return []
            tried.append(f"one of {allowed}")
            continue
        if option.startswith("$"):
            shared = common_shapes().get(option[1:])
            if shared is None:
                return [f"{where}: unknown shared shape {option}"]
            found = problems(value, shared, where, closed=closed)
            if not found or len(options) == 1:
                return found
            tried.append(option)
            continue
        check = _SCALARS.get(option)
        if check is None:
            return [f"{where}: unknown type {option!r}"]
        if check(value):
            return []
        tried.append(option)
    return [f"{where}: expected {' or '.join(tried)}, got {_kind(value)} {_short(value)}"]


def _kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
            int: "an integer", float: "a number", type(None): "null"}.get(type(value), type(value).__name__)


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


# ---------------------------------------------------------------------------------- checks
@dataclass
class Exchange:
    """One request and its answer, as sent on the wire (``via_batch``: an item of a ``$batch``)."""

    method: str
    url: str
    headers: dict[str, str]
    body: Any  # the JSON body, raw bytes, or None
    status: int = 0
    answer: Any = None  # the JSON answer, or None
    via_batch: bool = False

    @classmethod
    def of(cls, request: requests.PreparedRequest) -> Exchange:
        return cls(str(request.method), str(request.url), dict(request.headers), _json_or_bytes(request.body))


def _is_content(item: dict[str, Any]) -> bool:
    """Whether a ``$batch`` item sends a body that is not JSON (it names another Content-Type)."""
    headers = {str(k).lower(): str(v) for k, v in (item.get("headers") or {}).items()}
    return "content-type" in headers and not headers["content-type"].startswith("application/json")


def _json_or_bytes(body: Any) -> Any:
    if body is None or body == b"" or body == "":
        return None
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def request_problems(c: Contract, sent: Exchange, graph_url: str) -> list[str]:
    """What is wrong with ``sent`` against ``c``'s method, path, query, headers and body."""
    out: list[str] = []
    path = graph_path(sent.url, graph_url)
    if not c.matches(sent.method, path):
        out.append(f"{sent.method} {path} is not {c.route}")
    documented = {k.rstrip("!"): v for k, v in c.query.items()}
    sent_query = dict(parse_qsl(urlsplit(sent.url).query, keep_blank_values=True))
    for key, value in sent_query.items():
        if key not in documented:
            out.append(f"query option {key} is not in the contract")
        else:
            out += problems(_query_value(value), documented[key], f"query.{key}")
    for key in c.query:
        if key.endswith("!") and key[:-1] not in sent_query:
            out.append(f"query option {key[:-1]}: required, missing")
    lowered = {k.lower(): v for k, v in sent.headers.items()}
    for key, shape in c.headers.items():
        name = key.rstrip("!").lower()
        if name in lowered:
            out += problems(lowered[name], shape, f"header {key.rstrip('!')}")
        elif key.endswith("!"):
            out.append(f"header {key[:-1]}: required, missing")
    if c.raw.get("encoding") == "form":  # application/x-www-form-urlencoded (the token endpoint)
        raw = sent.body if isinstance(sent.body, bytes) else b""
        form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        return out + problems(form, c.request, "form", closed=True)
    if c.request is None:
        if sent.body is not None:
            out.append("a body was sent; the contract documents none")
    elif sent.body is None:
        out.append("no body was sent; the contract documents one")
    elif isinstance(sent.body, bytes):
        if c.request != "bytes":
            out.append("a non-JSON body was sent; the contract documents JSON")
    else:
        out += problems(sent.body, c.request, "body", closed=True)
        if c.raw.get("dependsOn") == "parallel|serial|same":
            out += dependency_problems(sent.body)
    return out


def dependency_problems(body: Any) -> list[str]:
    """A ``$batch`` body against Graph's rule for ``dependsOn``: each item depends on at most one
    other, earlier in the array, and the batch is parallel (no item has ``dependsOn``), serial
    (every item but the first on the one before it) or same (every item but the first on the
    first); a mix is refused, 400 "Batch should be either fully sequential or fully parallel"
    (https://learn.microsoft.com/graph/known-issues#json-batching;
    https://github.com/microsoftgraph/microsoft-graph-docs/issues/16280)."""
    items = body.get("requests") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        return []
    ids = [str(i.get("id", "")).lower() for i in items]
    deps = [[str(d).lower() for d in i.get("dependsOn") or []] for i in items]
    if not any(deps):
        return []
    out = [f"body.requests[{n}].dependsOn: {len(d)} dependencies, Graph takes one"
           for n, d in enumerate(deps) if len(d) > 1]
    out += [f"body.requests[{n}].dependsOn: {d[0]!r} is not an earlier item"
            for n, d in enumerate(deps) if len(d) == 1 and d[0] not in ids[:n]]
    serial = not deps[0] and all(d == [ids[n]] for n, d in enumerate(deps[1:]))
    same = not deps[0] and all(d == [ids[0]] for d in deps[1:])
    if not (serial or same):
        out.append("body.requests: dependsOn neither serial nor all on the first item (Graph: "
                   "\"Batch should be either fully sequential or fully parallel\")")
    return out


def _query_value(text: str) -> Any:
    return int(text) if re.fullmatch(r"-?\d+", text) else text


def check_request(c: Contract, sent: requests.PreparedRequest | Exchange,
                  graph_url: str = "https://graph.microsoft.com/v1.0") -> None:
    """Raise :class:`ContractError` unless ``sent`` keeps ``c`` (see :func:`request_problems`)."""
    exchange = sent if isinstance(sent, Exchange) else Exchange.of(sent)
    found = request_problems(c, exchange, graph_url)
    if found:
        raise ContractError(f"{c.name} ({c.docs[0]}): the request breaks its contract:\n  " + "\n  ".join(found))


def answer_problems(c: Contract, answer: Any, status: int | None = None) -> list[str]:
    out = []
    if status is not None and status not in c.status:
        out.append(f"status {status}, the contract documents {list(c.status)}")
    return out + problems(answer, c.answer, "answer")


def check_answer(c: Contract, answer: Any, status: int | None = None) -> None:
    """Raise :class:`ContractError` unless ``answer`` (JSON) has ``c``'s answer shape: every
    required property, every named property of its type; extra properties are allowed."""
    found = answer_problems(c, answer, status)
    if found:
        raise ContractError(f"{c.name} ({c.docs[0]}): the answer breaks its contract:\n  " + "\n  ".join(found))


def check_sandbox_answer(c: Contract, exchange: Exchange) -> None:
    """:func:`check_answer` on an answer the sandbox gave to a request samtal made."""
    check_answer(c, exchange.answer, exchange.status)


# ---------------------------------------------------------------------------------- recording
class Recorder(requests.Session):
    """A session that keeps every exchange (thread-safe); a ``$batch`` is kept as the envelope
    and as one :class:`Exchange` per item, with the item's own answer."""

    def __init__(self) -> None:
        super().__init__()
        self.exchanges: list[Exchange] = []
        self._lock = threading.Lock()

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        resp = super().request(method, url, *args, **kwargs)
        sent = Exchange.of(resp.request)
        sent.status = resp.status_code
        sent.answer = _json_or_bytes(resp.content) if "json" in resp.headers.get("Content-Type", "") else None
        items = []
        if sent.method == "POST" and urlsplit(sent.url).path.endswith("/$batch") and isinstance(sent.body, dict):
            answers = {}
            if isinstance(sent.answer, dict):
                answers = {str(r.get("id")): r for r in sent.answer.get("responses", []) if isinstance(r, dict)}
            for item in sent.body.get("requests", []):
                got = answers.get(str(item.get("id")), {})
                body, answer = item.get("body"), got.get("body")
                if _is_content(item) and isinstance(body, str):
                    # a non-JSON body goes base64 in a batch, and its JSON answer comes back so too
                    body = base64.b64decode(body)
                    if isinstance(answer, str) and "json" in str((got.get("headers") or {}).get("Content-Type", "")):
                        answer = json.loads(base64.b64decode(answer))
                items.append(Exchange(str(item.get("method")), str(item.get("url")), dict(item.get("headers") or {}),
                                      body, int(got.get("status") or 0), answer, via_batch=True))
        with self._lock:
            self.exchanges.append(sent)
            self.exchanges.extend(items)
        return resp

    def graph(self, graph_url: str) -> Iterator[tuple[str, Exchange]]:
        """``(decoded path, exchange)`` for every recorded exchange; ``$batch`` items' relative
        URLs are read against ``graph_url``."""
        with self._lock:
            recorded = list(self.exchanges)
        for ex in recorded:
            url = graph_url.rstrip("/") + ex.url if ex.via_batch else ex.url
            yield graph_path(url, graph_url), ex


# ---------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="session")
def contracts() -> list[Contract]:
    return all_contracts()


GRAPH = "https://graph.microsoft.com/v1.0"


@pytest.fixture()
def rsps() -> Iterator[Any]:
    """``responses`` for the connector tests of this folder (every request must be expected)."""
    import responses

    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture()
def graph_http() -> Any:
    """A :class:`~connectors.graph.http.GraphHttp` on :data:`GRAPH` that never sleeps."""
    from connectors.graph.auth import StaticTokenProvider
    from connectors.graph.http import GraphHttp
    from connectors.graph.retry import RetryPolicy

    return GraphHttp(GRAPH, StaticTokenProvider("contract-test-token"), requests.Session(),
                     policy=RetryPolicy(max_attempts=1), sleep=lambda s: None)


def sent(rsps: Any, index: int = -1) -> requests.PreparedRequest:
    """The request ``responses`` saw at ``index`` (the last by default)."""
    request: requests.PreparedRequest = rsps.calls[index].request
    return request
