"""Talk folders: what they are called, and whether a folder found at a talk's path is that talk's.

A folder belongs to exactly one talk, and its identity never depends on a shortened display
name. Every talk folder, in every drive that can hold one (the employee's own OneDrive; the
manager's when the employee has none or the campaign keeps folders with managers, beside the
manager's own talk folder), is named ``"{display name} ({employee object id})"``: the whole id,
never cut, and only the display name shortened to fit (:func:`connectors.graph.names.name_with_id`).

Entra object ids are GUIDs. Eight hex characters of one (32 bits) would collide between two
people of one drive about once in a few million pairs, and then two talks would share a folder;
the whole id (36 characters) cannot collide, so it is used, at the price of a longer name.

Before anything of a talk is written into a folder that already exists at its path (a pass that
stopped after creating it, a folder someone made or copied there), :func:`claim` looks at the
documents in it: samtal stamps every prep guide and form with the talk's key
(:mod:`plugin.documents.stamp`). The folder is the talk's when it holds a talk document stamped
with the talk's key and none stamped with another; anything else is a clash, and the talk fails
with the reason, nothing written and nothing shared.
"""
from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from connectors.graph import errors
from connectors.graph.directory import User
from connectors.graph.drive import Drive, FolderLook
from connectors.graph.names import (
    DRIVE_PREFIX_RESERVE, MAX_PATH_LENGTH, name_with_id, path_length, safe_name, same_name,
)
from plugin.documents.stamp import read_stamp

# A talk folder's name: long enough for a long display name beside the 36-character id.
TALK_FOLDER_NAME_LENGTH = 120


def campaign_segments(path: str) -> list[str]:
    """The campaign folder's path (``folders.path``) as safe segments."""
    return [safe_name(s) for s in path.split("/") if s.strip()]


def talk_folder_name(employee: User, campaign: Sequence[str], longest_file: int) -> str:
    """The talk folder's name: the display name, cut to fit, and the whole object id (lower
    case: OneDrive compares names without case, and one person's id is one folder). Its length
    keeps ``campaign/name/file`` inside OneDrive's path limit."""
    room = MAX_PATH_LENGTH - DRIVE_PREFIX_RESERVE - path_length(campaign) - 1 - longest_file - 1
    return name_with_id(employee.display_name, employee.id.strip().lower(),
                        max_length=min(TALK_FOLDER_NAME_LENGTH, room))


@dataclass(frozen=True)
class Claim:
    """A folder found at a talk's path, and the talk (``key``) that wants to use it."""

    look: FolderLook
    key: str


def claim(drive: Drive, claims: Sequence[Claim], document_names: Collection[str]
          ) -> list[str | None | errors.GraphError]:
    """For each claim: None when the folder is the talk's, else why not (a reason a person can
    act on), or the error met reading it; in order. The documents named ``document_names`` (the
    prep guide's and form's names, any language) are downloaded, in ``$batch`` calls, and their
    stamps read; nothing else is fetched."""
    wanted = [[c for c in cl.look.children if not c.is_folder
               and any(same_name(c.name, n) for n in document_names)] for cl in claims]
    pairs = [(c.drive_id, c.id) for docs in wanted for c in docs]
    answers = iter(drive.download_many(pairs) if pairs else [])
    out: list[str | None | errors.GraphError] = []
    for cl, docs in zip(claims, wanted):
        data = [next(answers) for _ in docs]
        failed = next((d for d in data if isinstance(d, errors.GraphError)), None)
        if not cl.look.item.is_folder:
            out.append("a file stands where the talk's folder should be")
        elif failed is not None:
            out.append(failed)
        else:
            keys = {s.key.casefold() for d in data if isinstance(d, bytes) and (s := read_stamp(d))}
            out.append(_verdict(keys, cl.key.casefold()))
    return out


def _verdict(keys: set[str], key: str) -> str | None:
    if keys - {key}:
        return "the folder holds the documents of another talk"
    if key in keys:
        return None
    return "the folder holds no document samtal made for this talk"


def clash(owner_id: str, reason: str) -> errors.GraphError:
    """The permanent error of a talk whose folder path is taken (no names: ids only)."""
    return errors.GraphError(
        f"a folder already stands at the talk's path in the OneDrive of {owner_id} and is not this "
        f"talk's ({reason}); nothing was written into it or shared",
        hint="rename or move that folder (it is named after the employee and their object id); "
             "the next run then prepares the talk's own folder")


def stale_owner(owner_id: str) -> errors.GraphError:
    """The permanent error of a talk whose folder is in the OneDrive of someone no longer part
    of the talk (a former manager who kept the folder of an employee without a OneDrive)."""
    return errors.GraphError(
        f"the talk's folder is in the OneDrive of {owner_id}, who is no longer the employee's "
        "manager and still owns it; nothing was written into it or shared with the new manager",
        hint="move the documents worth keeping out of that folder and delete it; the next run "
             "then prepares a new folder")
