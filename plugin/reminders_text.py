"""The reminders' words, in Swedish and English (README.md#reminders).

Each function returns a :class:`Text` for one recipient in their language (``sv`` or ``en``,
chosen as for invitations: :func:`plugin.documents.choose_language`), in HTML and in plain text
built from the same paragraphs, lists and tables, so both say the same. What goes in is names,
times, reasons and links: never a form's content. Every name and reason is escaped in the HTML,
and only ``https://`` (or a loopback sandbox's ``http://``) addresses become links (in the text,
written out after their label; other addresses are left out of both).
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, tzinfo
from urllib.parse import urlsplit

from plugin.records import Status
from plugin.reminders_digests import LISTED, HrDigest, ManagerDigest, Stuck
from plugin.reminders_due import Side
from plugin.report.data import NO_DEPARTMENT, ORDER, OTHER
from plugin.report.reasons import reason_text
from plugin.status_words import STATUS_SV

_DAYS = {"sv": ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"),
         "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")}
_MONTHS = {"sv": ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
                  "september", "oktober", "november", "december"),
           "en": ("January", "February", "March", "April", "May", "June", "July", "August",
                  "September", "October", "November", "December")}
# In Swedish, the report's words for the statuses (plugin/status_words.py), in the HR digest's
# table and in a sentence about one talk alike.
STATUS_NAMES = {
    "sv": dict(STATUS_SV),
    "en": {Status.SCHEDULED: "booked", Status.DECLINED: "declined", Status.HELD: "held",
           Status.FILED: "documented", Status.UNSCHEDULABLE: "could not be booked",
           Status.EXCLUDED: "excluded", Status.FAILED: "failed"},
}
#: One talk's status in a sentence about it ("Eva Ek: kunde inte bokas").
STATUS_OF_ONE = {
    "sv": dict(STATUS_SV),
    "en": {Status.SCHEDULED: "booked", Status.DECLINED: "declined", Status.HELD: "held",
           Status.FILED: "documented", Status.UNSCHEDULABLE: "could not be booked",
           Status.EXCLUDED: "excluded", Status.FAILED: "failed"},
}
_SIGN = {"sv": "Vänliga hälsningar\nHR", "en": "Kind regards\nHR"}
_AUTOMATIC = {"sv": "Det här mejlet skickas automatiskt och går inte att svara på.",
              "en": "This message is sent automatically; replies are not read."}


@dataclass(frozen=True)
class Text:
    """One message's words: its subject, its HTML body (the inside of ``<body>``) and the same
    as plain text (paragraphs apart by a blank line, list items as ``- ``, table rows as cells
    joined by ``|``, links written out)."""

    subject: str
    html: str
    text: str


def when(moment: datetime, zone: tzinfo, language: str, *, time_of_day: bool = True) -> str:
    """``tisdag 9 februari 2027 kl. 10.00`` / ``Tuesday 9 February 2027 at 10:00``."""
    local = moment.astimezone(zone)
    lang = "sv" if language == "sv" else "en"
    day = f"{_DAYS[lang][local.weekday()]} {local.day} {_MONTHS[lang][local.month - 1]} {local.year}"
    if not time_of_day:
        return day
    return f"{day} kl. {local:%H.%M}" if lang == "sv" else f"{day} at {local:%H:%M}"


def _esc(text: str) -> str:
    """Text as HTML element content (``<``, ``>`` and ``&`` escaped; quotes need not be)."""
    return html.escape(text, quote=False)


def _linkable(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1"))


class _Body:
    """Paragraphs, lists and tables of one message, kept as HTML and as plain text side by side:
    short paragraphs, and every link written out after its label in both."""

    def __init__(self) -> None:
        self._html: list[str] = []
        self._text: list[str] = []

    def para(self, *parts: str | tuple[str, str]) -> None:
        """A paragraph of text parts; a ``(label, url)`` part is a link."""
        self._html.append("<p>" + "".join(self._h(p) for p in parts).replace("\n", "<br>") + "</p>")
        self._text.append("".join(self._t(p) for p in parts))

    def items(self, rows: list[list[str | tuple[str, str]]]) -> None:
        if rows:
            self._html.append("<ul>" + "".join("<li>" + "".join(self._h(p) for p in row) + "</li>"
                                               for row in rows) + "</ul>")
            self._text.append("\n".join("- " + "".join(self._t(p) for p in row).replace("\n", " ") for row in rows))

    def table(self, head: list[str], rows: list[list[str]]) -> None:
        cells = "".join(f"<th style=\"text-align:left;padding:2px 8px\">{_esc(h)}</th>" for h in head)
        body = "".join("<tr>" + "".join(f"<td style=\"padding:2px 8px\">{_esc(c)}</td>" for c in row)
                       + "</tr>" for row in rows)
        self._html.append(f"<table>\n<tr>{cells}</tr>\n{body}</table>")
        self._text.append("\n".join(" | ".join(row) for row in [head, *rows]))

    @staticmethod
    def _h(part: str | tuple[str, str]) -> str:
        if isinstance(part, tuple):
            label, url = part
            if _linkable(url):
                shown = _esc(url)
                return f"{_esc(label)}: <a href=\"{html.escape(url, quote=True)}\">{shown}</a>"
            return _esc(label)
        return _esc(part)

    @staticmethod
    def _t(part: str | tuple[str, str]) -> str:
        if isinstance(part, tuple):
            label, url = part
            return f"{label}: {url}" if _linkable(url) else label
        return part

    def done(self, subject: str, language: str) -> Text:
        self.para(_SIGN[language])
        self._html.append(f"<p style=\"color:#666;font-size:smaller\">{_esc(_AUTOMATIC[language])}</p>")
        self._text.append(_AUTOMATIC[language])
        return Text(subject, "\n".join(self._html), "\n\n".join(self._text) + "\n")


def prepare_text(language: str, *, employee: str, manager: str, start: datetime, zone: tzinfo,
                 folder_url: str) -> Text:
    """To the employee, days before the talk: its time, the manager, the folder."""
    b = _Body()
    at = when(start, zone, language)
    if language == "sv":
        b.para(f"Hej {employee}!")
        b.para(f"Nu närmar sig ditt medarbetarsamtal med {manager}: {at}.")
        b.para("Ta gärna en stund före samtalet och gå igenom förberedelseguiden i er gemensamma "
               "mapp. Där finns också dokumentationen som ni fyller i tillsammans.")
        b.para(("Öppna mappen", folder_url))
        b.para("Passar tiden inte längre? Tacka nej till mötet i Outlook, så får du förslag på en ny tid.")
        return b.done(f"Snart dags för medarbetarsamtal med {manager}", "sv")
    b.para(f"Hello {employee},")
    b.para(f"Your employee dialogue with {manager} is coming up: {at}.")
    b.para("Please take a moment before the talk to go through the preparation guide in your shared "
           "folder. The documentation form you fill in together is there too.")
    b.para(("Open the folder", folder_url))
    b.para("If the time no longer suits you, decline the meeting in Outlook and a new time will be proposed.")
    return b.done(f"Your employee dialogue with {manager} is coming up", "en")


def confirm_text(language: str, side: Side, *, employee: str, manager: str, start: datetime | None,
                 zone: tzinfo, link: str) -> Text:
    """To whichever side has not confirmed the form after the talk."""
    b = _Body()
    day = f" ({when(start, zone, language, time_of_day=False)})" if start else ""
    if language == "sv":
        if side == "employee":
            b.para(f"Hej {employee}!")
            b.para(f"Tack för ditt medarbetarsamtal med {manager}{day}. Dokumentationen blir klar "
                   "först när ni båda har bekräftat den, och din bekräftelse saknas fortfarande.")
            b.para("Öppna dokumentationen, läs igenom den och kryssa i rutan för medarbetarens bekräftelse.")
        else:
            b.para(f"Hej {manager}!")
            b.para(f"Dokumentationen av medarbetarsamtalet med {employee}{day} väntar på din bekräftelse.")
            b.para("Öppna dokumentationen, läs igenom den och kryssa i rutan för chefens bekräftelse.")
        b.para(("Öppna dokumentationen", link))
        return b.done("Påminnelse: bekräfta dokumentationen av medarbetarsamtalet", "sv")
    if side == "employee":
        b.para(f"Hello {employee},")
        b.para(f"Thank you for your employee dialogue with {manager}{day}. The documentation is only "
               "complete once you have both confirmed it, and your confirmation is still missing.")
        b.para("Please open the documentation, read it through and tick the employee's confirmation box.")
    else:
        b.para(f"Hello {manager},")
        b.para(f"The documentation of the employee dialogue with {employee}{day} is waiting for your confirmation.")
        b.para("Please open the documentation, read it through and tick the manager's confirmation box.")
    b.para(("Open the documentation", link))
    return b.done("Reminder: please confirm the employee dialogue documentation", "en")


_MISSING = {"sv": {"employee": "medarbetarens", "manager": "din"}, "en": {"employee": "the employee's", "manager": "your"}}


def _missing(language: str, sides: tuple[Side, ...]) -> str:
    if not sides:
        return "inte dokumenterat ännu" if language == "sv" else "not documented yet"
    names = [_MISSING[language][s] for s in sides]
    if language == "sv":
        return "väntar på " + " och ".join(names) + (" bekräftelser" if len(names) > 1 else " bekräftelse")
    return "waiting for " + " and ".join(names) + (" confirmations" if len(names) > 1 else " confirmation")


def _capped(rows: list[list[str | tuple[str, str]]], language: str) -> list[list[str | tuple[str, str]]]:
    if len(rows) <= LISTED:
        return rows
    more = len(rows) - LISTED
    return rows[:LISTED] + [[f"… och {more} till" if language == "sv" else f"… and {more} more"]]


def manager_digest_text(language: str, digest: ManagerDigest, *, title: str, zone: tzinfo) -> Text:
    """A manager's weekly digest: their talks that need them."""
    sv = language == "sv"
    b = _Body()
    b.para(f"Hej {digest.manager_name}!" if sv else f"Hello {digest.manager_name},")
    b.para("Här är veckans sammanställning av dina medarbetarsamtal som behöver din hjälp." if sv else
           "Here is this week's summary of your employee dialogues that need your help.")
    if digest.stuck:
        b.para("Kunde inte bokas eller stoppades av ett fel (orsaken står efter namnet):" if sv else
               "Could not be booked, or failed (the reason follows the name):")
        b.items(_capped([[f"{s.employee}: {STATUS_OF_ONE[language][s.status]}" + (f" ({reason_text(s.reason, language)})" if s.reason else "")]
                         for s in digest.stuck], language))
    if digest.undocumented:
        b.para("Genomförda men inte dokumenterade:" if sv else "Held but not documented yet:")
        rows: list[list[str | tuple[str, str]]] = []
        for u in digest.undocumented:
            day = f", {when(u.start, zone, language, time_of_day=False)}" if u.start else ""
            row: list[str | tuple[str, str]] = [f"{u.employee}{day}: {_missing(language, u.missing)}"]
            if u.link:
                row += [". ", ("Dokumentationen" if sv else "The documentation", u.link)]
            rows.append(row)
        b.items(_capped(rows, language))
    if digest.declined:
        b.para("Avböjde mötet och väntar på en ny tid:" if sv else "Declined and waiting for a new time:")
        b.items(_capped([[name] for name in digest.declined], language))
    b.para("Hör av dig till HR om du behöver hjälp." if sv else "Please contact HR if you need help.")
    n = digest.count
    subject = (f"{title}: {n} samtal behöver din hjälp" if sv else
               f"{title}: {n} dialogue{'s' if n != 1 else ''} need{'' if n != 1 else 's'} your help")
    return b.done(subject, language)


def _department(label: str, language: str) -> str:
    if label == OTHER:
        return "Övriga (små avdelningar)" if language == "sv" else "Other (small departments)"
    if label == NO_DEPARTMENT:
        return "(ingen avdelning)" if language == "sv" else "(no department)"
    return label


def hr_digest_text(language: str, digest: HrDigest, *, now: datetime, zone: tzinfo) -> Text:
    """HR's weekly digest: counts by status and department, the talks that need a person, and
    where to read more."""
    sv = language == "sv"
    names = STATUS_NAMES[language]
    b = _Body()
    b.para("Hej!" if sv else "Hello,")
    b.para((f"Så här ligger {digest.title} till {when(now, zone, language, time_of_day=False)}: "
            f"{digest.total} samtal.") if sv else
           f"This is where {digest.title} stands on {when(now, zone, language, time_of_day=False)}: "
           f"{digest.total} dialogues.")
    b.table(["status", "samtal" if sv else "dialogues"],
            [[names[s], str(n)] for s, n in digest.by_status if n])
    if digest.departments:
        b.para("Per avdelning:" if sv else "By department:")
        b.table(["avdelning" if sv else "department", *(names[s] for s in ORDER)],
                [[_department(d, language), *(str(n) for n in counts)] for d, counts in digest.departments])
    if digest.departments_hidden:
        b.para((f"{digest.departments_hidden} personer i för små avdelningar visas inte per avdelning.") if sv else
               f"{digest.departments_hidden} people in departments too small to show are not shown by department.")
    if digest.needs:
        b.para(f"Samtal som behöver någons hjälp ({len(digest.needs)}):" if sv else
               f"Dialogues that need a person ({len(digest.needs)}):")
        b.items(_capped([[_stuck_line(s, language)] for s in digest.needs], language))
    else:
        b.para("Inga samtal behöver någons hjälp just nu." if sv else "No dialogue needs a person right now.")
    if digest.list_url:
        b.para(("Alla samtal finns i listan" if sv else "Every dialogue is in the list", digest.list_url))
    b.para(("En fullständig rapport med diagram får du med kommandot: " if sv else
            "For the full report with charts, run: ") + f"samtal report --config {digest.config_name}")
    subject = f"{digest.title}: veckans läge" if sv else f"{digest.title}: this week's progress"
    return b.done(subject, language)


def _stuck_line(s: Stuck, language: str) -> str:
    boss = f" ({'chef' if language == 'sv' else 'manager'} {s.manager})" if s.manager else ""
    why = f": {reason_text(s.reason, language)}" if s.reason else ""
    return f"{s.employee}{boss}, {STATUS_OF_ONE[language][s.status]}{why}"
