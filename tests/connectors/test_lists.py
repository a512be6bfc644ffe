"""SharePoint list named methods on the wire (docs/graph.md#sharepoint-lists;
docs/failures.md#sharepoint-lists)."""
from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
import requests
import responses

from connectors.graph import errors
from connectors.graph.http import GraphHttp
from connectors.graph.lists import NON_INDEXED_PREFER, Lists, NotIndexed
from connectors.graph.lists_schema import ColumnSpec
from connectors.graph.lists_values import odata_string, truncate_utf16
from tests.connectors.conftest import GRAPH

SITE = "contoso.sharepoint.com,2c712604-1370,2d2244c3-251a"
S = f"{GRAPH}/sites/{SITE}"
LIST = "0b1c2d3e-4f50"
L = f"{S}/lists/{LIST}"

SPECS = [
    ColumnSpec("Key", "text", indexed=True, required=True),
    ColumnSpec("EmployeeId", "text", indexed=True, max_length=64),
    ColumnSpec("Status", "choice", indexed=True, choices=("scheduled", "filed")),
    ColumnSpec("MeetingStart", "dateTime"),
    ColumnSpec("Deadline", "dateTime", date_only=True),
    ColumnSpec("FollowUp", "boolean"),
    ColumnSpec("Rating", "number"),
    ColumnSpec("Note", "note"),
]



def sent_json(request: Any) -> Any:
    """The JSON body a request carried (``responses`` types bodies loosely)."""
    return json.loads(request.body)

def column_json(spec: ColumnSpec, *, indexed: bool | None = None) -> dict[str, Any]:
    out = spec.definition()
    out["id"] = f"col-{spec.name}"
    if indexed is not None:
        out["indexed"] = indexed
    return out


TITLE: dict[str, Any] = {"id": "col-Title", "name": "Title", "indexed": False, "text": {"allowMultipleLines": False, "maxLength": 255}}
PERSON: dict[str, Any] = {"id": "col-Manager", "name": "Manager", "personOrGroup": {"chooseFromType": "peopleOnly"}}


def add_schema(rsps: responses.RequestsMock, columns: list[dict[str, Any]]) -> None:
    rsps.add(responses.GET, f"{L}?$select=id,displayName,webUrl",
             json={"id": LIST, "displayName": "Medarbetarsamtal", "webUrl": "https://contoso.sharepoint.com/sites/HR/Lists/M"})
    rsps.add(responses.GET, f"{L}/columns", json={"value": columns})


@pytest.fixture
def lists(http: GraphHttp) -> Lists:
    return Lists(http)


@pytest.fixture
def schema(rsps: responses.RequestsMock) -> None:
    add_schema(rsps, [TITLE, PERSON, *(column_json(s) for s in SPECS)])


# ---------------------------------------------------------------------------- sites and lists
def test_site_by_path(lists: Lists, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, f"{GRAPH}/sites/contoso.sharepoint.com:/sites/HR%20Gruppen",
             json={"id": SITE, "displayName": "HR", "webUrl": "https://contoso.sharepoint.com/sites/HR"})
    site = lists.get_site("contoso.sharepoint.com:/sites/HR Gruppen")
    assert (site.id, site.display_name) == (SITE, "HR")
    with pytest.raises(ValueError):
        lists.get_site("contoso.sharepoint.com:/")


def test_ensure_list_creates_a_generic_list_with_typed_indexed_columns(
        lists: Lists, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, f"{S}/lists?$select=id,displayName", json={"value": [{"id": "x", "displayName": "Annat"}]})
    rsps.add(responses.POST, f"{S}/lists", status=201, json={"id": LIST, "displayName": "Medarbetarsamtal"})
    add_schema(rsps, [TITLE] + [column_json(s) for s in SPECS])
    info = lists.ensure_list(SITE, "Medarbetarsamtal", [ColumnSpec("Title", "text")] + SPECS)
    body = sent_json([c for c in rsps.calls if c.request.method == "POST"][0].request)
    assert body["displayName"] == "Medarbetarsamtal" and body["list"] == {"template": "genericList"}
    cols = {c["name"]: c for c in body["columns"]}
    assert "Title" not in cols                                    # genericList has it already
    assert cols["Key"] == {"name": "Key", "indexed": True, "required": True,
                           "text": {"allowMultipleLines": False, "maxLength": 255}}
    assert cols["EmployeeId"]["text"]["maxLength"] == 64 and cols["EmployeeId"]["indexed"] is True
    assert cols["Status"]["choice"]["choices"] == ["scheduled", "filed"] and cols["Status"]["indexed"] is True
    assert cols["MeetingStart"]["dateTime"] == {"format": "dateTime"}
    assert cols["Deadline"]["dateTime"] == {"format": "dateOnly"}
    assert cols["FollowUp"]["boolean"] == {} and cols["Rating"]["number"] == {}
    assert cols["Note"]["text"]["allowMultipleLines"] is True and cols["Note"]["indexed"] is False
    assert info.id == LIST and info.columns["Key"].indexed and info.columns["Note"].kind == "note"
    assert info.columns["EmployeeId"].max_length == 64


def test_ensure_list_existing_adds_missing_columns_and_restores_indexes(
        lists: Lists, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, f"{S}/lists?$select=id,displayName",
             json={"value": [{"id": LIST, "displayName": "Medarbetarsamtal"}]})
    present = [column_json(SPECS[0], indexed=False)] + [column_json(s) for s in SPECS[1:6]]
    add_schema(rsps, [TITLE] + present)
    rsps.add(responses.POST, f"{L}/columns", status=201, json={})
    rsps.add(responses.PATCH, f"{L}/columns/col-Key", json={})
    add_schema(rsps, [TITLE] + [column_json(s) for s in SPECS])
    info = lists.ensure_list(SITE, "Medarbetarsamtal", SPECS)
    sent = [(c.request.method, c.request.url, sent_json(c.request)) for c in rsps.calls
            if c.request.method in ("POST", "PATCH")]
    assert sent[0] == ("PATCH", f"{L}/columns/col-Key", {"indexed": True})
    assert [s[2]["name"] for s in sent[1:]] == ["Rating", "Note"]
    assert all(s[:2] == ("POST", f"{L}/columns") for s in sent[1:])
    assert info.columns["Key"].indexed


def test_ensure_list_reports_columns_of_another_type(lists: Lists, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, f"{S}/lists?$select=id,displayName",
             json={"value": [{"id": LIST, "displayName": "medarbetarsamtal"}]})     # case-insensitive match
    wrong = column_json(ColumnSpec("Rating", "text"))
    add_schema(rsps, [TITLE, wrong] + [column_json(s) for s in SPECS if s.name != "Rating"])
    with pytest.raises(errors.SchemaMismatch) as err:
        lists.ensure_list(SITE, "Medarbetarsamtal", SPECS)
    assert err.value.columns == ("Rating",) and "is text, needs number" in str(err.value)
    assert err.value.outcome is errors.Outcome.PERMANENT
    assert not [c for c in rsps.calls if c.request.method != "GET"]


def test_create_list_after_a_dropped_connection_finds_the_created_list(
        lists: Lists, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, f"{S}/lists?$select=id,displayName", json={"value": []})
    rsps.add(responses.POST, f"{S}/lists", body=requests.ConnectionError("reset after send"))
    rsps.add(responses.GET, f"{S}/lists?$select=id,displayName",
             json={"value": [{"id": LIST, "displayName": "Medarbetarsamtal"}]})
    add_schema(rsps, [TITLE] + [column_json(s) for s in SPECS])
    assert lists.ensure_list(SITE, "Medarbetarsamtal", SPECS).id == LIST
    assert len([c for c in rsps.calls if c.request.method == "POST"]) == 1


@pytest.mark.parametrize("kwargs", [
    # docs/failures.md#l5, docs/failures.md#l4
    {"name": "_Hidden", "kind": "text"}, {"name": "Start Time", "kind": "text"},
    {"name": "Status", "kind": "choice"}, {"name": "Note", "kind": "note", "indexed": True},
    {"name": "Key", "kind": "text", "max_length": 300}, {"name": "Link", "kind": "hyperlink"},
])
def test_column_specs_are_validated(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        ColumnSpec(**kwargs)


# ---------------------------------------------------------------------------- items
def test_create_item_serialises_values_and_returns_a_string_id(
        lists: Lists, rsps: responses.RequestsMock, schema: None) -> None:
    rsps.add(responses.POST, f"{L}/items", status=201, json={
        "id": "20", "eTag": '"8d7c,1"', "fields": {"@odata.etag": '"8d7c,1"', "Key": "2025:3f2b", "Rating": 4,
                                                   "FollowUp": False, "Tags": ["a"], "ManagerLookupId": "12"}})
    stockholm = timezone(timedelta(hours=1))
    item = lists.create_item(SITE, LIST, {
        "Key": "2025:3f2b", "Title": "Åsa Öberg 2025", "Status": "scheduled",
        "MeetingStart": datetime(2025, 3, 12, 9, 0, tzinfo=stockholm), "Deadline": date(2025, 3, 12),
        # a string id: docs/failures.md#l1, docs/failures.md#l2; the annotation passes: docs/failures.md#l3
        "FollowUp": False, "Rating": 4, "ManagerLookupId": "12",
        "ManagerLookupId@odata.type": "Collection(Edm.String)", "Note": None})
    fields = sent_json(rsps.calls[-1].request)["fields"]
    assert fields["MeetingStart"] == "2025-03-12T08:00:00Z"                          # ISO 8601 UTC Z
    assert fields["Deadline"] == "2025-03-12T00:00:00Z"  # UTC midnight: docs/failures.md#l7
    assert fields["FollowUp"] is False and fields["Rating"] == 4 and fields["Note"] is None
    assert fields["ManagerLookupId"] == "12"
    assert item.id == "20" and item.etag == '"8d7c,1"'
    assert item.fields == {"Key": "2025:3f2b", "Rating": 4, "FollowUp": False, "ManagerLookupId": "12"}


def test_long_text_is_truncated_with_a_warning_naming_column_and_key_not_value(
        lists: Lists, rsps: responses.RequestsMock, schema: None, caplog: pytest.LogCaptureFixture) -> None:
    rsps.add(responses.POST, f"{L}/items", status=201, json={"id": "21", "fields": {}})
    secret = "Känsligt" + "x" * 300
    with caplog.at_level(logging.WARNING, logger="connectors.graph.lists"):
        lists.create_item(SITE, LIST, {"Key": "2025:abc", "Title": secret, "EmployeeId": "e" * 70})
    fields = sent_json(rsps.calls[-1].request)["fields"]
    assert fields["Title"] == secret[:255] and fields["EmployeeId"] == "e" * 64     # column's own maxLength
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert all("2025:abc" in w for w in warnings)
    assert any("Title" in w for w in warnings) and any("EmployeeId" in w for w in warnings)
    assert "Känsligt" not in caplog.text and "xxxxx" not in caplog.text


def test_truncation_counts_utf16_and_never_splits_a_character() -> None:
    assert truncate_utf16("ab😀c", 3) == "ab"          # the emoji is two UTF-16 units
    assert truncate_utf16("åäö", 3) == "åäö"


@pytest.mark.parametrize("fields, match", [
    ({"Start Time": "x"}, "internal names"),  # a display name: docs/failures.md#l4
    ({"FollowUp": "yes"}, "True or False"), ({"Rating": "4"}, "number"),
    ({"MeetingStart": datetime(2025, 3, 12, 9, 0)}, "time zone"),
    ({"MeetingStart": "next tuesday"}, "ISO 8601"), ({"Rating": float("nan")}, "finite"),
    ({}, "no fields"),
])
def test_bad_field_values_are_refused_before_sending(lists: Lists, rsps: responses.RequestsMock, schema: None,
                                                      fields: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        lists.create_item(SITE, LIST, fields)
    assert not [c for c in rsps.calls if c.request.method == "POST"]


def test_create_item_after_a_dropped_connection_looks_up_the_key(
        lists: Lists, rsps: responses.RequestsMock, schema: None) -> None:
    rsps.add(responses.POST, f"{L}/items", body=requests.ConnectionError("reset"))
    rsps.add(responses.GET, f"{L}/items?$expand=fields&$filter=fields/Key%20eq%20'2025:3f2b'",
             json={"value": [{"id": "22", "fields": {"Key": "2025:3f2b"}}]})
    assert lists.create_item(SITE, LIST, {"Key": "2025:3f2b"}).id == "22"
    assert len([c for c in rsps.calls if c.request.method == "POST"]) == 1         # no duplicate record


def test_update_item_patches_fields_with_if_match_and_tolerates_201(
        lists: Lists, rsps: responses.RequestsMock, schema: None) -> None:
    rsps.add(responses.PATCH, f"{L}/items/20/fields", status=201,
             json={"@odata.etag": '"8d7c,2"', "id": "20", "Status": "filed", "Rating": 5})
    out = lists.update_item(SITE, LIST, "20", {"Status": "filed", "Rating": 5}, etag='"8d7c,1"')
    req = rsps.calls[-1].request
    assert req.headers["If-Match"] == '"8d7c,1"'
    assert sent_json(req) == {"Status": "filed", "Rating": 5}
    assert out == {"id": "20", "Status": "filed", "Rating": 5}


def test_update_item_stale_etag_is_precondition_failed(lists: Lists, rsps: responses.RequestsMock,
                                                       schema: None) -> None:
    rsps.add(responses.PATCH, f"{L}/items/20/fields", status=412,
             json={"error": {"code": "resourceModified", "message": "stale"}})  # docs/failures.md#l8
    with pytest.raises(errors.PreconditionFailed):
        lists.update_item(SITE, LIST, "20", {"Status": "filed"}, etag='"old"')
    assert len([c for c in rsps.calls if c.request.method == "PATCH"]) == 1


def test_query_items_escapes_and_expands_and_pages(lists: Lists, rsps: responses.RequestsMock,
                                                   schema: None) -> None:
    url = (f"{L}/items?$expand=fields($select%3DKey,Status)"
           f"&$filter=fields/Key%20eq%20'2025:o''brien%20%231%20%26%20%C3%85sa'%20and%20fields/Status%20eq%20'filed'")
    rsps.add(responses.GET, url, json={"value": [{"id": "20", "@odata.etag": '"e,2"', "fields": {"Key": "k"}}],
                                       "@odata.nextLink": f"{L}/items?$skiptoken=2"})
    rsps.add(responses.GET, f"{L}/items?$skiptoken=2", json={"value": [{"id": "21", "fields": {"Key": "k2"}}]})
    items = list(lists.query_items(SITE, LIST, equals={"Key": "2025:o'brien #1 & Åsa", "Status": "filed"},
                                   select=["Key", "Status"]))
    assert [i.id for i in items] == ["20", "21"] and items[0].etag == '"e,2"'
    query = [c.request for c in rsps.calls if "items?" in str(c.request.url)]
    assert query[0].url == url
    assert all("Prefer" not in r.headers for r in query)                     # never by default


def test_query_on_a_column_that_is_not_indexed_is_refused_before_sending(
        lists: Lists, rsps: responses.RequestsMock, schema: None) -> None:
    with pytest.raises(NotIndexed, match="Rating"):                                   # docs/failures.md#l6
        list(lists.query_items(SITE, LIST, equals={"Rating": "5"}))
    with pytest.raises(ValueError, match="no column"):
        list(lists.query_items(SITE, LIST, equals={"Nope": "5"}))
    assert not [c for c in rsps.calls if "/items" in str(c.request.url)]


def test_non_indexed_query_only_when_asked_sends_the_prefer_header(
        lists: Lists, rsps: responses.RequestsMock, schema: None) -> None:
    rsps.add(responses.GET, f"{L}/items?$expand=fields&$filter=fields/Note%20eq%20'x'", json={"value": []})
    assert list(lists.query_items(SITE, LIST, equals={"Note": "x"}, allow_unindexed=True)) == []
    assert rsps.calls[-1].request.headers["Prefer"] == NON_INDEXED_PREFER


def test_get_items_pages_everything(lists: Lists, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, f"{L}/items?$expand=fields",
             json={"value": [], "@odata.nextLink": f"{L}/items?$expand=fields&$skiptoken=1"})
    rsps.add(responses.GET, f"{L}/items?$expand=fields&$skiptoken=1",
             json={"value": [{"id": "1", "fields": {"Key": "a", "Done": True, "Score": 1.5, "Empty": None}}]})
    items = list(lists.get_items(SITE, LIST))
    assert items[0].fields == {"Key": "a", "Done": True, "Score": 1.5, "Empty": None}


def test_odata_string_escaping() -> None:
    assert odata_string("o'brien''s") == "o''brien''''s"


def test_find_list_reads_without_creating(lists: Lists, rsps: responses.RequestsMock, schema: None) -> None:
    rsps.add(responses.GET, f"{GRAPH}/sites/{SITE}/lists?$select=id,displayName",
             json={"value": [{"id": "other", "displayName": "Andra"}, {"id": LIST, "displayName": "Medarbetarsamtal"}]})
    info = lists.find_list(SITE, "Medarbetarsamtal")
    assert info is not None and info.id == LIST and "Key" in info.columns
    assert lists.find_list(SITE, "Saknas") is None
    assert all(c.request.method == "GET" for c in rsps.calls)


# ---------------------------------------------------------------------------- racing creators
def test_create_list_that_another_creator_made_first_is_looked_up_again(
        lists: Lists, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, f"{S}/lists?$select=id,displayName", json={"value": []})
    rsps.add(responses.POST, f"{S}/lists", status=409,
             json={"error": {"code": "nameAlreadyExists", "message": "A list ... already exists"}})
    rsps.add(responses.GET, f"{S}/lists?$select=id,displayName",
             json={"value": [{"id": LIST, "displayName": "Medarbetarsamtal"}]})
    add_schema(rsps, [TITLE] + [column_json(s) for s in SPECS])
    assert lists.ensure_list(SITE, "Medarbetarsamtal", SPECS).id == LIST
    assert len([c for c in rsps.calls if c.request.method == "POST"]) == 1


def test_create_list_conflict_without_such_a_list_is_raised(lists: Lists, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, f"{S}/lists?$select=id,displayName", json={"value": []})
    rsps.add(responses.POST, f"{S}/lists", status=409, json={"error": {"code": "nameAlreadyExists", "message": "x"}})
    rsps.add(responses.GET, f"{S}/lists?$select=id,displayName", json={"value": []})
    with pytest.raises(errors.Conflict):
        lists.ensure_list(SITE, "Medarbetarsamtal", SPECS)


def test_column_that_another_creator_added_first_is_read_again(lists: Lists, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, f"{S}/lists?$select=id,displayName",
             json={"value": [{"id": LIST, "displayName": "Medarbetarsamtal"}]})
    add_schema(rsps, [TITLE] + [column_json(s) for s in SPECS[:-1]])           # Note is missing
    rsps.add(responses.POST, f"{L}/columns", status=409,
             json={"error": {"code": "nameAlreadyExists", "message": "x"}})
    add_schema(rsps, [TITLE] + [column_json(s) for s in SPECS])                # the other added it
    info = lists.ensure_list(SITE, "Medarbetarsamtal", SPECS)
    assert info.columns["Note"].kind == "note"


def test_column_conflict_that_leaves_it_missing_is_a_schema_mismatch(
        lists: Lists, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, f"{S}/lists?$select=id,displayName",
             json={"value": [{"id": LIST, "displayName": "Medarbetarsamtal"}]})
    add_schema(rsps, [TITLE] + [column_json(s) for s in SPECS[:-1]])
    rsps.add(responses.POST, f"{L}/columns", status=409, json={"error": {"code": "nameAlreadyExists", "message": "x"}})
    add_schema(rsps, [TITLE] + [column_json(s) for s in SPECS[:-1]])
    with pytest.raises(errors.SchemaMismatch) as err:
        lists.ensure_list(SITE, "Medarbetarsamtal", SPECS)
    assert err.value.columns == ("Note",) and "missing" in str(err.value)


# ---------------------------------------------------------------------------- If-Match
def test_update_item_if_match_sends_the_etag_and_returns_the_new_one(
        lists: Lists, rsps: responses.RequestsMock, schema: None) -> None:
    rsps.add(responses.PATCH, f"{L}/items/20/fields",
             json={"@odata.etag": '"8d7c,3"', "id": "20", "Note": "held"})
    item = lists.update_item_if_match(SITE, LIST, "20", {"Note": "held"}, etag='"8d7c,2"')
    req = rsps.calls[-1].request
    assert req.headers["If-Match"] == '"8d7c,2"' and sent_json(req) == {"Note": "held"}
    assert (item.id, item.etag, item.fields["Note"]) == ("20", '"8d7c,3"', "held")


def test_update_item_if_match_reads_the_item_when_the_answer_has_no_etag(
        lists: Lists, rsps: responses.RequestsMock, schema: None) -> None:
    rsps.add(responses.PATCH, f"{L}/items/20/fields", status=201, json={"id": "20", "Note": "held"})
    rsps.add(responses.GET, f"{L}/items/20?$expand=fields",
             json={"id": "20", "eTag": '"8d7c,3"', "fields": {"Note": "held"}})
    assert lists.update_item_if_match(SITE, LIST, "20", {"Note": "held"}, etag='"8d7c,2"').etag == '"8d7c,3"'


def test_update_item_if_match_stale_is_precondition_failed(
        lists: Lists, rsps: responses.RequestsMock, schema: None) -> None:
    rsps.add(responses.PATCH, f"{L}/items/20/fields", status=412,
             json={"error": {"code": "resourceModified", "message": "The resource being updated has changed "
                             "since the caller last read it, usually an eTag mismatch."}})
    with pytest.raises(errors.PreconditionFailed) as err:
        lists.update_item_if_match(SITE, LIST, "20", {"Note": "x"}, etag='"8d7c,1"')
    assert err.value.code == "resourceModified"
    with pytest.raises(ValueError):
        lists.update_item_if_match(SITE, LIST, "20", {"Note": "x"}, etag="")


def test_delete_item_with_if_match(lists: Lists, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.DELETE, f"{L}/items/21", status=204)
    rsps.add(responses.DELETE, f"{L}/items/22", status=412,
             json={"error": {"code": "resourceModified", "message": "stale"}})
    rsps.add(responses.DELETE, f"{L}/items/23", status=404, json={"error": {"code": "itemNotFound", "message": "gone"}})
    lists.delete_item(SITE, LIST, "21", etag='"a,1"')
    assert rsps.calls[-1].request.headers["If-Match"] == '"a,1"'
    with pytest.raises(errors.PreconditionFailed):
        lists.delete_item(SITE, LIST, "22", etag='"b,1"')
    with pytest.raises(errors.NotFound):
        lists.delete_item(SITE, LIST, "23")
    assert "If-Match" not in rsps.calls[-1].request.headers


def test_get_item_reads_fields_and_etag(lists: Lists, rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, f"{L}/items/20?$expand=fields",
             json={"id": "20", "eTag": '"8d7c,2"', "fields": {"@odata.etag": '"8d7c,2"', "Key": "k"}})
    item = lists.get_item(SITE, LIST, "20")
    assert (item.id, item.etag, item.fields) == ("20", '"8d7c,2"', {"Key": "k"})
