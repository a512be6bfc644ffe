"""The HR overview as one self-contained HTML page: inline CSS and inline SVG charts, no script,
no font, no link to anything outside the file, so it opens from disk on a machine offline.

Every chart has a table beside it with the same numbers (readable without the picture, and
searchable). All text from the records is escaped, after losing control characters and bidi
overrides (:func:`plugin.printable.printable`).
"""
from __future__ import annotations

from collections.abc import Sequence
from html import escape

from plugin.printable import printable
from plugin.records import Status
from plugin.report import charts
from plugin.report.data import NO_DEPARTMENT, ORDER, OTHER, ReportData
from plugin.report.reasons import reason_text
from plugin.status_words import STATUS_SV

TEXT = {
    "en": {
        "title": "Employee dialogues: {title}", "lang": "en", "state": "status",
        "subtitle": "Overview for HR",
        "made": "Made {now} from the records list of campaign {id} (window {start} to {end}).",
        "status": "Where the round stands", "talks": "talks", "total": "total",
        "progress": "Progress over time",
        "progress_note": "The records keep when each talk took place and when its form was filed; "
                         "when a talk was booked, declined or found unschedulable is not recorded, "
                         "only its status today (above).",
        "held": "talks held (meeting over)", "filed": "forms filed", "in_round": "talks in the round",
        "day": "day", "by_day": "the numbers, day by day",
        "departments": "Per department",
        "departments_note": "Departments with fewer than {n} people are merged into \"other\".",
        "department": "department", "other": "other", "no_department": "(no department)",
        "weeks": "Talks per week against the window",
        "weeks_note": "Booked talks by the week they take place; the shaded band is the campaign "
                      "window, bars outside it are talks outside the window.",
        "window": "campaign window", "week": "week of", "by_week": "the numbers, week by week",
        "problems": "Unschedulable and failed",
        "problems_none": "No talk is unschedulable or failed.",
        "reason": "reason", "employee": "employee", "manager": "manager",
        "themes": "Most frequent competence needs",
        "themes_note": "Counts of people naming a need in their filed documentation, grouped by "
                       "identical wording after case and punctuation are evened out; never names. "
                       "Needs only one person named are not shown{once}. Departments with "
                       "fewer than {m} people writing are merged into \"other\".",
        "themes_none": "No competence need is named by more than one person yet.",
        "need": "need", "people": "people",
    },
    "sv": {
        "title": "Medarbetarsamtal: {title}", "lang": "sv", "state": "status",
        "subtitle": "Översikt för HR",
        "made": "Skapad {now} från SharePoint-listan för samtalsomgång {id} (samtalsperiod {start} till {end}).",
        "status": "Läget i samtalsomgången", "talks": "samtal", "total": "totalt",
        "progress": "Utvecklingen över tid",
        "progress_note": "I SharePoint-listan sparas när varje samtal hölls och när dokumentationen "
                         "registrerades, men inte när ett samtal bokades, avböjdes eller visade sig "
                         "inte gå att boka: för det finns bara läget i dag (ovan).",
        "held": "genomförda samtal (mötet är över)", "filed": "samtal med registrerad dokumentation",
        "in_round": "samtal i omgången", "day": "dag", "by_day": "siffrorna dag för dag",
        "departments": "Per avdelning",
        "departments_note": "Avdelningar med färre än {n} personer redovisas tillsammans under ”övriga”.",
        "department": "avdelning", "other": "övriga", "no_department": "(ingen avdelning)",
        "weeks": "Samtal per vecka under samtalsperioden",
        "weeks_note": "Bokade samtal efter den vecka då de hålls. Det skuggade fältet är "
                      "samtalsperioden; staplar utanför det är samtal utanför perioden.",
        "window": "samtalsperiod", "week": "vecka som börjar", "by_week": "siffrorna vecka för vecka",
        "problems": "Samtal som inte kunde bokas eller som stoppats av ett fel",
        "problems_none": "Alla samtal har kunnat bokas och inget har stoppats av ett fel.",
        "reason": "orsak", "employee": "medarbetare", "manager": "chef",
        "themes": "Vanligaste behoven av kompetensutveckling",
        "themes_note": "Antal personer som tar upp ett behov i sin registrerade dokumentation. Behov "
                       "räknas samman när de är formulerade likadant, oavsett stora och små "
                       "bokstäver och skiljetecken; namn visas aldrig. Behov som bara en person "
                       "har tagit upp visas inte{once}. Avdelningar där färre än {m} personer har "
                       "skrivit redovisas tillsammans under ”övriga”.",
        "themes_none": "Inget behov av kompetensutveckling har ännu tagits upp av mer än en person.",
        "need": "behov", "people": "antal personer",
    },
}
# Sentences whose words follow a number: (one, many) or (none, one, many), "{n}" the number.
PLURALS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "hidden": (" One person in a department too small to show, even merged, is left out here "
                   "(they count in the totals).",
                   " {n} people in departments too small to show, even together, are left out here "
                   "(they count in the totals)."),
        "themes_once": ("", " (one such need)", " ({n} such needs)"),
    },
    "sv": {
        "hidden": (" En person i en avdelning som är för liten för att visas, även sammanslagen, "
                   "redovisas inte här (personen räknas med i totalen).",
                   " {n} personer i avdelningar som är för små för att visas, även sammanslagna, "
                   "redovisas inte här (de räknas med i totalen)."),
        "themes_once": ("", " (ett sådant behov)", " ({n} sådana behov)"),
    },
}
STATUS_NAMES = {
    "en": {s: s.value for s in Status},
    "sv": dict(STATUS_SV),  # the digests say the same (plugin/status_words.py)
}
# A campaign title that already says what the round is needs no prefix ("Medarbetarsamtal 2027").
_NAMES_OF_THE_ROUND = ("medarbetarsamtal", "utvecklingssamtal", "employee dialogue", "appraisal")


def headline(title: str, language: str) -> str:
    """The page's title: the campaign's own title when it says what the round is, else the
    round's name and the title ("Medarbetarsamtal: Hösten 2027")."""
    shown = " ".join(printable(title).split())
    if not shown:
        return TEXT[language]["title"].split(":")[0]
    if any(name in shown.casefold() for name in _NAMES_OF_THE_ROUND):
        return shown
    return TEXT[language]["title"].format(title=shown)


def counted(language: str, key: str, n: int) -> str:
    """The sentence ``key`` of :data:`PLURALS` in the form for ``n``, with ``{n}`` filled in."""
    forms = PLURALS[language][key]
    text = forms[0] if len(forms) == 3 and n == 0 else (forms[-2] if n == 1 else forms[-1])
    return text.format(n=n)


CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d1d1d;background:#fff}
main{max-width:980px;margin:0 auto;padding:24px}
h1{font-size:26px;margin:0 0 4px}.subtitle{margin:0 0 4px;color:#333}h2{font-size:20px;margin:32px 0 8px;border-bottom:1px solid #ddd}
.note{color:#555;font-size:13px}
figure.chart{margin:8px 0;padding:0;height:auto}
figure.chart svg{display:block;width:100%;height:auto}
table{border-collapse:collapse;margin:8px 0;font-size:13px}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
details summary{cursor:pointer;color:#2f6db5;font-size:13px}
"""


def _table(header: Sequence[str], rows: Sequence[Sequence[object]], numeric_from: int = 1,
           cls: str = "") -> str:
    def cell(tag: str, i: int, value: object) -> str:
        n = ' class="n"' if i >= numeric_from else ""
        return f"<{tag}{n}>{escape(printable(value))}</{tag}>"
    head = "".join(cell("th", i, h) for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(cell("td", i, v) for i, v in enumerate(row)) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _figure(chart_id: str, svg: str) -> str:
    return f'<figure class="chart" id="chart-{chart_id}">{svg}</figure>'


def render_page(data: ReportData, language: str = "en") -> str:
    """The whole page as text (UTF-8 when written)."""
    if language not in TEXT:
        raise ValueError(f"language must be sv or en, not {language!r}")
    t, names = TEXT[language], STATUS_NAMES[language]
    today = data.now.date()

    def dept(label: str) -> str:
        return {OTHER: t["other"], NO_DEPARTMENT: t["no_department"]}.get(label, label)

    def why(reason: str) -> str:
        return reason_text(reason, language)

    title = headline(data.title, language)
    parts = [f'<!DOCTYPE html><html lang="{t["lang"]}"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{escape(title)}</title><style>{CSS}</style></head>",
             f"<body><main><h1>{escape(title)}</h1>",
             f'<p class="subtitle">{escape(t["subtitle"])}</p>',
             f'<p class="note">{escape(t["made"].format(now=data.now.strftime("%Y-%m-%d %H:%M"), id=data.campaign_id, start=data.window[0], end=data.window[1]))}</p>']

    parts.append(f'<section id="status"><h2>{escape(t["status"])}</h2>')
    parts.append(_table([t["state"], t["talks"]],
                        [(names[s], n) for s, n in data.by_status] + [(t["total"], data.total)],
                        cls="status"))
    parts.append("</section>")

    labels = {"held": t["held"], "filed": t["filed"], "in_round": t["in_round"], "talks": t["talks"],
              "title": t["progress"]}
    parts.append(f'<section id="progress"><h2>{escape(t["progress"])}</h2>')
    parts.append(f'<p class="note">{escape(t["progress_note"])}</p>')
    parts.append(_figure("progress", charts.progress_chart(data.progress, data.in_round, today, labels)))
    changes = [row for i, row in enumerate(data.progress)
               if i == 0 or row[1:] != data.progress[i - 1][1:] or i == len(data.progress) - 1]
    parts.append(f"<details><summary>{escape(t['by_day'])}</summary>"
                 + _table([t["day"], t["held"], t["filed"]], [(d.isoformat(), h, f) for d, h, f in changes],
                          cls="progress") + "</details></section>")

    parts.append(f'<section id="departments"><h2>{escape(t["departments"])}</h2>')
    note = t["departments_note"].format(n=data.min_group_size)
    if data.departments_hidden:
        note += counted(language, "hidden", data.departments_hidden)
    parts.append(f'<p class="note">{escape(note)}</p>')
    if data.departments:
        rows = [(dept(d), counts) for d, counts in data.departments]
        parts.append(_figure("departments", charts.departments_chart(rows, ORDER, names, t["departments"])))
        parts.append(_table([t["department"], *(names[s] for s in ORDER), t["total"]],
                            [(name, *counts, sum(counts)) for name, counts in rows], cls="departments"))
    parts.append("</section>")

    parts.append(f'<section id="weeks"><h2>{escape(t["weeks"])}</h2><p class="note">{escape(t["weeks_note"])}</p>')
    parts.append(_figure("weeks", charts.weeks_chart(data.weeks, data.window, today,
                                                      {"window": t["window"], "talks": t["talks"],
                                                       "title": t["weeks"]})))
    parts.append(f"<details><summary>{escape(t['by_week'])}</summary>"
                 + _table([t["week"], t["talks"]], [(w.isoformat(), n) for w, n in data.weeks], cls="weeks")
                 + "</details></section>")

    parts.append(f'<section id="problems"><h2>{escape(t["problems"])}</h2>')
    if data.reasons:
        parts.append(_figure("problems", charts.counts_chart(
            "problems", [(f"{names[s]}: {why(reason)}", n) for s, reason, n in data.reasons],
            charts.STATUS_COLOURS[Status.UNSCHEDULABLE], t["problems"],
            colours=[charts.STATUS_COLOURS[s] for s, _, _ in data.reasons])))
        parts.append(_table([t["state"], t["reason"], t["talks"]],
                            [(names[s], why(reason), n) for s, reason, n in data.reasons], numeric_from=2,
                            cls="reasons"))
        parts.append(_table([t["state"], t["employee"], t["manager"], t["department"], t["reason"]],
                            [(names[c.status], c.employee, c.manager, dept(c.department), why(c.reason))
                             for c in data.cases],
                            numeric_from=99, cls="cases"))
    else:
        parts.append(f"<p>{escape(t['problems_none'])}</p>")
    parts.append("</section>")

    parts.append(f'<section id="themes"><h2>{escape(t["themes"])}</h2>')
    once = counted(language, "themes_once", data.themes_once)
    parts.append(f'<p class="note">{escape(t["themes_note"].format(once=once, m=data.min_group_size))}</p>')
    if data.themes:
        parts.append(_figure("themes", charts.counts_chart(
            "themes", [(th.label, th.people) for th in data.themes], "#5b4ea8", t["themes"])))
        parts.append(_table([t["need"], t["people"]], [(th.label, th.people) for th in data.themes],
                            cls="themes"))
    else:
        parts.append(f"<p>{escape(t['themes_none'])}</p>")
    groups = [(dept(g), themes) for g, themes in data.department_themes if themes]
    if groups:
        parts.append(_table([t["department"], t["need"], t["people"]],
                            [(g if i == 0 else "", th.label, th.people)
                             for g, themes in groups for i, th in enumerate(themes)],
                            numeric_from=2, cls="department-themes"))
    parts.append("</section></main></body></html>\n")
    return "".join(parts)
