"""The sandbox as a library object: ``Sandbox.from_seed(...)``, ``serve()``, ``stats()``, ``save()``.

One ``Sandbox`` holds the tenant state, the fault engine, the counters and the identity provider;
``handle()`` answers one HTTP request of any kind (Graph under ``/v1.0``, control routes under
``/_sandbox/``, upload and download URLs, and in HTTPS mode the OpenID metadata and token
endpoint). The HTTP transport lives in ``server.py``.
"""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from connectors.sandbox import control, identity, transport, upload
from connectors.sandbox.ru import MailboxBudget, RuMeter, budget_for_licences
from connectors.sandbox.errors import GraphError
from connectors.sandbox.faults import FaultEngine, FaultSpec
from connectors.sandbox.http_types import Request, Response
from connectors.sandbox.router import Stats, serve_graph
from connectors.sandbox.seed import SeedError, load_seed
from connectors.sandbox.state import Tenant

if TYPE_CHECKING:
    from connectors.sandbox.server import Server


class Sandbox:
    def __init__(self, tenant: Tenant, faults: FaultSpec | None = None) -> None:
        self.tenant = tenant
        self.faults = FaultEngine(faults or FaultSpec())
        self.stats_counter = Stats()
        self.ru = self._ru_meter(self.faults.spec)
        self.mailbox_budget = MailboxBudget(self.faults.spec.mailbox_requests, self.faults.spec.mailbox_window_s)
        self.identity = identity.Identity(self)
        self.require_issued_tokens = False

    # -- construction and persistence --------------------------------------------------------
    @classmethod
    def from_seed(cls, seed: str | Path | dict[str, Any], *, faults: FaultSpec | None = None) -> Sandbox:
        sandbox = cls(Tenant(load_seed(seed)), faults)
        try:
            sandbox._seed_lists()
        except _ListRefused as refused:  # what only creating a seeded list can tell
            raise SeedError("(dict)" if isinstance(seed, dict) else str(seed), [str(refused)]) from None
        return sandbox

    @classmethod
    def load(cls, path: str | Path, *, faults: FaultSpec | None = None) -> Sandbox:
        return cls(Tenant.from_json(Path(path).read_text(encoding="utf-8")), faults)

    def save(self, path: str | Path) -> None:
        target = Path(path)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(self.tenant.to_json(), encoding="utf-8")
        tmp.replace(target)

    def reset(self) -> None:
        """Back to the seed: state, counters, fault history and issued tokens."""
        with self.tenant.lock:
            self.tenant.reset()
            self._seed_lists()
        self.stats_counter.reset()
        self.faults.reset()
        self.ru.reset()
        self.mailbox_budget.reset()
        self.identity.expire_all()

    def _seed_lists(self) -> None:
        from connectors.sandbox.lists import create_list_in

        with self.tenant.lock:
            for i, seeded in enumerate(self.tenant.seed["sites"]):
                site = next(s for s in self.tenant.data["sites"].values() if s["path"] == seeded["path"])
                for j, spec in enumerate(seeded["lists"]):
                    try:
                        create_list_in(self, site, spec)
                    except GraphError as err:
                        raise _ListRefused(f"sites[{i}] lists[{j}] {spec['displayName']!r}: {err.message}") from err

    def set_faults(self, spec: FaultSpec) -> None:
        self.faults = FaultEngine(spec)
        self.ru = self._ru_meter(spec)
        self.mailbox_budget = MailboxBudget(spec.mailbox_requests, spec.mailbox_window_s)

    def _ru_meter(self, spec: FaultSpec) -> RuMeter:
        """SharePoint's RU budgets: the spec's numbers, else those of the seed's ``licences``.
        With neither, RU are counted but not enforced (seeds written before budgets existed)."""
        licences = self.tenant.seed["tenant"].get("licences")
        minute, day = budget_for_licences(len(self.tenant.seed["users"]) if licences is None else int(licences))
        enforce = licences is not None or bool(spec.ru_per_minute or spec.ru_per_day)
        return RuMeter(spec.ru_per_minute or minute, spec.ru_per_day or day, spec.ru_window_s, enforce=enforce)

    def set_ru_budget(self, per_minute: int | None = None, per_day: int | None = None,
                      window_s: float | None = None) -> RuMeter:
        """New RU budgets (None keeps the current value); the windows and RU counts start over."""
        old = self.ru
        self.ru = RuMeter(per_minute or old.per_window, per_day or old.per_day, window_s or old.window_s,
                          enforce=True)
        return self.ru

    def stats(self) -> dict[str, Any]:
        snapshot = self.stats_counter.snapshot(self.faults.max_in_flight)
        snapshot["ru"] = self.ru.snapshot()
        snapshot["mailbox_budget_429"] = self.mailbox_budget.throttled
        snapshot["mail"] = transport.stats(self)
        return snapshot

    def serve(self, port: int = 0, *, https: bool = False, host: str = "127.0.0.1") -> Server:
        from connectors.sandbox.server import Server

        self.require_issued_tokens = https
        return Server(self, host, port, https=https)

    # -- requests ------------------------------------------------------------------------------
    def authorize(self, req: Request) -> None:
        header = req.header("authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise GraphError(401, "InvalidAuthenticationToken", "Access token is empty.")
        if self.require_issued_tokens:
            self.identity.verify(token.strip())

    def error_response(self, req: Request, err: GraphError) -> Response:
        rid = str(uuid.uuid4())
        crid = req.header("client-request-id") or rid
        headers = {**err.headers, "request-id": rid, "client-request-id": crid}
        return Response(err.status, err.body(rid, crid), headers)

    def handle(self, req: Request) -> tuple[Response, bool]:
        path = req.path
        lower = path.lower()
        drop = False
        try:
            if lower.startswith("/v1.0/") or lower == "/v1.0":
                response, drop = serve_graph(self, req)
            elif lower.startswith("/_sandbox/"):
                response = control.handle(self, req)
            elif lower.startswith("/_upload/"):
                response, drop = self._side(req, "upload", lambda: upload.handle_upload(self, req, path.split("/", 2)[2]))
            elif lower.startswith("/_download/"):
                response, drop = self._side(req, "download", lambda: upload.handle_download(self, req, path.split("/", 2)[2]))
            else:
                response = self.identity.handle(req)
        except GraphError as err:
            response = self.error_response(req, err)
        rid = response.headers.get("request-id") or str(uuid.uuid4())
        response.headers.setdefault("request-id", rid)
        response.headers.setdefault("client-request-id", req.header("client-request-id") or rid)
        return response, drop

    def _side(self, req: Request, group: str, work: Any) -> tuple[Response, bool]:
        """Upload and download URLs: counted and faulted like Graph requests, but no auth."""
        stats = self.stats_counter
        name = f"{req.method} /_{group}/{{token}}"
        with stats.lock:
            stats.requests += 1
            stats.by_route[name] += 1
            if req.method != "GET":
                stats.writes += 1
        fate = self.faults.draw(req.method, f"{req.path}|{req.header('content-range')}", group, group)
        if fate.status:
            from connectors.sandbox.router import _fault

            return _fault(self, req, fate.status, fate.retry_after, early=fate.early_retry), False
        try:
            response: Response = work()
        except GraphError as err:
            response = self.error_response(req, err)
        with stats.lock:
            stats.by_status[response.status] += 1
            if fate.drop:
                stats.dropped += 1
        return response, fate.drop


class _ListRefused(Exception):
    """A seeded list the sandbox refused to create, with the place in the seed and why."""
