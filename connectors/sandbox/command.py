"""``samtal sandbox``: serve the sandbox tenant on loopback until Ctrl-C.

    samtal sandbox --seed FILE [--port N] [--state FILE] [--faults LIST] [--https]
    samtal sandbox --generate N [--generate-seed K] [--window-start D --window-end D] [--domain D]

The first line printed is ``listening on http://127.0.0.1:PORT`` (``https://`` with ``--https``);
then ``graph: URL`` (a campaign's ``tenant.graph_url``), ``certificate: FILE`` with ``--https``, and
``site: HOST:/PATH`` for each site of the seed (a campaign's ``records.site``; a generated
organisation has one, ``<first label of --domain>.sharepoint.com:/sites/hr``).
``--state FILE`` loads that file when it exists (instead of the seed) and saves the state there
when stopped (Ctrl-C or SIGTERM). Everything about the sandbox, seeds and faults included, is
in docs/sandbox.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from connectors.cli_options import SEED, day, whole
from connectors.sandbox.faults import FaultSpec, FaultSpecError
from connectors.sandbox.seed import SeedError

MAX_GENERATED = 20_000  # people in a generated organisation (5,000 take about a minute)
MAX_WINDOW_DAYS = 366


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = ("The seed format with every key, the control routes, faults and tenant variants are "
                     "described in docs/sandbox.md of the samtal repository.")
    parser.add_argument("--seed", metavar="FILE", help="YAML seed (format: docs/sandbox.md#seed-format)")
    parser.add_argument("--port", type=whole(0, 65535, "a port"), default=0, metavar="N",
                        help="port on 127.0.0.1 (0 picks a free one)")
    parser.add_argument("--state", metavar="FILE", help="load this state file if it exists; save to it on exit")
    parser.add_argument("--faults", metavar="LIST", default="",
                        help="faults to inject, comma-separated name=value (docs/sandbox.md#faults), "
                             "e.g. throttle=0.1,unavailable=0.05,drop=0.01,latency_ms=50,seed=7")
    parser.add_argument("--https", action="store_true", help="TLS with a generated self-signed certificate, plus a token endpoint")
    parser.add_argument("--generate", type=whole(1, MAX_GENERATED, "a number of people"), metavar="N",
                        help=f"serve a generated organisation of N people (at most {MAX_GENERATED:,}) instead of --seed")
    parser.add_argument("--generate-seed", type=SEED, default=7, metavar="K", help="random seed of the generator (default 7)")
    parser.add_argument("--window-start", type=day, default=dt.date(2027, 2, 1), metavar="DATE",
                        help="campaign window start the generated calendars fill (default 2027-02-01)")
    parser.add_argument("--window-end", type=day, default=dt.date(2027, 4, 30), metavar="DATE",
                        help=f"campaign window end (default 2027-04-30; at most {MAX_WINDOW_DAYS} days after the start)")
    parser.add_argument("--domain", default="example.se", help="mail domain of a generated organisation")


def _build(args: argparse.Namespace, faults: FaultSpec) -> Any:
    from connectors.sandbox.app import Sandbox

    if args.state and Path(args.state).exists():
        try:
            return Sandbox.load(args.state, faults=faults)
        except (OSError, ValueError, LookupError, TypeError, AttributeError) as err:
            raise SeedError(args.state, [f"not a sandbox state file samtal can load ({type(err).__name__}: {err}); "
                                         "move it away to start from the seed"]) from err
    if args.generate is not None:
        from connectors.sandbox.generate import generate_seed

        if args.window_end < args.window_start:
            raise ValueError(f"--window-end {args.window_end} is before --window-start {args.window_start}")
        if (args.window_end - args.window_start).days > MAX_WINDOW_DAYS:
            raise ValueError(f"--window-end: at most {MAX_WINDOW_DAYS} days after --window-start "
                             f"({args.window_start}), got {args.window_end}")

        seed = generate_seed(args.generate, seed=args.generate_seed, window_start=args.window_start,
                             window_end=args.window_end, domain=args.domain)
        return Sandbox.from_seed(seed, faults=faults)
    if not args.seed:
        raise SeedError("(none)", ["give --seed FILE, --generate N, or an existing --state FILE"])
    return Sandbox.from_seed(args.seed, faults=faults)


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C or SIGTERM, then save ``--state``; 0 when stopped, 2 for bad input.

    Both signals are caught from the start, before anything is loaded or printed: one that
    arrives at any moment (even right after the first line, before the serving loop) stops the
    sandbox the same way, with the state saved and status 0."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, on_signal)
    try:
        return _serve(args, stop)
    except KeyboardInterrupt:  # only if someone replaced the handler meanwhile
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _serve(args: argparse.Namespace, stop: threading.Event) -> int:
    try:
        faults = FaultSpec.parse(args.faults)
        sandbox = _build(args, faults)
    except (FaultSpecError, SeedError, ValueError) as err:
        print(f"samtal sandbox: {err}", file=sys.stderr)
        return 2
    if stop.is_set():  # stopped while loading: nothing was served
        _save(args, sandbox)
        return 0
    try:
        server = sandbox.serve(port=args.port, https=args.https)
    except OSError as err:
        print(f"samtal sandbox: cannot listen on port {args.port}: {err.strerror}", file=sys.stderr)
        return 2
    try:
        print(f"listening on {server.url}", flush=True)
        print(f"graph: {server.graph_url}", flush=True)
        if server.ca_file:
            print(f"certificate: {server.ca_file}", flush=True)
        for site in sandbox.tenant.seed.get("sites") or []:
            print(f"site: {site['hostname']}:{site['path']}  (records.site of a campaign)", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        server.close()
        _save(args, sandbox)
    return 0


def _save(args: argparse.Namespace, sandbox: Any) -> None:
    if args.state:
        sandbox.save(args.state)
        print(f"state saved to {args.state}", flush=True)
