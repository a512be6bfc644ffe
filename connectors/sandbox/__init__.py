"""The sandbox tenant: Microsoft Graph on loopback, stateful, with faults on demand (docs/sandbox.md).

    from connectors.sandbox import Sandbox, FaultSpec
    sb = Sandbox.from_seed("seed.yaml", faults=FaultSpec.parse("throttle=0.1,seed=7"))
    with sb.serve(port=0) as server:
        server.graph_url   # http://127.0.0.1:PORT/v1.0

Modules: ``app`` (the Sandbox object), ``server`` (threaded HTTP/1.1), ``router`` (pipeline),
``directory``, ``calendar``, ``schedule``, ``drive``, ``upload``, ``names``, ``lists``, ``batch``,
``faults``, ``seed``, ``state``, ``errors``, ``control`` (``/_sandbox/``), ``identity`` + ``tls``
(HTTPS token endpoint), ``command`` (``samtal sandbox``).
"""
from __future__ import annotations

from connectors.sandbox.app import Sandbox
from connectors.sandbox.faults import FaultSpec, FaultSpecError
from connectors.sandbox.seed import SeedError

__all__ = ["FaultSpec", "FaultSpecError", "Sandbox", "SeedError"]
