"""Booking new talks in stages (docs/architecture.md#one-pass, stage 7): the talks that are new or
booked again after a cancelled meeting, many at once.

Each stage runs across all the talks before the next begins, batched or parallel: prep guides,
folders' web addresses, forms and managers' guides, shares, meetings (a meeting that came without
its Teams link gets an invitation that says so), and the records last. A
talk a stage fails drops out of the later stages, its failure sorted once
(:meth:`~plugin.pass_context.PassContext.drop`). Every stage looks before it writes
(:mod:`plugin.talks`, :mod:`plugin.placement`): a folder at the talk's path is used only when it
is this talk's, a form is never uploaded over an existing one, a share grants the same
permission again rather than a second one, a meeting a stopped pass already booked is used
rather than booked again, and the record is written last, so a pass stopped at any point and
run again creates nothing twice.
"""
from __future__ import annotations

from dataclasses import dataclass

from connectors.graph import errors
from connectors.graph.calendar_records import Event
from connectors.graph.drive_records import DriveItem
from plugin.documents import TalkContext
from plugin.documents.workers import DocumentWorkers, spare_cores
from plugin.pass_context import PassContext, Talk
from plugin.placement import Folder
from plugin.records import Record
from plugin.scheduling.model import Proposal
from plugin.talks import scheduled_record

_POOLED_DOCUMENTS = 200  # talks to prepare before worker processes pay for their start (≈ 0.5 s)


@dataclass
class _Job:
    """One new talk going through the booking stages; ``alive`` until a stage fails it."""

    talk: Talk
    proposal: Proposal
    base: Record
    existing: Event | None
    ctx: TalkContext | None = None
    folder: Folder | None = None
    fresh: bool = False
    form: DriveItem | None = None
    event: Event | None = None
    alive: bool = True


def book_in_stages(pc: PassContext, work: list[tuple[Talk, Proposal]], team_size: dict[str, int],
                   found: dict[str, Event | None]) -> None:
    """New talks in stages across talks, each stage batched or parallel: prep guides (PUT),
    folders' web URLs ($batch), forms (PUT), managers' guides (PUT), shares ($batch),
    meetings ($batch), records ($batch, last). A talk a stage fails drops out, its failure
    sorted as :meth:`~plugin.pass_context.PassContext.guard` sorts it; every step looks before it
    writes, as when one talk is booked (:mod:`plugin.booking`). ``found`` holds the meetings a
    stopped pass had already booked, by employee id."""
    jobs = [_Job(t, p, pc.record_for(t.employee, t.record), found.get(t.employee.id)) for t, p in work]
    if len(jobs) >= _POOLED_DOCUMENTS:  # many documents: rendered on the machine's other cores
        pc.talks.documents = DocumentWorkers(min(4, spare_cores()), pc.settings.templates.directory)
    try:
        _book_stages(pc, jobs, team_size)
    finally:
        pc.talks.documents.close()
        pc.talks.documents = DocumentWorkers(0, pc.settings.templates.directory)


def _book_stages(pc: PassContext, jobs: list[_Job], team_size: dict[str, int]) -> None:
    def prep(chunk: list[_Job]) -> None:
        for job in chunk:
            employee, manager = job.talk.employee, job.talk.manager
            job.ctx = pc.talks.context(employee, manager, job.proposal.start, job.proposal.end,
                                       pc.previous.get(employee.id))
        answers = pc.talks.place_preps([(j.talk.employee, j.talk.manager, j.talk.record, j.ctx)
                                        for j in chunk if j.ctx is not None])  # all of them
        for job, answer in zip(chunk, answers):
            if isinstance(answer, errors.GraphError):
                _fail_job(pc, job, answer)
            else:
                job.folder, job.fresh = answer

    pc.in_batches("placing prep guides", jobs, prep)

    def urls(chunk: list[_Job]) -> None:
        answers = pc.client.drive.get_items(
            [(j.folder.drive_id, j.folder.item_id) for j in chunk if j.folder is not None])
        for job, answer in zip(chunk, answers):
            if isinstance(answer, errors.GraphError):
                _fail_job(pc, job, answer)
            elif job.folder is not None:
                job.folder = pc.talks.with_url(job.folder, answer)

    pc.in_batches("reading folders", [j for j in jobs if j.alive and j.fresh], urls)

    def form(chunk: list[_Job]) -> None:
        placed = [(j.folder, j.ctx) for j in chunk if j.folder is not None and j.ctx is not None]
        assert len(placed) == len(chunk), "a live job has its folder and context"
        answers = pc.talks.place_forms(placed)
        for job, answer in zip(chunk, answers):
            if isinstance(answer, errors.GraphError):
                _fail_job(pc, job, answer)
            else:
                job.form = answer
        guides = pc.talks.ensure_manager_guides([(j.talk.manager, team_size.get(j.talk.manager.id, 1))
                                                 for j in chunk if j.alive])
        for manager_id, err in guides.items():  # the talk that asked for it waits for next pass
            job = next(j for j in chunk if j.alive and j.talk.manager.id == manager_id)
            _fail_job(pc, job, err)

    pc.in_batches("placing forms", [j for j in jobs if j.alive], form)

    def share(chunk: list[_Job]) -> None:
        answers = pc.talks.share_many([(j.folder, j.talk.employee, j.talk.manager)
                                       for j in chunk if j.folder is not None])
        for job, answer in zip(chunk, answers):
            if answer is not None:
                _fail_job(pc, job, answer)

    pc.in_batches("sharing folders", [
        j for j in jobs if j.alive and j.folder is not None and
        (not j.base.shared or j.folder.item_id != j.base.folder_id)], share)

    for job in jobs:
        job.event = job.existing

    def book(chunk: list[_Job]) -> None:
        # a new booking replaces the record's meeting, if it had one: a new transactionId
        answers = pc.talks.book_many([(j.talk.employee, j.talk.manager, j.proposal.start,
                                       j.proposal.end, j.folder.web_url if j.folder else "",
                                       j.talk.replaced_event)
                                      for j in chunk])
        for job, answer in zip(chunk, answers):
            if isinstance(answer, errors.GraphError):
                _fail_job(pc, job, answer)
            else:
                job.event = answer

    pc.in_batches("booking meetings", [j for j in jobs if j.alive and j.event is None], book)

    def tell(job: _Job) -> None:
        assert job.event is not None and job.folder is not None
        try:
            job.event = pc.talks.tell_no_teams(job.talk.employee, job.talk.manager, job.event,
                                               job.folder.web_url)
        except errors.GraphError as err:  # the meeting stands; the next pass finds it and says so
            _fail_job(pc, job, err)

    pc.run_parallel("updating invitations without a Teams link", [
        j for j in jobs if j.alive and j.event is not None and pc.talks.lacks_teams(j.event)], tell)

    def write(chunk: list[_Job]) -> None:
        afters = []
        for j in chunk:
            assert j.folder is not None and j.event is not None and j.ctx is not None
            afters.append(scheduled_record(j.base, j.talk.employee, j.talk.manager, j.folder,
                                           j.form, j.event, j.ctx.language, pc.talks.meeting_note(j.event)))
        what = {"new": "book", "cancelled": "book again"}
        for job, saved in zip(chunk, pc.book.put_many(afters)):
            if isinstance(saved, errors.GraphError):
                _fail_job(pc, job, saved)
            else:
                pc.act(saved, what[job.talk.kind], job.talk.manager.display_name)

    pc.in_batches("writing records", [j for j in jobs if j.alive], write)


def _fail_job(pc: PassContext, job: _Job, err: errors.GraphError) -> None:
    job.alive = False
    pc.drop(job.base, err, job.talk)
