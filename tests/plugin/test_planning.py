"""Free/busy per person: getSchedule is asked by address (case-insensitively, once per address)
and every person gets the answer for their own address, also when two people share one."""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from connectors.graph import errors
from connectors.graph.calendar_records import BusyItem, Schedule
from connectors.graph.directory import User
from plugin.planning import read_availability
from tests.plugin.scheduling.helpers import rules


class FakeCalendar:
    """Answers like Graph: keyed by the addresses as asked, any case; ``absent`` have no mailbox."""

    def __init__(self, absent: frozenset[str] = frozenset(), no_mailbox_organizers: frozenset[str] = frozenset(),
                 outside_policy: frozenset[str] = frozenset(), no_consent: bool = False):
        self.absent = absent
        self.no_mailbox_organizers = no_mailbox_organizers
        self.outside_policy = outside_policy
        self.no_consent = no_consent
        self.asked: list[tuple[str, list[str]]] = []

    def get_schedules(self, organizer: str, addresses: list[str], start: Any, end: Any, **_: Any) -> dict[str, Schedule]:
        self.asked.append((organizer, list(addresses)))
        if organizer in self.no_mailbox_organizers:
            raise errors.MailboxUnavailable("no mailbox", code="MailboxNotEnabledForRESTAPI")
        if organizer in self.outside_policy or self.no_consent:
            raise errors.from_response(method="POST", path="/users/x/calendar/getSchedule", status=403, headers={},
                                       body={"error": {"code": "Authorization_RequestDenied" if self.no_consent
                                                       else "ErrorAccessDenied", "message": "denied"}})
        return {a.upper(): Schedule(a.upper(), error="ErrorMailRecipientNotFound" if a in self.absent else None,
                                    items=(BusyItem(start, end, "busy"),) if a.startswith("busy") else ())
                for a in addresses}


def person(uid: str, mail: str) -> User:
    return User(id=uid, display_name=uid, upn=f"{uid}@example.se", mail=mail)


def test_people_who_share_an_address_each_get_its_answer() -> None:
    calendar = FakeCalendar(absent=frozenset({"gone@example.se"}))
    people = [person("a", "Busy.One@example.se"), person("b", "busy.one@EXAMPLE.se"),
              person("c", "free@example.se"), person("d", "Gone@example.se")]
    avail = read_availability(calendar, people, rules(date(2027, 2, 1), date(2027, 2, 5)),  # type: ignore[arg-type]
                              workers=1)
    assert set(avail.people) == {"a", "b", "c"} and set(avail.missing) == {"d"}
    assert avail.people["a"].id == "a" and avail.people["b"].id == "b"
    assert avail.people["a"].busy and avail.people["b"].busy and not avail.people["c"].busy
    assert "no Exchange Online mailbox" in avail.missing["d"]
    [(organizer, asked)] = calendar.asked
    assert sorted(asked) == ["busy.one@example.se", "free@example.se", "gone@example.se"]  # once each
    assert organizer == "a"  # a person id, never an address, goes into the path


def test_when_no_mailbox_of_a_chunk_can_ask_each_is_missing_with_its_reason() -> None:
    calendar = FakeCalendar(no_mailbox_organizers=frozenset({"a", "b"}))
    people = [person("a", "one@example.se"), person("b", "two@example.se"), person("c", "One@Example.se")]
    avail = read_availability(calendar, people, rules(date(2027, 2, 1), date(2027, 2, 5)),  # type: ignore[arg-type]
                              workers=1)
    assert set(avail.people) == set() and set(avail.missing) == {"a", "b", "c"}
    assert avail.missing["a"] == avail.missing["c"]


def test_a_mailbox_that_cannot_ask_has_another_ask_for_it_and_its_schedule_comes_back() -> None:
    """The first mailbox of a chunk is outside the app's access policy (403 ErrorAccessDenied) or
    has none in Exchange Online: the next one asks, for everyone, the first included; the pass
    never stops for it (docs/failures.md#a6)."""
    people = [person("a", "a@example.se"), person("b", "b@example.se"), person("c", "c@example.se")]
    for calendar in (FakeCalendar(outside_policy=frozenset({"a"})),
                     FakeCalendar(no_mailbox_organizers=frozenset({"a"}), absent=frozenset({"a@example.se"}))):
        avail = read_availability(calendar, people, rules(date(2027, 2, 1), date(2027, 2, 5)),  # type: ignore[arg-type]
                                  workers=1)
        assert [organizer for organizer, _ in calendar.asked] == ["a", "b"]
        assert sorted(calendar.asked[1][1]) == ["a@example.se", "b@example.se", "c@example.se"]
        if calendar.outside_policy:  # its free/busy comes through b's mailbox
            assert set(avail.people) == {"a", "b", "c"} and not avail.missing
        else:  # Exchange says through b's mailbox that a has none
            assert set(avail.people) == {"b", "c"} and "no Exchange Online mailbox" in avail.missing["a"]
    # a 403 that is the app's (consent), not the mailbox's, stops the pass as before
    with pytest.raises(errors.Forbidden):
        read_availability(FakeCalendar(no_consent=True), people, rules(date(2027, 2, 1), date(2027, 2, 5)),  # type: ignore[arg-type]
                          workers=1)
