"""Exchange Online's sending limits, kept by samtal per sender mailbox before Exchange enforces them.

Facts (docs/graph.md#sending-limits; Exchange Online limits, "Sending limits",
https://learn.microsoft.com/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits#sending-limits):

- **30 messages per minute** per sending mailbox. Past it, Exchange throttles the excess and
  carries it over to the following minutes (the limits page; quoted in
  https://github.com/MicrosoftDocs/OfficeDocs-Support/issues/1150): the messages go late, not lost.
- **10,000 recipients per day** per sending mailbox, counted over a rolling 24 hours
  (https://github.com/MicrosoftDocs/OfficeDocs-O365ServiceDescriptions/issues/201); To, Cc and
  Bcc each count, a distribution group counts once. Past it, nothing more leaves the mailbox
  until the count of the past 24 hours drops below the limit, and each message bounces with a
  non-delivery report (``5.1.90 ... reached your daily limit for message recipients``,
  https://github.com/MicrosoftDocs/OfficeDocs-Exchange/issues/2729;
  ``554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException``,
  https://learn.microsoft.com/exchange/troubleshoot/send-emails/smtp-submission-improvements).
- Graph does **not** say so when a message is sent: ``send`` answers 202 once the message is
  saved, and the transport steps (and their bounces) come after the answer (Graph's "Send mail by
  using the Microsoft Graph API", https://learn.microsoft.com/graph/outlook-things-to-know-about-send-mail;
  sendMail answering 202 while nothing leaves: https://github.com/microsoftgraph/msgraph-sdk-dotnet/issues/1260).
  So samtal counts for itself, and never relies on an error from Graph to stop.

:class:`SendingPacer` keeps, per sender, the sends of the rolling minute and the recipients of the
rolling day. Both windows are rolling (a fixed minute of Exchange's holds at most as many as any
rolling one). A send that does not fit the minute waits; one that does not fit the day (or would
wait longer than the caller allows) raises :class:`~connectors.graph.errors.SendingLimit` with
the moment it frees up, and the caller leaves the rest for a later pass. A new process starts
from what the sender's Sent Items say about the past day (:meth:`Mail.budget`), so a pass never
forgets the passes before it, nor the mail people send from the same mailbox by hand.
"""
from __future__ import annotations

import bisect
import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from connectors.graph import errors
from connectors.graph.addresses import address_key
from connectors.graph.reach import WaitNotices

MESSAGES_PER_MINUTE = 30
RECIPIENTS_PER_DAY = 10_000


@dataclass(frozen=True)
class SendingLimits:
    """Exchange Online's sending limits per sender mailbox. ``minute_s``/``day_s`` are the window
    lengths (60 s and 24 h on a real tenant; tests against a sandbox with scaled windows shorten
    them together with the counts)."""

    messages_per_minute: int = MESSAGES_PER_MINUTE
    recipients_per_day: int = RECIPIENTS_PER_DAY
    minute_s: float = 60.0
    day_s: float = 86_400.0

    def __post_init__(self) -> None:
        if self.messages_per_minute < 1 or self.recipients_per_day < 1:
            raise ValueError("sending limits must be at least 1")
        if self.minute_s <= 0 or self.day_s <= 0 or self.day_s < self.minute_s:
            raise ValueError("sending windows must be longer than 0 seconds, the day not shorter than the minute")


@dataclass(frozen=True)
class SendingBudget:
    """Where one sender stands: sends in the rolling minute, recipients in the rolling day, and
    when the next send may go (``next_send_at``: now when it may go now) and when the day's count
    next drops (``day_frees_at``: None when nothing was sent in the day)."""

    sender: str
    messages_this_minute: int
    messages_per_minute: int
    recipients_today: int
    recipients_per_day: int
    next_send_at: datetime
    day_frees_at: datetime | None

    @property
    def recipients_left(self) -> int:
        return max(0, self.recipients_per_day - self.recipients_today)


@dataclass(frozen=True)
class SendEstimate:
    """What :func:`estimate` expects of ``count`` messages: how many fit today, how long sending
    them takes at the message rate, and how many wait for a later day."""

    count: int
    fit_today: int
    duration: timedelta
    left_for_later: int


def estimate(count: int, limits: SendingLimits = SendingLimits(), *, recipients_each: int = 1,
             budget: SendingBudget | None = None) -> SendEstimate:
    """How long ``count`` messages of ``recipients_each`` recipients take from one sender at
    ``limits`` (``plan``: "how long N reminders take"), starting from ``budget`` when known
    (else from an idle mailbox). Sends go in bursts of the minute's allowance, a minute apart."""
    if count < 0 or recipients_each < 1:
        raise ValueError("estimate: count >= 0 and recipients_each >= 1")
    left = budget.recipients_left if budget is not None else limits.recipients_per_day
    fit = min(count, left // recipients_each)
    used = budget.messages_this_minute if budget is not None else 0
    free_now = max(0, limits.messages_per_minute - used)
    duration = 0.0
    if fit > free_now:
        duration = math.ceil((fit - free_now) / limits.messages_per_minute) * limits.minute_s
    return SendEstimate(count, fit, timedelta(seconds=duration), count - fit)


@dataclass
class _Sender:
    minute: list[float] = field(default_factory=list)                # send times, in order
    day: list[tuple[float, int]] = field(default_factory=list)       # (send time, recipients), in order
    day_total: int = 0
    seeded: bool = False


def _insert(state: _Sender, t: float, recipients: int) -> None:
    bisect.insort(state.minute, t)
    bisect.insort(state.day, (t, recipients))
    state.day_total += recipients


def _remove(state: _Sender, t: float, recipients: int) -> bool:
    """Take the send at ``t`` out of the windows; False when it is no longer in them."""
    try:
        state.day.remove((t, recipients))
    except ValueError:
        return False
    state.day_total -= recipients
    if t in state.minute:
        state.minute.remove(t)
    return True


class SendingPacer:
    """The sends of every sender mailbox of one process, shared by all threads.

    ``clock`` is wall-clock seconds (``time.time``: the windows are compared with Exchange's
    ``sentDateTime``), ``sleep`` waits; both are injected in tests.
    """

    def __init__(self, limits: SendingLimits = SendingLimits(), *,
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.limits = limits
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._senders: dict[str, _Sender] = {}
        self.notices: WaitNotices | None = None  # a person hears of waits of 5 s or more

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), timezone.utc)

    def is_seeded(self, sender: str) -> bool:
        with self._lock:
            return self._state(sender).seeded

    def seed(self, sender: str, sent: Iterable[tuple[datetime, int]]) -> None:
        """What the sender sent before this process (``(sentDateTime, recipients)`` from its
        Sent Items): counted into the windows once, the first time it is given."""
        with self._lock:
            state = self._state(sender)
            if state.seeded:
                return
            state.seeded = True
            for moment, recipients in sent:
                _insert(state, moment.timestamp(), recipients)
            self._prune(state, self._clock())

    def reserve(self, sender: str, recipients: int, *, max_wait_s: float | None = None) -> float:
        """Take one send of ``recipients`` recipients from ``sender``'s budget, waiting for the
        minute's allowance when needed; returns the moment reserved (for :meth:`release`).

        Raises :class:`~connectors.graph.errors.SendingLimit` when the rolling day has no room
        for ``recipients`` (``retry_at``: when it will), or when the wait would be longer than
        ``max_wait_s``. A message with more recipients than a whole day allows can never go.
        Once the send has been made, :meth:`sent` moves the reservation to the moment it ended.
        """
        if recipients < 1:
            raise ValueError("a message has at least one recipient")
        limits = self.limits
        if recipients > limits.recipients_per_day:
            raise errors.SendingLimit(
                f"a message to {recipients} recipients is over the {limits.recipients_per_day} a "
                "sender may reach in a day", retry_at=None, sender=sender)
        while True:
            with self._lock:
                now = self._clock()
                state = self._state(sender)
                self._prune(state, now)
                if state.day_total + recipients > limits.recipients_per_day:
                    frees = self._day_frees(state, recipients)
                    raise errors.SendingLimit(
                        f"the sender has reached {state.day_total} of its {limits.recipients_per_day} "
                        "recipients in 24 hours", retry_at=_utc(frees), sender=sender)
                if len(state.minute) < limits.messages_per_minute:
                    _insert(state, now, recipients)
                    return now
                wait = state.minute[0] + limits.minute_s - now
            if max_wait_s is not None and wait > max_wait_s:
                raise errors.SendingLimit(
                    f"the sender's {limits.messages_per_minute} messages a minute are taken; the next "
                    "goes later than this pass waits", retry_at=_utc(self._clock() + wait), sender=sender)
            if self.notices is not None:
                self.notices.waiting(wait, f"Exchange's sending limit of {limits.messages_per_minute} "
                                           f"messages a minute ({sender})")
            self._sleep(max(wait, 0.001))

    def sent(self, sender: str, reserved_at: float, recipients: int) -> float:
        """The send reserved at ``reserved_at`` has been made (or may have been): it counts from
        now, the moment its answer came (or did not), which is no earlier than the moment Exchange
        counted it. Counting from the reservation would let the next minute's first send reach
        Exchange less than a minute after this one when this one's request took longer."""
        with self._lock:
            now = self._clock()
            state = self._state(sender)
            if _remove(state, reserved_at, recipients):
                _insert(state, now, recipients)
            return now

    def release(self, sender: str, reserved_at: float, recipients: int) -> None:
        """Give back a reservation whose send certainly did not happen (Graph refused it)."""
        with self._lock:
            _remove(self._state(sender), reserved_at, recipients)

    def budget(self, sender: str) -> SendingBudget:
        with self._lock:
            now = self._clock()
            state = self._state(sender)
            self._prune(state, now)
            limits = self.limits
            next_at = now if len(state.minute) < limits.messages_per_minute else state.minute[0] + limits.minute_s
            frees = state.day[0][0] + limits.day_s if state.day else None
            return SendingBudget(sender, len(state.minute), limits.messages_per_minute, state.day_total,
                                 limits.recipients_per_day, _utc(next_at), _utc(frees) if frees else None)

    # ------------------------------------------------------------------ internals
    def _state(self, sender: str) -> _Sender:
        return self._senders.setdefault(address_key(sender), _Sender())

    def _prune(self, state: _Sender, now: float) -> None:
        cut = bisect.bisect_right(state.minute, now - self.limits.minute_s)
        del state.minute[:cut]
        cut = bisect.bisect_right(state.day, (now - self.limits.day_s, float("inf")))
        state.day_total -= sum(n for _, n in state.day[:cut])
        del state.day[:cut]

    def _day_frees(self, state: _Sender, recipients: int) -> float:
        """The moment enough of the day's recipients have aged out for ``recipients`` more."""
        over = state.day_total + recipients - self.limits.recipients_per_day
        for t, n in state.day:
            over -= n
            if over <= 0:
                return t + self.limits.day_s
        return self._clock() + self.limits.day_s


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc)
