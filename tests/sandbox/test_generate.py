"""The synthetic-organisation generator: determinism, the tree, names, calendars, awkward cases."""
from __future__ import annotations

import datetime
import re
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from tzlocal.windows_tz import win_tz

from connectors.sandbox.generate import generate_seed
from connectors.sandbox.generate_names import PersonName, UpnAllocator, fold_ascii

START, END = datetime.date(2027, 2, 1), datetime.date(2027, 3, 12)
REPO = Path(__file__).resolve().parents[2]
SMALL_SEED = REPO / "connectors" / "sandbox" / "seeds" / "small.yaml"
LOCAL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")
CLOCK = re.compile(r"^\d{2}:\d{2}$")
MEMBER_UPN = re.compile(r"^[a-z0-9]+(?:[.-][a-z0-9]+)*[0-9]*@example\.se$")
SHOW_AS = {"busy", "tentative", "oof", "workingElsewhere"}
FORBIDDEN = set('"*:<>?/\\|')
ALL_CASES = {
    "no_manager", "manager_is_report", "manager_cycle", "disabled", "disabled_manager", "guest",
    "contact", "duplicate_display_name", "forbidden_characters", "edge_spaces_or_dots",
    "very_long_name", "no_onedrive", "no_mailbox", "no_preferred_language", "large_team",
    "fully_booked_manager", "part_time", "parental_leave", "travel", "other_working_hours",
    "other_time_zone",
}


@pytest.fixture(scope="module")
def org() -> dict[str, Any]:
    return generate_seed(2000, seed=11, window_start=START, window_end=END)


def by_upn(seed: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {u["userPrincipalName"]: u for u in seed["users"]}


def cases(seed: dict[str, Any]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = seed["generated"]["cases"]
    return result


# --- determinism and sizes -------------------------------------------------------------------

def test_same_arguments_give_the_same_seed() -> None:
    assert generate_seed(300, seed=3, window_start=START, window_end=END) == generate_seed(300, seed=3, window_start=START, window_end=END)


def test_output_does_not_depend_on_hash_randomisation() -> None:
    script = ("import datetime, hashlib, json; from connectors.sandbox.generate import generate_seed; "
              "s = generate_seed(250, seed=5, window_start=datetime.date(2027, 2, 1), "
              "window_end=datetime.date(2027, 3, 12)); "
              "print(hashlib.sha256(json.dumps(s, sort_keys=True).encode()).hexdigest())")
    digests = set()
    for hash_seed in ("1", "2"):
        done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True,
                              env={"PYTHONHASHSEED": hash_seed, "PATH": ""}, check=True)
        digests.add(done.stdout.strip())
    assert len(digests) == 1


def test_another_seed_gives_another_organisation() -> None:
    a = generate_seed(300, seed=1, window_start=START, window_end=END)
    b = generate_seed(300, seed=2, window_start=START, window_end=END)
    assert [u["userPrincipalName"] for u in a["users"]] != [u["userPrincipalName"] for u in b["users"]]


@pytest.mark.parametrize("count", [1, 2, 5, 12, 199, 200, 201, 1000])
def test_exactly_count_users(count: int) -> None:
    seed = generate_seed(count, window_start=START, window_end=END)
    assert len(seed["users"]) == count
    assert seed["generated"]["count"] == count and seed["generated"]["seed"] == 7


def test_one_user_is_a_head_alone() -> None:
    (head,) = generate_seed(1, window_start=START, window_end=END)["users"]
    assert "manager" not in head and head["jobTitle"] == "Rektor"


def test_tenant_and_sites(org: dict[str, Any]) -> None:
    assert org["tenant"] == {"domain": "example.se", "timeZone": "W. Europe Standard Time"}
    assert org["sites"] == [{"path": "/sites/hr", "displayName": "HR"}]
    other = generate_seed(10, domain="Uni.Example.ORG", window_start=START, window_end=END)
    assert other["tenant"]["domain"] == "uni.example.org"
    assert all(u["userPrincipalName"].endswith("@uni.example.org") for u in other["users"])


@pytest.mark.parametrize("kwargs, error", [
    ({"count": 0}, ValueError), ({"count": -3}, ValueError), ({"count": True}, TypeError),
    ({"count": "10"}, TypeError), ({"seed": 1.5}, TypeError), ({"domain": "nodot"}, ValueError),
    ({"domain": "a@b.se"}, ValueError),
    ({"window_start": datetime.date(2027, 3, 13)}, ValueError),
    ({"window_end": datetime.datetime(2027, 3, 12, 12, 0)}, TypeError),
])
def test_bad_arguments_are_refused(kwargs: dict[str, Any], error: type[Exception]) -> None:
    arguments: dict[str, Any] = {"count": 10, "window_start": START, "window_end": END, **kwargs}
    count = arguments.pop("count")
    with pytest.raises(error):
        generate_seed(count, **arguments)


# --- the people ------------------------------------------------------------------------------

def test_every_user_has_the_seed_fields(org: dict[str, Any]) -> None:
    for user in org["users"]:
        for key in ("userPrincipalName", "displayName", "id", "department", "jobTitle", "oneDrive", "mailbox"):
            assert key in user, (key, user["userPrincipalName"])
        assert uuid.UUID(user["id"]).version == 5
        if user.get("kind") != "contact":
            assert isinstance(user["accountEnabled"], bool)
        assert user.get("preferredLanguage", "sv-SE") in {"sv-SE", "en-US"}
    assert len({u["id"] for u in org["users"]}) == len(org["users"])


def test_upns_are_unique_and_ascii(org: dict[str, Any]) -> None:
    upns = [u["userPrincipalName"] for u in org["users"]]
    assert len({u.lower() for u in upns}) == len(upns)
    kinds = cases(org)
    external = set(kinds["guest"]) | set(kinds["contact"])
    for upn in upns:
        assert upn.isascii(), upn
        if upn not in external:
            assert MEMBER_UPN.match(upn), upn
    assert any(re.search(r"[a-z]2@", upn) for upn in upns)  # a collision got its digit


def test_names_are_mostly_swedish_with_some_international(org: dict[str, Any]) -> None:
    names = [u["displayName"] for u in org["users"]]
    assert sum(any(ch in n for ch in "åäöÅÄÖ") for n in names) > len(names) * 0.2
    international = [u for u in org["users"] if u.get("preferredLanguage") == "en-US"]
    assert 0.05 < len(international) / len(names) < 0.3
    assert sum(u["preferredLanguage"] == "sv-SE" for u in org["users"] if "preferredLanguage" in u) > len(names) / 2
    surnames = {u["surname"] for u in org["users"]}
    assert surnames & {"Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Hämäläinen", "Laine"}  # Finnish
    assert surnames & {"Zhang", "Wang", "Chen", "Liu", "Yang", "Huang"}  # Chinese


def test_ascii_folding() -> None:
    assert fold_ascii("Åsa") == "asa" and fold_ascii("Öberg") == "oberg" and fold_ascii("Linnéa") == "linnea"
    assert fold_ascii("Łukasz") == "lukasz" and fold_ascii("Guðrún") == "gudrun" and fold_ascii("Þórsson") == "thorsson"
    assert fold_ascii("O'Brien") == "obrien" and fold_ascii("Berg Lindqvist") == "berg-lindqvist"
    assert fold_ascii("Yılmaz") == "yilmaz" and fold_ascii("Søren") == "soren"


def test_upn_collisions_get_a_digit() -> None:
    upns = UpnAllocator("example.se")
    names = [PersonName("Åsa", "Öberg", "swedish"), PersonName("Asa", "Oberg", "swedish"),
             PersonName("Åsa", "Öberg", "swedish")]
    assert [upns.allocate(n) for n in names] == [
        "asa.oberg@example.se", "asa.oberg2@example.se", "asa.oberg3@example.se"]


def test_swedish_departments_and_titles(org: dict[str, Any]) -> None:
    departments = {u["department"] for u in org["users"]}
    assert any(d.startswith("Institutionen för ") for d in departments)
    assert any(d.startswith("Avdelningen för ") for d in departments)
    titles = Counter(u["jobTitle"] for u in org["users"])
    for title in ("Rektor", "Dekan", "Prefekt", "Avdelningschef", "Professor", "Universitetslektor",
                  "Doktorand", "Administratör"):
        assert titles[title] > 0, title
    assert titles["Rektor"] == 1


# --- the tree --------------------------------------------------------------------------------

def chain_end(users: dict[str, dict[str, Any]], upn: str) -> tuple[str, bool]:
    """Follow managers from ``upn``: (last UPN reached, True when a cycle was met)."""
    seen = {upn}
    while "manager" in users[upn]:
        upn = users[upn]["manager"]
        if upn in seen:
            return upn, True
        seen.add(upn)
    return upn, False


def test_every_manager_reference_resolves_to_the_head_or_a_deliberate_case(org: dict[str, Any]) -> None:
    users = by_upn(org)
    head = org["generated"]["head"]
    assert org["users"][0]["userPrincipalName"] == head and "manager" not in users[head]
    kinds = cases(org)
    loose, cycle = set(kinds["no_manager"]), set(kinds["manager_cycle"])
    for upn, user in users.items():
        if "manager" in user:
            assert user["manager"] in users, upn
            assert users[user["manager"]].get("kind") != "contact"
        end, cycled = chain_end(users, upn)
        if cycled:
            assert upn in cycle
        elif upn in loose:
            assert end == upn
        else:
            assert end == head, upn
    no_manager = {upn for upn, u in users.items() if "manager" not in u}
    assert no_manager == loose | {head}


def test_cycles_are_small_and_detached(org: dict[str, Any]) -> None:
    users = by_upn(org)
    cycle = cases(org)["manager_cycle"]
    assert cycle
    lengths = set()
    for upn in cycle:
        step, length = users[upn]["manager"], 1
        while step != upn:
            assert step in cycle
            step, length = users[step]["manager"], length + 1
        lengths.add(length)
    assert lengths <= {2, 3} and len(lengths) == 2
    reporting_to_cycle = [u for u in users.values() if u.get("manager") in cycle and u["userPrincipalName"] not in cycle]
    assert reporting_to_cycle == []


def test_managers_several_levels_deep_with_realistic_teams(org: dict[str, Any]) -> None:
    users = by_upn(org)
    head = org["generated"]["head"]
    reports = Counter(u["manager"] for u in org["users"] if "manager" in u)
    cycle = set(cases(org)["manager_cycle"])

    def depth(upn: str) -> int:
        d = 0
        while "manager" in users[upn]:
            upn, d = users[upn]["manager"], d + 1
        return d

    assert max(depth(u) for u in users if u not in cycle) >= 4
    team_sizes = [n for m, n in reports.items() if m not in cycle]
    assert min(team_sizes) >= 1
    assert sum(3 <= n <= 15 for n in team_sizes) > 0.8 * len(team_sizes)
    assert max(team_sizes) <= 40
    large = cases(org)["large_team"]
    assert large and all(reports[m] > 20 for m in large)
    assert set(large) == {m for m, n in reports.items() if n > 20}
    assert reports[head] >= 3


# --- the awkward cases -----------------------------------------------------------------------

@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_case_is_present_from_200_users(seed: int) -> None:
    generated = generate_seed(200, seed=seed, window_start=START, window_end=END)
    assert set(cases(generated)) == ALL_CASES
    for case, upns in cases(generated).items():
        assert upns, case


def test_cases_come_in_small_proportions(org: dict[str, Any]) -> None:
    calendar_traits = {"part_time", "travel", "other_working_hours", "manager_is_report"}
    for case, upns in cases(org).items():
        if case not in calendar_traits:
            assert len(upns) <= 0.03 * len(org["users"]), case
        assert len(set(upns)) == len(upns), case


def test_each_case_is_what_it_says(org: dict[str, Any]) -> None:
    users = by_upn(org)
    kinds = cases(org)
    reports = Counter(u["manager"] for u in org["users"] if "manager" in u)
    for upn in kinds["disabled"] + kinds["disabled_manager"]:
        assert users[upn]["accountEnabled"] is False
    assert all(reports[upn] > 0 for upn in kinds["disabled_manager"])
    for upn in kinds["guest"]:
        guest = users[upn]
        assert guest["userType"] == "Guest" and "#EXT#@example.onmicrosoft.com" in upn
        assert guest["mail"] != upn and "manager" in guest
    for upn in kinds["contact"]:
        contact = users[upn]
        assert contact["kind"] == "contact" and contact["mailbox"] is False and contact["oneDrive"] is False
        assert "manager" in contact and "busy" not in contact
    for upn in kinds["forbidden_characters"]:
        assert FORBIDDEN & set(users[upn]["displayName"]), upn
    for upn in kinds["edge_spaces_or_dots"]:
        name = users[upn]["displayName"]
        assert name != name.strip(" .") and not FORBIDDEN & set(name), repr(name)
    for upn in kinds["very_long_name"]:
        assert 200 < len(users[upn]["displayName"]) <= 256
    assert all(users[upn]["oneDrive"] is False for upn in kinds["no_onedrive"])
    for upn in kinds["no_mailbox"]:
        assert users[upn]["mailbox"] is False and "busy" not in users[upn] and "workingHours" not in users[upn]
    assert all("preferredLanguage" not in users[upn] for upn in kinds["no_preferred_language"])
    names = Counter(u["displayName"] for u in org["users"])
    assert kinds["duplicate_display_name"] and all(names[users[upn]["displayName"]] > 1
                                                   for upn in kinds["duplicate_display_name"])
    duplicates = [users[upn] for upn in kinds["duplicate_display_name"]]
    assert len({u["userPrincipalName"] for u in duplicates}) == len(duplicates)
    for upn in kinds["manager_is_report"]:
        assert reports[upn] > 0 and "manager" in users[upn]


def test_deliberate_attribute_cases_do_not_overlap(org: dict[str, Any]) -> None:
    kinds = cases(org)
    attribute = ("disabled", "no_onedrive", "no_mailbox", "no_preferred_language",
                 "forbidden_characters", "edge_spaces_or_dots", "very_long_name")
    everyone = [upn for case in attribute for upn in kinds[case]]
    assert len(everyone) == len(set(everyone))


# --- calendars -------------------------------------------------------------------------------

def test_busy_blocks_are_local_times_within_sane_bounds(org: dict[str, Any]) -> None:
    low = datetime.datetime(2027, 2, 1) - datetime.timedelta(days=120)
    high = datetime.datetime(2027, 3, 12) + datetime.timedelta(days=120)
    blocks = 0
    for user in org["users"]:
        for block in user.get("busy", []):
            blocks += 1
            assert LOCAL_TIME.match(block["start"]) and LOCAL_TIME.match(block["end"]), block
            start = datetime.datetime.fromisoformat(block["start"])
            end = datetime.datetime.fromisoformat(block["end"])
            assert low <= start < end <= high, block
            assert block["showAs"] in SHOW_AS and block["subject"]
        for block in user.get("weekly", []):
            assert CLOCK.match(block["start"]) and CLOCK.match(block["end"]) and block["start"] < block["end"]
            assert block["day"] in user["workingHours"]["daysOfWeek"]
            assert block["showAs"] in SHOW_AS
    assert blocks > 5 * len(org["users"])


def test_working_hours_use_windows_zone_names(org: dict[str, Any]) -> None:
    zones: Counter[str] = Counter()
    for user in org["users"]:
        if user["mailbox"]:
            hours = user["workingHours"]
            assert hours["timeZone"] in win_tz, hours
            assert CLOCK.match(hours["startTime"]) and hours["startTime"] < hours["endTime"]
            zones[hours["timeZone"]] += 1
        else:
            assert "workingHours" not in user
    assert zones.most_common(1)[0][0] == "W. Europe Standard Time"
    assert set(zones) - {"W. Europe Standard Time"}


def test_calendar_traits_show_in_the_calendar(org: dict[str, Any]) -> None:
    users = by_upn(org)
    kinds = cases(org)
    window_start, window_end = "2027-02-01T00:00", "2027-03-13T00:00"
    for upn in kinds["other_time_zone"]:
        assert users[upn]["workingHours"]["timeZone"] != "W. Europe Standard Time"
    for upn in kinds["part_time"]:
        hours = users[upn]["workingHours"]
        full_day = hours["endTime"] >= "16:00" and hours["startTime"] <= "09:00"
        assert len(hours["daysOfWeek"]) < 5 or not full_day, hours
    for upn in kinds["parental_leave"]:
        leave = [b for b in users[upn]["busy"] if b["subject"] == "Föräldraledig"]
        assert leave and leave[0]["showAs"] == "oof"
        assert leave[0]["start"] < window_end and leave[0]["end"] > window_start
    for upn in kinds["travel"]:
        assert any(b["showAs"] == "oof" and b["start"][:10] < b["end"][:10] for b in users[upn]["busy"])
    for upn in kinds["fully_booked_manager"]:
        user = users[upn]
        hours = user["workingHours"]
        covered = {b["start"][:10] for b in user["busy"]
                   if b["start"][11:] <= hours["startTime"] and b["end"][11:] >= hours["endTime"]}
        weekdays = [datetime.date(2027, 2, 1) + datetime.timedelta(days=d) for d in range(40)]
        assert all(d.isoformat() in covered for d in weekdays if d.weekday() < 5)


def test_teaching_and_weekly_meetings_are_common(org: dict[str, Any]) -> None:
    users = org["users"]
    teaching = sum(any(b["subject"].startswith(("Föreläsning", "Övning", "Lecture", "Seminarium ",
                                                 "Laboration"))
                       for b in u.get("busy", [])) for u in users)
    weekly = sum(bool(u.get("weekly")) for u in users)
    assert teaching > 0.15 * len(users)
    assert weekly > 0.6 * len(users)


# --- the seed loader and the hand-written seed -----------------------------------------------

def test_the_loader_accepts_generated_seeds() -> None:
    seed_module = pytest.importorskip("connectors.sandbox.seed")
    generated = generate_seed(400, seed=9, window_start=START, window_end=END)
    loaded = seed_module.load_seed({k: v for k, v in generated.items() if k != "generated"})
    assert len(loaded["users"]) + len(loaded["contacts"]) == 400
    assert len(loaded["contacts"]) == len(cases(generated)["contact"])
    ids = {u["userPrincipalName"]: u["id"] for u in generated["users"]}
    assert all(u["id"] == ids[u["userPrincipalName"]] for u in loaded["users"])


def test_the_small_seed_loads_and_has_its_cases() -> None:
    seed_module = pytest.importorskip("connectors.sandbox.seed")
    loaded = seed_module.load_seed(SMALL_SEED)
    users = {u["userPrincipalName"]: u for u in loaded["users"]}
    assert 10 <= len(users) <= 14 and len(loaded["contacts"]) == 1
    assert sum(any(ch in u["displayName"] for ch in "åäöÅÄÖ") for u in users.values()) >= 5
    managers = {u["managerId"] for u in users.values() if u["managerId"]}
    assert len(managers) == 3  # the head and two division heads under her
    assert users["goran.nystrom@example.se"]["accountEnabled"] is False
    assert users["karin.stahl@example.se"]["oneDrive"] is False
    assert FORBIDDEN & set(users["orjan.dahl@example.se"]["displayName"])
    assert "# awkward:" in SMALL_SEED.read_text(encoding="utf-8")  # the cases are pointed out
