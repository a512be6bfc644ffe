"""Seed loading and validation (the format: docs/sandbox.md#seed-format) into a normalised,
JSON-ready dict.

``load_seed(source)`` takes a path to a YAML file or an already parsed dict (such as the output of
``generate.generate_seed``) and returns the normalised seed, or raises :class:`SeedError` listing
every problem found, each naming the entry (``users[3] (per.lind@example.se): manager
'x@example.se' is not in the seed``).

Besides the tenant's domain and zone, users with their calendars, and sites, the sandbox
understands:

- ``tenant.id`` (tenant GUID; derived from the domain when absent), ``tenant.displayName``;
- ``tenant.variants``: how this tenant answers where real tenants differ; each key takes one of
  :data:`VARIANTS`' values. ``permissions: documented`` answers permissions as Microsoft's own
  examples do (``connectors/sandbox/sharing.py``): ``grantedToV2`` and ``grantedTo`` with the
  user's id as an upper-case GUID and a display name only, no e-mail, and no ``inheritedFrom``;
  ``batch: concurrent`` runs a ``$batch``'s independent items interleaved, so that two of them
  needing one missing folder race for it (``connectors/sandbox/batch.py``);
- per user, the ways a mailbox or OneDrive differs (docs/sandbox.md#user-variants):
  ``oneDrive`` true, false or ``unlicensed``; ``mailbox`` true, false, ``onprem`` or
  ``restricted`` (:data:`MAILBOX_VARIANTS`); ``onlineMeetings`` true or false (false: the
  calendar allows no Teams meetings);
- ``tenant.sendingLimits``: Exchange's sending limits per sender mailbox (``seed_mail.py``);
- ``tenant.licences``: licence count; when given, SharePoint's RU budgets for it are enforced
  (``ru.py``); without it (and without ``ru_per_minute`` in the faults) RU are only counted;
- ``tenant.apps``: applications that may get tokens over HTTPS (see ``identity.py``)::

      apps:
        - client_id: 2f1c...            # required
          displayName: samtal            # optional
          secret: a-secret-value         # optional: client-secret flow
          certificate_pem: "-----BEGIN CERTIFICATE-----..."   # optional: certificate flow
          roles: [User.Read.All, Calendars.ReadWrite, Files.ReadWrite.All, Sites.Selected]

- per user, ``mail`` may repeat another user's ``mail`` or UPN in any case (Entra ID does not
  keep ``mail`` unique; directories synchronised from on-premises hold such clashes); UPNs may
  not repeat. A manager named by such an address is its UPN's holder, else its first holder;
- per user: ``kind: contact`` (an orgContact: shows among the manager's directReports, not in
  ``/users``), ``userType: Guest``, ``givenName``, ``surname``, ``officeLocation``,
  ``employeeId``, ``businessPhones``, ``mobilePhone``;
- per site: ``lists`` with ``displayName``, ``columns`` (Graph columnDefinition bodies) and
  ``items`` (field dicts).
"""
from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from connectors.sandbox.seed_file import SeedFileError, load_yaml, read_seed_text
from connectors.sandbox.seed_lists import check_lists
from connectors.sandbox.seed_mail import check_sending_limits
from connectors.timezones import UnknownTimeZone, resolve_zone

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SHOW_AS = ("free", "tentative", "busy", "oof", "workingElsewhere", "unknown")
DEFAULT_ROLES = ("User.Read.All", "Calendars.ReadWrite", "Files.ReadWrite.All", "Sites.Selected")
_NS = uuid.UUID("6f1d0a2e-5b7c-4e59-9a35-0c8d2b1e4f70")

_USER_KEYS = {
    "userPrincipalName", "displayName", "id", "mail", "department", "jobTitle", "manager",
    "preferredLanguage", "accountEnabled", "oneDrive", "mailbox", "onlineMeetings", "workingHours", "busy",
    "weekly", "kind", "userType", "givenName", "surname", "officeLocation", "employeeId", "businessPhones",
    "mobilePhone",
}
_TENANT_KEYS = {"domain", "timeZone", "id", "displayName", "apps", "licences", "variants", "sendingLimits"}
_APP_KEYS = {"client_id", "displayName", "secret", "certificate_pem", "roles"}
# Keys whose value is text (a YAML number or date there is a mistake worth naming).
_USER_TEXTS = ("userPrincipalName", "displayName", "id", "mail", "department", "jobTitle", "manager",
               "preferredLanguage", "kind", "userType", "givenName", "surname", "officeLocation",
               "employeeId", "mobilePhone")
_TENANT_TEXTS = ("domain", "timeZone", "id", "displayName")
_APP_TEXTS = ("client_id", "displayName", "secret", "certificate_pem")
# Documented ways real tenants answer differently (``tenant.variants``): name -> allowed values,
# the first being what the sandbox does without the key.
VARIANTS: dict[str, tuple[str, ...]] = {"permissions": ("default", "documented"),
                                         "batch": ("default", "concurrent")}
# ``oneDrive`` besides true/false: "unlicensed", no OneDrive site to be found, which Graph answers
# 400 "Unable to retrieve user's mysite URL." (docs/failures.md#f15).
ONE_DRIVE_VARIANTS: tuple[str, ...] = ("unlicensed",)
# ``mailbox`` besides true/false: "onprem", a mailbox on an Exchange server on-premises (Graph
# answers MailboxNotEnabledForRESTAPI), and "restricted", an Exchange Online mailbox outside the
# app's application access policy (403 ErrorAccessDenied); docs/failures.md#a6.
MAILBOX_VARIANTS: tuple[str, ...] = ("onprem", "restricted")
_TEXT_VALUES = {"oneDrive": ONE_DRIVE_VARIANTS, "mailbox": MAILBOX_VARIANTS}


def in_exchange_online(user: dict[str, Any]) -> bool:
    """Whether the user's mailbox is in Exchange Online (``mailbox`` true or ``restricted``): it
    has a calendar there, receives invitation copies and has free/busy there."""
    return user.get("mailbox") in (True, "restricted")


class SeedError(ValueError):
    """A seed that cannot be used; ``problems`` lists each one."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        listing = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid sandbox seed {source}:\n{listing}")


def stable_id(*parts: str) -> str:
    return str(uuid.uuid5(_NS, "|".join(parts)))


def load_seed(source: str | Path | dict[str, Any]) -> dict[str, Any]:
    if isinstance(source, dict):
        raw, label = source, "(dict)"
    else:
        path = Path(source)
        label = str(path)
        try:
            raw = load_yaml(read_seed_text(path))
        except SeedFileError as err:
            raise SeedError(label, [str(err)]) from err
        except yaml.YAMLError as err:
            raise SeedError(label, [f"not valid YAML: {err}"]) from err
    return _Validator(label).run(raw)


class _Validator:
    def __init__(self, label: str) -> None:
        self.label = label
        self.problems: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def texts(self, where: str, raw: dict[str, Any], keys: tuple[str, ...]) -> bool:
        """Whether each of ``keys`` in ``raw`` is absent, null or text; each other is a problem."""
        wrong = [k for k in keys if raw.get(k) is not None and not isinstance(raw[k], str)]
        for key in wrong:
            self.fail(where, f"{key} must be text, not {raw[key]!r} (quote it in YAML)")
        return not wrong

    def run(self, raw: Any) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise SeedError(self.label, ["the seed must be a mapping with 'tenant' and 'users'"])
        for key in raw:
            if key not in ("tenant", "users", "sites", "generated"):  # "generated": generator's notes, ignored
                self.fail(str(key), "unknown top-level key (known: tenant, users, sites, generated)")
        tenant = self._tenant(raw.get("tenant") or {})
        users, contacts = self._users(raw.get("users"), tenant)
        sites = self._sites(raw.get("sites") or [], tenant)
        if self.problems:
            raise SeedError(self.label, self.problems)
        return {"tenant": tenant, "users": users, "contacts": contacts, "sites": sites}

    # -- tenant -----------------------------------------------------------------------------
    def _tenant(self, raw: Any) -> dict[str, Any]:
        if not isinstance(raw, dict):
            self.fail("tenant", "must be a mapping")
            raw = {}
        for key in raw:
            if key not in _TENANT_KEYS:
                self.fail(f"tenant.{key}", f"unknown key (known: {', '.join(sorted(_TENANT_KEYS))})")
        if not self.texts("tenant", raw, _TENANT_TEXTS):
            raw = {k: v for k, v in raw.items() if k not in _TENANT_TEXTS or isinstance(v, str)}
        domain = str(raw.get("domain") or "example.se").lower()
        zone = self._zone("tenant.timeZone", raw.get("timeZone") or "W. Europe Standard Time")
        tenant_id = str(raw.get("id") or stable_id("tenant", domain))
        licences = raw.get("licences")
        if licences is not None and (isinstance(licences, bool) or not isinstance(licences, int) or licences < 0):
            self.fail("tenant.licences", f"must be a whole number of licences, got {licences!r}")
            licences = None
        apps = []
        raw_apps = raw.get("apps") or []
        if not isinstance(raw_apps, list):
            self.fail("tenant.apps", "must be a list of applications")
            raw_apps = []
        for i, app in enumerate(raw_apps):
            where = f"tenant.apps[{i}]"
            if not isinstance(app, dict) or not app.get("client_id"):
                self.fail(where, "needs a client_id")
                continue
            if not self.texts(where, app, _APP_TEXTS):
                continue
            unknown = set(app) - _APP_KEYS
            if unknown:
                self.fail(where, f"unknown keys {sorted(unknown)}")
            if not app.get("secret") and not app.get("certificate_pem"):
                self.fail(where, "needs a secret or a certificate_pem")
            roles = app.get("roles", list(DEFAULT_ROLES))
            if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
                self.fail(where, "roles must be a list of permission names")
                roles = []
            apps.append({
                "client_id": str(app["client_id"]), "displayName": str(app.get("displayName") or "sandbox app"),
                "secret": app.get("secret"), "certificate_pem": app.get("certificate_pem"), "roles": roles,
            })
        return {
            "domain": domain, "timeZone": zone, "id": tenant_id, "variants": self._variants(raw.get("variants")),
            "displayName": str(raw.get("displayName") or domain), "apps": apps, "licences": licences,
            "sendingLimits": check_sending_limits(self.fail, raw.get("sendingLimits")),
            "sharepointHost": f"{domain.split('.')[0]}.sharepoint.com",
        }

    def _variants(self, raw: Any) -> dict[str, str]:
        chosen = {name: values[0] for name, values in VARIANTS.items()}
        if raw is None:
            return chosen
        if not isinstance(raw, dict):
            self.fail("tenant.variants", "must be a mapping such as {permissions: documented}")
            return chosen
        for name, value in raw.items():
            if name not in VARIANTS:
                self.fail(f"tenant.variants.{name}", f"unknown variant (known: {', '.join(sorted(VARIANTS))})")
            elif value not in VARIANTS[name]:
                self.fail(f"tenant.variants.{name}", f"must be one of {', '.join(VARIANTS[name])}, not {value!r}")
            else:
                chosen[name] = str(value)
        return chosen

    def _zone(self, where: str, name: Any) -> str:
        try:
            return resolve_zone(str(name)).windows
        except UnknownTimeZone:
            self.fail(where, f"unknown time zone '{name}' (use a Windows or IANA name)")
            return "UTC"

    # -- users ------------------------------------------------------------------------------
    def _users(self, raw: Any, tenant: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        if not isinstance(raw, list) or not raw:
            self.fail("users", "must be a non-empty list")
            return [], []
        people: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
        by_upn: dict[str, str] = {}
        by_id: set[str] = set()
        for i, entry in enumerate(raw):
            if not isinstance(entry, dict):
                self.fail(f"users[{i}]", "must be a mapping")
                continue
            texts = {k: v for k, v in entry.items() if k in ("userPrincipalName", "mail") and isinstance(v, str)}
            upn = (texts.get("userPrincipalName") or texts.get("mail") or "").strip()
            where = f"users[{i}] ({upn or 'no userPrincipalName'})"
            for key in entry:
                if key not in _USER_KEYS:
                    self.fail(where, f"unknown key '{key}'")
            if not self.texts(where, entry, _USER_TEXTS):
                continue
            if not upn or "@" not in upn:
                self.fail(where, "userPrincipalName is required and must look like name@domain")
                continue
            if not entry.get("displayName"):
                self.fail(where, "displayName is required")
            uid = str(entry.get("id") or stable_id("user", upn.lower()))
            if upn.lower() in by_upn:
                self.fail(where, f"duplicate userPrincipalName '{upn}'")
                continue
            if uid in by_id:
                self.fail(where, f"duplicate id '{uid}'")
                continue
            by_upn[upn.lower()] = uid
            by_id.add(uid)
            people.append((where, entry, {"id": uid, "userPrincipalName": upn}))
        mails: dict[str, str] = {}  # a repeated mail names its first holder, as in state.py
        for _, e, n in people:
            if e.get("mail"):
                mails.setdefault(str(e["mail"]).strip().lower(), n["id"])
        users: list[dict[str, Any]] = []
        contacts: list[dict[str, Any]] = []
        for where, entry, norm in people:
            manager = entry.get("manager")
            manager_id = None
            if manager:
                ref = str(manager).lower()
                manager_id = by_upn.get(ref) or mails.get(ref) or (str(manager) if str(manager) in by_id else None)
                if manager_id is None:
                    self.fail(where, f"manager '{manager}' is not a user in the seed")
            kind = entry.get("kind", "user")
            if kind not in ("user", "contact"):
                self.fail(where, f"kind must be 'user' or 'contact', not '{kind}'")
            record = self._person(where, entry, norm, manager_id, tenant)
            (contacts if kind == "contact" else users).append(record)
        if not users:
            self.fail("users", "needs at least one user (not only contacts)")
        contact_ids = {c["id"] for c in contacts}
        for u in users + contacts:
            if u["managerId"] in contact_ids:
                self.fail(u["userPrincipalName"], "a contact cannot be a manager")
        return users, contacts

    def _person(self, where: str, e: dict[str, Any], norm: dict[str, Any], manager_id: str | None,
                tenant: dict[str, Any]) -> dict[str, Any]:
        upn = norm["userPrincipalName"]
        name = str(e.get("displayName") or upn)
        parts = name.split()
        bools = {}
        for key, default in (("accountEnabled", True), ("oneDrive", True), ("mailbox", True),
                             ("onlineMeetings", True)):
            value = e.get(key, default)
            texts = _TEXT_VALUES.get(key, ())
            if isinstance(value, str) and value in texts:
                pass
            elif not isinstance(value, bool):
                also = "".join(f", {t}" for t in texts)
                self.fail(where, f"{key} must be true or false{also}, not {value!r}")
                value = default
            bools[key] = value
        user_type = e.get("userType", "Member")
        if user_type not in ("Member", "Guest"):
            self.fail(where, f"userType must be Member or Guest, not '{user_type}'")
        lang = e.get("preferredLanguage")
        phones = e.get("businessPhones") or []
        if not isinstance(phones, list) or not all(isinstance(p, str) for p in phones):
            self.fail(where, f"businessPhones must be a list of phone numbers as text, not {phones!r}")
            phones = []
        hours = self._working_hours(where, e.get("workingHours"), tenant["timeZone"])
        zone = ZoneInfo(resolve_zone(hours["timeZone"]).iana) if hours["timeZone"] != "UTC" else dt.timezone.utc
        return {
            "id": norm["id"], "userPrincipalName": upn, "mail": str(e.get("mail") or upn),
            "displayName": name,
            "givenName": e.get("givenName", parts[0] if parts else None),
            "surname": e.get("surname", " ".join(parts[1:]) if len(parts) > 1 else None),
            "department": e.get("department"), "jobTitle": e.get("jobTitle"),
            "officeLocation": e.get("officeLocation"), "employeeId": e.get("employeeId"),
            "businessPhones": phones, "mobilePhone": e.get("mobilePhone"),
            "preferredLanguage": str(lang) if lang else None, "userType": user_type,
            "managerId": manager_id, "workingHours": hours,
            "busy": self._busy(where, e.get("busy") or [], zone),
            "weekly": self._weekly(where, e.get("weekly") or []),
            **bools,
        }

    def _working_hours(self, where: str, raw: Any, default_zone: str) -> dict[str, Any]:
        raw = raw or {}
        if not isinstance(raw, dict):
            self.fail(where, "workingHours must be a mapping")
            raw = {}
        days = raw.get("daysOfWeek", list(DAYS[:5]))
        if not isinstance(days, list) or any(str(d).lower() not in DAYS for d in days):
            self.fail(where, f"workingHours.daysOfWeek has an unknown day in {days!r}")
            days = list(DAYS[:5])
        start = self._clock(where, "workingHours.startTime", raw.get("startTime", "08:00"))
        end = self._clock(where, "workingHours.endTime", raw.get("endTime", "17:00"))
        if start and end and start >= end:
            self.fail(where, f"workingHours end {end} is not after start {start}")
        zone = self._zone(f"{where} workingHours.timeZone", raw.get("timeZone") or default_zone)
        return {"daysOfWeek": [str(d).lower() for d in days], "startTime": start or "08:00",
                "endTime": end or "17:00", "timeZone": zone}

    def _clock(self, where: str, key: str, value: Any) -> str | None:
        if isinstance(value, int) and not isinstance(value, bool):  # YAML 1.1 reads 13:00 as 780
            value = f"{value // 60:02d}:{value % 60:02d}"
        try:
            parsed = dt.time.fromisoformat(str(value))
        except ValueError:
            self.fail(where, f"{key} '{value}' is not a time like 08:30")
            return None
        return parsed.strftime("%H:%M")

    def _busy(self, where: str, raw: Any, zone: dt.tzinfo) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if not isinstance(raw, list):
            self.fail(where, "busy must be a list")
            return out
        for i, block in enumerate(raw):
            w = f"{where} busy[{i}]"
            if not isinstance(block, dict):
                self.fail(w, "must be a mapping with start and end")
                continue
            start, end = self._local(w, "start", block.get("start")), self._local(w, "end", block.get("end"))
            show = block.get("showAs", "busy")
            if show not in SHOW_AS:
                self.fail(w, f"showAs '{show}' is not one of {', '.join(SHOW_AS)}")
            if start is None or end is None:
                continue
            if end <= start:
                self.fail(w, f"end {block.get('end')} is not after start {block.get('start')}")
                continue
            out.append({
                "start": _to_utc(start, zone), "end": _to_utc(end, zone), "showAs": show,
                "subject": str(block.get("subject") or ""),
            })
        return out

    def _local(self, where: str, key: str, value: Any) -> dt.datetime | None:
        if isinstance(value, dt.datetime):
            return value.replace(tzinfo=None)
        if isinstance(value, dt.date):
            return dt.datetime.combine(value, dt.time())
        try:
            parsed = dt.datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(where, f"{key} '{value}' is not a local time like 2027-02-03T09:00")
            return None
        return parsed.replace(tzinfo=None)

    def _weekly(self, where: str, raw: Any) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if not isinstance(raw, list):
            self.fail(where, "weekly must be a list")
            return out
        for i, block in enumerate(raw):
            w = f"{where} weekly[{i}]"
            if not isinstance(block, dict):
                self.fail(w, "must be a mapping with day, start and end")
                continue
            day = str(block.get("day", "")).lower()
            if day not in DAYS:
                self.fail(w, f"day '{block.get('day')}' is not a weekday name")
                continue
            start = self._clock(w, "start", block.get("start"))
            end = self._clock(w, "end", block.get("end"))
            show = block.get("showAs", "busy")
            if show not in SHOW_AS:
                self.fail(w, f"showAs '{show}' is not one of {', '.join(SHOW_AS)}")
            if start and end and start >= end:
                self.fail(w, f"end {end} is not after start {start}")
            if start and end:
                out.append({"day": day, "start": start, "end": end, "showAs": show,
                            "subject": str(block.get("subject") or "")})
        return out

    # -- sites ------------------------------------------------------------------------------
    def _sites(self, raw: Any, tenant: dict[str, Any]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if not isinstance(raw, list):
            self.fail("sites", "must be a list")
            return out
        seen: set[str] = set()
        for i, site in enumerate(raw):
            where = f"sites[{i}]"
            if not isinstance(site, dict) or not str(site.get("path", "")).startswith("/"):
                self.fail(where, "needs a path starting with / (e.g. /sites/hr)")
                continue
            path = str(site["path"]).rstrip("/")
            if path.lower() in seen:
                self.fail(where, f"duplicate site path '{path}'")
                continue
            seen.add(path.lower())
            if not self.texts(where, site, ("displayName",)):
                continue
            lists = check_lists(self.fail, where, site.get("lists"))
            out.append({
                "path": path, "displayName": str(site.get("displayName") or path.rsplit("/", 1)[-1]),
                "hostname": tenant["sharepointHost"], "lists": lists,
            })
        return out


def _to_utc(local: dt.datetime, zone: dt.tzinfo) -> str:
    aware = local.replace(tzinfo=zone)
    return aware.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds")
