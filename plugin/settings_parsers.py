"""Parsers for the kinds of value a campaign file holds; each raises :class:`Invalid` with a
message that says what was expected and what the file said.

Secrets are parsed into references (:class:`SecretRef`, :class:`CertificateRef`) that say how to
obtain the secret; the value itself is read only when a token is requested, and never appears in a
``repr``. A reference is still checked now: the variable must be set and non-empty, the
certificate file must exist.
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
import yaml

from connectors.graph.clouds import UntrustedHost, check_authority, check_graph_url, without_userinfo
from connectors.timezones import UnknownTimeZone, Zone, resolve_zone
from plugin.settings_schema import (
    TAG_BOOL,
    TAG_INT,
    TAG_NULL,
    Context,
    Invalid,
    describe,
    mapping_items,
    scalar_text,
)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_THUMBPRINT = re.compile(r"^(?:[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64})$")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::00(?:\.0+)?)?$")
# One mailbox address: local part, "@", a domain with a dot; no spaces, no display name.
_ADDRESS = re.compile(r"^[^@\s<>\"(),;:]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")


@dataclass(frozen=True)
class SecretRef:
    """A secret held in an environment variable: ``{env: NAME}``."""

    env: str

    def read(self) -> str:
        """The secret's value, read now; raises ``KeyError`` when the variable is gone."""
        value = os.environ[self.env]
        if not value:
            raise KeyError(self.env)
        return value

    def __repr__(self) -> str:
        return f"SecretRef(env={self.env!r})"


@dataclass(frozen=True)
class CertificateRef:
    """A certificate credential: a PEM private key with its thumbprint, or a PFX file."""

    path: Path
    thumbprint: str | None = None
    passphrase: SecretRef | None = None

    @property
    def is_pfx(self) -> bool:
        return self.path.suffix.lower() in {".pfx", ".p12"}


def text(max_length: int = 255) -> Callable[[yaml.Node, Context], str]:
    """Any non-empty scalar, taken as written (``2027`` stays ``"2027"``)."""

    def parse(node: yaml.Node, _: Context) -> str:
        value = scalar_text(node, "a text")
        if len(value) > max_length:
            raise Invalid(f"at most {max_length} characters, got {len(value)}", node)
        return value

    return parse


def choice(*options: str) -> Callable[[yaml.Node, Context], str]:
    def parse(node: yaml.Node, _: Context) -> str:
        expected = " or ".join(options)
        if isinstance(node, yaml.ScalarNode) and node.tag == TAG_BOOL:
            raise Invalid(f"expected {expected}, got {describe(node)} (quote it)", node)
        value = scalar_text(node, expected)
        if value not in options:
            raise Invalid(f"expected {expected}, got {describe(node)}", node)
        return value

    return parse


def whole_number(unit: str, minimum: int, maximum: int) -> Callable[[yaml.Node, Context], int]:
    """An integer in ``[minimum, maximum]``; ``unit`` names what it counts (for the message)."""

    def parse(node: yaml.Node, _: Context) -> int:
        expected = f"a whole number of {unit}"
        if not isinstance(node, yaml.ScalarNode) or node.tag != TAG_INT:
            raise Invalid(f"expected {expected}, got {describe(node)}", node)
        try:
            value = int(str(node.value).replace("_", ""), 0)
        except ValueError as err:
            raise Invalid(f"expected {expected}, got {describe(node)}", node) from err
        if not minimum <= value <= maximum:
            raise Invalid(f"expected {minimum} to {maximum} {unit}, got {value}", node)
        return value

    return parse


def day(node: yaml.Node, _: Context) -> date:
    """A calendar date written ``YYYY-MM-DD``."""
    value = scalar_text(node, "a date (YYYY-MM-DD)")
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError as err:
        raise Invalid(f"expected a date (YYYY-MM-DD), got {describe(node)}", node) from err


def clock(node: yaml.Node, _: Context) -> time:
    """A time of day ``HH:MM``; YAML's sexagesimal reading of ``9:00`` does not matter here."""
    value = scalar_text(node, "a time of day (HH:MM)")
    match = _CLOCK.match(value)
    if match is None:
        raise Invalid(f"expected a time of day (HH:MM), got {describe(node)}", node)
    return time(int(match.group(1)), int(match.group(2)))


def mail_address(node: yaml.Node, _: Context) -> str:
    """One e-mail address or user principal name (``hr.samtal@example.se``), as written."""
    value = scalar_text(node, "an e-mail address")
    if len(value) > 254 or not _ADDRESS.match(value):
        raise Invalid(f"expected one e-mail address such as hr@example.se, got {describe(node)}", node)
    return value


def weekday_or_never(node: yaml.Node, _: Context) -> int | None:
    """A day name (``monday`` ... ``sunday``) as its ISO index (Monday is 0), or ``never``: None."""
    expected = "a day name (monday ... sunday) or never"
    if isinstance(node, yaml.ScalarNode) and node.tag == TAG_BOOL:
        raise Invalid(f"expected {expected}, got {describe(node)} (quote it)", node)
    value = scalar_text(node, expected).lower()
    if value == "never":
        return None
    if value not in WEEKDAYS:
        raise Invalid(f"expected {expected}, got {describe(node)}", node)
    return WEEKDAYS.index(value)


def zone(node: yaml.Node, _: Context) -> Zone:
    """An IANA (``Europe/Stockholm``) or Windows (``W. Europe Standard Time``) zone name."""
    value = scalar_text(node, "a time zone name")
    try:
        return resolve_zone(value)
    except UnknownTimeZone as err:
        raise Invalid(
            f"unknown time zone {describe(node)} (use an IANA name such as Europe/Stockholm "
            "or a Windows name such as W. Europe Standard Time)",
            node,
        ) from err


def graph_url(node: yaml.Node, _: Context) -> str:
    """Microsoft's Graph host of a public or national cloud over HTTPS, or a loopback sandbox
    (:mod:`connectors.graph.clouds`): the bearer token goes nowhere else."""
    value = scalar_text(node, "a URL")
    try:
        return check_graph_url(value)
    except UntrustedHost as err:
        raise Invalid(f"{err}; got \"{without_userinfo(value)}\"", node) from None


def authority_url(node: yaml.Node, _: Context) -> str:
    """Microsoft's Entra ID login host of a public or national cloud over HTTPS, or a loopback
    sandbox (:mod:`connectors.graph.clouds`): the client secret goes nowhere else."""
    value = scalar_text(node, "a URL")
    try:
        return check_authority(value)
    except UntrustedHost as err:
        raise Invalid(f"{err}; got \"{without_userinfo(value)}\"", node) from None


def text_list(what: str) -> Callable[[yaml.Node, Context], tuple[str, ...]]:
    """A list of non-empty scalars (``[]`` allowed)."""

    def parse(node: yaml.Node, _: Context) -> tuple[str, ...]:
        if not isinstance(node, yaml.SequenceNode):
            raise Invalid(f"expected a list of {what}, got {describe(node)}", node)
        return tuple(scalar_text(item, what[:-1] if what.endswith("s") else what) for item in node.value)

    return parse


def weekdays(node: yaml.Node, context: Context) -> tuple[int, ...]:
    """Day names (``monday`` ...) as ISO weekday indices 0..6 (Monday is 0), sorted, unique."""
    names = text_list("day names")(node, context)
    indices: set[int] = set()
    assert isinstance(node, yaml.SequenceNode)
    for name, item in zip(names, node.value):
        if name.lower() not in WEEKDAYS:
            raise Invalid(f"expected a day name (monday ... sunday), got {describe(item)}", item)
        indices.add(WEEKDAYS.index(name.lower()))
    if not indices:
        raise Invalid("expected at least one working day", node)
    return tuple(sorted(indices))


def env_name(node: yaml.Node, context: Context) -> SecretRef:
    """The name of a set, non-empty environment variable (``{env: NAME}`` has already been opened)."""
    name = scalar_text(node, "an environment variable name")
    if not _ENV_NAME.match(name):
        raise Invalid(f"expected an environment variable name, got {describe(node)}", node)
    if name not in context.environ:
        raise Invalid(f"environment variable {name} is not set", node)
    if not context.environ[name]:
        raise Invalid(f"environment variable {name} is empty", node)
    return SecretRef(name)


def secret_ref(node: yaml.Node, context: Context) -> SecretRef:
    """``{env: NAME}``; a secret written into the file itself is refused."""
    if isinstance(node, yaml.ScalarNode) and node.tag != TAG_NULL:
        raise Invalid(
            "a secret is never written in the file: use {env: NAME} and put it in that variable",
            node,
        )
    items = mapping_items(node, ("env",), "{env: NAME}")
    if "env" not in items:
        raise Invalid("expected {env: NAME}", node)
    try:
        return env_name(items["env"], context)
    except Invalid as err:
        raise Invalid(err.message, err.node, "env") from err


def certificate_ref(node: yaml.Node, context: Context) -> CertificateRef:
    """``{path: key.pem, thumbprint: HEX}`` or ``{path: cert.pfx, passphrase: {env: NAME}}``."""
    items = mapping_items(node, ("path", "thumbprint", "passphrase"), "{path: FILE, thumbprint: HEX}")
    if "path" not in items:
        raise Invalid("expected {path: FILE, thumbprint: HEX}: path is missing", node)
    path = _existing_path(items["path"], context, "path", want_dir=False)
    thumbprint: str | None = None
    if "thumbprint" in items:
        thumbprint = scalar_text(items["thumbprint"], "a hexadecimal thumbprint").replace(":", "")
        if not _THUMBPRINT.match(thumbprint):
            raise Invalid(
                f"expected a SHA-1 or SHA-256 thumbprint in hexadecimal, got {describe(items['thumbprint'])}",
                items["thumbprint"],
                "thumbprint",
            )
    passphrase: SecretRef | None = None
    if "passphrase" in items:
        try:
            passphrase = secret_ref(items["passphrase"], context)
        except Invalid as err:
            raise Invalid(err.message, err.node, "passphrase" + (f".{err.subkey}" if err.subkey else "")) from err
    ref = CertificateRef(path, thumbprint, passphrase)
    if not ref.is_pfx and thumbprint is None:
        raise Invalid("a PEM key needs its certificate's thumbprint: {path: FILE, thumbprint: HEX}", node)
    return ref


def directory(node: yaml.Node, context: Context) -> Path:
    """A readable directory; relative paths are taken from the campaign file's directory."""
    return _existing_path(node, context, "", want_dir=True)


def _existing_path(node: yaml.Node, context: Context, subkey: str, want_dir: bool) -> Path:
    value = scalar_text(node, "a file path")
    path = Path(os.path.expanduser(value))
    if not path.is_absolute():
        path = context.base_dir / path
    kind = "directory" if want_dir else "file"
    if not path.exists():
        raise Invalid(f"{kind} {value} does not exist", node, subkey)
    if want_dir and not path.is_dir():
        raise Invalid(f"{value} is not a directory", node, subkey)
    if not want_dir and not path.is_file():
        raise Invalid(f"{value} is not a file", node, subkey)
    mode = os.R_OK | os.X_OK if want_dir else os.R_OK
    if not os.access(path, mode):
        raise Invalid(f"{kind} {value} is not readable", node, subkey)
    return path
