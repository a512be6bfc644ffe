"""A talk booked anew after its meeting was deleted in Outlook sends a new ``transactionId``, so
Exchange can never answer the new booking with the old meeting; a create sent again for the same
booking (a pass killed between the create and the record) sends the same one, and ends with one
meeting (docs/failures.md#t16)."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests

from connectors.graph.batch import send_one_by_one
from tests.e2e.checks import check_round, items_by_key, talk_events
from tests.e2e.conftest import NOW, ServeFactory, later_lease, team_seed


class Killed(BaseException):
    """The process died right after Exchange created the meeting."""


class KilledAfterCreate(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self.dead = False

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kw: Any) -> requests.Response:
        if self.dead:
            raise Killed("the process is gone")
        response = super().request(method, url, *args, **kw)  # type: ignore[arg-type]
        verb = method.decode() if isinstance(method, bytes) else method
        target = url.decode() if isinstance(url, bytes) else url
        if verb.upper() == "POST" and target.split("?")[0].endswith("/events"):
            self.dead = True
            raise Killed(f"killed right after {verb} {target}")
        return response


@pytest.fixture()
def one_by_one() -> Iterator[None]:
    send_one_by_one(True)  # the create is a request of its own, so the kill falls right after it
    try:
        yield
    finally:
        send_one_by_one(False)


def _live(served: Any, key: str) -> list[dict[str, Any]]:
    return [ev for _, ev in talk_events(served.state()).get(key, [])]


def test_a_talk_booked_anew_sends_a_new_transaction_id_and_a_repeated_create_the_same(
        serve_tenant: ServeFactory, one_by_one: None) -> None:
    served = serve_tenant(team_seed(2))
    served.run(NOW)
    talk = next(f for f in items_by_key(served.state()).values() if f["Title"] == "Person 0")
    [first] = _live(served, talk["Key"])
    # the manager deletes the meeting in Outlook
    served.client().calendar.delete_event(talk["ManagerId"], talk["EventId"])

    with pytest.raises(Killed):  # the next pass books it anew and dies before the record
        served.run(NOW + timedelta(days=1), session=KilledAfterCreate())
    [made] = _live(served, talk["Key"])
    assert made["transactionId"] != first["transactionId"]
    assert items_by_key(served.state())[talk["Key"]]["EventId"] == first["id"]  # not written yet

    served.run(NOW + timedelta(days=1, hours=1), lease=later_lease())
    [kept] = _live(served, talk["Key"])
    assert kept["id"] == made["id"] and kept["transactionId"] == made["transactionId"]
    assert items_by_key(served.state())[talk["Key"]]["EventId"] == made["id"]
    check_round(served, served.state())


def test_a_create_whose_record_was_lost_is_sent_with_the_same_transaction_id(serve_tenant: ServeFactory,
                                                                              one_by_one: None) -> None:
    """Killed between the create and the record, then the meeting is not found by its tag (as
    when Exchange has not indexed it yet): the create goes again, with the same id, and
    Exchange answers it with the meeting it made; one meeting."""
    served = serve_tenant(team_seed(1))
    with pytest.raises(Killed):
        served.run(NOW, session=KilledAfterCreate())
    key = next(iter(talk_events(served.state())))
    [made] = _live(served, key)
    # hide the tag so the next pass cannot find the meeting and creates again
    with served.sandbox.tenant.lock:
        for box in served.sandbox.tenant.data["events"].values():
            for ev in box.values():
                if ev["id"] == made["id"]:
                    saved, ev["singleValueExtendedProperties"] = ev["singleValueExtendedProperties"], []
    served.run(NOW + timedelta(hours=1), lease=later_lease())
    with served.sandbox.tenant.lock:
        for box in served.sandbox.tenant.data["events"].values():
            for ev in box.values():
                if ev["id"] == made["id"]:
                    ev["singleValueExtendedProperties"] = saved
    [kept] = _live(served, key)
    assert kept["id"] == made["id"]
    # the record names that meeting, at the time Exchange kept for it
    record = items_by_key(served.state())[key]
    assert record["Status"] == "scheduled" and record["EventId"] == made["id"]
    assert (record["MeetingStart"][:16], record["MeetingEnd"][:16]) == (made["start"][:16], made["end"][:16])
    assert all(len(events) == 1 for events in talk_events(served.state()).values())
