"""What samtal writes to people in Outlook: the invitation's subject and text, the comment of a
cancellation, in Swedish and English (the employee's language), and the note of a talk whose
meeting came without its Teams link (docs/failures.md#c5). Every value put into the HTML (names,
the folder's address, the campaign's title, the place) is escaped here.
"""
from __future__ import annotations

import html

_SUBJECT = {"sv": "Medarbetarsamtal: {employee} och {manager}",
            "en": "Employee dialogue: {employee} and {manager}"}
_BODY = {
    "sv": ("<p>Hej {employee}!</p><p>Välkommen till ditt medarbetarsamtal med {manager}. "
           "Förbered dig med förberedelseguiden i er gemensamma mapp: "
           "<a href=\"{url}\">{folder}</a>. Där finns också dokumentationen som ni fyller i "
           "och bekräftar tillsammans.</p><p>Passar tiden inte? Tacka nej, så föreslås en ny tid.</p>"),
    "en": ("<p>Hello {employee},</p><p>Welcome to your employee dialogue with {manager}. "
           "Prepare with the preparation guide in your shared folder: "
           "<a href=\"{url}\">{folder}</a>. The documentation form you fill in and confirm "
           "together is there too.</p><p>Does the time not suit you? Decline, and a new time "
           "will be proposed.</p>"),
}


_CANCEL_COMMENTS = {
    "scope": {"sv": "Samtalet ställs in av samtal (ändrad chef eller omfattning).",
              "en": "The talk is cancelled by samtal (new manager or change of scope)."},
    "window": {"sv": "Samtalet ställs in av samtal: tiden avböjdes och perioden för samtalen är slut.",
               "en": "The talk is cancelled by samtal: the time was declined and the campaign window is over."},
}


# The record's note of a meeting booked without the Teams link it asked for.
NO_TEAMS_NOTE = "no Teams link: the manager's calendar allows no Teams meetings (the invitation says so)"
_NO_TEAMS = {
    "sv": ("<p>Mötet har ingen Teams-länk, eftersom chefens kalender inte tillåter Teams-möten. {where}</p>"),
    "en": ("<p>This meeting has no Teams link, because the manager's calendar does not allow Teams "
           "meetings. {where}</p>"),
}
_PLACE = {"sv": "Plats: {place}.", "en": "Place: {place}."}
_AGREE = {"sv": "Kom överens om var ni ses.", "en": "Please agree on where to meet."}


def invitation_subject(language: str, employee: str, manager: str) -> str:
    return _SUBJECT[language].format(employee=employee, manager=manager)


def invitation_body(language: str, employee: str, manager: str, folder_url: str, folder: str, *,
                    place: str | None, online: bool, no_teams: bool = False) -> str:
    """The invitation's HTML: a welcome with the link to the talk folder; where the talk is held
    (``place``, from ``meetings.location``) when it is not a Teams meeting; and, for a meeting
    that came without the Teams link it asked for (``no_teams``), that it has none."""
    body = _BODY[language].format(url=html.escape(folder_url, quote=True), folder=html.escape(folder),
                                  employee=html.escape(employee), manager=html.escape(manager))
    where = _PLACE[language].format(place=html.escape(place)) if place else ""
    if no_teams:
        body += _NO_TEAMS[language].format(where=where or _AGREE[language])
    elif where and not online:
        body += f"<p>{where}</p>"
    return body


def cancel_comment(why: str, language: str) -> str:
    """The comment of a cancellation samtal sends: ``scope`` (a new manager or a change of scope)
    or ``window`` (declined, and the campaign window is over)."""
    return _CANCEL_COMMENTS[why]["sv" if language == "sv" else "en"]
