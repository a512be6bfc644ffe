"""One pass at a time per campaign: a lease kept in the records list itself.

Two ``samtal run`` started together (two cron hosts, or a manual run during the scheduled one)
would each read the records before the other wrote any, and each create an item for every talk.
So a pass takes its campaign's *lease* before it reads the records, and writes only while it
holds it. The lease is one item in the records list (``Key`` ``{campaign}:~lease``; never a
talk's record, see :func:`plugin.records.is_lease_fields`) whose ``Note`` names the holder: host,
process, a pass id, since when, and when the lease expires.

Every change of holder is an update with ``If-Match`` on the eTag the pass read, so of two
passes that try at once exactly one succeeds and the other gets 412 (``resourceModified``;
https://learn.microsoft.com/en-us/graph/api/listitem-update "Optional request headers") and
looks again:

- **taking** — the campaign's lease items are read (one indexed query). One item: held by a
  live pass → :class:`LeaseHeld` (who, since when, until when); free (released) or expired (its
  holder was killed) → take it over by updating it with ``If-Match``. No item (the campaign's
  first pass): create one naming this pass and look again. Several items (creators that
  collided): each removes its own and the other free or expired ones but one, waits a random
  moment and looks again, until one item is left; a pass only ever holds the lease after an
  ``If-Match`` update of an item it saw alone, so two creators can never both hold it.
- **renewing** — a background thread updates the expiry (``If-Match``) every third of the term.
  A 412 that is not the pass's own earlier write (an answer lost and the PATCH sent again) means
  another pass took the lease over: the lease is lost. :meth:`PassLease.check`, called before
  every step's items and every record write, raises :class:`LeaseLost` once the lease is lost or
  could not be renewed until a fifth of the term before it runs out, so the pass stops writing.
- **releasing** — at the end of the pass, after an error or Ctrl-C too: the item is marked
  free (``If-Match``). A killed pass never releases; its lease blocks the next pass only until
  it expires (``records.lease_minutes``, default 5).

The holder's note also keeps the campaign's window end (``window_end``, the last day of
``campaign.window``) as the last pass that knew it wrote it: the records list holds no campaign
file, and ``samtal retention`` needs each campaign's window end to know when its retention ends
(:mod:`plugin.retention`). A pass that does not know it (retention disposing of an old campaign)
keeps the one the item had.

Time here is the real clock (UTC), never ``--now``: a pass acting "as if" it were another day
still must not overlap a pass running now. Hosts that run samtal should keep their clocks
synchronised (NTP); a skew of a few seconds is harmless against a term of minutes.
"""
from __future__ import annotations

import json
import logging
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from typing import TypeVar

from connectors.graph import errors
from connectors.graph.lists import ListItem
from plugin.records import LEASE_MARK, lease_key
from plugin.store import RecordStore

log = logging.getLogger(__name__)
_T = TypeVar("_T")

DEFAULT_TERM = timedelta(minutes=5)
_LOOKS = 8  # tries to settle colliding creators before giving up (for this run)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class LeaseTerms:
    """How a pass holds its lease: the term, the real clock, and who the pass is."""

    term: timedelta = DEFAULT_TERM
    clock: Callable[[], datetime] = utc_now
    host: str = field(default_factory=socket.gethostname)
    process: int = field(default_factory=os.getpid)
    pause: Callable[[float], None] = time.sleep  # between looks when creators collide

    @property
    def renew_every(self) -> timedelta:
        return self.term / 3

    @property
    def margin(self) -> timedelta:
        """A pass stops writing this long before its lease would run out unrenewed."""
        return self.term / 5


@dataclass(frozen=True)
class Holder:
    """Who holds (or last held) a campaign's lease, as its item's ``Note`` says."""

    host: str
    process: int
    pass_id: str
    since: datetime
    expires: datetime
    released: bool = False
    window_end: date | None = None  # the campaign window's last day, as the pass knew it

    def free_at(self, now: datetime) -> bool:
        return self.released or self.expires <= now

    def describe(self) -> str:
        return (f"host {self.host}, process {self.process}, pass {self.pass_id[:8]}, running since "
                f"{_show(self.since)}; its lease expires at {_show(self.expires)} unless renewed")

    def note(self) -> str:
        data: dict[str, object] = {"host": self.host, "process": self.process, "pass": self.pass_id,
                                   "since": _iso(self.since), "expires": _iso(self.expires),
                                   "released": self.released}
        if self.window_end is not None:
            data["window_end"] = self.window_end.isoformat()
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_item(cls, item: ListItem) -> "Holder | None":
        """The holder an item names; None when its note is missing or unreadable (free)."""
        try:
            data = json.loads(str(item.fields.get("Note") or ""))
            return cls(host=str(data["host"]), process=int(data["process"]), pass_id=str(data["pass"]),
                       since=_parse(data["since"]), expires=_parse(data["expires"]),
                       released=bool(data.get("released", False)),
                       window_end=window_end_of(data))
        except (ValueError, KeyError, TypeError, RecursionError):  # RecursionError: JSON nested too deeply
            return None


def window_end_of(data: object) -> date | None:
    """The ``window_end`` a lease note's JSON holds, or None (absent, or not a date: a note an
    older samtal wrote)."""
    value = data.get("window_end") if isinstance(data, dict) else None
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def recorded_window_end(item: ListItem) -> date | None:
    """The window end a campaign's lease item keeps, or None when no pass recorded one."""
    try:
        return window_end_of(json.loads(str(item.fields.get("Note") or "")))
    except (ValueError, RecursionError):  # not JSON, or nested too deeply to parse
        return None


class LeaseHeld(Exception):
    """Another pass holds the campaign's lease: this pass did nothing and stops."""

    def __init__(self, campaign: str, holder: Holder | None) -> None:
        self.campaign = campaign
        self.holder = holder
        if holder is None:
            text = (f"another pass is running for campaign {campaign}: other passes were taking the "
                    "lease at the same moment; run again in a minute")
        else:
            text = f"another pass is running for campaign {campaign}: {holder.describe()}"
        super().__init__(text)


class LeaseLost(Exception):
    """This pass no longer holds its lease (another took it over after it could not renew it in
    time): it stops writing; the next run finishes the work."""


class PassLease:
    """The lease one pass holds; :meth:`take` it, :meth:`check` before writing, :meth:`release`."""

    def __init__(self, store: RecordStore, campaign: str, terms: LeaseTerms,
                 window_end: date | None = None) -> None:
        self.store = store
        self.campaign = campaign
        self.terms = terms
        self.window_end = window_end  # None: keep the one the item has
        self.key = lease_key(campaign)
        self.pass_id = uuid.uuid4().hex
        self.since = terms.clock()
        self.expires = self.since
        self._item_id: str | None = None
        self._etag: str | None = None
        self._lost: str | None = None
        self._created = False
        self._done = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ taking
    @classmethod
    def take(cls, store: RecordStore, campaign: str, terms: LeaseTerms | None = None, *,
             window_end: date | None = None) -> "PassLease":
        """Hold the campaign's lease and keep renewing it; raises :class:`LeaseHeld` when another
        pass holds it (and Graph errors as they come). ``window_end`` (the campaign window's
        last day) is recorded in the lease item; None keeps the one recorded before."""
        lease = cls(store, campaign, terms or LeaseTerms(), window_end)
        try:
            lease._take()
        except BaseException:
            lease._abandon()
            raise
        lease._thread = threading.Thread(target=lease._renew_loop, name="samtal-lease", daemon=True)
        lease._thread.start()
        log.info("campaign %s: lease taken by pass %s until %s", campaign, lease.pass_id[:8],
                 _show(lease.expires))
        return lease

    def _take(self) -> None:
        seen: Holder | None = None
        for _ in range(_LOOKS):
            items = sorted(self._items(), key=_number)
            if not items:
                self._create()
                continue
            if len(items) == 1:
                item = items[0]
                holder = Holder.from_item(item)
                mine = holder is not None and holder.pass_id == self.pass_id
                if not mine and holder is not None and not holder.free_at(self.terms.clock()):
                    raise LeaseHeld(self.campaign, holder)
                if holder is not None and not mine:
                    log.info("campaign %s: taking over the lease %s (%s)", self.campaign,
                             "released" if holder.released else "that expired", holder.describe())
                if self._claim(item):
                    return
                continue
            seen = self._settle(items) or seen
            self.terms.pause(random.uniform(0.05, 0.4))
        raise LeaseHeld(self.campaign, seen)

    def _claim(self, item: ListItem) -> bool:
        """Write this pass into ``item`` with ``If-Match``; False when someone was quicker."""
        if not item.etag:
            raise errors.GraphError("the lease item came without an eTag; cannot take it safely")
        if self.window_end is None:
            self.window_end = recorded_window_end(item)
        expires = self.terms.clock() + self.terms.term
        try:
            updated = self.store.lists.update_item_if_match(
                self.store.site.id, self.store.info.id, item.id, {"Note": self._holder(expires).note()},
                etag=item.etag)
        except (errors.PreconditionFailed, errors.NotFound):
            return False  # changed or removed since we read it: look again
        self._item_id, self._etag, self.expires = item.id, updated.etag, expires
        return True

    def _create(self) -> None:
        self._created = True
        expires = self.terms.clock() + self.terms.term
        self.store.lists.create_item(self.store.site.id, self.store.info.id, {
            "Title": f"samtal: one pass at a time for campaign {self.campaign} (not a talk)",
            "Key": self.key, "Campaign": self.key, "EmployeeId": LEASE_MARK,
            "Note": self._holder(expires).note()})

    def _settle(self, items: list[ListItem]) -> Holder | None:
        """Several lease items (creators collided): remove this pass's own and every other free
        or expired one but the first, leaving live ones to their creators; returns a live
        holder seen, if any."""
        now = self.terms.clock()
        live: Holder | None = None
        for n, item in enumerate(items):
            holder = Holder.from_item(item)
            mine = holder is not None and holder.pass_id == self.pass_id
            free = holder is None or holder.free_at(now)
            if mine or (free and n > 0):
                self._discard(item)
            elif not free:
                live = holder
        return live

    def _abandon(self) -> None:
        """After a take that failed (held, an error, Ctrl-C): remove the items this pass created,
        so that they do not block the next pass until they expire. Best effort."""
        if not self._created:
            return
        try:
            for item in self._items():
                holder = Holder.from_item(item)
                if holder is not None and holder.pass_id == self.pass_id:
                    self._discard(item)
        except errors.GraphError as err:
            log.warning("campaign %s: could not remove this pass's lease item (%s); it expires by itself",
                        self.campaign, err)

    def _discard(self, item: ListItem) -> None:
        try:
            self.store.lists.delete_item(self.store.site.id, self.store.info.id, item.id, etag=item.etag)
        except (errors.PreconditionFailed, errors.NotFound):
            pass  # changed or gone meanwhile: the next look decides

    # ------------------------------------------------------------------ holding
    def check(self) -> None:
        """Raise :class:`LeaseLost` when this pass must stop writing."""
        if self._lost is not None:
            raise LeaseLost(self._lost)
        if self.terms.clock() >= self.expires - self.terms.margin:
            self._lost = (f"the lease of campaign {self.campaign} could not be renewed in time (it runs "
                          f"out at {_show(self.expires)}); this pass stopped so that no other "
                          "overlaps it")
            raise LeaseLost(self._lost)

    def guard(self, fn: Callable[[_T], None]) -> Callable[[_T], None]:
        """``fn`` that first checks the lease."""
        def guarded(item: _T) -> None:
            self.check()
            fn(item)
        return guarded

    def renew(self) -> None:
        """Move the expiry a term ahead (``If-Match``); :class:`LeaseLost` when taken over."""
        with self._lock:
            if self._lost is not None:
                raise LeaseLost(self._lost)
            if self._done or self._item_id is None or self._etag is None:
                return
            expires = self.terms.clock() + self.terms.term
            try:
                updated = self.store.lists.update_item_if_match(
                    self.store.site.id, self.store.info.id, self._item_id,
                    {"Note": self._holder(expires).note()}, etag=self._etag)
            except (errors.PreconditionFailed, errors.NotFound) as err:
                current = self._read()
                holder = Holder.from_item(current) if current is not None else None
                if current is not None and holder is not None and holder.pass_id == self.pass_id \
                        and not holder.released:
                    self._etag, self.expires = current.etag, holder.expires  # our own write, answered late
                    return
                self._lost = (f"the lease of campaign {self.campaign} was taken over by another pass "
                              f"({holder.describe() if holder else 'its item was removed'}); this pass "
                              "stopped writing")
                log.warning("%s", self._lost)
                raise LeaseLost(self._lost) from err
            self._etag, self.expires = updated.etag, expires

    def release(self) -> None:
        """Mark the lease free (``If-Match``) and stop renewing it. Never raises a Graph error:
        a lease that cannot be released expires by itself."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=30)
        with self._lock:
            if self._done or self._lost is not None or self._item_id is None or self._etag is None:
                self._done = True
                return
            self._done = True
            now = self.terms.clock()
            try:
                self.store.lists.update_item_if_match(
                    self.store.site.id, self.store.info.id, self._item_id,
                    {"Note": replace(self._holder(now), released=True).note()}, etag=self._etag)
            except (errors.PreconditionFailed, errors.NotFound):
                pass  # someone else holds it now
            except errors.GraphError as err:
                log.warning("campaign %s: could not release the lease (%s); it expires at %s",
                            self.campaign, err, _show(self.expires))
            else:
                log.info("campaign %s: lease released by pass %s", self.campaign, self.pass_id[:8])

    def _renew_loop(self) -> None:
        wait = self.terms.renew_every.total_seconds()
        while not self._stop.wait(wait):
            try:
                self.renew()
                wait = self.terms.renew_every.total_seconds()
            except LeaseLost:
                return
            except errors.GraphError as err:  # passing: try again soon; check() stops the pass in time
                log.warning("campaign %s: could not renew the lease (%s); trying again", self.campaign, err)
                wait = max(0.05, self.terms.term.total_seconds() / 15)

    # ------------------------------------------------------------------ plumbing
    def _holder(self, expires: datetime) -> Holder:
        return Holder(self.terms.host, self.terms.process, self.pass_id, self.since, expires,
                      window_end=self.window_end)

    def _items(self) -> list[ListItem]:
        return list(self.store.lists.query_items(self.store.site.id, self.store.info.id,
                                                 equals={"Key": self.key}))

    def _read(self) -> ListItem | None:
        if self._item_id is None:
            return None
        try:
            return self.store.lists.get_item(self.store.site.id, self.store.info.id, self._item_id)
        except errors.NotFound:
            return None


def _number(item: ListItem) -> tuple[int, str]:
    return (int(item.id), item.id) if item.id.isdigit() else (1 << 62, item.id)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _parse(text: object) -> datetime:
    moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("a lease time needs its zone")
    return moment


def _show(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
