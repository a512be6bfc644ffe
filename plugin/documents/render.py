"""Rendering: a template plus one person's context gives the bytes of a personalised .docx.

Fast path (docs/documents.md#making-a-document): a template is opened, checked and normalised once and kept in
memory; each render deep-copies only the parts that hold placeholders (``word/document.xml``,
headers, footers), substitutes, and writes a new zip in which every other entry is copied as
the template had it. ``docProps/custom.xml`` gets the form id (LibreOffice keeps custom
properties through docx and odt round trips; it drops ``w:docVars``).
"""
from __future__ import annotations

import copy
import datetime as dt
import threading
import zipfile
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from lxml import etree

import templates as builtin_templates
from plugin.documents import oxml, oxml_build
from plugin.documents.model import (
    DocumentError,
    ManagerContext,
    TalkContext,
    TemplateError,
)
from plugin.documents.placeholders import (
    MANAGER_PLACEHOLDERS,
    TALK_PLACEHOLDERS,
    clean,
    normalise,
    substitute,
)
from plugin.documents.positions import paragraph_place
from plugin.documents.safety import Package
from plugin.documents.zipparts import Stored, stored, write_zip

Kind = Literal["prep_guide", "form", "manager_guide"]
KINDS: tuple[Kind, ...] = ("prep_guide", "form", "manager_guide")
ALLOWED: dict[str, frozenset[str]] = {
    "prep_guide": frozenset(TALK_PLACEHOLDERS),
    "form": frozenset(TALK_PLACEHOLDERS),
    "manager_guide": frozenset(MANAGER_PLACEHOLDERS),
}
PROP_FORM_ID, PROP_CAMPAIGN, PROP_EMPLOYEE = "samtal_form_id", "samtal_campaign_id", "samtal_employee_id"
PROP_LANGUAGE, PROP_KIND = "samtal_language", "samtal_document"

_WEEKDAYS = {"sv": ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"),
             "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")}
_MONTHS = {"sv": ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
                  "september", "oktober", "november", "december"),
           "en": ("January", "February", "March", "April", "May", "June", "July", "August",
                  "September", "October", "November", "December")}
_TEXTS = {
    "sv": {"not_booked": "inte bokat ännu; du får en kallelse i Outlook",
           "no_goals": "Inga mål dokumenterades vid förra årets samtal.",
           "no_plan": "Ingen utvecklingsplan dokumenterades vid förra årets samtal.",
           "none": "–"},
    "en": {"not_booked": "not booked yet; you will receive an Outlook invitation",
           "no_goals": "No goals were documented at last year's talk.",
           "no_plan": "No development plan was documented at last year's talk.",
           "none": "–"},
}


def template_file(kind: str, language: str, templates_dir: Path | None = None) -> Path:
    """The template used for ``kind`` and ``language``: HR's copy in ``templates_dir`` when it
    has one, else the built-in one."""
    name = f"{kind}.{language}.docx"
    if templates_dir is not None and (templates_dir / name).is_file():
        return templates_dir / name
    return Path(builtin_templates.TEMPLATES_DIR) / name


class Template:
    """A template opened once: raw entries to copy, and normalised trees of the parts to fill."""

    def __init__(self, data: bytes, kind: str, label: str) -> None:
        package = Package(data, label=label)
        self.kind, self.label = kind, label
        self.entries: list[tuple[zipfile.ZipInfo, bytes]] = [
            (e.info, package.read(e.name)) for e in package.entries.values()]
        self.trees: dict[str, etree._Element] = {}
        self.custom: dict[str, str] = {}
        problems: list[str] = []
        for name in ["word/document.xml", *oxml.header_footer_parts(package.entries)]:
            root = package.xml(name)
            found, findings = normalise(root, name)
            problems += [str(f) for f in findings]
            unknown = sorted(found.keys() - ALLOWED[kind])
            if unknown:  # where, as `samtal templates check` says it: a template has dozens of paragraphs
                places = [f"{u} in {', '.join(paragraph_place(p) for p in found[u])}" for u in unknown]
                problems.append(f"{name}: unknown placeholder(s) {'; '.join(places)}; "
                                f"known: {', '.join(sorted(ALLOWED[kind]))}")
            if found or name == "word/document.xml":
                self.trees[name] = root
        if problems:
            raise TemplateError(f"{label}: " + "; ".join(problems))
        if package.has(oxml.CUSTOM_PART):
            self.custom = oxml.read_custom_properties(package.xml(oxml.CUSTOM_PART))
        else:  # declare the part once, so every render can stamp it
            ct, rels = package.xml("[Content_Types].xml"), package.xml("_rels/.rels")
            oxml.ensure_custom_part(ct, rels)
            self._replace("[Content_Types].xml", etree.tostring(ct, xml_declaration=True, encoding="UTF-8"))
            self._replace("_rels/.rels", etree.tostring(rels, xml_declaration=True, encoding="UTF-8"))
            self.entries.append((zipfile.ZipInfo(oxml.CUSTOM_PART, (1980, 1, 1, 0, 0, 0)), b""))
        # The parts no render changes, compressed once: a render deflates only what it fills in.
        self.kept: dict[str, Stored] = {
            info.filename: stored(info.filename, data) for info, data in self.entries
            if info.filename not in self.trees and info.filename != oxml.CUSTOM_PART}

    def _replace(self, name: str, data: bytes) -> None:
        self.entries = [(i, data if i.filename == name else d) for i, d in self.entries]

    def render(self, values: dict[str, str], properties: dict[str, str],
               date_prefill: tuple[str, dt.date, str] | None = None) -> bytes:
        new: dict[str, bytes] = {}
        for name, tree in self.trees.items():
            root = copy.deepcopy(tree)
            substitute(root, values)
            if name == "word/document.xml" and date_prefill is not None:
                _prefill_date(root, *date_prefill)
            new[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        new[oxml.CUSTOM_PART] = oxml.custom_properties_xml({**self.custom, **properties})
        return write_zip([self.kept[info.filename] if info.filename in self.kept
                          else stored(info.filename, new[info.filename]) for info, _ in self.entries])


def _prefill_date(root: etree._Element, tag: str, day: dt.date, shown: str) -> None:
    for sdt in oxml.controls(root):
        if oxml.control_tag(sdt) == tag and oxml.control_kind(sdt) == "date":
            oxml_build.fill_date(sdt, day, shown)


_cache: dict[tuple[str, str], tuple[tuple[int, int], Template]] = {}
_lock = threading.Lock()


def load_template(kind: str, language: str, templates_dir: Path | None = None) -> Template:
    """The template for ``kind``/``language``, opened once and reloaded when the file changes."""
    if kind not in KINDS:
        raise TemplateError(f"unknown document kind {kind!r}; one of {', '.join(KINDS)}")
    path = template_file(kind, language, templates_dir)
    try:
        stat = path.stat()
    except OSError as err:
        raise TemplateError(f"template {path.name} not found in {path.parent}") from err
    stamp = (stat.st_mtime_ns, stat.st_size)
    key = (str(path), kind)
    with _lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
    try:
        template = Template(path.read_bytes(), kind, path.name)
    except TemplateError:
        raise
    except DocumentError as err:
        raise TemplateError(f"template {path.name}: {err}") from err
    with _lock:
        _cache[key] = (stamp, template)
    return template


def _long_date(day: dt.date, language: str) -> str:
    month = _MONTHS[language][day.month - 1]
    return f"{day.day} {month} {day.year}"


def talk_values(ctx: TalkContext) -> dict[str, str]:
    """Placeholder name → text for one talk, in the context's language."""
    texts = _TEXTS[ctx.language]
    values = {
        "campaign_id": ctx.campaign_id, "campaign_title": ctx.campaign_title,
        "employee_name": ctx.employee_name, "manager_name": ctx.manager_name,
        "department": ctx.department or texts["none"],
        "meeting_date": texts["not_booked"], "meeting_time": texts["not_booked"],
        "previous_goals": ctx.previous_goals.strip() or texts["no_goals"],
        "previous_development_plan": ctx.previous_development_plan.strip() or texts["no_plan"],
    }
    if ctx.meeting_start is not None:
        zone = ZoneInfo(ctx.time_zone)
        start = ctx.meeting_start.astimezone(zone)
        end = ctx.meeting_end.astimezone(zone) if ctx.meeting_end else None
        weekday = _WEEKDAYS[ctx.language][start.weekday()]
        day = _long_date(start.date(), ctx.language)
        sep = "." if ctx.language == "sv" else ":"
        clock = f"{start.hour:02d}{sep}{start.minute:02d}"
        if end is not None:
            clock += f"–{end.hour:02d}{sep}{end.minute:02d}"
        values["meeting_date"] = day
        values["meeting_time"] = (f"{weekday} {day} kl. {clock}" if ctx.language == "sv"
                                  else f"{weekday} {day}, {clock}")
    return {k: clean(v) for k, v in values.items()}


def _talk_properties(ctx: TalkContext, kind: str) -> dict[str, str]:
    return {PROP_FORM_ID: f"{ctx.campaign_id}:{ctx.employee_id}", PROP_CAMPAIGN: ctx.campaign_id,
            PROP_EMPLOYEE: ctx.employee_id, PROP_LANGUAGE: ctx.language, PROP_KIND: kind}


def render_prep_guide(ctx: TalkContext, *, templates_dir: Path | None = None) -> bytes:
    """The employee's prep guide (questionnaire), personalised, as .docx bytes."""
    template = load_template("prep_guide", ctx.language, templates_dir)
    return template.render(talk_values(ctx), _talk_properties(ctx, "prep_guide"))


def render_form(ctx: TalkContext, *, templates_dir: Path | None = None) -> bytes:
    """The documentation form, names prefilled, the date picker set to the meeting's day when
    booked, stamped with the form id ``(campaign, employee)``."""
    template = load_template("form", ctx.language, templates_dir)
    prefill = None
    if ctx.meeting_start is not None:
        day = ctx.meeting_start.astimezone(ZoneInfo(ctx.time_zone)).date()
        prefill = ("meeting_date", day, day.isoformat())
    return template.render(talk_values(ctx), _talk_properties(ctx, "form"), prefill)


def render_manager_guide(ctx: ManagerContext, *, templates_dir: Path | None = None) -> bytes:
    """The manager's guide for one manager and campaign."""
    template = load_template("manager_guide", ctx.language, templates_dir)
    values = {"campaign_id": ctx.campaign_id, "campaign_title": ctx.campaign_title,
              "manager_name": ctx.manager_name, "team_size": str(ctx.team_size)}
    props = {PROP_CAMPAIGN: ctx.campaign_id, PROP_LANGUAGE: ctx.language, PROP_KIND: "manager_guide"}
    return template.render({k: clean(v) for k, v in values.items()}, props)

