"""Microsoft's Python SDK against the sandbox: it pages users (with the manager expanded) and
reads a manager, parsed into its own models (tests/contract/sdk.py)."""
from __future__ import annotations

import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.models.user import User
from msgraph.generated.users.users_request_builder import UsersRequestBuilder
from msgraph_core.tasks.page_iterator import PageIterator

from tests.contract.sdk import SdkSandbox, run, sdk  # noqa: F401  (sdk: the fixture)

# The SDK's generated code warns about its own deprecated request-configuration classes.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_the_sdk_pages_users_with_their_managers(sdk: SdkSandbox) -> None:  # noqa: F811
    async def body() -> None:
        query = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
            select=["id", "displayName", "userPrincipalName", "accountEnabled", "userType"],
            expand=["manager($select=id,userPrincipalName)"], top=2)
        first = await sdk.client.users.get(RequestConfiguration(query_parameters=query))
        assert first is not None and first.value is not None and len(first.value) == 2
        assert first.odata_next_link  # more than one page of two
        seen: list[User] = []

        def keep(user: User) -> bool:
            seen.append(user)
            return True

        await PageIterator(first, sdk.adapter).iterate(keep)
        by_upn = {u.user_principal_name: u for u in seen}
        assert "kontakt@partner.se" not in by_upn  # an org contact is no user
        per = by_upn["per.lind@example.se"]
        assert isinstance(per.manager, User) and per.manager.user_principal_name == "anna.berg@example.se"
        assert by_upn["anna.berg@example.se"].manager is None
        assert by_upn["asa.oberg@example.se"].account_enabled is False
        assert any(u.user_type == "Guest" for u in seen)
        assert len(seen) == len(sdk.sandbox.tenant.data["users"])
        pages = [url for method, url, _ in sdk.sent if method == "GET" and "/users" in url]
        assert len(pages) >= 3 and all("$skiptoken=" in url for url in pages[1:])

    run(body())


def test_the_sdk_reads_a_manager(sdk: SdkSandbox) -> None:  # noqa: F811
    async def body() -> None:
        manager = await sdk.client.users.by_user_id("per.lind@example.se").manager.get()
        assert isinstance(manager, User)  # the @odata.type picked the model
        assert manager.user_principal_name == "anna.berg@example.se" and manager.display_name == "Anna Berg"

    run(body())
