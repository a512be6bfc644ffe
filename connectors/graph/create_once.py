"""Creating many things in ``$batch`` calls without ever creating one twice.

A POST whose answer is lost may have landed (docs/failures.md#t16): Graph has no idempotency key
for most creates. So events, list items and mail drafts are created the same way, here: send the
creates in ``$batch`` calls; an item whose fate is unknown (a 5xx, an item left out of the answer,
or the whole envelope dropped after it was sent) is looked up by what identifies it (an event's or
a draft's tag, a list item's key) and created again only when it is not there, at most
``attempts`` times in all. An item refused for good keeps its error; an item that cannot be
looked up keeps the look-up's error, since creating it blindly could make a second one.

Each caller says how to build its request, read its answer and look its items up:
:func:`create_once` knows nothing of events, items or messages.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from connectors.graph import errors
from connectors.graph.batch import BatchRequest, execute_batch
from connectors.graph.http import GraphHttp

log = logging.getLogger(__name__)
T = TypeVar("T")

def create_once(http: GraphHttp, count: int, *, request: Callable[[int], BatchRequest],
                parse: Callable[[int, Any], T], lookup: Callable[[Sequence[int]], dict[int, T | None | errors.GraphError]],
                attempts: int, what: str,
                unknown_fate: Callable[[int, errors.GraphError], bool] | None = None,
                refused: Callable[[errors.GraphError], errors.GraphError] | None = None,
                ) -> list[T | errors.GraphError]:
    """Create ``count`` things, one answer each, in order: what was created (or found already
    created) or the error.

    ``request(i)`` builds item ``i``'s create (its batch id must be ``str(i)``); ``parse(i,
    body)`` reads a successful answer (and may raise :class:`errors.GraphError`);
    ``lookup(indices)`` says for each index what is there already; ``unknown_fate(i, err)``
    whether a failed item may have landed after all (default: a server or transport error);
    ``refused(err)`` turns any other error into the one to report (default: as it is).
    """
    may_have_landed = unknown_fate or (lambda _i, err: isinstance(err, (errors.ServerError, errors.TransportError)))
    out: dict[int, T | errors.GraphError] = {}
    pending = list(range(count))
    for attempt in range(1, attempts + 1):
        unknown: dict[int, errors.GraphError] = {}
        try:
            results = execute_batch(http, [request(i) for i in pending])
        except errors.TransportError as err:
            if not err.maybe_applied:
                raise  # certainly not applied, and the HTTP layer already retried it
            unknown = {i: err for i in pending}
        else:
            for i in pending:
                res = results[str(i)]
                if res.ok:
                    try:
                        out[i] = parse(i, res.body)
                    except errors.GraphError as err:
                        out[i] = err
                elif res.error is not None and may_have_landed(i, res.error):
                    unknown[i] = res.error
                else:
                    assert res.error is not None
                    out[i] = refused(res.error) if refused else res.error
        if not unknown:
            break
        log.info("creating %d %s failed (attempt %d); looking for them before creating again",
                 len(unknown), what, attempt)
        found = lookup(list(unknown))
        pending = []
        for i, lost in unknown.items():
            there = found.get(i)
            if isinstance(there, errors.GraphError):
                out[i] = there  # cannot tell whether it exists: never create blindly
            elif there is not None:
                out[i] = there
            elif attempt == attempts:
                note = f" ({what} not created after {attempts} attempts)"
                if not lost.message.endswith(note):
                    lost.message += note
                out[i] = lost
            else:
                pending.append(i)
        if not pending:
            break
    return [out[i] for i in range(count)]


__all__ = ["create_once"]
