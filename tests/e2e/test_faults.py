"""The same round with faults on (429s, 503s, latency, connections dropped after the server did
the work) reaches the same final state as a round without them."""
from __future__ import annotations

import pytest

from connectors.sandbox.generate import generate_seed
from tests.e2e.checks import check_round, normalised
from tests.e2e.conftest import FAST_RETRIES, NOW, WINDOW, ServeFactory, small_seed

# Connections drop only outside $batch, and a round sends few such requests: at 0.08 a whole round
# dropped one connection or none (the check that the faults happened then depended on which
# request came when); at 0.25 it drops several.
FAULTS = "throttle=0.1,unavailable=0.05,drop=0.25,latency_ms=5,retry_after=0.05,seed={seed}"
MAX_PASSES = 3  # a talk that met a passing problem is left for the next pass; 3 is plenty


@pytest.mark.parametrize(("name", "fault_seed"), [("small", 1), ("generated", 4)])
def test_a_faulty_tenant_reaches_the_same_state(serve_tenant: ServeFactory, name: str, fault_seed: int) -> None:
    seed = small_seed() if name == "small" else generate_seed(40, seed=5, window_start=WINDOW[0],
                                                              window_end=WINDOW[1])
    clean = serve_tenant(seed)
    assert not clean.run(NOW).retry_later
    # Eight workers: the sandbox throttles a whole workload and answers a request sent inside its
    # Retry-After window with another 429 (docs/failures.md#t8); the connector holds
    # every thread's requests to that workload and lets one probe first when the window ends.
    faulty = serve_tenant(seed, faults=FAULTS.format(seed=fault_seed), policy=FAST_RETRIES, workers=8)
    passes = []
    for _ in range(MAX_PASSES):
        report = faulty.run(NOW)
        passes.append(len(report.retry_later))
        if not report.retry_later:
            break
    assert passes[-1] == 0, f"still passing problems after {MAX_PASSES} passes: {passes}"
    stats = faulty.stats()
    assert stats["throttled"] and stats["unavailable"] and stats["dropped"], stats  # the faults did happen
    check_round(faulty, faulty.state(), graph_reads=False)
    # Planning is deterministic (same free/busy, same order), so even the times agree.
    assert normalised(faulty.state()) == normalised(clean.state())
