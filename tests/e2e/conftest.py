"""End-to-end fixtures: a sandbox tenant served on loopback, a campaign file pointing at it, and
passes of the round run against it in simulated time.

:class:`Served` is one served sandbox with its campaign file; :func:`serve` makes one (a context
manager), the ``serve_tenant`` fixture makes as many as a test wants and closes them afterwards.
The seeds are small on purpose (the hand-written ``small.yaml`` with a few more awkward people,
or ``generate_seed(40..80)``), so the whole folder runs in seconds.
"""
from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
import yaml

from connectors.graph.client import GraphClient
from connectors.graph.retry import RetryPolicy
from connectors.sandbox import FaultSpec, Sandbox
from connectors.sandbox.people import People
from plugin.cache import LookCache
from plugin.lease import LeaseTerms, utc_now
from plugin.reconcile import PassReport, Reconciler
from plugin.settings import Settings, load_settings
from plugin.tenant import open_client
from tests.e2e.privacy import check_privacy

ZONE = ZoneInfo("Europe/Stockholm")
WINDOW = (date(2027, 2, 1), date(2027, 3, 31))  # holds Good Friday and Easter Monday 2027
NOW = datetime(2027, 1, 20, 9, 0, tzinfo=ZONE)  # before the window: everything is still ahead
AFTER = datetime(2027, 4, 5, 9, 0, tzinfo=ZONE)  # after the window: every talk has been held
SECRET_VARIABLE = "SAMTAL_E2E_SECRET"
SMALL_SEED = Path(__file__).resolve().parents[2] / "connectors" / "sandbox" / "seeds" / "small.yaml"
# Short waits: the faults' Retry-After and the client's own backoff stay in tens of milliseconds.
FAST_RETRIES = RetryPolicy(max_attempts=12, deadline=60.0, backoff_base=0.02, backoff_cap=0.2)

CAMPAIGN = """\
campaign: {{id: "2027", title: Medarbetarsamtal 2027, window: {{start: {start}, end: {end}}}}}
tenant:
  graph_url: {graph_url}
  tenant_id: 00000000-0000-4000-8000-000000000001
  client_id: 00000000-0000-4000-8000-000000000002
  client_secret: {{env: {secret}}}
meetings: {{duration_minutes: 60, buffer_minutes: 15, max_per_manager_per_day: {per_day},
           time_zone: Europe/Stockholm, online: teams}}
folders: {{owner: {owner}, path: "Medarbetarsamtal/{{campaign}}"}}
records: {{site: "example.sharepoint.com:/sites/hr", list: Medarbetarsamtal}}
concurrency: {{max_requests: {workers}}}
"""

# Awkward directory cases (docs/sandbox.md#user-variants) that small.yaml does not have: a guest,
# two people with one display name, names OneDrive forbids (characters; leading/trailing spaces
# and dots).
EXTRA_PEOPLE: list[dict[str, Any]] = [
    {"userPrincipalName": "kim.lee_partner.example.org#EXT#@example.se", "mail": "kim.lee@partner.example.org",
     "displayName": "Kim Lee (gäst)", "userType": "Guest", "manager": "per.lind@example.se",
     "department": "Avdelningen för algebra och geometri", "oneDrive": False, "mailbox": False},
    {"userPrincipalName": "erik.andersson@example.se", "displayName": "Erik Andersson",
     "department": "Institutionen för matematik", "manager": "anna.berg@example.se", "preferredLanguage": "sv-SE"},
    {"userPrincipalName": "erik.andersson2@example.se", "displayName": "Erik Andersson",
     "department": "Institutionen för matematik", "manager": "anna.berg@example.se", "preferredLanguage": "en-GB"},
    {"userPrincipalName": "sara.lund@example.se", "displayName": "Sara <Lund>: HR/IT? | *",
     "department": "Institutionen för matematik", "manager": "anna.berg@example.se", "preferredLanguage": "sv-SE"},
    {"userPrincipalName": "olle.berg@example.se", "displayName": " .Olle Berg. ",
     "department": "Institutionen för matematik", "manager": "anna.berg@example.se", "preferredLanguage": "sv-SE"},
]


def small_seed() -> dict[str, Any]:
    """small.yaml plus :data:`EXTRA_PEOPLE`."""
    seed = yaml.safe_load(SMALL_SEED.read_text(encoding="utf-8"))
    seed["users"] = seed["users"] + copy.deepcopy(EXTRA_PEOPLE)
    return dict(seed)


def team_seed(reports: int = 4) -> dict[str, Any]:
    """A manager (reporting to a head) and ``reports`` employees: a handful of talks."""
    users: list[dict[str, Any]] = [
        {"userPrincipalName": "head@example.se", "displayName": "Hedda Head", "preferredLanguage": "sv-SE"},
        {"userPrincipalName": "boss@example.se", "displayName": "Bo Boss", "manager": "head@example.se",
         "preferredLanguage": "sv-SE", "department": "Avdelningen"},
        {"userPrincipalName": "other.boss@example.se", "displayName": "Olga Other", "manager": "head@example.se",
         "preferredLanguage": "en-GB", "department": "Avdelningen"},
    ]
    for n in range(reports):
        users.append({"userPrincipalName": f"person{n}@example.se", "displayName": f"Person {n}",
                      "manager": "boss@example.se", "department": "Avdelningen",
                      "preferredLanguage": "en-GB" if n % 2 else "sv-SE"})
    return {"tenant": {"domain": "example.se"}, "users": users,
            "sites": [{"path": "/sites/hr", "displayName": "HR"}]}


@dataclass
class Served:
    """One served sandbox and the campaign file that points at it."""

    sandbox: Sandbox
    graph_url: str
    url: str
    config: Path
    cache_path: Path
    policy: RetryPolicy = field(default_factory=RetryPolicy)

    def settings(self, now: datetime = NOW) -> Settings:
        return load_settings(self.config, now=now, allow_past_window=True,
                             environ={SECRET_VARIABLE: "e2e"})

    def client(self, now: datetime = NOW, session: requests.Session | None = None) -> GraphClient:
        kw: dict[str, object] = {"policy": self.policy}
        if session is not None:
            kw["session"] = session
        return open_client(self.settings(now), **kw)

    def run(self, now: datetime = NOW, *, session: requests.Session | None = None,
            cache: LookCache | None = None, watch_all: bool = False, dry_run: bool = False,
            lease: LeaseTerms | None = None) -> PassReport:
        """One pass at ``now``; without ``cache`` a fresh in-memory one (looks at everything).
        ``lease`` replaces the pass lease's terms (its real clock, say)."""
        settings = self.settings(now)
        return Reconciler(self.client(now, session), settings, now=now, dry_run=dry_run,
                          cache=cache if cache is not None else LookCache(None),
                          look_every=timedelta(hours=6), watch_all=watch_all, lease=lease).run()

    def state(self) -> dict[str, Any]:
        """A deep copy of the tenant's data (users, events, drives, sites and lists)."""
        with self.sandbox.tenant.lock:
            return copy.deepcopy(self.sandbox.tenant.data)

    def blob(self, item_id: str) -> bytes:
        with self.sandbox.tenant.lock:
            return self.sandbox.tenant.blobs[item_id]

    def stats(self) -> dict[str, Any]:
        return self.sandbox.stats()

    @property
    def people(self) -> People:
        return People(self.url)

    def control(self, method: str, path: str, **kw: Any) -> requests.Response:
        return requests.request(method, f"{self.url}/_sandbox/{path}", timeout=10, **kw)


@contextmanager
def serve(tmp: Path, seed: dict[str, Any] | str | Path, *, faults: str = "", per_day: int = 3,
          workers: int = 8, policy: RetryPolicy | None = None,
          folders_owner: str = "employee") -> Iterator[Served]:
    """Serve a sandbox from ``seed`` and write a campaign file for it into ``tmp``.

    When the scenario ends without an error, the whole tenant is checked against the privacy
    invariant (:func:`tests.e2e.privacy.check_privacy`): every e2e scenario, present and future,
    ends with nothing visible to anyone but its talk's employee and manager."""
    sandbox = Sandbox.from_seed(seed, faults=FaultSpec.parse(faults) if faults else None)
    with sandbox.serve(port=0) as server:
        config = tmp / "campaign.yaml"
        config.write_text(CAMPAIGN.format(graph_url=server.graph_url, start=WINDOW[0], end=WINDOW[1],
                                          secret=SECRET_VARIABLE, per_day=per_day, workers=workers,
                                          owner=folders_owner),
                          encoding="utf-8")
        yield Served(sandbox, server.graph_url, server.url, config, tmp / "cache.json",
                     policy or RetryPolicy())
    with sandbox.tenant.lock:
        check_privacy(sandbox.tenant.data, sandbox.tenant.blobs)


ServeFactory = Callable[..., Served]


def later_lease(minutes: float = 10) -> LeaseTerms:
    """Lease terms whose real clock runs ``minutes`` ahead: a pass started that much later, when
    the lease a killed pass left behind has expired."""
    return LeaseTerms(clock=lambda: utc_now() + timedelta(minutes=minutes))


@pytest.fixture(scope="module")
def serve_tenant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeFactory]:
    """``serve_tenant(seed, **options)`` → a :class:`Served`, closed at the end of the module."""
    with ExitStack() as stack:
        def make(seed: dict[str, Any] | str | Path, **options: Any) -> Served:
            cm: AbstractContextManager[Served] = serve(tmp_path_factory.mktemp("e2e"), seed, **options)
            return stack.enter_context(cm)
        yield make


@pytest.fixture()
def secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The campaign file's secret variable, for the commands (which read the environment)."""
    monkeypatch.setenv(SECRET_VARIABLE, "e2e")
    assert os.environ[SECRET_VARIABLE] == "e2e"
