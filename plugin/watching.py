"""Talks whose meeting has started: held, and their forms filed (docs/architecture.md#one-pass,
stage 8).

Two steps, at two points of the pass:

- :func:`look_before_held`, before answers are read: a talk whose booked end has passed is held
  only if its meeting took place, so its event is read once as it crosses its end
  (:mod:`plugin.held`: one listing of the campaign's meetings for a manager with two talks or
  more crossing, else one GET per talk, in ``$batch``). One called off goes to be booked, one
  moved in Outlook follows its event; nothing is written for a talk that was held until
  :func:`watch_all` writes it.
- :func:`watch_all`, after booking: the forms that are due are downloaded in batches, an
  unchanged form held for review is not read again, the others are read (in worker processes
  for a large round) and judged (:mod:`plugin.collect`: filed, waiting, or held for review).
  Held and filed in the same pass are one write, the records are written together last, and a
  record that would be written as it is stored is not written at all, so a second pass
  changes nothing.
"""
from __future__ import annotations

from connectors.graph import errors
from connectors.graph.addresses import id_key, same_id
from plugin import held
from plugin.collect import HeldForms, judge_reading
from plugin.documents.workers import DocumentWorkers, spare_cores
from plugin.pass_context import PassContext, Talk
from plugin.records import Record, Status, without_waiting

_POOLED_READING = 200  # forms to read before worker processes pay for their start (≈ 0.5 s)


def look_before_held(pc: PassContext, to_watch: list[Talk], to_book: list[Talk]) -> dict[str, Record]:
    """Read the events of the talks in ``to_watch`` whose booked end has passed. A talk called off
    leaves ``to_watch`` (for ``to_book``, or, moved in Outlook to a time still ahead, its record
    written to follow the event); returns the held records, by key, for :func:`watch_all`."""
    ended = [t for t in to_watch if held.crossing(t.record, pc.now)]
    looks = _look_at_ended(pc, ended)
    held_now: dict[str, Record] = {}
    off, later = set(), []
    for talk in ended:
        look = looks.get(talk.employee.id)
        assert talk.record is not None and look is not None
        if isinstance(look, errors.GraphError):  # not held this pass; its form is still watched
            pc.drop(talk.record, look)
        elif look.verdict == held.HELD:
            held_now[talk.record.key] = look.record
        else:
            off.add(id(talk))
            pc.act(look.record, held.ACTIONS[look.verdict])
            if look.verdict == held.LATER:
                later.append(look.record)
            else:
                moved = not same_id(talk.record.manager_id, talk.manager.id)
                to_book.append(Talk(talk.entry, look.record, "moved" if moved else look.verdict,
                                    talk.record.event_id))
    to_watch[:] = [t for t in to_watch if id(t) not in off]
    pc.put_all("recording meetings moved in Outlook", later)
    return held_now


def _look_at_ended(pc: PassContext, ended: list[Talk]) -> dict[str, held.Look | errors.GraphError]:
    """What each talk's event says (:mod:`plugin.held`), by employee id: a manager with two talks
    or more crossing has the campaign's meetings listed once; one with one has its event read."""
    teams: dict[str, list[Talk]] = {}
    for talk in ended:
        assert talk.record is not None
        teams.setdefault(id_key(talk.record.manager_id), []).append(talk)
    looks: dict[str, held.Look | errors.GraphError] = {}

    def pair(talk: Talk) -> tuple[Record, frozenset[str]]:
        assert talk.record is not None
        return talk.record, talk.employee.addresses

    def look(chunk: list[Talk]) -> None:
        looks.update(zip([t.employee.id for t in chunk],
                         held.look_at_ended(pc.client.calendar, [pair(t) for t in chunk], pc.now)))

    def list_by_manager(chunk: list[list[Talk]]) -> None:
        answers = held.look_by_manager(pc.client.calendar, [[pair(t) for t in team] for team in chunk],
                                       pc.talks.tag_prefix(), pc.now)
        for team, team_looks in zip(chunk, answers):
            looks.update(zip([t.employee.id for t in team], team_looks))

    pc.in_batches("looking at ended meetings", [ts[0] for ts in teams.values() if len(ts) < 2], look)
    pc.in_batches("looking at ended meetings by manager", [ts for ts in teams.values() if len(ts) >= 2],
                  list_by_manager)
    return looks


def watch_all(pc: PassContext, talks: list[Talk], held_now: dict[str, Record]) -> None:
    """Talks whose meeting has started: mark each held once it has ended (``held_now``, from
    :func:`look_before_held`), and read its form when it may have changed. Forms are fetched in
    batches, then read; held and filed in the same pass are one write, and the records are
    written together last."""
    watched: list[tuple[Talk, Record, Record, str]] = []
    fetch: list[tuple[Talk, Record, Record, str]] = []
    for talk in talks:
        record = talk.record
        assert record is not None
        now_record = held_now.get(record.key, record)  # held once its event was looked at
        look = f"form:{record.key}"
        # Never looked at since the meeting started: a form confirmed earlier is filed now.
        first_since_start = pc.cache.due(look, pc.now, pc.now - (record.meeting_start or pc.now))
        wanted = record.form_item_id and not pc.dry_run and (
            pc.watch_all or first_since_start or pc.cache.due(look, pc.now, pc.look_every))
        (fetch if wanted else watched).append((talk, record, now_record, look))
    finals: dict[str, Record] = {w[1].key: w[2] for w in watched}

    # Many forms: read on the machine's other cores while the threads fetch the next ones.
    readers = DocumentWorkers(min(4, spare_cores()) if len(fetch) >= _POOLED_READING else 0,
                              pc.settings.templates.directory)
    held_forms = HeldForms(pc.cache, pc.now)

    def download(chunk: list[tuple[Talk, Record, Record, str]]) -> None:
        answers = pc.client.drive.download_many([(r.drive_id, r.form_item_id) for _, r, _, _ in chunk])
        got = [(entry, data) for entry, data in zip(chunk, answers) if not isinstance(data, errors.GraphError)]
        for (_, record, _, _), data in zip(chunk, answers):
            if isinstance(data, errors.GraphError):
                pc.drop(record, data)
        kept = {e[1].key for e, data in got if held_forms.unchanged(e[1], data)}  # held, unchanged: not read again
        for _, record, now_record, look in (e for e, _ in got if e[1].key in kept):
            finals[now_record.key] = now_record
            pc.cache.looked(look, pc.now)
        got = [(entry, data) for entry, data in got if entry[1].key not in kept]
        readings = readers.read([data for _, data in got])
        for ((_, record, now_record, look), data), reading in zip(got, readings):
            result = judge_reading(now_record, reading, pc.now, zone=pc.settings.meetings.zone.tzinfo)
            held_forms.remember(record, data, result.record)
            pc.cache.looked(look, pc.now)
            finals[now_record.key] = result.record

    try:
        pc.in_batches("collecting forms", fetch, download)
    finally:
        readers.close()
    changed = [(talk, record, finals[record.key]) for talk, record, _, _ in watched + fetch
               if record.key in finals and finals[record.key] != record]

    def write(chunk: list[tuple[Talk, Record, Record]]) -> None:
        for (talk, record, _), saved in zip(chunk, pc.book.put_many([f for _, _, f in chunk])):
            if isinstance(saved, errors.GraphError):
                pc.drop(record, saved)
                continue
            if saved.status is Status.FILED and record.status is not Status.FILED:
                pc.act(saved, "filed", talk.manager.display_name)
            elif saved.status is Status.HELD and record.status is not Status.HELD:
                pc.act(saved, "held", talk.manager.display_name)
            if without_waiting(saved.note) not in ("", without_waiting(record.note)):
                pc.act(saved, "form problem", talk.manager.display_name, saved.note)

    pc.in_batches("writing records", changed, write)
