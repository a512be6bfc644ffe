"""``README.txt`` of one person's export: what each file is, and what is not there and why, in
Swedish and English (the person's language first).

It names the person (the export is theirs) and files, kinds, campaigns and counts; never the
name of a file that was left out, which may name someone else.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from plugin.export.documents import LeftOut


@dataclass(frozen=True)
class ExportedFile:
    path: str           # relative to the export's folder, with /
    campaign: str
    kind: str           # prep_guide, form, or another stamp's kind
    modified: datetime | None


@dataclass(frozen=True)
class Contents:
    name: str
    object_id: str
    addresses: tuple[str, ...]
    in_directory: bool
    exported_at: datetime
    site: str                        # records.site
    list_name: str                   # records.list
    list_found: bool
    campaigns: tuple[str, ...]       # campaigns with a record, in order
    files: tuple[ExportedFile, ...]
    left_out: tuple[LeftOut, ...]
    gone: tuple[str, ...]
    no_folder: tuple[str, ...]
    reminder_columns: tuple[str, ...]


_KIND = {"en": {"prep_guide": "the prep guide", "form": "the documentation form, as filled in (health notes "
                                                          "and feedback to the manager included)"},
         "sv": {"prep_guide": "förberedelseguiden", "form": "dokumentationsformuläret, så som det är ifyllt "
                                                            "(anteckningar om hälsa och återkoppling till chefen "
                                                            "ingår)"}}


def readme_text(c: Contents, language: str | None) -> str:
    """The README, Swedish first unless the person's language is English."""
    order = ("en", "sv") if (language or "").lower().startswith("en") else ("sv", "en")
    parts = [_swedish(c) if lang == "sv" else _english(c) for lang in order]
    return ("\n\n" + "=" * 72 + "\n\n").join(parts).rstrip() + "\n"


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "?"
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _left_counts(left: Sequence[LeftOut]) -> list[tuple[str, int]]:
    return sorted(Counter(x.campaign for x in left).items())


def _english(c: Contents) -> str:
    who = f"{c.name} ({', '.join(c.addresses)})" if c.addresses else c.name
    lines = [
        "What samtal holds about one person",
        "",
        f"Person: {who}, object id {c.object_id}"
        + ("" if c.in_directory else " (no longer in the directory; found by the records)") + ".",
        f"Exported {_when(c.exported_at)} from the list '{c.list_name}' on {c.site}"
        + ("" if c.list_found else " (which does not exist: samtal holds no record there)")
        + " and the talk folders its records name. "
        "samtal runs yearly employee dialogues (medarbetarsamtal): it books each talk, prepares a "
        "folder with a prep guide and a documentation form, and files the finished form as a record.",
        "",
        "Files",
        "- README.txt: this file.",
        "- records.csv: the person's records, one row per talk (campaign), the columns HR reads, for "
        "a spreadsheet (UTF-8; a cell a spreadsheet could run as a formula begins with ').",
        "- records.json: the same records with every field the list holds for them (ids, times in "
        "ISO 8601 UTC, notes, filed answers), and the list of the documents in this export.",
    ]
    lines += [f"- {f.path}: campaign {f.campaign}, {_KIND['en'].get(f.kind, f.kind)}; last changed "
              f"{_when(f.modified)}." for f in c.files]
    if not c.campaigns:
        lines += ["", "samtal holds no record about this person: no talk of any campaign."]
    lines += ["", "Not in this export, and why",
              "- Talks this person held as a manager: those records and forms are about the manager's "
              "employees (each of them can ask for their own). In them, only the manager's name and "
              "address are about this person.",
              "- Team overviews: a manager's team overview puts the filed answers of the whole team "
              "side by side. It is about all of them and is not exported per person; what this "
              "person's talk filed is in their own record and form above. The manager's guide holds "
              "nothing about any one person.",
              "- The meeting in Outlook: it is in the person's own calendar; its time is in the "
              "records (MeetingStart, MeetingEnd).",
              "- Who changed a record in SharePoint (its author and editor): SharePoint's bookkeeping of "
              "HR's and the app's work, not data about this person. When the record was created and "
              "last changed is in records.json (Created, Modified).",
              "- Other people in a record's note: where a note names another account or person (an "
              "address two accounts share, a manager chain that loops), it reads [another account] or "
              "[another person]."]
    if c.reminder_columns:
        lines.append(f"- Reminder e-mails: how many samtal sent for each talk, and when the last went, is in "
                     f"records.json ({', '.join(c.reminder_columns)}); the messages themselves are in the "
                     "person's own mailbox, and a copy of each in the Sent Items of the mailbox HR sends "
                     "reminders from (samtal does not copy mail into an export). A manager's weekly "
                     "digest names the manager's whole team and is not exported.")
    else:
        lines.append("- Reminders: the records hold no record of reminders sent to this person.")
    for campaign, n in _left_counts(c.left_out):
        lines.append(f"- Campaign {campaign}: {n} other file(s) in the talk folder were not exported: "
                     "samtal did not make them for this talk (someone put them there), so it cannot "
                     "tell whose data they hold. HR has been told which; the person sees them in "
                     "their own folder.")
    for campaign in c.gone:
        lines.append(f"- Campaign {campaign}: the talk folder no longer exists (deleted, or disposed of "
                     "after its retention); the record is all that is held.")
    for campaign in c.no_folder:
        lines.append(f"- Campaign {campaign}: the talk never had a folder (it was not booked); the "
                     "record is all that is held.")
    return "\n".join(lines)


def _swedish(c: Contents) -> str:
    who = f"{c.name} ({', '.join(c.addresses)})" if c.addresses else c.name
    lines = [
        "Det samtal har om en person",
        "",
        f"Person: {who}, objekt-id {c.object_id}"
        + ("" if c.in_directory else " (finns inte längre i katalogen; hittad genom posterna)") + ".",
        f"Exporterad {_when(c.exported_at)} ur listan '{c.list_name}' på {c.site}"
        + ("" if c.list_found else " (som inte finns: samtal har inga poster där)")
        + " och de samtalsmappar som posterna pekar på. "
        "samtal sköter de årliga medarbetarsamtalen: bokar varje samtal, förbereder en mapp med en "
        "förberedelseguide och ett dokumentationsformulär, och arkiverar det färdiga formuläret som en post.",
        "",
        "Filer",
        "- README.txt: den här filen.",
        "- records.csv: personens poster, en rad per samtal (omgång), de kolumner HR läser, för ett "
        "kalkylprogram (UTF-8; en cell som ett kalkylprogram kunde köra som formel börjar med ').",
        "- records.json: samma poster med alla fält listan har för dem (id:n, tider i ISO 8601 UTC, "
        "anteckningar, arkiverade svar) och en förteckning över dokumenten i exporten.",
    ]
    lines += [f"- {f.path}: omgång {f.campaign}, {_KIND['sv'].get(f.kind, f.kind)}; senast ändrad "
              f"{_when(f.modified)}." for f in c.files]
    if not c.campaigns:
        lines += ["", "samtal har ingen post om personen: inget samtal i någon omgång."]
    lines += ["", "Det som inte finns i exporten, och varför",
              "- Samtal som personen har hållit som chef: de posterna och formulären handlar om chefens "
              "medarbetare (var och en kan begära ut sina). I dem är bara chefens namn och adress "
              "uppgifter om den här personen.",
              "- Teamöversikter: en chefs teamöversikt ställer hela gruppens arkiverade svar bredvid "
              "varandra. Den handlar om alla i gruppen och exporteras inte per person; det personens "
              "samtal arkiverade finns i personens egen post och eget formulär ovan. Chefens guide "
              "innehåller inget om någon enskild person.",
              "- Mötet i Outlook: det finns i personens egen kalender; tiden finns i posterna "
              "(MeetingStart, MeetingEnd).",
              "- Vem som har ändrat en post i SharePoint (skapare och redigerare): SharePoints "
              "bokföring av HR:s och appens arbete, inte uppgifter om personen. När posten skapades och "
              "senast ändrades står i records.json (Created, Modified).",
              "- Andra personer i en posts anteckning: där en anteckning nämner ett annat konto eller en "
              "annan person (en adress som två konton delar, en chefskedja som går i cirkel) står "
              "[another account] eller [another person]."]
    if c.reminder_columns:
        lines.append(f"- Påminnelser via e-post: hur många samtal har skickat för varje samtal, och när den "
                     f"senaste gick, står i records.json ({', '.join(c.reminder_columns)}); själva "
                     "meddelandena finns i personens egen brevlåda, och en kopia av vart och ett under Skickat "
                     "i den brevlåda HR skickar påminnelser från (samtal kopierar ingen e-post till en "
                     "export). En chefs veckosammanfattning nämner "
                     "hela chefens grupp och exporteras inte.")
    else:
        lines.append("- Påminnelser: posterna har inga uppgifter om påminnelser till personen.")
    for campaign, n in _left_counts(c.left_out):
        lines.append(f"- Omgång {campaign}: {n} andra fil(er) i samtalsmappen exporterades inte: samtal "
                     "har inte gjort dem för det här samtalet (någon har lagt dit dem) och kan inte avgöra "
                     "vems uppgifter de innehåller. HR har fått veta vilka; personen ser dem i sin egen mapp.")
    for campaign in c.gone:
        lines.append(f"- Omgång {campaign}: samtalsmappen finns inte längre (raderad, eller gallrad efter "
                     "sin bevarandetid); posten är allt som finns.")
    for campaign in c.no_folder:
        lines.append(f"- Omgång {campaign}: samtalet fick aldrig någon mapp (det bokades inte); posten är "
                     "allt som finns.")
    return "\n".join(lines)
