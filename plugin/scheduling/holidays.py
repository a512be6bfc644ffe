"""Days on which no talk is booked: public holidays from the ``holidays`` package.

Facts (docs/architecture.md#time-zones-and-holidays, checked against holidays 0.109): ``public`` holds the
red days; Sweden's ``de_facto`` adds Midsummer Eve, Christmas Eve and New Year's Eve, when nearly
every workplace is closed; whether Sundays are included changed between releases, so weekends are
never taken from here: they are not working days in anyone's working hours. A date in any chosen
category is kept free for the whole day (``bank`` half days included, conservatively).
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays as holidays_lib

DEFAULT_COUNTRY = "SE"
DEFAULT_CATEGORIES = ("public", "de_facto")


class UnknownHolidayCalendar(ValueError):
    """A country or category the ``holidays`` package does not know."""


def check_calendar(country: str, categories: tuple[str, ...]) -> None:
    """Raise :class:`UnknownHolidayCalendar` unless ``country`` has every category."""
    supported = holidays_lib.list_supported_countries()
    if country not in supported:
        raise UnknownHolidayCalendar(f"unknown country code {country!r} (ISO 3166-1 alpha-2, e.g. SE)")
    known = _categories_of(country)
    wrong = [c for c in categories if c not in known]
    if wrong:
        raise UnknownHolidayCalendar(
            f"{country} has no holiday category {wrong[0]!r} (it has: {', '.join(sorted(known))})"
        )


@lru_cache(maxsize=64)
def _categories_of(country: str) -> frozenset[str]:
    calendar = holidays_lib.country_holidays(country, years=2000)
    return frozenset(str(c) for c in calendar.supported_categories)


@lru_cache(maxsize=64)
def closed_days(country: str, categories: tuple[str, ...], first: date, last: date) -> frozenset[date]:
    """Every holiday of the chosen categories between ``first`` and ``last`` inclusive."""
    check_calendar(country, categories)
    years = range(first.year, last.year + 1)
    calendar = holidays_lib.country_holidays(country, years=years, categories=categories)
    return frozenset(d for d in calendar if first <= d <= last)
