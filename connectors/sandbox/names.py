"""OneDrive for Business naming rules (docs/graph.md#onedrive;
https://learn.microsoft.com/onedrive/developer/rest-api/concepts/addressing-driveitems).

Refused with 400 ``invalidRequest`` (inner ``invalidPath``): the characters ``" * : < > ? / \\ |``,
leading or trailing spaces, a trailing dot, reserved names (``.lock``, ``CON``, ``PRN``, ``AUX``,
``NUL``, ``COM0``-``COM9``, ``LPT0``-``LPT9``, ``desktop.ini``), ``_vti_`` anywhere, names starting
``~$``, folder names starting with ``~``, and ``forms`` at the root of a library. A decoded path
over 400 characters gets inner ``pathIsTooLong``.
"""
from __future__ import annotations

import re

from connectors.sandbox.errors import GraphError

MAX_PATH = 400
_BAD_CHARS = set('"*:<>?/\\|')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d|\.lock|desktop\.ini)$", re.IGNORECASE)


def check_name(name: str, *, folder: bool, at_root: bool) -> None:
    reason = None
    if not name:
        reason = "The name cannot be empty."
    elif set(name) & _BAD_CHARS:
        reason = "Name contains invalid characters."
    elif name != name.strip(" "):
        reason = "Name cannot begin or end with a space."
    elif name.endswith("."):
        reason = "Name cannot end with a period."
    elif _RESERVED.match(name) or "_vti_" in name.lower() or name.startswith("~$"):
        reason = f"The name '{name}' is reserved."
    elif folder and name.startswith("~"):
        reason = "Folder names cannot begin with a tilde."
    elif folder and at_root and name.lower() == "forms":
        reason = "The name 'forms' is reserved at the root of a library."
    if reason:
        raise GraphError(400, "invalidRequest", reason, inner_code="invalidPath")


def check_path_length(path: str) -> None:
    if len(path) > MAX_PATH:
        raise GraphError(400, "invalidRequest", f"The path is {len(path)} characters long; the limit is {MAX_PATH}.",
                         inner_code="pathIsTooLong")
