"""Microsoft's Python SDK (msgraph-sdk) against the sandbox: files by path in a OneDrive and
items of a SharePoint list, each answer parsed into the SDK's own models.

The SDK addresses a file by path the way Microsoft's SDK pages show it,
``drives.by_drive_id(d).items.by_drive_item_id("root:/a/b.docx:")``, which it sends with the
whole ``root:/a/b.docx:`` percent-encoded in the item segment
(``/drives/{d}/items/root%3A%2Fa%2Fb.docx%3A/content``; docs/sandbox.md#graph-routes), and
``items/root`` for the root. A request the sandbox refused, or an answer the SDK could not
parse into its models, fails here.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

msgraph = pytest.importorskip("msgraph")  # the test extra installs it; see pyproject.toml

import httpx  # noqa: E402  (installed with msgraph-sdk)
from kiota_abstractions.base_request_configuration import RequestConfiguration  # noqa: E402
from kiota_abstractions.authentication import (  # noqa: E402
    AccessTokenProvider, AllowedHostsValidator, BaseBearerTokenAuthenticationProvider,
)
from msgraph import GraphRequestAdapter, GraphServiceClient  # noqa: E402
from msgraph.generated.models.drive_item import DriveItem  # noqa: E402
from msgraph.generated.models.field_value_set import FieldValueSet  # noqa: E402
from msgraph.generated.models.identity_set import IdentitySet  # noqa: E402
from msgraph.generated.models.boolean_column import BooleanColumn  # noqa: E402
from msgraph.generated.models.column_definition import ColumnDefinition  # noqa: E402
from msgraph.generated.models.list_ import List_  # noqa: E402
from msgraph.generated.models.list_info import ListInfo  # noqa: E402
from msgraph.generated.models.list_item import ListItem  # noqa: E402
from msgraph.generated.models.text_column import TextColumn  # noqa: E402
from msgraph.generated.sites.item.lists.item.items.items_request_builder import ItemsRequestBuilder  # noqa: E402
from msgraph_core import GraphClientFactory  # noqa: E402

from connectors.sandbox import Sandbox  # noqa: E402

SEED = Path(__file__).resolve().parents[1] / "sandbox" / "seed.yaml"
T = TypeVar("T")


class _SandboxToken(AccessTokenProvider):
    """Over plain HTTP the sandbox takes any bearer token (docs/sandbox.md#graph-routes)."""

    async def get_authorization_token(self, uri: str, additional_authentication_context: Any = None) -> str:
        return "sandbox-token"

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return AllowedHostsValidator(["127.0.0.1"])


class Sdk:
    """A GraphServiceClient on the sandbox, with the SDK's default middleware, and the URLs it sent."""

    def __init__(self, graph_url: str) -> None:
        self.sent: list[str] = []

        async def note(request: httpx.Request) -> None:
            self.sent.append(f"{request.method} {request.url.raw_path.decode()}")

        self.graph_url = graph_url
        self._hook = note

    def run(self, call: Callable[[GraphServiceClient], Coroutine[Any, Any, T]]) -> T:
        async def go() -> T:
            async with httpx.AsyncClient(event_hooks={"request": [self._hook]}) as raw:
                http = GraphClientFactory.create_with_default_middleware(client=raw)
                adapter = GraphRequestAdapter(BaseBearerTokenAuthenticationProvider(_SandboxToken()), client=http)
                adapter.base_url = self.graph_url
                return await call(GraphServiceClient(request_adapter=adapter))
        return asyncio.run(go())


@pytest.fixture(scope="module")
def sdk() -> Iterator[Sdk]:
    sandbox = Sandbox.from_seed(SEED)
    with sandbox.serve(port=0) as server:
        yield Sdk(server.graph_url)


def _by_app(who: IdentitySet | None) -> bool:
    return bool(who and who.user and who.user.display_name == "SharePoint App" and who.application)


def test_the_sdk_uploads_lists_and_downloads_a_file_by_path(sdk: Sdk) -> None:
    drive = sdk.run(lambda c: c.users.by_user_id("per.lind@example.se").drive.get())
    assert drive is not None and drive.id and drive.drive_type == "business"
    items = lambda c: c.drives.by_drive_id(drive.id).items  # noqa: E731
    data = b"PK\x03\x04 a Word document, as far as the SDK knows"
    made = sdk.run(lambda c: items(c).by_drive_item_id("root:/Samtal 2027/a/b.docx:").content.put(data))
    assert isinstance(made, DriveItem) and made.name == "b.docx" and made.size == len(data)
    assert made.file and made.file.mime_type and made.parent_reference and made.parent_reference.drive_id == drive.id
    assert _by_app(made.created_by) and made.file_system_info and made.file_system_info.created_date_time
    assert sent_as(sdk, "PUT", "/items/root%3A%2FSamtal%202027%2Fa%2Fb.docx%3A/content")

    root_children = sdk.run(lambda c: items(c).by_drive_item_id("root").children.get())
    assert root_children and [i.name for i in root_children.value or []] == ["Samtal 2027"]
    assert root_children.value and root_children.value[0].folder and root_children.value[0].folder.child_count == 1
    children = sdk.run(lambda c: items(c).by_drive_item_id("root:/Samtal 2027/a:").children.get())
    assert children and [(i.id, i.name) for i in children.value or []] == [(made.id, "b.docx")]

    got = sdk.run(lambda c: items(c).by_drive_item_id("root:/Samtal 2027/a/b.docx:").get())
    assert got and got.id == made.id and got.e_tag == made.e_tag and got.c_tag
    content = sdk.run(lambda c: items(c).by_drive_item_id("root:/Samtal 2027/a/b.docx:").content.get())
    assert content == data
    by_id = sdk.run(lambda c: items(c).by_drive_item_id(str(made.id)).content.get())
    assert by_id == data


def test_the_sdk_creates_and_reads_list_items(sdk: Sdk) -> None:
    site = sdk.run(lambda c: c.sites.by_site_id("example.sharepoint.com:/sites/hr").get())
    assert site is not None and site.id and site.display_name == "HR"
    wanted = List_(display_name="Anteckningar", list_=ListInfo(template="genericList"), columns=[
        ColumnDefinition(name="Key", text=TextColumn(), indexed=True),
        ColumnDefinition(name="Done", boolean=BooleanColumn())])
    created = sdk.run(lambda c: c.sites.by_site_id(str(site.id)).lists.post(wanted))
    assert created and created.id and _by_app(created.created_by)
    lists = sdk.run(lambda c: c.sites.by_site_id(str(site.id)).lists.get())
    notes = next(x for x in (lists.value if lists else None) or [] if x.display_name == "Anteckningar")
    assert notes.id == created.id and notes.list_ and notes.list_.template == "genericList"
    columns = sdk.run(lambda c: c.sites.by_site_id(str(site.id)).lists.by_list_id(str(notes.id)).columns.get())
    by_name = {col.name: col for col in (columns.value if columns else None) or []}
    assert by_name["Key"].indexed and by_name["Key"].text and by_name["Done"].boolean is not None
    items = lambda c: c.sites.by_site_id(str(site.id)).lists.by_list_id(str(notes.id)).items  # noqa: E731

    body = ListItem(fields=FieldValueSet(additional_data={"Title": "Från SDK:n", "Key": "sdk-1", "Done": True}))
    made = sdk.run(lambda c: items(c).post(body))
    assert isinstance(made, ListItem) and made.id and made.id.isdigit() and _by_app(made.created_by)
    assert made.fields and made.fields.additional_data["Title"] == "Från SDK:n"
    assert made.fields.additional_data["Done"] is True

    one = sdk.run(lambda c: items(c).by_list_item_id(str(made.id)).get())
    assert one and one.id == made.id and one.e_tag and one.created_date_time

    query = ItemsRequestBuilder.ItemsRequestBuilderGetQueryParameters(expand=["fields"], filter="fields/Key eq 'sdk-1'")
    config = RequestConfiguration(query_parameters=query)
    found = sdk.run(lambda c: items(c).get(request_configuration=config))
    assert found and [(i.id, (i.fields.additional_data if i.fields else {}).get("Key")) for i in found.value or []] == [
        (made.id, "sdk-1")]


def sent_as(sdk: Sdk, method: str, tail: str) -> bool:
    return any(s.startswith(method + " ") and s.endswith(tail) for s in sdk.sent)
