"""samtal parses what Microsoft documents, nothing more: the tour (tour.py) runs again with every
JSON answer of the sandbox cut down to the properties its contract names, as a tenant that
answers only what the Learn page documents would. A connector that needs a property the
sandbox adds but no contract documents fails a step here.

``test_coverage.py`` holds the sandbox's answers to the contracts (required properties there,
each of its type); this holds samtal's parsing to them from the other side.
"""
from __future__ import annotations

import base64
import json
import re
from typing import Any

import requests

from tests.contract.conftest import Recorder, _is_content, all_contracts, common_shapes, graph_path, match, problems
from tests.contract.tour import run_tour

_GRAPH = re.compile(r"^(https?://[^/]+/v1\.0)(/.*)?$")


def documented_part(value: Any, shape: Any) -> tuple[Any, int]:
    """``value`` with every property ``shape`` does not name taken out (recursively), and how many
    were. An alternative of a union is the first that ``value`` keeps; a value that keeps none is
    left as it is (the coverage test reports it)."""
    if isinstance(shape, list) and len(shape) == 1 and isinstance(value, list):
        cut = [documented_part(v, shape[0]) for v in value]
        return [v for v, _ in cut], sum(n for _, n in cut)
    if isinstance(shape, dict) and isinstance(value, dict):
        named = {k[:-1] if k.endswith("!") and k != "*" else k: sub for k, sub in shape.items()}
        extra = named.pop("*", None)
        out: dict[str, Any] = {}
        removed = 0
        for key, item in value.items():
            sub = named.get(key, extra)
            if key not in named and extra is None:
                removed += 1
                continue
            out[key], n = documented_part(item, sub)
            removed += n
        return out, removed
    if isinstance(shape, str):
        for option in (o.strip() for o in shape.split("|")):
            if problems(value, option):
                continue
            if option.endswith("[]"):
                return documented_part(value, [option[:-2]])
            if option.startswith("$"):
                return documented_part(value, common_shapes()[option[1:]])
            return value, 0
    return value, 0


class DocumentedOnly(Recorder):
    """A recording session whose callers see each JSON answer cut to its contract's properties
    (``$batch`` items each by their own contract). ``removed`` counts what was taken out."""

    def __init__(self) -> None:
        super().__init__()
        self.contracts = all_contracts()
        self.removed = 0

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        resp = super().request(method, url, *args, **kwargs)
        m = _GRAPH.match(str(url))
        if m is None or "json" not in resp.headers.get("Content-Type", "") or not resp.content:
            return resp
        graph_url = m.group(1)
        answer = json.loads(resp.content)
        if str(method).upper() == "POST" and (m.group(2) or "").startswith("/$batch"):
            sent = json.loads(resp.request.body or b"{}")
            asked = {str(r.get("id")): r for r in sent.get("requests", [])}
            for item in answer.get("responses", []):
                request = asked.get(str(item.get("id")), {})
                if not isinstance(item.get("body"), dict) or _is_content(request):
                    continue
                item["body"] = self._cut(str(request.get("method")), graph_url + str(request.get("url")),
                                         graph_url, item["body"])
        else:
            answer = self._cut(str(method), str(url), graph_url, answer)
        resp._content = json.dumps(answer).encode("utf-8")
        return resp

    def _cut(self, method: str, url: str, graph_url: str, answer: Any) -> Any:
        c = match(method, graph_path(url, graph_url), self.contracts)
        if c is None or "error" in (answer if isinstance(answer, dict) else {}):
            return answer
        cut, removed = documented_part(answer, c.answer)
        self.removed += removed
        return cut


def test_documented_part_keeps_what_a_shape_names() -> None:
    shape = {"id!": "string", "file": {"mimeType!": "string"}, "children": ["$identity"], "fields": {"*": "any"}}
    value = {"id": "1", "extra": 1, "file": {"mimeType": "x", "hashes": {}},
             "children": [{"id": "a", "displayName": None, "loginName": "l"}], "fields": {"Key": "k"}}
    assert documented_part(value, shape) == ({"id": "1", "file": {"mimeType": "x"},
                                              "children": [{"id": "a", "displayName": None}],
                                              "fields": {"Key": "k"}}, 3)
    assert documented_part({"a": 1, "b": 2}, "{\"a\": \"integer\"}|object") == ({"a": 1, "b": 2}, 0)


def test_every_connector_method_works_on_answers_with_only_the_documented_properties() -> None:
    session = DocumentedOnly()
    tour = run_tour(session=session)
    assert session.removed > 20, "nothing was taken out of the sandbox's answers: the test checks nothing"
    assert not tour.failures, ("connector methods that need more than the documented answer:\n"
                               + "\n".join(f"  {k}: {v}" for k, v in tour.failures.items()))
