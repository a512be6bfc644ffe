"""``--trace FILE`` over a whole round on the sandbox: nothing of the tenant in the trace, and the
trace's shapes replayed against a fresh sandbox running the same round (docs/architecture.md#traces)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connectors.graph.auth import StaticTokenProvider
from connectors.graph.trace import read_trace
from connectors.graph.trace_shapes import compare, shapes_by_call
from plugin.cli import main
from plugin.documents import wordsim
from tests.e2e.checks import items_by_key, utc
from tests.e2e.conftest import AFTER, NOW, ServeFactory, Served, small_seed

TEXTS = {"goals": "- Skriva klart boken om Galoisteori", "development_plan": "Kurs i ledarskap hösten",
         "competence_needs": "Statistik i R och Julia", "health_notes": "Sömnproblem sedan i höstas",
         "manager_feedback": "Chefen borde lyssna mer"}
CONFIRM = ("employee_confirmed", "manager_confirmed")
# Strings in the sandbox's state that are Graph's or samtal's own words, not the tenant's.
NOT_TENANT = frozenset({"OneDrive", "Documents", "Medarbetarsamtal 2027", "scheduled", "declined",
                        "accepted", "notResponded", "organizer", "required", "tentativelyAccepted"})


def _round(served: Served, out: Path) -> list[Path]:
    """The round a campaign goes through, each command traced: run (book, prepare, share),
    people fill in and confirm forms, run after the window (collect, file), status, report,
    and doctor with a write check."""
    def samtal(name: str, *args: str, now: str = NOW.isoformat()) -> int:
        trace = out / f"{name}.jsonl"
        traces.append(trace)
        return main(["--trace", str(trace), *args, "--config", str(served.config), "--now", now])

    traces: list[Path] = []
    assert samtal("book", "run", "-q") == 0
    for record in list(items_by_key(served.state()).values())[:4]:
        if record.get("FormItemId"):
            data = wordsim.fill_form(served.blob(record["FormItemId"]), TEXTS, confirm=CONFIRM,
                                     health_discussed=True, day=utc(record["MeetingStart"]).date())
            served.people.save_file(record["DriveId"], record["FormItemId"], data)
    assert samtal("file", "run", "-q", "--collect", now=AFTER.isoformat()) == 0
    samtal("status", "status", now=AFTER.isoformat())
    assert samtal("report", "report", "--out", str(out / "report"), now=AFTER.isoformat()) == 0
    assert samtal("doctor", "doctor", "--write-check", "per.lind@example.se") == 0
    return traces


def _tenant_strings(served: Served) -> set[str]:
    """Every string of the tenant's data worth hiding: ids, names, addresses, paths, subjects,
    field values, document text (timestamps and Graph's own words left out)."""
    found: set[str] = set()

    def walk(value: Any, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, str(k))
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and len(value) >= 6 and not value.isdigit() and value not in NOT_TENANT \
                and not key.lower().endswith(("datetime", "time", "date", "at", "type", "mimetype")):
            found.add(value)

    state = served.state()
    walk({k: state[k] for k in ("users", "events", "drives", "sites")})
    # the records list's column names are samtal's schema: property names in a trace's shapes
    columns = {str(c.get(k)) for site in state["sites"].values() for lst in site["lists"].values()
               for c in (lst.get("columns") or []) if isinstance(c, dict) for k in ("name", "displayName")}
    found -= columns
    for text in TEXTS.values():
        found.add(text.lstrip("- "))
    return found


@pytest.mark.usefixtures("secret_env")
def test_a_traced_round_holds_no_value_of_the_tenant(serve_tenant: ServeFactory, tmp_path: Path) -> None:
    served = serve_tenant(small_seed())
    traces = _round(served, tmp_path)
    lines = [line for t in traces for line in read_trace(t)]
    assert len(lines) > 100
    assert any("batch" in line for line in lines) and any(line.get("status") == 404 for line in lines)
    assert any(line["path"] == "{preauthenticated-url}" for line in lines)  # the forms' downloads
    assert any(isinstance(line.get("shape"), dict) and "value" in line["shape"] for line in lines)
    assert any(line["path"].startswith("/users/{user}/drive/root:/{path}:") for line in lines)
    text = "\n".join(t.read_text(encoding="utf-8") for t in traces)
    secrets = _tenant_strings(served)
    assert len(secrets) > 200
    leaked = sorted(s for s in secrets if s in text)
    assert leaked == [], " | ".join(leaked)
    for word in (StaticTokenProvider().token(), "Bearer", "Authorization"):
        assert word not in text
    # what is in a line: only the documented fields
    fields = {k for line in lines for k in line}
    assert fields <= {"seq", "at", "method", "path", "status", "ms", "attempt", "request_id", "client_request_id",
                      "headers", "body", "content_type", "shape", "error_code", "error", "batch", "item",
                      "batch_items"}


@pytest.mark.usefixtures("secret_env")
def test_the_traced_shapes_replay_against_a_fresh_sandbox(serve_tenant: ServeFactory, tmp_path: Path) -> None:
    """Every traced call, made again by the same round on a fresh sandbox, answers with the
    shape the trace recorded: the trace is a faithful, comparable description of the exchanges."""
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    recorded = _round(serve_tenant(small_seed()), first)
    replayed = _round(serve_tenant(small_seed()), second)
    for a, b in zip(recorded, replayed):
        reference, candidate = read_trace(a), read_trace(b)
        assert shapes_by_call(reference), a.name
        differences = compare(reference, candidate)
        assert differences == [], f"{a.name}: " + "; ".join(map(str, differences[:5]))
    # and the comparison does see a shape the sandbox does not give
    lines = read_trace(recorded[0])
    changed = next(line for line in lines if isinstance(line.get("shape"), dict) and "id" in line["shape"])
    altered = [dict(line, shape={**line["shape"], "id": "number"}) if line is changed else line for line in lines]
    assert any(d.where == "id" and d.what == "kinds differ" for d in compare(altered, read_trace(replayed[0])))
    assert json.loads(json.dumps(changed))  # a trace line is plain JSON
