"""Imports go one way: ``plugin/`` talks to Microsoft Graph only through ``connectors/``.

Every module is parsed with :mod:`ast` (nothing is imported or run) and held to three rules:

- ``plugin/`` never imports ``requests`` or ``msal`` (``import x``, ``import x.y``, ``from x import
  y``, ``from x.y import z``, ``__import__("x")``, ``importlib.import_module("x")``);
- ``plugin/`` never builds a Graph URL: no string in its code (docstrings are prose and are not
  counted) holds Graph's host (``graph.microsoft.com``), its version segment (``/v1.0``) or a
  resource path (``/users/``, ``/drives/``, or a string that starts one, such as ``"/users"``);
- ``connectors/`` never imports ``plugin``.

The checker is tested on small synthetic modules, so a rule that stopped seeing its violation
would fail here rather than pass silently.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GRAPH_CLIENTS = ("requests", "msal")
URL_PARTS = ("graph.microsoft.com", "/v1.0", "/users/", "/drives/")
PATH_STARTS = ("/users", "/drives", "/me/", "/$batch")


def _names_module(name: str, banned: tuple[str, ...]) -> bool:
    return any(name == b or name.startswith(b + ".") for b in banned)


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of the string nodes that are docstrings, or other bare strings standing as a
    statement (prose, not a value anything uses)."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            out.add(id(node.value))
    return out


def imported(tree: ast.AST) -> list[tuple[int, str]]:
    """Every module the code imports, with its line: statements, ``__import__`` and
    ``importlib.import_module`` with a literal name. Relative imports stay inside their package."""
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.lineno, node.module))
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in ("__import__", "import_module"):
                out.append((node.lineno, node.args[0].value))
    return out


def graph_urls(tree: ast.AST) -> list[tuple[int, str]]:
    """Strings in the code (f-string pieces too) that hold part of a Graph URL."""
    prose = _docstrings(tree)
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose:
            text = node.value
            if any(part in text for part in URL_PARTS) or text.startswith(PATH_STARTS):
                out.append((node.lineno, text))
    return out


def violations(source: str, layer: str, filename: str = "<module>") -> list[str]:
    """What in ``source`` breaks the rules of ``layer`` (``plugin`` or ``connectors``)."""
    tree = ast.parse(source, filename)
    found: list[str] = []
    if layer == "plugin":
        found += [f"{filename}:{line}: imports {name}" for line, name in imported(tree)
                  if _names_module(name, GRAPH_CLIENTS)]
        found += [f"{filename}:{line}: builds a Graph URL with {text!r}" for line, text in graph_urls(tree)]
    elif layer == "connectors":
        found += [f"{filename}:{line}: imports {name}" for line, name in imported(tree)
                  if _names_module(name, ("plugin",))]
    else:
        raise ValueError(f"unknown layer {layer!r}")
    return found


def modules(layer: str) -> list[Path]:
    return sorted((ROOT / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", ["plugin", "connectors"])
def test_every_module_keeps_to_its_layer(layer: str) -> None:
    files = modules(layer)
    assert len(files) > 10, f"no modules found under {layer}/"
    found = [v for path in files for v in violations(path.read_text(encoding="utf-8"), layer,
                                                        str(path.relative_to(ROOT)))]
    assert not found, "\n".join(found)


CLEAN_PLUGIN = '''
"""A docstring may say that Graph lives at https://graph.microsoft.com/v1.0/users/{id}."""
import json
from connectors.graph.client import GraphClient
from . import requests_helper  # a relative module whose name only looks alike
import requestsish

def f(client: GraphClient) -> str:
    """Reads /drives/{id} through the connector."""
    label = "users in the round"
    return json.dumps({"label": label, "path": "Medarbetarsamtal/2027"})
'''


def test_a_clean_synthetic_module_passes() -> None:
    assert violations(CLEAN_PLUGIN, "plugin") == []
    assert violations("from connectors.graph import errors\nfrom .batch import x\n", "connectors") == []


@pytest.mark.parametrize(("source", "what"), [
    ("import requests\n", "imports requests"),
    ("import requests.adapters as ra\n", "imports requests.adapters"),
    ("from requests import Session\n", "imports requests"),
    ("from requests.exceptions import HTTPError\n", "imports requests.exceptions"),
    ("import msal\n", "imports msal"),
    ("from msal import ConfidentialClientApplication\n", "imports msal"),
    ("def f():\n    import msal\n", "imports msal"),
    ("m = __import__('requests')\n", "imports requests"),
    ("import importlib\nm = importlib.import_module('msal')\n", "imports msal"),
    ("URL = 'https://graph.microsoft.com/v1.0'\n", "graph.microsoft.com"),
    ("def f(base):\n    return base + '/v1.0' + '/me'\n", "'/v1.0'"),
    ("def f(uid):\n    return f'/users/{uid}/events'\n", "'/users/'"),
    ("def f(d, i):\n    return f'/drives/{d}/items/{i}'\n", "'/drives/'"),
    ("def f(uid):\n    return '/users' + '/' + uid\n", "'/users'"),
    ("def f(uid):\n    return 'x' if uid else \"/drives\"\n", "'/drives'"),
])
def test_a_planted_violation_in_plugin_is_found(source: str, what: str) -> None:
    found = violations(source, "plugin", "plugin/planted.py")
    assert found and all(v.startswith("plugin/planted.py:") for v in found), found
    assert any(what in v for v in found), found


@pytest.mark.parametrize("source", [
    "import plugin\n",
    "import plugin.records\n",
    "from plugin import reconcile\n",
    "from plugin.records import Record\n",
    "def f():\n    from plugin.settings import Settings\n",
    "import importlib\nm = importlib.import_module('plugin.talks')\n",
])
def test_a_planted_plugin_import_in_connectors_is_found(source: str) -> None:
    found = violations(source, "connectors", "connectors/planted.py")
    assert len(found) == 1 and "imports plugin" in found[0], found


def test_the_layers_own_rules_only() -> None:
    # connectors may use requests, msal and Graph's URLs: that is what they are for
    assert violations("import requests\nimport msal\nURL = 'https://graph.microsoft.com/v1.0/users/'\n",
                      "connectors") == []
