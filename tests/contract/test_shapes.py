"""The shape checker sees what it is meant to see (a checker that passes everything would make
every contract test pass), and every contract is well formed with an example that keeps it."""
from __future__ import annotations

import pytest
import requests

from tests.contract.conftest import (
    ContractError, Exchange, all_contracts, check_answer, check_request, common_shapes, contract, graph_path,
    match, problems,
)


@pytest.mark.parametrize(("value", "shape", "wanted"), [
    ({"a": 1}, {"a!": "integer"}, []),
    ({}, {"a!": "integer"}, ["$.a: required, missing"]),
    ({"a": "1"}, {"a": "integer"}, ["$.a: expected integer, got a string \"1\""]),
    ({"a": True}, {"a": "integer"}, ["$.a: expected integer, got a boolean true"]),
    ({"a": None}, {"a": "string|null"}, []),
    ({"t": "Required"}, {"t": "enum:required,optional"}, ["$.t: expected one of ['required', 'optional'], got a string \"Required\""]),
    ({"d": "2027-03-02T10:00:00.0000000"}, {"d": "localDateTime"}, []),
    ({"d": "2027-03-02T10:00:00Z"}, {"d": "localDateTime"}, ["$.d: expected localDateTime, got a string \"2027-03-02T10:00:00Z\""]),
    ({"d": "2027-03-02T10:00:00.1234567Z"}, {"d": "timestamp"}, []),
    ([1, "x"], ["integer"], ["$[1]: expected integer, got a string \"x\""]),
    (["a", "b"], "string[]", []),
    ({"x": 1, "extra": 2}, {"x": "integer"}, []),
    ({"s": {"dateTime": "2027-03-02T10:00:00", "timeZone": "UTC"}}, {"s!": "$dateTimeTimeZone"}, []),
    ({"s": {"dateTime": "2027-03-02T10:00:00"}}, {"s!": "$dateTimeTimeZone"}, ["$.s.timeZone: required, missing"]),
    ({"f": {"A": 1, "B": "x"}}, {"f": {"*": "integer"}}, ["$.f.B: expected integer, got a string \"x\""]),
])
def test_shapes_are_checked(value: object, shape: object, wanted: list[str]) -> None:
    assert problems(value, shape) == wanted


def test_a_closed_object_refuses_what_the_contract_does_not_name() -> None:
    assert problems({"x": 1, "extra": 2}, {"x": "integer"}, closed=True) == ["$.extra: not in the documented shape"]
    assert problems({"x": 1}, {"x": "integer", "*": "any"}, closed=True) == []


def test_every_contract_is_well_formed_and_its_example_keeps_it() -> None:
    contracts = all_contracts()
    assert contracts
    for c in contracts:
        assert c.docs[0].startswith("https://learn.microsoft.com/"), f"{c.name}: cite the Learn page first"
        assert c.path.startswith("/") or c.path.startswith("{"), c.name
        if c.example is not None:
            check_answer(c, c.example)
    for name, shape in common_shapes().items():
        assert problems(None, shape) or shape in ("any",), f"_common.yaml {name} accepts anything"


def test_a_request_is_held_against_its_contract() -> None:
    c = contract("calendar/cancel_event")
    good = requests.Request("POST", "https://graph.microsoft.com/v1.0/users/a%40b.se/events/AAM%3D/cancel",
                            json={"comment": "inställt"}).prepare()
    check_request(c, good)
    bad = requests.Request("POST", "https://graph.microsoft.com/v1.0/users/a%40b.se/events/AAM%3D/cancel?$top=3",
                           json={"Comment": "inställt"}).prepare()
    with pytest.raises(ContractError) as err:
        check_request(c, bad)
    assert "query option $top is not in the contract" in str(err.value)
    assert "body.Comment: not in the documented shape" in str(err.value)
    with pytest.raises(ContractError, match="no body was sent"):
        check_request(c, Exchange("POST", "https://graph.microsoft.com/v1.0/users/x/events/y/cancel", {}, None))


@pytest.mark.parametrize(("items", "wanted"), [
    ([{"id": "1"}, {"id": "2"}], None),
    ([{"id": "1"}, {"id": "2", "dependsOn": ["1"]}, {"id": "3", "dependsOn": ["2"]}], None),
    ([{"id": "1"}, {"id": "2", "dependsOn": ["1"]}, {"id": "3", "dependsOn": ["1"]}], None),
    ([{"id": "1"}, {"id": "2", "dependsOn": ["1"]}, {"id": "3"}], "fully sequential or fully parallel"),
    ([{"id": "1"}, {"id": "2"}, {"id": "3", "dependsOn": ["1", "2"]}], "2 dependencies"),
    ([{"id": "2", "dependsOn": ["1"]}, {"id": "1"}], "not an earlier item"),
])
def test_a_batch_is_held_to_the_shapes_graph_accepts(items: list[dict[str, object]], wanted: str | None) -> None:
    c = contract("batch/batch")
    body = {"requests": [{"method": "GET", "url": f"/users/u{i['id']}", **i} for i in items]}
    sent = requests.Request("POST", "https://graph.microsoft.com/v1.0/$batch", json=body).prepare()
    if wanted is None:
        check_request(c, sent)
    else:
        with pytest.raises(ContractError, match=wanted):
            check_request(c, sent)


def test_paths_are_matched_to_the_most_specific_contract() -> None:
    base = "https://graph.microsoft.com/v1.0"
    assert graph_path(f"{base}/users('$adm@x.se')/manager", base) == "/users/$adm@x.se/manager"
    assert graph_path("http://127.0.0.1:5/_upload/abc", "http://127.0.0.1:5/v1.0") == "{uploadUrl}"
    found = match("GET", "/users/a@b.se/manager")
    assert found is not None and found.name == "directory/get_manager"
    found = match("GET", "/users/a@b.se/events/AAMk=")
    assert found is not None and found.name == "calendar/get_event"
    assert match("PUT", "/users/a@b.se/events") is None
