"""Finding samtal's messages in a sender's Drafts and Sent Items by their tags.

Facts (docs/graph.md#mail): messages are found in a folder by a single-value extended property
with ``$filter=singleValueExtendedProperties/Any(ep: ep/id eq '...' and ep/value eq '...')`` (or
``startswith(ep/value, '...')``), one value per filter; the name in the id compares with case,
the value without; the property comes back only with ``$expand``. A tag is looked for in three
places (:data:`LOOKUPS`): Drafts by samtal's tag, Drafts by the property Exchange makes of the
``X-Samtal-Key`` header of a MIME draft (a draft a crash left before its tagging ``PATCH``), and
Sent Items by samtal's tag (only tagged drafts are ever sent).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from connectors.graph.batch import BatchRequest, BatchResult, execute_batch
from connectors.graph.directory import user_path
from connectors.graph.http import GraphHttp, encode_query
from connectors.graph.mail_records import (
    HEADER_TAG_PROPERTY_ID, MAIL_TAG_PROPERTY_ID, MESSAGE_FIELDS, SUBMITTED_PROPERTY_ID, Folder, MessageRef, malformed,
    message_from_json,
)

PAGE = 250  # messages per page when listing ($top: 1..1000, large pages risk a 504; docs/graph.md#mail)
TAG_EXPAND = (f"singleValueExtendedProperties($filter=id eq '{MAIL_TAG_PROPERTY_ID}' "
              f"or id eq '{SUBMITTED_PROPERTY_ID}' or id eq '{HEADER_TAG_PROPERTY_ID}')")
LOOKUPS: tuple[tuple[Folder, str], ...] = (
    ("drafts", MAIL_TAG_PROPERTY_ID), ("drafts", HEADER_TAG_PROPERTY_ID), ("sentitems", MAIL_TAG_PROPERTY_ID))


def folder_path(sender: str, folder: Folder) -> str:
    return user_path(sender) + f"/mailFolders/{folder}/messages"


def odata_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def tag_query(tag: str, prop: str) -> dict[str, str]:
    """The query of one lookup: messages whose ``prop`` is ``tag``."""
    return {
        "$filter": (f"singleValueExtendedProperties/Any(ep: ep/id eq {odata_string(prop)} "
                    f"and ep/value eq {odata_string(tag)})"),
        "$expand": TAG_EXPAND,
        "$select": MESSAGE_FIELDS,
    }


def find_tagged(http: GraphHttp, sender: str, tags: Sequence[str]) -> dict[str, list[MessageRef]]:
    """The messages carrying each of ``tags`` in ``sender``'s Drafts and Sent Items.

    Every tag is a key of the answer (an empty list: nothing found). Three lookups per tag
    (:data:`LOOKUPS`), in ``$batch`` calls of 20. A draft found only by the header's property
    comes back with ``tagged`` false. Raises the first lookup's error when a lookup fails: a tag
    whose messages are unknown must not be sent.
    """
    if isinstance(tags, str):
        raise TypeError("tags must be a sequence of tags, not one string")
    wanted = list(dict.fromkeys(tags))
    for tag in wanted:
        if not tag or not tag.strip():
            raise ValueError("a tag is required")
    requests = [BatchRequest(f"{i}:{n}", "GET", folder_path(sender, folder) + "?" + encode_query(tag_query(tag, prop)))
                for i, tag in enumerate(wanted) for n, (folder, prop) in enumerate(LOOKUPS)]
    results = execute_batch(http, requests)
    out: dict[str, list[MessageRef]] = {}
    for i, tag in enumerate(wanted):
        found: list[MessageRef] = []
        for n, (folder, _prop) in enumerate(LOOKUPS):
            found += _page_of(http, results[f"{i}:{n}"], sender, folder)
        out[tag] = distinct(m for m in found if m.tag.lower() == tag.lower())
    return out


def list_tagged(http: GraphHttp, sender: str, prefix: str) -> dict[str, list[MessageRef]]:
    """Every message in ``sender``'s Drafts and Sent Items whose tag starts with ``prefix`` (a
    campaign's reminders: ``"2027:"``), by tag; all pages of the :data:`LOOKUPS`. Cheaper than
    :func:`find_tagged` for a whole pass: three paged listings instead of three lookups a tag."""
    if not prefix or not prefix.strip():
        raise ValueError("a tag prefix is required")
    found: list[MessageRef] = []
    for folder, prop in LOOKUPS:
        query = {
            "$filter": (f"singleValueExtendedProperties/Any(ep: ep/id eq {odata_string(prop)} "
                        f"and startswith(ep/value, {odata_string(prefix)}))"),
            "$expand": TAG_EXPAND, "$select": MESSAGE_FIELDS, "$top": PAGE,
        }
        for item in http.paginate(folder_path(sender, folder), params=query, mailbox=sender):
            found.append(message_from_json(item, folder))
    out: dict[str, list[MessageRef]] = {}
    for message in distinct(found):
        if message.tag.lower().startswith(prefix.lower()):
            out.setdefault(message.tag, []).append(message)
    return out


def distinct(messages: Iterable[MessageRef]) -> list[MessageRef]:
    """Each message once, in the order first seen (a tagged draft is found both by its tag and by
    its header's property); the tagged reading wins."""
    out: dict[tuple[str, str], MessageRef] = {}
    for m in messages:
        key = (m.folder, m.id)
        if key not in out or (m.tagged and not out[key].tagged):
            out[key] = m
    return list(out.values())


def _page_of(http: GraphHttp, res: BatchResult, sender: str, folder: Folder) -> list[MessageRef]:
    res.raise_for_error()
    if not isinstance(res.body, dict) or not isinstance(res.body.get("value"), list):
        raise malformed("a messages answer without a 'value' list")
    items = list(res.body["value"])
    next_link = res.body.get("@odata.nextLink")
    if isinstance(next_link, str) and next_link:
        items += list(http.paginate(next_link, mailbox=sender))
    return [message_from_json(item, folder) for item in items]


__all__ = ["LOOKUPS", "PAGE", "TAG_EXPAND", "distinct", "find_tagged", "folder_path", "list_tagged", "tag_query"]
