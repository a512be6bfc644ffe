"""The reasons samtal writes into a record's ``Note``, in Swedish for the Swedish HR page.

Reasons are stored in English (the records list, ``status`` and the CSV export keep them as
written, and README's troubleshooting table quotes them). For the report page each known reason
is recognised by its fixed words and said again in Swedish, its variable parts (dates, numbers,
names, error codes, the "…" that stands for an id or address) kept as they are. A reason of
several parts joined by "; ", or with a hint after " — ", is translated part by part. Whatever
is not recognised (Graph's own error messages, say) is shown as stored.

The English sentences come from :mod:`plugin.roster`, :mod:`plugin.settings_sections` (scope),
:mod:`plugin.planning`, :mod:`plugin.scheduling.planner`, :mod:`plugin.booking`,
:mod:`plugin.folders`, :mod:`plugin.sharing`, ``plugin/held.py`` (a meeting off after the
window), :mod:`plugin.placement` and :mod:`plugin.invitations` (notes on a booked talk: its folder in the
manager's OneDrive, a meeting without a Teams link) and ``connectors/graph/errors.py`` (hints);
``tests/plugin/report/test_reasons.py`` makes each of them there and checks it is translated.
"""
from __future__ import annotations

import re

_SPAN = r"between (?P<a>\S+) and (?P<b>\S+)"
_FIX_EN = "give each account its own address in Entra ID (or the on-premises directory it syncs from)"
_FIX_SV = "ge varje konto en egen adress i Entra ID (eller i den lokala katalog som synkroniseras dit)"
NO_REASON = "(no reason recorded)"

# (English pattern, matched whole; Swedish, with the pattern's groups by name). Groups named
# ``inner`` are reasons themselves and are translated too. More specific patterns come first.
_RULES_SV: tuple[tuple[str, str], ...] = (
    # plugin/roster.py and the scope settings
    (r"guest account: talks are for the organisation's own staff",
     "gästkonto: medarbetarsamtal hålls bara med organisationens egen personal"),
    (r"account disabled in Entra ID", "kontot är inaktiverat i Entra ID"),
    (r"on the scope\.exclude_users list", "står i listan scope.exclude_users"),
    (r"department (?P<d>.*) is in scope\.exclude_departments", "avdelningen {d} står i scope.exclude_departments"),
    (r"department (?P<d>.*) is not in scope\.departments", "avdelningen {d} står inte i scope.departments"),
    (r"no manager in Entra ID: set the user's manager attribute",
     "ingen chef är angiven i Entra ID: fyll i användarens chef (attributet manager)"),
    (r"the user is recorded as their own manager in Entra ID", "användaren står som sin egen chef i Entra ID"),
    (r"the manager chain forms a cycle \((?P<chain>.*)\): fix the managers in Entra ID",
     "chefskedjan går i cirkel ({chain}): rätta cheferna i Entra ID"),
    (r"the manager is not a user samtal can see in the directory",
     "chefen är ingen användare som samtal kan se i katalogen"),
    (r"the manager's account \((?P<name>.*)\) is disabled", "chefens konto ({name}) är inaktiverat"),
    (r"the manager \((?P<name>.*)\) is a guest account", "chefen ({name}) har ett gästkonto"),
    (rf"address clash: (?P<details>.*); an invitation or share sent to it may reach the other account: {re.escape(_FIX_EN)}",
     "två konton har samma adress: {details}; en kallelse eller delning till adressen kan hamna hos "
     f"det andra kontot: {_FIX_SV}"),
    (rf"the manager's address clashes: (?P<details>.*); the talk's invitation and folder could reach the wrong account: {re.escape(_FIX_EN)}",
     "chefens adress finns också på ett annat konto: {details}; kallelsen och mappen kan hamna hos "
     f"fel konto: {_FIX_SV}"),
    # plugin/planning.py (free/busy), with the manager's prefix from plugin/booking.py
    (r"the mailbox is outside the app's Exchange application access policy \((?P<code>\w+)\)",
     "brevlådan omfattas inte av appens åtkomstprincip i Exchange (application access policy) ({code})"),
    (r"no Exchange Online mailbox samtal can read \((?P<code>[^)]*)\)",
     "det finns ingen brevlåda i Exchange Online som samtal kan läsa ({code})"),
    (r"Exchange did not answer for this mailbox", "Exchange gav inget svar för den här brevlådan"),
    # plugin/scheduling/planner.py and plugin/booking.py (the window)
    (r"the window is over: nothing can be booked after (?P<d>\S+)",
     "samtalsperioden är slut: inget kan bokas efter {d}"),
    (r"the campaign window ended on (?P<d>\S+): no time is left to book",
     "samtalsperioden slutade {d}: det finns ingen tid kvar att boka"),
    (rf"no working hours of the employee {_SPAN}", "medarbetaren har ingen arbetstid mellan {a} och {b}"),
    (rf"the employee has no free (?P<n>\d+)-minute slot within working hours {_SPAN}",
     "medarbetaren har ingen ledig tid på {n} minuter inom arbetstiden mellan {a} och {b}"),
    (rf"the manager has no free (?P<n>\d+)-minute slot within working hours {_SPAN}",
     "chefen har ingen ledig tid på {n} minuter inom arbetstiden mellan {a} och {b}"),
    (rf"no common free time {_SPAN} within working hours",
     "chefen och medarbetaren har ingen gemensam ledig tid inom arbetstiden mellan {a} och {b}"),
    (rf"the common free time {_SPAN} is taken by the manager's other talks \(with (?P<buffer>\d+) "
     r"minutes between talks, at most (?P<most>\d+) a day\)",
     "den gemensamma lediga tiden mellan {a} och {b} går åt till chefens andra samtal (med {buffer} "
     "minuter mellan samtalen och högst {most} samtal per dag)"),
    (r"the manager's calendar cannot be read: (?P<inner>.+)", "chefens kalender kan inte läsas: {inner}"),
    # a meeting off after the window (plugin/held.py): its parts are joined by "; "
    (r"the meeting(?P<booked> booked for \d{1,2} \w+ \d{4})? was declined or its time taken since, and "
     r"no new time was found",
     "mötet{booked} avböjdes, eller tiden blev upptagen av något annat, och ingen ny tid hittades"),
    (r"the employee declined the meeting(?P<booked> booked for \d{1,2} \w+ \d{4})?",
     "medarbetaren avböjde mötet{booked}"),
    (r"the meeting(?P<booked> booked for \d{1,2} \w+ \d{4})? was cancelled", "mötet{booked} ställdes in"),
    (r"the campaign window ended on (?P<d>\S+): no time is left to book it again",
     "samtalsperioden slutade {d}: det finns ingen tid kvar att boka om det"),
    # plugin/folders.py and plugin/sharing.py (their hints follow " — ")
    (r"a folder already stands at the talk's path in the OneDrive of (?P<owner>.*?) and is not this "
     r"talk's \((?P<inner>.*)\); nothing was written into it or shared",
     "det finns redan en mapp på samtalets plats i OneDrive som tillhör {owner}, och den hör inte till "
     "det här samtalet ({inner}); inget sparades i den och inget delades"),
    (r"the folder holds the documents of another talk", "mappen innehåller ett annat samtals dokument"),
    (r"a file stands where the talk's folder should be", "det ligger en fil där samtalets mapp ska ligga"),
    (r"the folder holds no document samtal made for this talk",
     "mappen innehåller inget dokument som samtal har skapat för det här samtalet"),
    (r"rename or move that folder \(it is named after the employee and their object id\); the next "
     r"run then prepares the talk's own folder",
     "byt namn på mappen eller flytta den (den har medarbetarens namn och objekt-id); nästa körning "
     "skapar då samtalets egen mapp"),
    (r"the talk's folder is in the OneDrive of (?P<owner>.*?), who is no longer the employee's manager "
     r"and still owns it; nothing was written into it or shared with the new manager",
     "samtalets mapp ligger i OneDrive som tillhör {owner}, som inte längre är medarbetarens chef men "
     "fortfarande äger mappen; inget sparades i den och inget delades med den nya chefen"),
    (r"move the documents worth keeping out of that folder and delete it; the next run then prepares "
     r"a new folder",
     "flytta de dokument som ska sparas ut ur mappen och ta bort den; nästa körning skapar då en ny mapp"),
    (r"talk (?P<key>\S+): the former manager (?P<who>\S+) can still see the talk's folder "
     r"\((?P<roles>[\w, ]+?) access(?P<inherited>, inherited)?\); the talk is not moved to the new manager",
     "samtal {key}: den tidigare chefen {who} kan fortfarande se samtalets mapp (behörighet: {roles}"
     "{inherited}); samtalet flyttas inte till den nya chefen"),
    (r"remove their access to the folder in OneDrive \(or move the folder out of their OneDrive\); the "
     r"next run then moves the talk",
     "ta bort den tidigare chefens behörighet till mappen i OneDrive (eller flytta mappen ut ur den "
     "tidigare chefens OneDrive); nästa körning flyttar då samtalet"),
    (r"could not share the folder with (?P<who>\S+): (?P<why>.*)", "mappen kunde inte delas med {who}: {why}"),
    (r"sharing the folder with (?P<who>\S+) gave a permission to someone else",
     "när mappen delades med {who} fick någon annan behörighet till den"),
    # plugin/placement.py and plugin/invitations.py: notes on a booked talk (where its folder is, its meeting)
    (r"the employee's OneDrive was never provisioned: the folder is in the manager's OneDrive",
     "medarbetarens OneDrive har aldrig skapats: mappen ligger i chefens OneDrive"),
    (r"the employee's OneDrive cannot be found \(no OneDrive licence or site\): the folder is in the "
     r"manager's OneDrive",
     "medarbetarens OneDrive går inte att hitta (ingen OneDrive-licens eller webbplats): mappen ligger i "
     "chefens OneDrive"),
    (r"no Teams link: the manager's calendar allows no Teams meetings \(the invitation says so\)",
     "ingen Teams-länk: chefens kalender tillåter inte Teams-möten (det står i kallelsen)"),
    # connectors/graph/errors.py: hints after a Graph error
    (r"the mailbox is outside the app's Exchange application access policy: add the person to the "
     r"policy's group",
     "brevlådan omfattas inte av appens åtkomstprincip i Exchange (application access policy): lägg "
     "till personen i principens grupp"),
    (r"access to this item is blocked by a tenant policy",
     "åtkomsten till objektet stoppas av en princip i organisationen"),
    (r"the person has no Exchange Online mailbox samtal can reach",
     "personen har ingen brevlåda i Exchange Online som samtal kan nå"),
    (r"the file or folder name breaks OneDrive's rules", "fil- eller mappnamnet bryter mot OneDrives regler"),
    (re.escape(NO_REASON), "(ingen orsak angiven)"),
)
_RULES = {"sv": tuple((re.compile(p, re.DOTALL), text) for p, text in _RULES_SV)}
_GROUP_WORDS_SV = {"inherited": ", ärvd"}
# Words samtal itself puts into a variable part.
_VALUE_WORDS_SV = {"unknown error": "okänt fel", "(none)": "(ingen)"}
_ROLES_SV = {"read": "läsa", "write": "redigera", "owner": "ägare"}
_MONTHS_SV = dict(zip(
    ("January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December"),
    ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
     "oktober", "november", "december")))

# The accounts an address clash names (plugin/roster.py, address_clashes): clauses joined by
# "; ", each "ADDRESS (the FIELDS of UPN, object id ID) is also the FIELDS of UPN (object id ID),
# ...[ and of N more accounts]".
_CLASH = re.compile(r"(?P<value>.*?) \(the (?P<fields>UPN and mail|UPN|mail) of (?P<upn>.*?), object id "
                    r"(?P<id>[^)]*)\) is also (?P<named>.*?)(?: and of (?P<more>\d+) more accounts)?",
                    re.DOTALL)
_NAMED = re.compile(r"the (?P<fields>UPN and mail|UPN|mail) of (?P<upn>\S+) \(object id (?P<id>[^)]*)\)")
_FIELDS_SV = {"UPN and mail": "UPN och mail", "UPN": "UPN", "mail": "mail"}


def _clash_sv(details: str) -> str | None:
    """The accounts of an address clash, in Swedish; None when they do not read as expected."""
    out = []
    for clause in details.split("; "):
        m = _CLASH.fullmatch(clause)
        if m is None or _NAMED.sub("", m["named"]).strip(", ") != "":
            return None
        named = _NAMED.sub(lambda n: f"{_FIELDS_SV[n['fields']]} för {n['upn']} (objekt-id {n['id']})",
                           m["named"])
        more = f" och för ytterligare {m['more']} konton" if m["more"] else ""
        out.append(f"{m['value']} ({_FIELDS_SV[m['fields']]} för {m['upn']}, objekt-id {m['id']}) "
                   f"är också {named}{more}")
    return "; ".join(out)


def known(reason: str, language: str) -> bool:
    """Whether every part of ``reason`` is one samtal knows how to say in ``language``."""
    return language == "en" or _translate(reason, language) is not None


def reason_text(reason: str, language: str) -> str:
    """``reason`` as the page in ``language`` shows it: translated when known, else as stored."""
    if language == "en":
        return reason
    said = _translate(reason, language)
    return reason if said is None else said


def _translate(reason: str, language: str) -> str | None:
    text = reason.strip()
    whole = _one(text, language)
    if whole is not None:
        return whole
    if " — " in text:  # a Graph error's message, then its hint
        head, _, hint = text.rpartition(" — ")
        head_said, hint_said = _translate(head, language), _translate(hint, language)
        if hint_said is not None:
            return f"{head_said if head_said is not None else head} — {hint_said}"
        return None
    if "; " in text:
        parts = [_translate(part, language) for part in text.split("; ")]
        if all(p is not None for p in parts):
            return "; ".join(p for p in parts if p is not None)
    return None


def _one(text: str, language: str) -> str | None:
    for pattern, said in _RULES.get(language, ()):
        match = pattern.fullmatch(text)
        if match is None:
            continue
        values = _values(match, language)
        if values is not None:
            return said.format(**values)
    return None


def _values(match: re.Match[str], language: str) -> dict[str, str] | None:
    """The groups of a matched reason as the translation shows them; None when a reason inside
    it (the group ``inner``) is not known."""
    values: dict[str, str] = {}
    for name, value in match.groupdict().items():
        if name in ("inner", "details"):
            inner = _translate(value, language) if name == "inner" else _clash_sv(value)
            if inner is None:
                return None
            value = inner
        elif name in _GROUP_WORDS_SV:
            value = _GROUP_WORDS_SV[name] if value else ""
        elif name == "booked" and value:  # " booked for 17 March 2027"
            day, month, year = value.split()[-3:]
            value = f" som var bokat till {day} {_MONTHS_SV.get(month, month)} {year}"
        elif name == "roles":
            value = ", ".join(_ROLES_SV.get(r, r) for r in value.split(", "))
        values[name] = _VALUE_WORDS_SV.get(value or "", value or "")
    return values
