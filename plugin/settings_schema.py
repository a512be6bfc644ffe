"""Reading a YAML file against a table of dotted keys, keeping every problem with its line.

The campaign file is composed (``yaml.compose``), not loaded, so every value keeps the line and
column it came from. :func:`read_tree` walks the node tree against a schema, a mapping from dotted
keys (``meetings.duration_minutes``) to :class:`Leaf` parsers; every prefix of a schema key is a
section that must be a mapping. Unknown keys, duplicate keys, wrong types and missing required keys
all become :class:`Problem` values, never exceptions, so one run reports every mistake in a file.

Scalars are judged by their raw text and the tag the YAML resolver gave them, never by PyYAML's
constructors, so ``9:00`` (YAML 1.1 reads it as the sexagesimal 540) is still a time of day and a
mistyped date is a message rather than a traceback.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

import yaml

T = TypeVar("T")

TAG_NULL = "tag:yaml.org,2002:null"
TAG_BOOL = "tag:yaml.org,2002:bool"
TAG_INT = "tag:yaml.org,2002:int"
TAG_FLOAT = "tag:yaml.org,2002:float"
TAG_STR = "tag:yaml.org,2002:str"


@dataclass(frozen=True)
class Problem:
    """One mistake in the file: where (line and column, 1-based), which key, and what."""

    file: str
    line: int
    column: int
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class Invalid(ValueError):
    """Raised by a parser: the value at ``node`` (or a sub-key of it) is not acceptable."""

    def __init__(self, message: str, node: yaml.Node | None = None, subkey: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.node = node
        self.subkey = subkey


@dataclass(frozen=True)
class Context:
    """What parsers may consult: the file's directory (for relative paths) and the environment."""

    base_dir: Path
    environ: Mapping[str, str]


@dataclass(frozen=True)
class Leaf(Generic[T]):
    """A setting: how to parse its node, whether it must be given, and its default."""

    parse: Callable[[yaml.Node, Context], T]
    required: bool = False
    default: T | None = None


@dataclass
class Tree:
    """The outcome of :func:`read_tree`: parsed values and the nodes they came from, by key."""

    values: dict[str, object] = field(default_factory=dict)
    nodes: dict[str, yaml.Node] = field(default_factory=dict)
    keys: dict[str, yaml.Node] = field(default_factory=dict)  # the key's own node, for its line
    problems: list[Problem] = field(default_factory=list)


def describe(node: yaml.Node) -> str:
    """A short rendering of what the file said, for "got ..." in messages."""
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if node.tag == TAG_NULL:
        return "nothing"
    text = str(node.value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f'"{text}"'


def scalar_text(node: yaml.Node, expected: str) -> str:
    """The raw text of a non-empty scalar, or :class:`Invalid` naming what was expected."""
    if not isinstance(node, yaml.ScalarNode) or node.tag == TAG_NULL:
        raise Invalid(f"expected {expected}, got {describe(node)}", node)
    text = str(node.value).strip()
    if not text:
        raise Invalid(f"expected {expected}, got an empty value", node)
    return text


def mapping_items(
    node: yaml.Node, allowed: tuple[str, ...], expected: str
) -> dict[str, yaml.Node]:
    """Children of a small mapping (a secret reference, say), rejecting unknown keys."""
    if not isinstance(node, yaml.MappingNode):
        raise Invalid(f"expected {expected}, got {describe(node)}", node)
    items: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        if key not in allowed:
            options = ", ".join(allowed)
            raise Invalid(f"unknown key (expected one of: {options})", key_node, key)
        items[key] = value_node
    return items


def _problem(file: str, node: yaml.Node | None, key: str, message: str) -> Problem:
    if node is None:
        return Problem(file, 0, 0, key, message)
    mark = node.start_mark
    return Problem(file, mark.line + 1, mark.column + 1, key, message)


def problem_at(file: str, node: yaml.Node | None, key: str, message: str) -> Problem:
    """A problem located at ``node`` (public for checks that span several keys)."""
    return _problem(file, node, key, message)


class AliasRefused(yaml.MarkedYAMLError):  # type: ignore[misc]  # PyYAML has no type hints
    """An alias (``*name``, also in a merge key ``<<: *name``) in a campaign file."""


class _NoAliasLoader(yaml.SafeLoader):  # type: ignore[misc]
    """Composes like ``SafeLoader`` but refuses every alias. A campaign file needs none, and an
    alias is how a few hundred bytes of YAML stand for billions of nodes ("billion laughs"):
    whatever walks the tree later would walk every repetition."""

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise AliasRefused(None, None, "an alias (*name) is not accepted in a campaign file: "
                               "write the value out", event.start_mark)
        node: yaml.Node | None = super().compose_node(parent, index)
        return node


def compose(text: str, file: str) -> tuple[yaml.Node | None, list[Problem]]:
    """Compose YAML text into a node tree, or report the syntax error (or an alias) with its line."""
    try:
        return yaml.compose(text, Loader=_NoAliasLoader), []
    except AliasRefused as err:
        mark = err.problem_mark
        return None, [Problem(file, mark.line + 1 if mark else 0, mark.column + 1 if mark else 0, "",
                              str(err.problem))]
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else 0
        column = mark.column + 1 if mark else 0
        reason = err.problem or err.context or "not valid YAML"
        return None, [Problem(file, line, column, "", f"not valid YAML: {reason}")]
    except yaml.YAMLError as err:
        return None, [Problem(file, 0, 0, "", f"not valid YAML: {err}")]
    except RecursionError:
        return None, [Problem(file, 0, 0, "", "not valid YAML: nested too deeply")]


def read_tree(
    root: yaml.Node, schema: Mapping[str, Leaf[object]], file: str, context: Context
) -> Tree:
    """Walk ``root`` against ``schema``; parse every leaf given, report the rest."""
    tree = Tree()
    sections = {key.rsplit(".", i)[0] for key in schema for i in range(1, key.count(".") + 1)}
    if not isinstance(root, yaml.MappingNode):
        tree.problems.append(_problem(file, root, "", f"expected a mapping of settings, got {describe(root)}"))
        return tree
    _walk(root, "", schema, sections, file, context, tree)
    for key, leaf in schema.items():
        if key in tree.values or key in tree.nodes:
            continue
        if leaf.required:
            parent = key.rsplit(".", 1)[0] if "." in key else ""
            anchor = tree.keys.get(parent, root)
            tree.problems.append(_problem(file, anchor, key, "required setting is missing"))
    tree.problems.sort(key=lambda p: (p.line, p.column, p.key))
    return tree


def _walk(
    node: yaml.MappingNode,
    prefix: str,
    schema: Mapping[str, Leaf[object]],
    sections: set[str],
    file: str,
    context: Context,
    tree: Tree,
) -> None:
    seen: set[str] = set()
    for key_node, value_node in node.value:
        name = str(key_node.value)
        dotted = f"{prefix}.{name}" if prefix else name
        if not isinstance(key_node, yaml.ScalarNode):
            tree.problems.append(_problem(file, key_node, prefix, "a key must be a plain name"))
            continue
        if name in seen:
            tree.problems.append(_problem(file, key_node, dotted, "given twice"))
            continue
        seen.add(name)
        tree.keys[dotted] = key_node
        if dotted in schema:
            tree.nodes[dotted] = value_node
            _parse_leaf(dotted, schema[dotted], value_node, file, context, tree)
        elif dotted in sections:
            tree.nodes[dotted] = value_node
            if isinstance(value_node, yaml.MappingNode):
                _walk(value_node, dotted, schema, sections, file, context, tree)
            else:
                message = f"expected a mapping, got {describe(value_node)}"
                tree.problems.append(_problem(file, value_node, dotted, message))
        else:
            tree.problems.append(_problem(file, key_node, dotted, _unknown_message(prefix, schema, sections)))


def _unknown_message(prefix: str, schema: Mapping[str, Leaf[object]], sections: set[str]) -> str:
    depth = prefix.count(".") + 1 if prefix else 0
    names = sorted(
        {
            key.split(".")[depth]
            for key in (*schema, *sections)
            if key.count(".") >= depth and (not prefix or key.startswith(prefix + "."))
        }
    )
    return "unknown setting (known here: " + ", ".join(names) + ")"


def _parse_leaf(
    key: str, leaf: Leaf[object], node: yaml.Node, file: str, context: Context, tree: Tree
) -> None:
    try:
        tree.values[key] = leaf.parse(node, context)
    except Invalid as err:
        where = err.node if err.node is not None else node
        dotted = f"{key}.{err.subkey}" if err.subkey else key
        tree.problems.append(_problem(file, where, dotted, err.message))
