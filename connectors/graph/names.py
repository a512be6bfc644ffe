"""OneDrive and SharePoint name rules: make any string a valid item name, and encode paths once.

Rules (docs/graph.md#onedrive; https://learn.microsoft.com/onedrive/developer/rest-api/concepts/addressing-driveitems;
docs/failures.md#f1, docs/failures.md#f2, docs/failures.md#f4):

- the characters ``" * : < > ? / \\ |`` are not allowed. We replace each with its full-width
  look-alike (``:`` → ``：``, ``?`` → ``？``, ...), the mapping rclone uses for OneDrive
  (https://rclone.org/onedrive/, "Restricted filename characters"), so "Q&A: 2025?" still reads as itself to a person
  instead of turning into underscores; control characters become a space;
- no leading or trailing spaces, no trailing dots (folders can't end with ``.``), and no leading
  ``~`` (OneDrive for Business; it also covers ``~$``): a leading ``~`` becomes ``～``;
- reserved names ``CON PRN AUX NUL COM0-9 LPT0-9`` (also with an extension, ``CON.txt``, as in
  Windows) get a trailing ``_`` on the stem; ``.lock`` and ``desktop.ini`` get a leading ``_``;
  ``_vti_`` anywhere becomes ``_vti-``;
- ``#`` and ``%`` are kept (newer tenants allow them) — they must then be percent-encoded in URLs,
  which :func:`encode_path` does exactly once per segment;
- Swedish letters are kept; text is NFC-normalised so "Å" typed two ways is one folder;
- the whole decoded path must stay under 400 characters, so one name is bounded by
  ``max_length`` (default :data:`MAX_NAME_LENGTH`), keeping the extension when shortening;
- the result is never empty (``_`` stands in), and ``safe_name(safe_name(x)) == safe_name(x)``.

:func:`name_with_id` builds a name whose identity is a unique part (an object id) that is never
cut: when the name is too long, the readable label before it is shortened instead.

OneDrive compares names case-insensitively (docs/failures.md#f5): "Plan.docx" and "plan.docx" are one item;
:func:`same_name` compares the way OneDrive does.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from urllib.parse import quote

# The entire decoded path, file name included, is limited to 400 characters (docs/graph.md#onedrive).
MAX_PATH_LENGTH = 400
# One name is kept well under that, so that "Medarbetarsamtal/<campaign>/<person>/<file>" fits
# with room left for the drive's own prefix ("/personal/<upn>/Documents", counted by SharePoint).
MAX_NAME_LENGTH = 80
# Characters of the path that belong to the drive itself and count against the 400.
DRIVE_PREFIX_RESERVE = 80

_FULL_WIDTH = {
    '"': "\uff02", "*": "\uff0a", ":": "\uff1a", "<": "\uff1c", ">": "\uff1e",
    "?": "\uff1f", "/": "\uff0f", "\\": "\uff3c", "|": "\uff5c",
}
_FORBIDDEN = re.compile(r'["*:<>?/\\|]')
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DEVICE = re.compile(r"^(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])$", re.IGNORECASE)
_VTI = re.compile(r"_vti_", re.IGNORECASE)
_RESERVED_WHOLE = frozenset({".lock", "desktop.ini"})
_EXTENSION = re.compile(r"(\.[A-Za-z0-9]{1,8})$")


def safe_name(name: str, *, max_length: int = MAX_NAME_LENGTH) -> str:
    """``name`` made valid for OneDrive/SharePoint (see the module docstring for the rules).

    Raises :class:`ValueError` for a ``max_length`` below 8 (too short to keep an extension).
    """
    if max_length < 8:
        raise ValueError(f"max_length must be at least 8, got {max_length}")
    text = unicodedata.normalize("NFC", _no_surrogates(name))
    text = _CONTROL.sub(" ", text)
    text = _FORBIDDEN.sub(lambda m: _FULL_WIDTH[m.group(0)], text)
    text = _defuse_reserved(_shorten(_trim(text), max_length), max_length)
    return text or "_"


def name_with_id(label: str, unique: str, *, max_length: int = MAX_NAME_LENGTH) -> str:
    """``"{label} ({unique})"`` made valid, at most ``max_length`` characters, ``unique`` whole.

    The label goes through :func:`safe_name` and is cut (never the unique part) to fit; a label
    with nothing left becomes ``_``. Two calls with different ``unique`` parts never give names
    OneDrive takes for one (case-insensitively) unless the unique parts are equal ignoring case.
    Raises :class:`ValueError` when ``unique`` is not itself a safe name, holds brackets, or
    leaves no room for a label.
    """
    unique = unicodedata.normalize("NFC", unique)
    if not unique or not is_safe_name(unique) or "(" in unique or ")" in unique:
        raise ValueError("the unique part of a name must be a non-empty safe name without brackets")
    suffix = f" ({unique})"
    room = max_length - len(suffix)
    if room < 1:
        raise ValueError(f"max_length {max_length} leaves no room for a label beside a "
                         f"{len(unique)}-character unique part")
    # The label is valid on its own; cut, it stays so (only its end goes, and the name ends
    # with the bracket, so a dot or space at the cut is no longer at the end of the name).
    text = safe_name(label, max_length=max(len(label), 8))[:room].rstrip(" ") or "_"
    return text + suffix


def is_safe_name(name: str) -> bool:
    """True when ``name`` is already valid (sanitising it would change nothing but its length)."""
    return bool(name) and safe_name(name, max_length=max(len(name), 8)) == name


def same_name(a: str, b: str) -> bool:
    """Whether OneDrive treats two names as the same item (case-insensitive, NFC)."""
    return unicodedata.normalize("NFC", a).casefold() == unicodedata.normalize("NFC", b).casefold()


def path_length(segments: Sequence[str]) -> int:
    """Length of the decoded path ``/a/b/c`` the 400-character limit counts."""
    return sum(len(s) + 1 for s in segments)


def check_path(segments: Sequence[str], *, reserve: int = DRIVE_PREFIX_RESERVE) -> None:
    """Raise :class:`ValueError` unless every segment is a safe name and the path fits.

    The message names the position of the bad segment, never its text (names are personal data).
    """
    for i, seg in enumerate(segments, start=1):
        if not is_safe_name(seg):
            raise ValueError(f"path segment {i} breaks OneDrive's name rules; pass it through safe_name()")
    length = path_length(segments)
    if length + reserve > MAX_PATH_LENGTH:
        raise ValueError(f"the path is {length} characters; with {reserve} reserved for the drive "
                         f"it exceeds OneDrive's {MAX_PATH_LENGTH}-character limit")


def encode_path(segments: Sequence[str]) -> str:
    """Percent-encode each segment once and join them with ``/``.

    ``["Medarbetarsamtal 2025", "Åsa #1 100%"]`` → ``Medarbetarsamtal%202025/%C3%85sa%20%231%20100%25``.
    Every character outside RFC 3986's unreserved set is encoded (``#`` ``%`` space ``'`` ``(``
    ...), Swedish letters as UTF-8. A segment that is empty or holds ``/`` raises ValueError:
    names go through :func:`safe_name` first.
    """
    out = []
    for i, seg in enumerate(segments, start=1):
        if not seg or "/" in seg:
            raise ValueError(f"path segment {i} is empty or contains '/'; pass it through safe_name()")
        out.append(quote(unicodedata.normalize("NFC", seg), safe=""))
    return "/".join(out)


def encode_id(value: str) -> str:
    """An id or UPN as one URL path segment: ``#EXT#`` of guest UPNs encoded, no ``/`` smuggled.

    Keeps ``!`` (drive ids ``b!…``), ``@`` (UPNs) and ``,`` (site ids ``host,guid,guid``) readable.
    """
    if not value:
        raise ValueError("an id must not be empty")
    return quote(value, safe="!@,")


# ---------------------------------------------------------------------------- internals
def _no_surrogates(text: str) -> str:
    return "".join("\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in text)


def _trim(text: str) -> str:
    """Strip leading/trailing whitespace and trailing dots until stable; a leading ~ is replaced."""
    while True:
        before = text
        text = text.strip().rstrip(".")
        if text == before:
            break
    if text.startswith("~"):
        text = "\uff5e" + text[1:]
    return text


def _shorten(text: str, max_length: int) -> str:
    if len(text) <= max_length:
        return text
    m = _EXTENSION.search(text)
    ext = m.group(1) if m and len(m.group(1)) <= max_length // 2 else ""
    stem = text[: len(text) - len(ext)]
    return _trim(stem[: max_length - len(ext)]) + ext


def _defuse_reserved(text: str, max_length: int) -> str:
    """Reserved names made ordinary without growing past ``max_length``."""
    while _VTI.search(text):
        text = _VTI.sub(lambda m: m.group(0)[:-1] + "-", text)
    if text.lower() in _RESERVED_WHOLE:
        # "_desktop.ini" shortened stays harmless: it starts with "_".
        return _shorten("_" + text, max_length)
    stem, dot, ext = text.partition(".")
    if _DEVICE.match(stem):
        if len(text) < max_length:
            return f"{stem}_{dot}{ext}"
        return f"{stem[:-1]}_{dot}{ext}"  # COM1 -> COM_ when there is no room for one more
    return text
