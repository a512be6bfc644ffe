"""The team overview: one Word document per manager, built from the team's filed records.

It shows, in the manager's language, who is not yet documented, the team's new goals,
development plans and competence needs side by side, the follow-up of last year's goals, and
the competence needs that recur in the team (grouped as :mod:`plugin.overview.themes` explains).

Only form fields that are filed to the list are read (``OVERVIEW_FIELDS``, checked against
``FILED_FORM_COLUMNS`` at import); health notes and manager feedback never reach a record, and a
record that carries one anyway is refused rather than printed.
"""
from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from plugin.documents import FORM_FIELDS
from plugin.documents.placeholders import clean
from plugin.overview import wml
from plugin.overview.package import base, core_properties_xml
from plugin.overview.themes import group
from plugin.records import FILED_FORM_COLUMNS, Record, Status

#: The form fields the overview shows, in its order; every one is filed to the list.
OVERVIEW_FIELDS: tuple[str, ...] = ("goals", "development_plan", "competence_needs",
                                    "previous_goals_followup")
NEVER_SHOWN: frozenset[str] = frozenset(tag for tag, spec in FORM_FIELDS.items() if not spec.filed)
if not set(OVERVIEW_FIELDS) <= set(FILED_FORM_COLUMNS) or NEVER_SHOWN & set(OVERVIEW_FIELDS):
    raise RuntimeError("the team overview may show only fields filed to the list")

FILE_NAMES = {"sv": "Teamöversikt medarbetarsamtal.docx", "en": "Team overview of employee dialogues.docx"}

_TEXT = {
    "sv": {
        "title": "Teamöversikt: {campaign}",
        "intro": "{manager}s team, {n} medarbetare i samtalsomgången. Översikten bygger bara på "
                 "det som arkiverats från dokumentationen (inte anteckningar om hälsa eller "
                 "återkoppling till chefen) och uppdateras av samtal när något nytt arkiveras. "
                 "Den ligger i din egen OneDrive och delas inte med någon.",
        "missing": "Ännu inte dokumenterade ({n})",
        "all_done": "Alla i teamet är dokumenterade.",
        "side": "Mål, utvecklingsplaner och kompetensbehov",
        "nothing_filed": "Ingen dokumentation är arkiverad ännu.",
        "employee": "Medarbetare", "status": "Läge", "meeting": "Samtal",
        "recurring": "Återkommande kompetensbehov",
        "recurring_how": "Behoven delas upp vid radbrytningar, punkter och semikolon; ord som "
                         "bara skiljer sig i stora/små bokstäver eller skiljetecken räknas som "
                         "samma behov. Antalet är hur många medarbetare som nämner behovet.",
        "no_recurring": "Inget kompetensbehov nämns av fler än en medarbetare.",
        "need": "Behov", "people": "Medarbetare",
        "followup": "Uppföljning av förra årets mål",
        "none": "–", "not_booked": "inte bokat",
    },
    "en": {
        "title": "Team overview: {campaign}",
        "intro": "The team of {manager}: {n} people in the round. The overview is built only "
                 "from what was filed from the documentation (never notes on health or feedback "
                 "to the manager) and samtal refreshes it when something new is filed. It is in "
                 "your own OneDrive and shared with no one.",
        "missing": "Not yet documented ({n})",
        "all_done": "Everyone in the team is documented.",
        "side": "Goals, development plans and competence needs",
        "nothing_filed": "No documentation has been filed yet.",
        "employee": "Employee", "status": "Stage", "meeting": "Talk",
        "recurring": "Recurring competence needs",
        "recurring_how": "Needs are split at line breaks, bullets and semicolons; needs that "
                         "differ only in case or punctuation count as one. The number is how "
                         "many people name the need.",
        "no_recurring": "No competence need is named by more than one person.",
        "need": "Need", "people": "People",
        "followup": "Follow-up of last year's goals",
        "none": "–", "not_booked": "not booked",
    },
}
STATUS_WORDS = {
    "sv": {Status.SCHEDULED: "bokat", Status.DECLINED: "avböjt, ny tid söks", Status.HELD: "genomfört, "
           "dokumentationen inte bekräftad", Status.FILED: "dokumenterat",
           Status.UNSCHEDULABLE: "ingen gemensam tid", Status.FAILED: "problem, se HR",
           Status.EXCLUDED: "ingår inte"},
    "en": {Status.SCHEDULED: "booked", Status.DECLINED: "declined, a new time is sought",
           Status.HELD: "held, documentation not confirmed", Status.FILED: "documented",
           Status.UNSCHEDULABLE: "no common free time", Status.FAILED: "a problem, see HR",
           Status.EXCLUDED: "not in the round"},
}


class OverviewError(ValueError):
    """Records that must not go into a manager's overview (another team's, or unfiled fields)."""


def check_team(records: Sequence[Record], manager_id: str | None) -> None:
    """Refuse a record of another manager's team, or one carrying a field never filed."""
    for r in records:
        if manager_id is not None and r.manager_id != manager_id:
            raise OverviewError(f"record {r.key} belongs to another manager's team")
        leaked = NEVER_SHOWN & {tag for tag, value in r.form.items() if value not in (None, "")}
        if leaked:
            raise OverviewError(f"record {r.key} carries {', '.join(sorted(leaked))}, which is "
                                "never filed and never shown")


def in_overview(record: Record) -> bool:
    """A talk of the round (excluded people are out of it)."""
    return record.status is not Status.EXCLUDED


def _text(record: Record, tag: str) -> str:
    value = record.form.get(tag)
    return "" if value is None else str(value).strip()


def render_team_overview(manager_name: str, language: str, records_of_the_team: Sequence[Record],
                         campaign_title: str, *, manager_id: str | None = None,
                         time_zone: str = "Europe/Stockholm", content_hash: str = "") -> bytes:
    """The overview of one manager's team as the bytes of a .docx.

    ``records_of_the_team`` are the manager's own reports' records (``manager_id``, when given,
    is checked on each: a record of another team raises :class:`OverviewError`, as does a record
    carrying health notes or manager feedback). ``content_hash`` is stamped into the document's
    core properties (``identifier``) so the uploaded file says which content it shows.
    """
    if language not in _TEXT:
        raise ValueError(f"language must be sv or en, not {language!r}")
    check_team(records_of_the_team, manager_id)
    t, words, zone = _TEXT[language], STATUS_WORDS[language], ZoneInfo(time_zone)
    team = sorted((r for r in records_of_the_team if in_overview(r)),
                  key=lambda r: (r.employee_name.casefold(), r.employee_id))
    filed = [r for r in team if r.status is Status.FILED]
    missing = [r for r in team if r.status is not Status.FILED]

    title = t["title"].format(campaign=campaign_title)
    blocks = [wml.paragraph(title, "Title"),
              wml.paragraph(t["intro"].format(manager=manager_name, n=len(team))),
              wml.paragraph(t["missing"].format(n=len(missing)), "Heading1")]
    if missing:
        def when(r: Record) -> str:
            return r.meeting_start.astimezone(zone).strftime("%Y-%m-%d %H:%M") if r.meeting_start else t["not_booked"]
        blocks.append(wml.table((t["employee"], t["status"], t["meeting"]),
                                [(r.employee_name, words[r.status], when(r)) for r in missing]))
    else:
        blocks.append(wml.paragraph(t["all_done"]))

    titles = {tag: FORM_FIELDS[tag].titles[language] for tag in OVERVIEW_FIELDS}
    blocks.append(wml.paragraph(t["side"], "Heading1"))
    if filed:
        blocks.append(wml.table(
            (t["employee"], titles["goals"], titles["development_plan"], titles["competence_needs"]),
            [(r.employee_name, _text(r, "goals") or t["none"], _text(r, "development_plan") or t["none"],
              _text(r, "competence_needs") or t["none"]) for r in filed]))
    else:
        blocks.append(wml.paragraph(t["nothing_filed"]))

    blocks += [wml.paragraph(t["recurring"], "Heading1"), wml.paragraph(t["recurring_how"])]
    recurring = [th for th in group(_text(r, "competence_needs") for r in filed) if th.people > 1]
    if recurring:
        blocks.append(wml.table((t["need"], t["people"]), [(th.label, str(th.people)) for th in recurring]))
    else:
        blocks.append(wml.paragraph(t["no_recurring"]))

    blocks.append(wml.paragraph(t["followup"], "Heading1"))
    if filed:
        blocks.append(wml.table((t["employee"], titles["previous_goals_followup"]),
                                [(r.employee_name, _text(r, "previous_goals_followup") or t["none"])
                                 for r in filed]))
    else:
        blocks.append(wml.paragraph(t["nothing_filed"]))

    return base().build(wml.document(blocks), core_properties_xml(clean(title), clean(content_hash)))
