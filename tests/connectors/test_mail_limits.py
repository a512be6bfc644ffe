"""Exchange's sending limits kept per sender: never more than 30 sends in any minute, the
recipients of a rolling day counted, and a typed answer with the moment it frees up."""
from __future__ import annotations

import bisect
from datetime import datetime, timedelta, timezone

import pytest

from connectors.graph import errors
from connectors.graph.mail_limits import SendingLimits, SendingPacer, estimate
from tests.connectors.conftest import FakeClock

START = 1_800_000_000.0  # 2027-01-15, wall-clock seconds
SENDER = "hr.samtal@example.se"


class WallClock(FakeClock):
    """:class:`FakeClock` on the wall clock: the pacer counts a rolling day in epoch seconds."""

    def __init__(self) -> None:
        super().__init__(START)


def _pacer(clock: WallClock, **limits: float) -> SendingPacer:
    return SendingPacer(SendingLimits(**limits), clock=clock, sleep=clock.sleep)  # type: ignore[arg-type]


def _most_in_any_minute(times: list[float]) -> int:
    return max(bisect.bisect_left(times, t + 60) - i for i, t in enumerate(times))


def test_never_more_than_30_sends_in_any_minute() -> None:
    clock = WallClock()
    pacer = _pacer(clock)
    times = [pacer.reserve(SENDER, 1) for _ in range(95)]
    assert times == sorted(times)
    assert _most_in_any_minute(times) == 30
    assert times[29] == START and times[30] == START + 60  # the 31st waits for the first to age out
    assert times[-1] - times[0] == pytest.approx(180)  # 95 sends: bursts at 0, 60, 120, 180 s


def test_each_sender_has_its_own_minute() -> None:
    clock = WallClock()
    pacer = _pacer(clock)
    for _ in range(30):
        pacer.reserve(SENDER, 1)
    assert pacer.reserve("other.box@example.se", 1) == START  # no wait: another mailbox
    assert pacer.reserve(SENDER.upper(), 1) == START + 60  # the same mailbox in another case


def test_the_day_is_counted_in_recipients_and_says_when_it_frees_up() -> None:
    clock = WallClock()
    pacer = _pacer(clock, recipients_per_day=10, messages_per_minute=100)
    pacer.reserve(SENDER, 4)
    clock.now += 3600
    pacer.reserve(SENDER, 5)
    pacer.reserve(SENDER, 1)  # exactly the day's 10
    with pytest.raises(errors.SendingLimit) as caught:
        pacer.reserve(SENDER, 1)
    err = caught.value
    assert err.outcome is errors.Outcome.RETRY and err.sender == SENDER
    # one more recipient fits once the first send (4 recipients) is 24 hours old
    assert err.retry_at == datetime.fromtimestamp(START + 86_400, timezone.utc)
    with pytest.raises(errors.SendingLimit) as caught:
        pacer.reserve(SENDER, 6)
    # six need both the first (4) and the second (5) sends out of the window
    assert caught.value.retry_at == datetime.fromtimestamp(START + 3600 + 86_400, timezone.utc)
    clock.now = START + 86_400
    assert pacer.reserve(SENDER, 4) == START + 86_400
    budget = pacer.budget(SENDER)
    assert (budget.recipients_today, budget.recipients_left) == (10, 0)


def test_a_message_with_more_recipients_than_a_day_never_goes() -> None:
    pacer = _pacer(WallClock(), recipients_per_day=3)
    with pytest.raises(errors.SendingLimit) as caught:
        pacer.reserve(SENDER, 4)
    assert caught.value.retry_at is None


def test_a_wait_longer_than_the_caller_allows_is_a_sending_limit_not_a_sleep() -> None:
    clock = WallClock()
    pacer = _pacer(clock, messages_per_minute=2)
    pacer.reserve(SENDER, 1)
    pacer.reserve(SENDER, 1)
    with pytest.raises(errors.SendingLimit) as caught:
        pacer.reserve(SENDER, 1, max_wait_s=30)
    assert caught.value.retry_at == datetime.fromtimestamp(START + 60, timezone.utc)
    assert clock.sleeps == []
    assert pacer.reserve(SENDER, 1, max_wait_s=60) == START + 60  # within the wait allowed: it waits
    assert clock.sleeps == [60]


def test_what_the_sent_items_say_is_counted_once() -> None:
    clock = WallClock()
    pacer = _pacer(clock, recipients_per_day=100)
    now = datetime.fromtimestamp(START, timezone.utc)
    sent = [(now - timedelta(hours=23), 40), (now - timedelta(seconds=30), 50), (now - timedelta(hours=25), 99)]
    pacer.seed(SENDER, sent)
    pacer.seed(SENDER, sent)  # a second seed changes nothing
    budget = pacer.budget(SENDER)
    assert budget.recipients_today == 90 and budget.messages_this_minute == 1
    assert budget.day_frees_at == now + timedelta(hours=1)
    with pytest.raises(errors.SendingLimit):
        pacer.reserve(SENDER, 11)
    pacer.reserve(SENDER, 10)


def test_a_release_gives_the_reservation_back() -> None:
    clock = WallClock()
    pacer = _pacer(clock, messages_per_minute=1, recipients_per_day=5)
    at = pacer.reserve(SENDER, 5)
    pacer.release(SENDER, at, 5)
    assert pacer.reserve(SENDER, 5) == START  # no wait, and the day has room again
    pacer.release(SENDER, at - 1, 5)  # not a reservation: nothing changes
    assert pacer.budget(SENDER).recipients_today == 5


def test_estimate_says_how_long_and_how_many_wait_for_another_day() -> None:
    limits = SendingLimits()
    assert estimate(0) == estimate(0, limits)
    assert estimate(30).duration == timedelta(0)
    assert estimate(31).duration == timedelta(minutes=1)
    e = estimate(200)
    assert (e.fit_today, e.left_for_later, e.duration) == (200, 0, timedelta(minutes=6))
    clock = WallClock()
    pacer = _pacer(clock, recipients_per_day=10_000)
    pacer.seed(SENDER, [(datetime.fromtimestamp(START - 10, timezone.utc), 9_990)])
    e = estimate(200, budget=pacer.budget(SENDER))
    assert (e.fit_today, e.left_for_later) == (10, 190)
    assert e.duration == timedelta(0)  # 29 more fit this minute
    assert estimate(5, recipients_each=3, budget=pacer.budget(SENDER)).fit_today == 3


def test_a_send_counts_from_when_its_answer_came_not_from_its_reservation() -> None:
    """A send whose request took a while reached Exchange after it was reserved: the next
    minute's sends wait a minute from its end, or Exchange sees one too many in its minute."""
    clock = WallClock()
    pacer = _pacer(clock, messages_per_minute=2)
    first = pacer.reserve(SENDER, 1)
    clock.now += 0.5  # the mark and the send took half a second
    assert pacer.sent(SENDER, first, 1) == START + 0.5
    second = pacer.reserve(SENDER, 1)
    pacer.sent(SENDER, second, 1)
    assert pacer.reserve(SENDER, 1) == START + 60.5
    assert pacer.sent(SENDER, first, 1) == START + 60.5  # no longer a reservation: nothing moves
    assert pacer.budget(SENDER).recipients_today == 3


def test_a_wait_for_the_minute_is_told_to_the_person_running_samtal() -> None:
    """Exchange's 30 a minute make a pass with many reminders wait up to a minute at a time;
    like every wait of 5 s or more, it is said on stderr (README: Commands), once per wait."""
    from connectors.graph.reach import WaitNotices

    clock = WallClock()
    told: list[str] = []
    pacer = _pacer(clock, messages_per_minute=2)
    pacer.notices = WaitNotices(told.append, clock=clock)
    for _ in range(5):
        pacer.reserve(SENDER, 1)
    assert told == [f"waiting 60 s: Exchange's sending limit of 2 messages a minute ({SENDER})"] * 2
    assert clock.sleeps == [60.0, 60.0]


def test_the_mail_connector_tells_the_waits_its_client_tells() -> None:
    from unittest import mock

    from connectors.graph.mail import Mail
    from connectors.graph.reach import WaitNotices

    notices = WaitNotices(lambda line: None)
    http = mock.Mock(notices=notices)
    assert Mail(http).pacer.notices is notices
    assert Mail(mock.Mock(notices=None)).pacer.notices is None
