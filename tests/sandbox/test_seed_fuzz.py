"""Every key of a seed, given a value of the wrong type, either loads or is refused with a
:class:`SeedError` naming where the problem is: never another exception (``samtal sandbox`` would
print a traceback), and a seed that loads can be served and saved as a state file."""
from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from connectors.sandbox import Sandbox, SeedError
from plugin.cli import main

FULL: dict[str, Any] = {
    "tenant": {"domain": "example.se", "timeZone": "W. Europe Standard Time", "id": "t1", "displayName": "T",
               "apps": [{"client_id": "c", "secret": "s", "displayName": "a", "roles": ["User.Read.All"]}],
               "licences": 10, "variants": {"permissions": "documented"}},
    "users": [
        {"userPrincipalName": "a@example.se", "displayName": "A"},
        {"userPrincipalName": "b@example.se", "displayName": "B", "id": "11111111-0000-4000-8000-000000000001",
         "mail": "b@example.se", "department": "D", "jobTitle": "J", "manager": "a@example.se",
         "preferredLanguage": "sv-SE", "accountEnabled": True, "oneDrive": True, "mailbox": True,
         "workingHours": {"daysOfWeek": ["monday"], "startTime": "08:00", "endTime": "17:00",
                          "timeZone": "W. Europe Standard Time"},
         "busy": [{"start": "2027-02-03T09:00", "end": "2027-02-03T12:00", "showAs": "busy", "subject": "S"}],
         "weekly": [{"day": "monday", "start": "13:00", "end": "15:00", "showAs": "busy", "subject": "W"}],
         "kind": "user", "userType": "Member", "givenName": "B", "surname": "Bb", "officeLocation": "O",
         "employeeId": "E", "businessPhones": ["1"], "mobilePhone": "2"},
    ],
    "sites": [{"path": "/sites/hr", "displayName": "HR", "lists": [
        {"displayName": "L", "description": "d", "list": {"template": "genericList"},
         "columns": [{"name": "Key", "text": {}, "indexed": True, "required": False, "enforceUniqueValues": False,
                      "displayName": "Key"},
                     {"name": "When", "dateTime": {}}],
         "items": [{"Key": "k1", "When": "2027-02-01T09:00:00Z"}]}]}],
}
WRONG: list[Any] = [None, True, 0, -1, 1.5, "", "x", [], [1], ["x"], {}, {"a": 1},
                    dt.date(2027, 1, 1), dt.datetime(2027, 1, 1, 9)]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if prefix:
        yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, prefix + (i,))


def _with(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    seed = copy.deepcopy(FULL)
    node: Any = seed
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return seed


def _place(path: tuple[Any, ...]) -> str:
    """How a problem at ``path`` is named: ``users[1]``, ``sites[0]``, ``tenant``."""
    return f"{path[0]}[{path[1]}]" if len(path) > 1 and isinstance(path[1], int) else str(path[0])


def test_the_full_seed_loads_serves_and_saves() -> None:
    sandbox = Sandbox.from_seed(FULL)
    assert sandbox.tenant.to_json()


@pytest.mark.parametrize("path", list(_paths(FULL)), ids=lambda p: ".".join(map(str, p)))
def test_a_wrong_type_anywhere_is_a_named_seed_error_or_loads(path: tuple[Any, ...]) -> None:
    for wrong in WRONG:
        try:
            sandbox = Sandbox.from_seed(_with(path, wrong))
        except SeedError as err:
            assert _place(path) in str(err), (wrong, str(err))
        else:
            sandbox.tenant.to_json()  # the state can be saved when the command stops


def test_the_command_names_a_bad_list_column_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed = copy.deepcopy(FULL)
    seed["sites"][0]["lists"][0]["columns"][1] = {"name": "When", "dateTime": {}, "text": {}}  # two types
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(seed), encoding="utf-8")
    assert main(["sandbox", "--seed", str(path), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "sites[0]" in err and "'L'" in err and "'When'" in err and "Traceback" not in err, err


def test_the_command_names_a_state_file_it_cannot_load(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for text in ("[]", "{\"version\": 1}", "not json"):
        state = tmp_path / "state.json"
        state.write_text(text, encoding="utf-8")
        assert main(["sandbox", "--state", str(state), "--port", "0"]) == 2
        err = capsys.readouterr().err
        assert str(state) in err and "Traceback" not in err, err
