"""Reading a seed file without letting the file decide how much is read or built.

A seed is read only from a regular file (never a device such as ``/dev/zero``, a FIFO or a
directory) of at most :data:`MAX_SEED_BYTES`, and YAML aliases may repeat at most
:data:`MAX_ALIAS_NODES` nodes beyond those the file spells out. PyYAML's ``safe_load`` shares an
aliased value instead of copying it, but everything that walks the seed afterwards (validation,
the tenant's state, saving it) walks every repetition: a few hundred bytes of nested aliases
("billion laughs") would stand for billions of nodes. A generated seed of 5,000 people is about
17 MB and 1.5 million nodes, without an alias.
"""
from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import yaml

MAX_SEED_BYTES = 64 * 1024 * 1024
MAX_ALIAS_NODES = 100_000


class SeedFileError(ValueError):
    """The file cannot be read as a seed; the message says why, in a few words."""


def read_seed_text(path: Path) -> str:
    """The text of ``path``: a regular UTF-8 file of at most :data:`MAX_SEED_BYTES`."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise SeedFileError("cannot read the file: not a regular file")
        with path.open("rb") as handle:
            data = handle.read(MAX_SEED_BYTES + 1)
    except OSError as err:
        raise SeedFileError(f"cannot read the file: {err.strerror or err}") from err
    if len(data) > MAX_SEED_BYTES:
        raise SeedFileError(f"cannot read the file: it is larger than {MAX_SEED_BYTES // (1024 * 1024)} MiB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise SeedFileError(f"cannot read the file: not UTF-8 text ({err.reason} at byte {err.start})") from err


def load_yaml(text: str) -> Any:
    """``yaml.safe_load(text)``, refusing aliases that add more than :data:`MAX_ALIAS_NODES`
    nodes, an alias inside the value it names, and nesting deeper than Python's recursion.
    Raises :class:`yaml.YAMLError` for bad YAML, :class:`SeedFileError` for the rest."""
    loader = yaml.SafeLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:
            raise SeedFileError("not valid YAML: nested too deeply") from None
        if node is None:
            return None
        _check_expansion(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _check_expansion(root: yaml.Node) -> None:
    """Count the nodes the tree stands for, aliases expanded, each node's size computed once."""
    size: dict[int, int] = {}
    distinct: set[int] = set()
    open_: set[int] = set()
    # An explicit stack (node, children pushed?) instead of recursion: depth is the file's choice.
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        key = id(node)
        if expanded:
            open_.discard(key)
            size[key] = 1 + sum(size[id(child)] for child in _children(node))
            if size[key] - len(distinct) > MAX_ALIAS_NODES:
                raise SeedFileError(f"aliases (*name) repeat more than {MAX_ALIAS_NODES:,} nodes; "
                                    "write the seed out, or generate it (samtal sandbox --generate N)")
            continue
        if key in size:
            continue
        if key in open_:
            raise SeedFileError("an alias (*name) refers to the list or mapping it is in")
        open_.add(key)
        distinct.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in size)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []
