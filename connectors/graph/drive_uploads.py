"""Many small uploads in few round trips: ``PUT …/content`` items inside ``$batch``.

Facts: a batch item's body may be "a base64-encoded value" when it is not JSON, with its
``Content-Type`` named (docs/graph.md#batching; https://learn.microsoft.com/graph/json-batching; Microsoft's own
JavaScript SDK sends a photo upload that way). Graph answers such an item with its JSON
base64-encoded, by design (Microsoft Q&A 1352007, a driveItem upload through ``$batch``);
:mod:`connectors.graph.batch` decodes it. Each item is a Graph request of its own for
throttling and RU, as any batch item.

Graph runs a batch's items side by side unless ``dependsOn`` orders them
(https://learn.microsoft.com/graph/json-batching, "Sequencing requests with the dependsOn
property"), so two uploads by path that both need one missing folder race for it and one answers
409 ``nameAlreadyExists``, whatever its conflict behaviour
(https://github.com/microsoftgraph/microsoft-graph-docs/issues/13655; docs/failures.md#t22). Such
an upload goes again on its own once, when the folder is there: always under ``replace`` or
``rename`` (where a 409 can only be such a race), and under ``fail`` when another item of its
envelope wrote where it could have raced with it: into the same OneDrive by path, into the same
folder under the same name by id (else the 409 says that the file is there).

How many bytes one ``$batch`` may carry is not documented; an envelope here carries at most
:data:`ENVELOPE_BYTES` of file content and a file above :data:`BATCHED_FILE_LIMIT` goes in its
own request (our choice, not a Graph limit). The answers are the ones the direct calls give:
:meth:`Drive.upload` and :meth:`Drive.upload_to_user_path` in :mod:`connectors.graph.drive`.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from connectors.graph import errors
from connectors.graph.batch import MAX_BATCH, BatchRequest, BatchResult, execute_batch
from connectors.graph.names import check_path, encode_id, encode_path
from connectors.graph.upload import CONFLICT_BEHAVIOURS

if TYPE_CHECKING:
    from connectors.graph.drive import Drive
    from connectors.graph.drive_records import DriveItem

BATCHED_FILE_LIMIT = 1024 * 1024
# An item answered "bad request" or "unsupported media type" may be Graph refusing the file in
# a batch item rather than the file itself: that file goes again as a direct PUT, and when every
# item of an envelope is refused this way, the Drive stops batching uploads.
_REFUSED = (400, 415)
ENVELOPE_BYTES = 3 * 1024 * 1024
_T = TypeVar("_T")
log = logging.getLogger(__name__)


def upload_many(drive: Drive, files: Sequence[tuple[str, str, str, bytes]], *, conflict: str,
                content_type: str) -> list[DriveItem | errors.GraphError]:
    """``(drive_id, parent_id, name, data)`` each put into its folder; one answer per file, in
    order: the stored item or the error (``Conflict`` under ``fail``, ``NotFound`` for a folder
    that is gone). A replace that meets ``itemNotFound`` goes once more on its own
    (docs/failures.md#f7)."""
    _check_conflict(conflict)
    for _, _, name, _ in files:
        check_path([name])

    def url(f: tuple[str, str, str, bytes]) -> str:
        drive_id, parent_id, name, _ = f
        return (f"/drives/{encode_id(drive_id)}/items/{encode_id(parent_id)}:/{encode_path([name])}:"
                f"/content?@microsoft.graph.conflictBehavior={conflict}")

    def single(f: tuple[str, str, str, bytes]) -> DriveItem:
        return drive.upload(f[0], f[1], f[2], f[3], conflict=conflict, content_type=content_type)

    def answer(f: tuple[str, str, str, bytes], body: dict[str, Any] | errors.GraphError) -> DriveItem | errors.GraphError:
        if isinstance(body, errors.NotFound) and conflict == "replace":
            return _attempt(lambda: single(f))  # docs/failures.md#f7: the direct call waits and tries once more
        if isinstance(body, errors.GraphError):
            return body
        return drive.item_from(body, f[0])

    return _run(drive, files, url, single, answer, data_of=lambda f: f[3], conflict=conflict,
                content_type=content_type, race_key=lambda f: f"{f[0]}|{f[1]}|{f[2].casefold()}")


def upload_many_to_user_paths(drive: Drive, files: Sequence[tuple[str, Sequence[str], bytes]], *,
                              conflict: str) -> list[DriveItem | errors.GraphError]:
    """``(user_id, path_segments, data)`` each put by path in the user's OneDrive (the missing
    folders are created by the same request); one answer per file, in order. A user whose
    OneDrive was never provisioned (404), or cannot be found (400 "Unable to retrieve user's mysite
    URL.", docs/failures.md#f15), gets :class:`errors.DriveNotProvisioned`."""
    _check_conflict(conflict)
    for _, segments, data in files:
        check_path(segments)
        if len(data) > drive.simple_upload_limit:
            raise ValueError("upload_to_user_path is for small files; use ensure_folder + upload")

    def url(f: tuple[str, Sequence[str], bytes]) -> str:
        return (f"/users/{encode_id(f[0])}/drive/root:/{encode_path(f[1])}:"
                f"/content?@microsoft.graph.conflictBehavior={conflict}")

    def single(f: tuple[str, Sequence[str], bytes]) -> DriveItem:
        return drive.upload_to_user_path(f[0], f[1], f[2], conflict=conflict)

    def answer(f: tuple[str, Sequence[str], bytes], body: dict[str, Any] | errors.GraphError) -> DriveItem | errors.GraphError:
        if isinstance(body, errors.NotFound):
            return drive.not_provisioned(body)
        if isinstance(body, errors.GraphError):
            return body
        item = drive.item_from(body, "")
        if not item.drive_id:
            return errors.GraphError("Graph answered an upload without the drive's id")
        return item

    return _run(drive, files, url, single, answer, data_of=lambda f: f[2], conflict=conflict,
                content_type="application/octet-stream", race_key=lambda f: f[0].lower())


def _run(drive: Drive, files: Sequence[_T], url: Callable[[_T], str], single: Callable[[_T], DriveItem],
         answer: Callable[[_T, dict[str, Any] | errors.GraphError], DriveItem | errors.GraphError], *,
         data_of: Callable[[_T], bytes], conflict: str, content_type: str,
         race_key: Callable[[_T], str]) -> list[DriveItem | errors.GraphError]:
    out: list[DriveItem | errors.GraphError | None] = [None] * len(files)
    batched = [i for i, f in enumerate(files) if 0 < len(data_of(f)) <= BATCHED_FILE_LIMIT
               and drive.batched_uploads]
    for i in sorted(set(range(len(files))) - set(batched)):  # big or empty (docs/failures.md#u8): the direct call
        out[i] = _attempt(lambda f=files[i]: single(f))  # type: ignore[misc]
    if len(batched) == 1:  # one file: no envelope around it
        out[batched[0]] = _attempt(lambda: single(files[batched[0]]))
        batched = []
    for group in _envelopes(batched, lambda i: len(data_of(files[i]))):
        results = execute_batch(drive.http, [
            BatchRequest(str(i), "PUT", url(files[i]), data=data_of(files[i]),
                         headers={"Content-Type": content_type}, idempotent=conflict != "rename")
            for i in group])
        refused = [i for i in group if _refused(results[str(i)])]
        if len(refused) == len(group) and drive.batched_uploads:
            # Every item refused as a request: this tenant does not take files inside $batch.
            log.warning("Graph refused uploads inside $batch (%s); sending files one by one from now on",
                        results[str(group[0])].error)
            drive.batched_uploads = False
        wrote = {race_key(files[i]) for i in group if results[str(i)].ok}
        for i in group:
            res = results[str(i)]
            body: dict[str, Any] | errors.GraphError
            if _refused(res) or (isinstance(res.error, errors.Conflict) and (
                    conflict != "fail" or race_key(files[i]) in wrote)):
                # the batched form was refused, not the file; or the upload lost a race with
                # another item of its envelope for a folder (module docstring): send it direct
                out[i] = _attempt(lambda f=files[i]: single(f))  # type: ignore[misc]
                continue
            if res.error is not None:
                body = res.error
            elif isinstance(res.body, dict):
                body = res.body
            else:
                body = errors.GraphError("Graph answered a batched upload without the item", status=res.status)
            out[i] = answer(files[i], body)
    assert all(o is not None for o in out)
    return out  # type: ignore[return-value]


def _refused(res: BatchResult) -> bool:
    """Whether a batched upload's answer may be Graph refusing the batched form rather than the
    file. A user without a OneDrive answers 400 too ("Unable to retrieve user's mysite URL.",
    docs/failures.md#f15): that is the user's answer, not a refusal of ``$batch``."""
    return res.status in _REFUSED and not isinstance(res.error, errors.DriveNotProvisioned)


def _envelopes(indexes: list[int], size: Callable[[int], int]) -> list[list[int]]:
    """Consecutive groups of at most :data:`MAX_BATCH` files and :data:`ENVELOPE_BYTES` bytes."""
    groups: list[list[int]] = []
    current: list[int] = []
    total = 0
    for i in indexes:
        n = size(i)
        if current and (len(current) == MAX_BATCH or total + n > ENVELOPE_BYTES):
            groups.append(current)
            current, total = [], 0
        current.append(i)
        total += n
    if current:
        groups.append(current)
    return groups


def _attempt(call: Callable[[], DriveItem]) -> DriveItem | errors.GraphError:
    try:
        return call()
    except errors.GraphError as err:
        return err


def _check_conflict(conflict: str) -> None:
    if conflict not in CONFLICT_BEHAVIOURS:
        raise ValueError(f"conflict must be one of {sorted(CONFLICT_BEHAVIOURS)}, got {conflict!r}")
