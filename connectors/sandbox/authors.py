"""Who made or last changed a drive item, a list or a list item, as Graph's ``identitySet``.

What SharePoint and OneDrive for Business answer (docs/graph.md#onedrive):

- written with an app-only token: ``application`` (the app's id and name) and ``user`` with the
  display name ``SharePoint App`` and no id. An app-only token carries no user, and SharePoint
  shows its placeholder account (onedrive-api-docs#362,
  https://github.com/OneDrive/onedrive-api-docs/issues/362; the same account is behind a list
  item's ``AuthorLookupId`` ``1073741822``);
- written by a person (in Word, through the control route that saves a new version): ``user``
  with ``id``, ``displayName`` and ``email``.

``createdBy`` and ``lastModifiedBy`` are ``identitySet`` on the driveItem, list and listItem
resource pages (https://learn.microsoft.com/graph/api/resources/driveitem,
https://learn.microsoft.com/graph/api/resources/list,
https://learn.microsoft.com/graph/api/resources/listitem).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from connectors.sandbox.app import Sandbox

# The application a plain-HTTP client is taken to be (no token names one).
SANDBOX_APP_ID = "5a3c1f0e-7b2d-4c8e-9f61-0d2b4a6c8e10"
SANDBOX_APP_NAME = "samtal sandbox client"
SHAREPOINT_APP = "SharePoint App"


def app_identity() -> dict[str, Any]:
    """The identitySet of a write made with an app-only token."""
    return {"application": {"id": SANDBOX_APP_ID, "displayName": SANDBOX_APP_NAME},
            "user": {"displayName": SHAREPOINT_APP}}


def identity(app: Sandbox, user_id: str | None) -> dict[str, Any]:
    """The identitySet of ``user_id`` (a person who saved through the control routes), or of
    the app when None or when the user is gone."""
    user = app.tenant.data["users"].get(user_id) if user_id else None
    if user is None:
        return app_identity()
    return {"user": {"email": user["mail"], "id": user["id"], "displayName": user["displayName"]}}
