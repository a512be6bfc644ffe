"""Domain values of the documents: what a document is rendered from and what a form reads as.

Everything here is a frozen dataclass or a constant table; no XML. ``FORM_FIELDS`` is the form's
contract (docs/documents.md#the-form-contract): every content-control tag, its kind, whether it is filed to the SharePoint
list and under which column, and the title people see in Word in each language (the title is
also the fallback key when a form lost its tags in LibreOffice).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

LANGUAGES: tuple[str, ...] = ("sv", "en")
Language = Literal["sv", "en"]
FieldKind = Literal["text", "date", "richtext", "checkbox"]
FieldValue = str | bool | dt.date | None


class DocumentError(ValueError):
    """A document or template that samtal cannot use. Subclasses say why; ``str()`` says what."""


class NotADocxError(DocumentError):
    """The bytes are not a Word document (not a zip, or no ``word/document.xml``)."""


class DamagedDocumentError(DocumentError):
    """A Word document whose zip or XML is broken."""


class OversizedDocumentError(DocumentError):
    """Too large: the file itself, a part, the sum of the parts or the number of entries."""


class FormTooLargeError(OversizedDocumentError):
    """A form holding far more than any real one (paragraphs, controls, characters, part size):
    not read, so that one document cannot stall a pass. ``str()`` says what was too large."""


class HostileDocumentError(DocumentError):
    """XML that declares a DTD or entities: never parsed further."""


class TemplateError(DocumentError):
    """A template that cannot be rendered (missing, unknown placeholder, broken)."""


def _pascal(tag: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in tag.split("_"))


@dataclass(frozen=True)
class FieldSpec:
    """One content control of the form: tag, kind, filing, and its title per language."""

    tag: str
    kind: FieldKind
    filed: bool
    titles: Mapping[str, str]
    locked: bool = False

    @property
    def column(self) -> str | None:
        """SharePoint column name (PascalCase of the tag, ``employee_name`` → ``Title``)."""
        if not self.filed:
            return None
        return "Title" if self.tag == "employee_name" else _pascal(self.tag)


def _spec(tag: str, kind: FieldKind, sv: str, en: str, *, filed: bool = True,
          locked: bool = False) -> FieldSpec:
    return FieldSpec(tag, kind, filed, MappingProxyType({"sv": sv, "en": en}), locked)


_SPECS = (
    _spec("employee_name", "text", "Medarbetare", "Employee", locked=True),
    _spec("manager_name", "text", "Chef", "Manager", locked=True),
    _spec("meeting_date", "date", "Datum för samtalet", "Date of the talk"),
    _spec("previous_goals_followup", "richtext", "Uppföljning av förra årets mål",
          "Follow-up of last year's goals"),
    _spec("goals", "richtext", "Nya mål", "New goals"),
    _spec("development_plan", "richtext", "Individuell utvecklingsplan",
          "Individual development plan"),
    _spec("competence_needs", "richtext", "Behov av kompetensutveckling",
          "Competence development needs"),
    _spec("expectations", "richtext", "Förväntningar på varandra", "Expectations of each other"),
    _spec("health_discussed", "checkbox", "Hälsa och arbetsmiljö har diskuterats",
          "Health and the work environment were discussed"),
    _spec("health_notes", "richtext", "Anteckningar om hälsa och arbetsmiljö",
          "Notes on health and the work environment", filed=False),
    _spec("manager_feedback", "richtext", "Återkoppling till chefen", "Feedback to the manager",
          filed=False),
    _spec("employee_confirmed", "checkbox", "Medarbetaren bekräftar dokumentationen",
          "The employee confirms the documentation"),
    _spec("manager_confirmed", "checkbox", "Chefen bekräftar dokumentationen",
          "The manager confirms the documentation"),
)

#: tag → specification, in the order the form shows them.
FORM_FIELDS: Mapping[str, FieldSpec] = MappingProxyType({s.tag: s for s in _SPECS})


def choose_language(preferred_language: str | None, default: str = "sv") -> Language:
    """Map a Graph ``preferredLanguage`` (``sv-SE``, ``en-US``, ``EN``, None) to ``sv`` or ``en``.

    A language samtal has no templates for, or none at all, gives the campaign default.
    """
    fallback = default.strip().lower()[:2]
    if fallback not in LANGUAGES:
        raise ValueError(f"default language must be one of {', '.join(LANGUAGES)}, not {default!r}")
    primary = (preferred_language or "").strip().replace("_", "-").split("-")[0].lower()
    chosen = primary if primary in LANGUAGES else fallback
    return "sv" if chosen == "sv" else "en"


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")


@dataclass(frozen=True)
class TalkContext:
    """What the prep guide and the form of one employee are personalised with."""

    campaign_id: str
    campaign_title: str
    employee_id: str
    employee_name: str
    manager_name: str
    department: str = ""
    meeting_start: dt.datetime | None = None
    meeting_end: dt.datetime | None = None
    time_zone: str = "Europe/Stockholm"
    language: str = "sv"
    previous_goals: str = ""
    previous_development_plan: str = ""

    def __post_init__(self) -> None:
        _check_language(self.language)
        if not self.campaign_id.strip() or not self.employee_id.strip():
            raise ValueError("campaign_id and employee_id must not be empty")
        for name in ("meeting_start", "meeting_end"):
            value = getattr(self, name)
            if value is not None and value.utcoffset() is None:
                raise ValueError(f"{name} must be a time-zone aware datetime, got {value!r}")
        if self.meeting_start and self.meeting_end and self.meeting_end < self.meeting_start:
            raise ValueError("meeting_end is before meeting_start")
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"unknown IANA time zone {self.time_zone!r}") from err


@dataclass(frozen=True)
class ManagerContext:
    """What a manager's guide is personalised with."""

    campaign_id: str
    campaign_title: str
    manager_name: str
    language: str = "sv"
    team_size: int = 0

    def __post_init__(self) -> None:
        _check_language(self.language)
        if self.team_size < 0:
            raise ValueError(f"team_size must not be negative, got {self.team_size}")


@dataclass(frozen=True)
class FormId:
    """The talk a form was generated for, stamped in its custom document properties."""

    campaign_id: str
    employee_id: str

    @property
    def key(self) -> str:
        """The record key (docs/records.md#the-key): ``{campaign}:{employee id}``."""
        return f"{self.campaign_id}:{self.employee_id}"


@dataclass(frozen=True)
class FormReading:
    """A documentation form read back.

    ``fields`` has every tag of ``FORM_FIELDS``: ``str`` for text and rich text (``""`` when
    empty or still the placeholder; paragraphs and list items as lines, items prefixed ``- ``
    or ``1. ``), ``datetime.date | None`` for ``meeting_date``, ``bool`` for checkboxes.
    ``unread`` names the tags that could not be read at all (their value is the empty one);
    ``problems`` explains, one readable sentence each, everything that needs a person's eye.
    Problems never quote what people wrote, so they may be logged or stored.
    """

    form_id: FormId | None
    fields: Mapping[str, FieldValue]
    problems: tuple[str, ...] = ()
    unread: tuple[str, ...] = ()
    language: str | None = None
    saved_by_libreoffice: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with ``fields`` as a plain dict (a read-only view cannot be pickled), so a
        reading can come back from a worker process (:mod:`plugin.documents.workers`)."""
        return (FormReading, (self.form_id, dict(self.fields), self.problems, self.unread,
                              self.language, self.saved_by_libreoffice))

    @property
    def employee_confirmed(self) -> bool:
        return self.fields.get("employee_confirmed") is True

    @property
    def manager_confirmed(self) -> bool:
        return self.fields.get("manager_confirmed") is True

    @property
    def complete(self) -> bool:
        """Both confirmation boxes are checked: the form is finished."""
        return self.employee_confirmed and self.manager_confirmed

    def filed_fields(self) -> dict[str, FieldValue]:
        """Column name → value for the SharePoint list; ``health_notes`` and
        ``manager_feedback`` are never included."""
        return {spec.column: self.fields.get(tag) for tag, spec in FORM_FIELDS.items()
                if spec.column is not None}
