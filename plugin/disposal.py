"""Disposing of a campaign whose retention has ended (``samtal retention --apply``).

One campaign at a time, under that campaign's lease (:mod:`plugin.lease`): a ``samtal run`` of
it (someone running an old campaign file) and a second retention of it cannot overlap, while
retentions of other campaigns, and the running campaign's passes, go on. Under the lease the
campaign's records are read again and the plan made afresh (:func:`plugin.retention.plan_campaign`).

Then, in this order, so that a disposal killed at any point is finished by the next run and ends
as one that ran through (``tests/e2e/test_retention.py`` kills it after every write):

1. **the log entry** is written (``started``, with the counts of what is to go) — or, when the
   last disposal of this campaign stopped half-way, that entry is taken up again, with the counts
   it set out with (:mod:`plugin.disposal_log`);
2. **talk folders**, then **managers' guides and team overviews**, deleted in ``$batch`` calls:
   each goes to its OneDrive's recycle bin with everything in it; one already gone counts as
   done;
3. **campaign folders**, each looked at once more and deleted only if it is empty now;
4. **list items** last, with ``If-Match`` on the eTag read under the lease (with
   ``retention.keep: records``, their links to the folder are cleared instead): while a record
   remains, what it names is found again by a re-run; an item changed since (HR set ``Hold``)
   is read again and left if it is held now;
5. the log entry is marked ``done``.

A step that meets a passing failure stops there (nothing after it runs, so the records still lead
a re-run to everything left); the entry stays ``started`` and the next run finishes it. Every
request goes through the client, paced as every SharePoint write is (:mod:`connectors.graph.pacing`).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

from connectors.graph import errors
from connectors.graph.client import GraphClient
from plugin.disposal_log import STARTED, LogEntry, close_entry, open_entry, read_log
from plugin.holds import Holds
from plugin.lease import LeaseHeld, LeaseTerms, PassLease
from plugin.records import from_fields
from plugin.retention import (
    CAMPAIGN_FOLDERS, GUIDES, LINKS_CLEARED, LIST_ITEMS, OVERVIEWS, TALK_FOLDERS, Campaign, CampaignPlan,
    Survey, Target, campaign_folder, plan_campaign, protected_folders, read_campaign, unlinked, with_rows,
)
from plugin.settings import Settings
from plugin.store import RecordStore

log = logging.getLogger(__name__)


@dataclass
class Disposal:
    """What disposing of one campaign did."""

    campaign: str
    plan: CampaignPlan
    entry: LogEntry | None  # None: nothing was left to dispose of (no log written)
    holds: Holds
    resumed: bool = False  # took up a disposal that had stopped half-way
    left: list[str] = field(default_factory=list)  # found in use at the last moment: kept
    failed: list[errors.GraphError] = field(default_factory=list)  # the next run tries again

    @property
    def done(self) -> bool:
        return not self.failed


def dispose_due(client: GraphClient, store: RecordStore, settings: Settings, found: Survey, *,
                terms: LeaseTerms | None = None) -> tuple[list[Disposal], list[LeaseHeld]]:
    """Dispose of every campaign :func:`plugin.retention.survey` found with something to go (or
    a disposal to finish), one after the other; a campaign whose lease another pass holds is
    left (and returned)."""
    done: list[Disposal] = []
    busy: list[LeaseHeld] = []
    for campaign in found.to_do():
        try:
            done.append(dispose(client, store, settings, campaign, found.holds,
                                protected_folders(found.campaigns, campaign.id), terms=terms))
        except LeaseHeld as err:
            busy.append(err)
    return done, busy


def dispose(client: GraphClient, store: RecordStore, settings: Settings, campaign: Campaign, holds: Holds,
            protected: set[tuple[str, str]], *, terms: LeaseTerms | None = None) -> Disposal:
    """Dispose of ``campaign`` (due, not the running one). Raises :class:`plugin.lease.LeaseHeld`
    when another pass holds its lease, :class:`plugin.lease.LeaseLost` when this one lost it,
    and Graph errors that stop everything (consent)."""
    if not campaign.due:
        raise ValueError(f"campaign {campaign.id} is not due for disposal ({campaign.state})")
    lease = PassLease.take(store, campaign.id, terms or LeaseTerms(term=settings.records.lease),
                           window_end=campaign.window_end)
    try:
        fresh = with_rows(campaign, read_campaign(store, campaign.id))
        plan = plan_campaign(client, settings, fresh, holds, protected)
        entry, resumed = _entry(store, settings, plan)
        disposal = Disposal(campaign.id, plan, entry, holds, resumed)
        if entry is None:
            return disposal
        lease.check()
        for step in (_talk_folders, _managers_documents, _campaign_folders, _list_items):
            lease.check()
            step(client, store, settings, disposal)
            if disposal.failed:
                return disposal
        lease.check()
        disposal.entry = close_entry(store, entry, settings.now)
        return disposal
    finally:
        lease.release()


def _entry(store: RecordStore, settings: Settings, plan: CampaignPlan) -> tuple[LogEntry | None, bool]:
    """The log entry this disposal writes under: the one a stopped disposal left (its counts
    kept; a series the plan now finds more of, which only a change meanwhile can cause, is
    counted as found), else a new one; None when there is nothing to dispose of."""
    entries = read_log(store, plan.campaign.id)
    counts = plan.counts()
    stopped = next((e for e in entries if e.state == STARTED), None)
    if stopped is not None:
        merged = dict(stopped.counts)
        for series, n in counts.items():
            merged[series] = max(n, merged.get(series, 0))
        if merged != dict(stopped.counts):
            log.warning("campaign %s: the stopped disposal's counts were %s; now found %s",
                        plan.campaign.id, dict(stopped.counts), counts)
        return replace(stopped, counts=merged), True
    if not plan.targets:
        return None, False
    c = plan.campaign
    entry = LogEntry(campaign=c.id, number=1 + max((e.number for e in entries), default=0),
                     decision=settings.retention.decision, app=settings.tenant.client_id,
                     keep=settings.retention.keep, window_end=c.window_end, window_end_from=c.window_end_from,
                     kept_until=c.kept_until, started=settings.now, counts=counts,
                     held_back=len(plan.held))
    return open_entry(store, entry), False


def _settle(disposal: Disposal, answers: list[errors.GraphError | None]) -> None:
    for err in answers:
        if err is None or isinstance(err, errors.NotFound):
            continue  # in the recycle bin now, or already gone
        if err.outcome is errors.Outcome.NEEDS_CONSENT:
            raise err
        disposal.failed.append(err)


def _delete(client: GraphClient, disposal: Disposal, targets: list[Target]) -> None:
    if targets:
        _settle(disposal, client.drive.delete_items([(t.drive_id, t.item_id) for t in targets]))


def _talk_folders(client: GraphClient, store: RecordStore, settings: Settings, disposal: Disposal) -> None:
    _delete(client, disposal, disposal.plan.of(TALK_FOLDERS))


def _managers_documents(client: GraphClient, store: RecordStore, settings: Settings, disposal: Disposal) -> None:
    _delete(client, disposal, disposal.plan.of(GUIDES, OVERVIEWS))


def _campaign_folders(client: GraphClient, store: RecordStore, settings: Settings, disposal: Disposal) -> None:
    """Each campaign folder looked at again: deleted when it is (still) the folder planned and
    empty now; one someone put something into meanwhile stays."""
    targets = disposal.plan.of(CAMPAIGN_FOLDERS)
    if not targets:
        return
    segments = campaign_folder(settings, disposal.campaign)
    looks = client.drive.look_at_user_paths([(t.owner, segments) for t in targets])
    empty: list[Target] = []
    for target, look in zip(targets, looks):
        if isinstance(look, errors.GraphError):
            _settle(disposal, [look])
        elif look is None or look.item.id != target.item_id:
            continue  # gone already (or another folder stands there now: not this disposal's)
        elif look.children:
            disposal.left.append(f"the campaign folder in the OneDrive of {target.owner} holds something "
                                 "that is not the campaign's now: kept")
        else:
            empty.append(target)
    _delete(client, disposal, empty)


def _list_items(client: GraphClient, store: RecordStore, settings: Settings, disposal: Disposal) -> None:
    """The records last: deleted (or, with ``retention.keep: records``, their links cleared) with
    ``If-Match``; an item changed since it was read is read again and left when it is held now."""
    site, lst = store.site.id, store.info.id
    deletes = disposal.plan.of(LIST_ITEMS)
    clears = disposal.plan.of(LINKS_CLEARED)
    answers: list[errors.GraphError | None] = []
    if deletes:
        answers += client.lists.delete_items(site, lst, [(t.item_id, t.etag) for t in deletes])
    if clears:
        updated = client.lists.update_items(site, lst, [(t.item_id, t.changes) for t in clears],
                                            etags=[t.etag for t in clears])
        answers += [a if isinstance(a, errors.GraphError) else None for a in updated]
    for target, err in zip(deletes + clears, answers):
        if isinstance(err, errors.PreconditionFailed):
            err = _again(client, store, settings, disposal, target)
        _settle(disposal, [err])


def _again(client: GraphClient, store: RecordStore, settings: Settings, disposal: Disposal,
           target: Target) -> errors.GraphError | None:
    """A record changed since it was read: left when it is held now, else written once more
    with its new eTag."""
    site, lst = store.site.id, store.info.id
    try:
        item = client.lists.get_item(site, lst, target.item_id)
    except errors.NotFound:
        return None
    except errors.GraphError as err:
        return err
    record = from_fields(item.fields, item.id)
    if disposal.holds.why(record) is not None:
        disposal.left.append(f"a record of campaign {disposal.campaign} was put on hold while the "
                             "disposal ran: kept")
        return None
    try:
        if target.series == LIST_ITEMS:
            client.lists.delete_item(site, lst, item.id, etag=item.etag)
        else:
            day = settings.now.astimezone(settings.meetings.zone.tzinfo).date()
            client.lists.update_item(site, lst, item.id, unlinked(record, day), etag=item.etag)
    except errors.NotFound:
        return None
    except errors.GraphError as err:
        return err
    return None

