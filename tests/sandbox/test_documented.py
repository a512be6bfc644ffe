"""docs/sandbox.md keeps up with the sandbox: every key the seed loader reads is in the seed
format (docs/sandbox.md#seed-format), its complete example loads and names every key, every
fault name is in the faults table, and the control routes the sandbox serves are exactly the
ones in the control routes table (docs/sandbox.md#control-routes), each answered as a route."""
from __future__ import annotations

import ast
import inspect
import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from connectors.sandbox import control, faults, mail, seed, seed_lists, seed_mail
from connectors.sandbox.app import Sandbox
from connectors.sandbox.seed import load_seed

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "sandbox.md").read_text(encoding="utf-8")


def section(heading: str) -> str:
    """The text under ``## heading`` up to the next ``## `` heading."""
    start = DOC.index(f"\n## {heading}\n")
    end = DOC.find("\n## ", start + 1)
    return DOC[start:end if end >= 0 else None]


def _keys_read(module: object) -> set[str]:
    """The keys a loader module reads from a seed: every ``.get("key")`` with a literal key."""
    tree = ast.parse(inspect.getsource(module))  # type: ignore[arg-type]
    return {node.args[0].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
            and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)}


def seed_keys() -> set[str]:
    keys = _keys_read(seed) | _keys_read(seed_lists) | set(seed._TENANT_KEYS) | set(seed._USER_KEYS)
    keys |= set(seed._APP_KEYS) | set(seed_mail._KEYS) | set(seed.VARIANTS)
    assert {"workingHours", "daysOfWeek", "showAs", "certificate_pem", "columns", "messagesPerMinute"} <= keys
    return keys


def test_every_key_the_seed_loader_reads_is_in_the_seed_format() -> None:
    text = section("Seed format") + section("Tenant and user variants")
    missing = sorted(k for k in seed_keys() if not re.search(rf"`{k}`|(?<![\w.]){k}:", text))
    assert missing == [], f"docs/sandbox.md#seed-format does not say: {missing}"


def _complete_example() -> str:
    part = DOC.split("### A complete example", 1)[1]
    found = re.search(r"```yaml\n(.*?)```", part, flags=re.DOTALL)
    assert found, "docs/sandbox.md#a-complete-example has no YAML block"
    return found.group(1)


def test_the_complete_example_loads_and_names_every_key() -> None:
    text = _complete_example()
    loaded = load_seed(yaml.safe_load(text))
    assert loaded["tenant"]["variants"] and loaded["sites"][0]["lists"]
    missing = sorted(k for k in seed_keys() if not re.search(rf"(?<![\w.]){k}:", text))
    assert missing == [], f"the complete example in docs/sandbox.md leaves out {missing}"


def test_every_variant_and_its_values_are_in_the_variants_tables() -> None:
    text = section("Tenant and user variants")
    for name, values in seed.VARIANTS.items():
        for value in values:
            assert re.search(rf"^\| (`{name}`)? *\| `{value}` \|", text, flags=re.MULTILINE), (name, value)
    for key, values in (("oneDrive", seed.ONE_DRIVE_VARIANTS), ("mailbox", seed.MAILBOX_VARIANTS)):
        for value in values:
            assert f"| `{key}: {value}` |" in text, (key, value)


def test_every_fault_is_in_the_faults_table() -> None:
    text = section("Faults")
    missing = [name for name in faults._RATES + faults._SCALARS if f"| `{name}` |" not in text]
    assert missing == []
    assert all(f"`{group}`" in text for group in faults.GROUPS)


# ---------------------------------------------------------------------------- control routes
def _template(path: str) -> str:
    """``/_sandbox/users/{upn or id}/manager?x=1`` → ``/_sandbox/users/{}/manager``."""
    return re.sub(r"\{[^}]*\}", "{}", path.split("?")[0])


def documented_routes() -> set[tuple[str, str]]:
    """(method, path template) of every row of docs/sandbox.md's control routes table
    (``GET|PUT`` rows give both)."""
    routes: set[tuple[str, str]] = set()
    for methods, path in re.findall(r"^\| `([A-Z|]+) (/_sandbox/[^` ]*)`", section("Control routes"), re.MULTILINE):
        routes |= {(m, _template(path)) for m in methods.split("|")}
    return routes


def served_routes() -> set[tuple[str, str]]:
    """(method, path template) of every route the control handlers answer, read from their
    source: ``parts == ["a", "b"] and method == "GET"`` and ``len(parts) == 3 and parts[0] ==
    "a" and parts[2] == "b" and method == "PUT"``."""
    source = inspect.getsource(control.handle) + inspect.getsource(mail.control)
    routes = set()
    for names, method in re.findall(r'parts == \[([^\]]*)\] and (?:req\.)?method == "(\w+)"', source):
        routes.add((method, "/_sandbox/" + "/".join(re.findall(r'"([^"]+)"', names))))
    for first, last, method in re.findall(
            r'len\(parts\) == 3 and parts\[0\] == "(\w+)" and parts\[2\] == "(\w+)" and method == "(\w+)"', source):
        routes.add((method, f"/_sandbox/{first}/{{}}/{last}"))
    # mail.control answers every other three-part GET under mailboxes/ as a folder of a person
    assert 'len(parts) != 3 or req.method != "GET"' in source
    routes.add(("GET", "/_sandbox/mailboxes/{}/{}"))
    return routes


def test_the_control_routes_table_is_every_route_the_sandbox_serves() -> None:
    served, documented = served_routes(), documented_routes()
    assert len(served) >= 15, served  # the reading of the handlers' source still works
    assert sorted(served - documented) == [], "served, but not in docs/sandbox.md#control-routes"
    assert sorted(documented - served) == [], "in docs/sandbox.md#control-routes, but not served"


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    sandbox = Sandbox.from_seed(ROOT / "tests" / "sandbox" / "seed.yaml")
    with sandbox.serve(port=0) as server:
        yield str(server.url)


@pytest.mark.parametrize(("method", "path"), sorted(documented_routes()))
def test_every_documented_control_route_is_answered(base_url: str, method: str, path: str) -> None:
    """Called with placeholders, a route may refuse its arguments (400, 404 for an unknown user
    or item), but never as a route that does not exist."""
    url = base_url + path.replace("{}", "nobody")
    body = b"{}" if method in ("PUT", "POST") else None
    request = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            status, text = answer.status, answer.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as refused:
        status, text = refused.code, refused.read().decode("utf-8", "replace")
    message = json.loads(text).get("error", {}).get("message", "") if text.startswith("{") else ""
    assert "No control route" not in message, (method, path, status, message)
    assert status < 500, (method, path, status, text[:200])
