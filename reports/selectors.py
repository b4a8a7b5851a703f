"""Reads on residents' reports that views and documents share."""

# --- ledger ---------------------------------------------------------------------------------------------------
# The ledger (台账) a party secretary shows: reports per year and month by category and by building, how long the
# first response and the closing took, how satisfied the reporters were, and how the departments answered the
# whistle. Each function is one GROUP BY query; durations are summed in the database (DurationField arithmetic,
# which PostgreSQL and SQLite both do) and divided here as Decimals, so a mean is exact and no float is shown.

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DateTimeField, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import ExtractMonth, ExtractYear

from community.models import Community
from reports.models import Category, Rating, Report, ReportState, Summons

HOUR = Decimal(3600)
DAY = Decimal(86400)
TENTH = Decimal("0.1")
# Reports that were handled to an end of their own: a merged duplicate or a report that became a proposal is
# neither answered slowly nor rated.
COUNTED = ~Q(state__in=(ReportState.MERGED, ReportState.PROPOSED))


def _seconds(delta: timedelta | None) -> int:
    """Whole seconds of a summed duration (SQLite may hand back fractional microseconds: dropped)."""
    if delta is None:
        return 0
    return delta.days * 86400 + delta.seconds


def mean(total: int, count: int, unit: Decimal) -> Decimal | None:
    """total seconds / count in `unit`, to a tenth, or None when nothing was measured."""
    if not count:
        return None
    return (Decimal(total) / count / unit).quantize(TENTH, rounding=ROUND_HALF_UP)


def _period(queryset, year: int | None, prefix: str = ""):
    return queryset if year is None else queryset.filter(**{f"{prefix}created_at__year": year})


def _reports(community: Community, year: int | None):
    return _period(Report.objects.filter(community=community), year).order_by()


@dataclass
class YearCounts:
    """Reports per year (every year of the community), and per year and category."""

    years: list[int]
    totals: dict[int, int]
    by_category: dict[tuple[int, str], int]


def reports_per_year(community: Community) -> YearCounts:
    rows = (
        Report.objects.filter(community=community)
        .order_by()
        .values(year=ExtractYear("created_at"), cat=F("category"))
        .annotate(n=Count("pk"))
    )
    by_category = {(row["year"], row["cat"]): row["n"] for row in rows}
    totals: dict[int, int] = {}
    for (year, _cat), n in by_category.items():
        totals[year] = totals.get(year, 0) + n
    return YearCounts(years=sorted(totals), totals=totals, by_category=by_category)


@dataclass
class MonthCounts:
    """Reports per month of the period (a year: its twelve months; all years: every month from the first report's
    to the last's), per category."""

    months: list[tuple[int, int]]
    by_category: dict[tuple[int, int, str], int]

    def total(self, month: tuple[int, int]) -> int:
        return sum(n for (y, m, _c), n in self.by_category.items() if (y, m) == month)

    def series(self, category: str) -> list[int]:
        return [self.by_category.get((*month, category), 0) for month in self.months]

    def categories(self) -> list[str]:
        present = {c for (_y, _m, c) in self.by_category}
        return [value for value in Category.values if value in present]


def _months(year: int | None, keys) -> list[tuple[int, int]]:
    if year is not None:
        return [(year, m) for m in range(1, 13)]
    if not keys:
        return []
    first, last = min(keys), max(keys)
    months, (y, m) = [], first
    while (y, m) <= last:
        months.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def reports_per_month(community: Community, year: int | None) -> MonthCounts:
    return _per_month(_month_rows(community, year), year)


def _per_month(rows: list[dict], year: int | None) -> MonthCounts:
    by_category = {(row["year"], row["month"], row["cat"]): row["all"] for row in rows}
    return MonthCounts(months=_months(year, {(y, m) for (y, m, _c) in by_category}), by_category=by_category)


def _per_year(rows: list[dict]) -> YearCounts:
    by_category: dict[tuple[int, str], int] = {}
    for row in rows:
        key = (row["year"], row["cat"])
        by_category[key] = by_category.get(key, 0) + row["all"]
    totals: dict[int, int] = {}
    for (year, _cat), n in by_category.items():
        totals[year] = totals.get(year, 0) + n
    return YearCounts(years=sorted(totals), totals=totals, by_category=by_category)


@dataclass
class BuildingCount:
    building_id: int | None
    name: str  # the building's number as the roster has it; "" for reports with no building
    total: int


def reports_per_building(community: Community, year: int | None) -> list[BuildingCount]:
    """Buildings with reports, most reports first (then in the roster's order); reports without one last."""
    rows = (
        _reports(community, year)
        .values("building_id", name=F("building__name"), key=F("building__sort_key"))
        .annotate(n=Count("pk"))
    )
    counted = sorted(rows, key=lambda row: (row["building_id"] is None, -row["n"], row["key"] or ""))
    return [BuildingCount(row["building_id"], row["name"] or "", row["n"]) for row in counted]


@dataclass
class Handling:
    """For the reports of one month (or of the whole period): how many, how fast first answered (hours) and closed
    (days), and the ratings among those closed."""

    reports: int = 0
    responded: int = 0
    response_seconds: int = 0
    closed: int = 0
    closing_seconds: int = 0
    satisfied: int = 0
    unsatisfied: int = 0

    @property
    def unrated(self) -> int:
        return self.closed - self.satisfied - self.unsatisfied

    @property
    def response_hours(self) -> Decimal | None:
        return mean(self.response_seconds, self.responded, HOUR)

    @property
    def closing_days(self) -> Decimal | None:
        return mean(self.closing_seconds, self.closed, DAY)

    def add(self, other: "Handling") -> None:
        for name in ("reports", "responded", "response_seconds", "closed", "closing_seconds"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.satisfied += other.satisfied
        self.unsatisfied += other.unsatisfied


@dataclass
class HandlingByMonth:
    months: list[tuple[int, int]]
    by_month: dict[tuple[int, int], Handling]
    overall: Handling = field(default_factory=Handling)

    def get(self, month: tuple[int, int]) -> Handling:
        return self.by_month.get(month) or Handling()


def _span(start: str, end: str):
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


def _month_rows(community: Community, year: int | None) -> list[dict]:
    """The ledger's main query: per (year, month reported, category), every report (`all`), and of those handled to
    an end of their own (merged duplicates and reports turned into proposals left out) how many, the summed time to
    the first response and to closing, and the ratings among the closed. Counts, handling and (for all years) the
    years are all read from these rows: one scan of the period's reports."""
    responded = COUNTED & Q(first_response_at__isnull=False)
    closed = COUNTED & Q(state=ReportState.CLOSED, closed_at__isnull=False)
    return list(
        _reports(community, year)
        .values(year=ExtractYear("created_at"), month=ExtractMonth("created_at"), cat=F("category"))
        .annotate(
            all=Count("pk"),
            reports=Count("pk", filter=COUNTED),
            responded=Count("pk", filter=responded),
            response=Sum(_span("created_at", "first_response_at"), filter=responded),
            closed=Count("pk", filter=closed),
            closing=Sum(_span("created_at", "closed_at"), filter=closed),
            satisfied=Count("pk", filter=closed & Q(rating=Rating.SATISFIED)),
            unsatisfied=Count("pk", filter=closed & Q(rating=Rating.UNSATISFIED)),
        )
    )


def handling_per_month(community: Community, year: int | None) -> HandlingByMonth:
    """Time to first response and to closing, and satisfaction, by the month the report came in."""
    return _handling(_month_rows(community, year), year)


def _handling(rows: list[dict], year: int | None) -> HandlingByMonth:
    by_month: dict[tuple[int, int], Handling] = {}
    overall = Handling()
    for row in rows:
        handling = Handling(
            reports=row["reports"],
            responded=row["responded"],
            response_seconds=_seconds(row["response"]),
            closed=row["closed"],
            closing_seconds=_seconds(row["closing"]),
            satisfied=row["satisfied"],
            unsatisfied=row["unsatisfied"],
        )
        by_month.setdefault((row["year"], row["month"]), Handling()).add(handling)
        overall.add(handling)
    return HandlingByMonth(months=_months(year, set(by_month)), by_month=by_month, overall=overall)


@dataclass
class DepartmentAnswer:
    """One department's summonses in the period (by the whistle's date): how many, acknowledged (报到) within a
    day, completed, completed by the deadline."""

    department_id: int
    name: str
    summoned: int
    acknowledged: int
    acknowledged_in_a_day: int
    completed: int
    completed_on_time: int


def escalations_per_department(community: Community, year: int | None) -> list[DepartmentAnswer]:
    summonses = _period(Summons.objects.filter(whistle__community=community), year, "whistle__").order_by()
    a_day_later = ExpressionWrapper(F("whistle__created_at") + timedelta(days=1), output_field=DateTimeField())
    rows = summonses.values("department_id", name=F("department__name")).annotate(
        summoned=Count("pk"),
        acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False)),
        in_a_day=Count("pk", filter=Q(acknowledged_at__lte=a_day_later)),
        completed=Count("pk", filter=Q(completed_at__isnull=False)),
        on_time=Count("pk", filter=Q(completed_at__date__lte=F("whistle__deadline"))),
    )
    answers = [
        DepartmentAnswer(
            row["department_id"],
            row["name"],
            row["summoned"],
            row["acknowledged"],
            row["in_a_day"],
            row["completed"],
            row["on_time"],
        )
        for row in rows
    ]
    return sorted(answers, key=lambda a: (-a.summoned, a.name))


@dataclass
class LedgerRow:
    """One report as the ledger's spreadsheet lists it."""

    number: int
    created_at: object
    category: str
    building: str
    entrance: str
    location: str
    state: str
    first_response_at: object
    closed_at: object
    rating: str
    departments: list[str]


def ledger_rows(community: Community, year: int | None) -> list[LedgerRow]:
    """Every report of the period, oldest first, with the departments it was whistled to: two queries."""
    reports = _reports(community, year).order_by("created_at", "number")
    departments: dict[int, list[str]] = {}
    pairs = (
        Summons.objects.filter(whistle__community=community, whistle__reports__in=reports.values("pk"))
        .order_by("department__name")
        .values_list("whistle__reports", "department__name")
        .distinct()
    )
    for report_id, name in pairs:
        departments.setdefault(report_id, []).append(name)
    return [
        LedgerRow(
            number=row["number"],
            created_at=row["created_at"],
            category=row["category"],
            building=row["building__name"] or "",
            entrance=row["entrance__name"] or "",
            location=row["location"],
            state=row["state"],
            first_response_at=row["first_response_at"],
            closed_at=row["closed_at"],
            rating=row["rating"],
            departments=departments.get(row["pk"], []),
        )
        for row in reports.values(
            "pk",
            "number",
            "created_at",
            "category",
            "building__name",
            "entrance__name",
            "location",
            "state",
            "first_response_at",
            "closed_at",
            "rating",
        )
    ]


@dataclass
class Ledger:
    """Everything the ledger page, its spreadsheet and its printed summary show, for one community and a year (None:
    all years)."""

    community: Community
    year: int | None
    per_year: YearCounts
    per_month: MonthCounts
    per_building: list[BuildingCount]
    handling: HandlingByMonth
    departments: list[DepartmentAnswer]


def ledger(community: Community, year: int | None) -> Ledger:
    """Four queries for a year, three for all years, whatever the number of reports."""
    rows = _month_rows(community, year)
    return Ledger(
        community=community,
        year=year,
        per_year=_per_year(rows) if year is None else reports_per_year(community),
        per_month=_per_month(rows, year),
        per_building=reports_per_building(community, year),
        handling=_handling(rows, year),
        departments=escalations_per_department(community, year),
    )


# --- end ledger -----------------------------------------------------------------------------------------------
