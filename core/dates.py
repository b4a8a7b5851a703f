"""The dates and times a person may type: from 2000-01-01 to two years from now.

A year-1 voting window saved on PostgreSQL cannot be read back into Python (0001-01-01 in Beijing is a BC
instant in UTC), so every page showing it answered 500. Forms and services check the range; the database
checks a wider one (2000…2100) so no row can ever be unreadable.
"""

from datetime import UTC, date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

EARLIEST_DATE = date(2000, 1, 1)
AHEAD = timedelta(days=2 * 366)
# The database's bound: wide enough that "now + 2 years" always fits for decades, narrow enough to be readable.
DB_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC) - timedelta(days=1)
DB_LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def latest_date() -> date:
    return timezone.localdate() + AHEAD


def _out_of_range() -> ValidationError:
    return ValidationError(
        _("Enter a date between %(earliest)s and %(latest)s."),
        code="date_out_of_range",
        params={"earliest": EARLIEST_DATE.isoformat(), "latest": latest_date().isoformat()},
    )


def check_date(value: date | None) -> date | None:
    """The date, or ValidationError when it is before 2000-01-01 or more than two years ahead."""
    if value is not None and not EARLIEST_DATE <= value <= latest_date():
        raise _out_of_range()
    return value


def check_datetime(value: datetime | None) -> datetime | None:
    """The moment, or ValidationError when its local date is outside check_date's range."""
    if value is None:
        return None
    day = timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if not EARLIEST_DATE <= day <= latest_date():
        raise _out_of_range()
    return value


def within_db_range(field: str, *, nullable: bool = True, dates: bool = False) -> Q:
    """The condition of a CheckConstraint that keeps `field` readable (2000-01-01 … 2100-01-01)."""
    earliest, latest = (EARLIEST_DATE, DB_LATEST.date()) if dates else (DB_EARLIEST, DB_LATEST)
    condition = Q(**{f"{field}__gte": earliest, f"{field}__lte": latest})
    return Q(**{f"{field}__isnull": True}) | condition if nullable else condition


def local_minute(moment: datetime | None) -> str:
    """A moment as printed and exported: Beijing's local time to the minute ("2026-12-06 15:30"), "" for none."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""
