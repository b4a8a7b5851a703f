"""The ledger (台账) shown: its charts (reports.charts, inline SVG) and its .xlsx workbook, shared by the page, the
spreadsheet and the printed yearly summary (documents.ledger). The figures come from reports.selectors.ledger."""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from community.models import Building, Entrance
from config.xlsx import append, table_sheet, workbook_bytes
from core.dates import EARLIEST_DATE, local_minute
from reports import charts
from reports.models import Category, Rating, ReportState
from reports.selectors import Ledger, LedgerRow


def year_allowed(year: int) -> bool:
    """A year the ledger may be asked for: from 2000 (core.dates' earliest) to next year."""
    return EARLIEST_DATE.year <= year <= timezone.localdate().year + 1


def building_label(name: str) -> str:
    return str(Building(name=name)) if name else _("no building")


def month_label(ledger: Ledger, month: tuple[int, int]) -> str:
    year, number = month
    if ledger.year is not None:
        return _("Month %(month)s") % {"month": number}
    return f"{year}-{number:02d}"


def period_label(year: int | None) -> str:
    return str(year) if year is not None else _("all years")


@dataclass
class Chart:
    title: str
    svg: str


def ledger_charts(ledger: Ledger, *, width: int = 640) -> list[Chart]:
    """The ledger's charts in the order shown; each SVG is safe to place inline (reports.charts escapes)."""
    empty = _("No reports in this period.")
    category_names = {value: str(label) for value, label in Category.choices}
    result = []

    if (per_year := ledger.per_year) is not None:
        title = _("Reports per year")
        years = per_year.years
        present = [c for c in Category.values if any((y, c) in per_year.by_category for y in years)]
        series = [(category_names[c], [per_year.by_category.get((y, c), 0) for y in years]) for c in present]
        svg = charts.column_chart(
            title=title,
            series=series,
            categories=[str(y) for y in years],
            empty_text=empty,
            stacked=True,
            width=width,
        )
        result.append(Chart(title, svg))

    per_month = ledger.per_month
    title = _("Reports per month by category (%(period)s)") % {"period": period_label(ledger.year)}
    months = [month_label(ledger, m) for m in per_month.months]
    series = [(category_names[c], per_month.series(c)) for c in per_month.categories()]
    svg = charts.column_chart(
        title=title, series=series, categories=months, empty_text=empty, stacked=True, width=width
    )
    result.append(Chart(title, svg))

    title = _("Reports per building (%(period)s)") % {"period": period_label(ledger.year)}
    bars = [(building_label(b.name), b.total) for b in ledger.per_building]
    result.append(Chart(title, charts.bar_chart(title=title, bars=bars, empty_text=empty, width=width)))

    handling = ledger.handling
    title = _("Days to close, by the month reported (mean)")
    svg = charts.line_chart(
        title=title,
        series=[
            (_("days to close"), [handling.get(m).closing_days for m in handling.months]),
        ],
        categories=[month_label(ledger, m) for m in handling.months],
        empty_text=_("No report of this period is closed yet."),
        unit=_(" d"),
        width=width,
    )
    result.append(Chart(title, svg))

    overall = handling.overall
    title = _("Satisfaction of the closed reports")
    bars = (
        [
            (str(Rating.SATISFIED.label), overall.satisfied),
            (str(Rating.UNSATISFIED.label), overall.unsatisfied),
            (_("not rated"), overall.unrated),
        ]
        if overall.closed
        else []
    )
    svg = charts.bar_chart(title=title, bars=bars, empty_text=_("No report of this period is closed yet."), width=width)
    result.append(Chart(title, svg))

    title = _("Whistles answered by the departments")
    departments = ledger.departments
    svg = charts.column_chart(
        title=title,
        series=[
            (_("summoned"), [d.summoned for d in departments]),
            (_("reported for duty within a day"), [d.acknowledged_in_a_day for d in departments]),
            (_("completed by the deadline"), [d.completed_on_time for d in departments]),
        ],
        categories=[d.name for d in departments],
        empty_text=_("Nothing was whistled to a department in this period."),
        width=width,
    )
    result.append(Chart(title, svg))
    # reports.charts escapes every text it is given and writes no script: the SVG goes into the page as it is.
    return [Chart(chart.title, mark_safe(chart.svg)) for chart in result]


def ledger_context(ledger: Ledger, *, width: int = 640) -> dict:
    """What the ledger's page and its printed summary show besides the figures themselves: the charts and the rows
    of the tables of categories, buildings and handling by month."""
    return {
        "ledger": ledger,
        "charts": ledger_charts(ledger, width=width),
        "category_rows": [(Category(c).label, sum(ledger.per_month.series(c))) for c in ledger.per_month.categories()],
        "building_rows": [(building_label(b.name), b.total) for b in ledger.per_building],
        "handling_rows": [(month_label(ledger, m), ledger.handling.get(m)) for m in ledger.handling.months],
    }


# --- The workbook ---------------------------------------------------------------------------------------------


def ledger_xlsx(ledger: Ledger, rows: list[LedgerRow]) -> bytes:
    """Two sheets: every report of the period, and the ledger's tables. Text cells never become formulas
    (config.xlsx.append): building names, places and department names are typed by people."""
    workbook = Workbook(write_only=True)
    categories = {value: str(label) for value, label in Category.choices}
    states = {value: str(label) for value, label in ReportState.choices}
    ratings = {value: str(label) for value, label in Rating.choices}

    sheet = table_sheet(
        workbook,
        _("Reports"),
        [
            (_("Number"), 8),
            (_("Reported at"), 17),
            (_("Category"), 14),
            (_("Building"), 10),
            (_("Entrance"), 10),
            (_("Where"), 24),
            (_("State"), 16),
            (_("First response"), 17),
            (_("Closed"), 17),
            (_("Rating"), 10),
            (_("Departments"), 24),
        ],
    )
    for row in rows:
        append(
            sheet,
            [
                row.number,
                local_minute(row.created_at),
                categories.get(row.category, row.category),
                str(Building(name=row.building)) if row.building else "",
                str(Entrance(building=Building(name=row.building), name=row.entrance)) if row.entrance else "",
                row.location,
                states.get(row.state, row.state),
                local_minute(row.first_response_at),
                local_minute(row.closed_at),
                ratings.get(row.rating, ""),
                "、".join(row.departments),
            ],
        )

    tables = table_sheet(workbook, _("Tables"), [(_("Table"), 30), (_("Row"), 20), (_("Value"), 14)])
    if ledger.per_year is not None:
        heading = _("Reports per year")
        for year in ledger.per_year.years:
            append(tables, [heading, str(year), ledger.per_year.totals[year]])
    heading = _("Reports per month")
    for month in ledger.per_month.months:
        append(tables, [heading, month_label(ledger, month), ledger.per_month.total(month)])
    heading = _("Reports per category")
    for category in ledger.per_month.categories():
        append(tables, [heading, categories[category], sum(ledger.per_month.series(category))])
    heading = _("Reports per building")
    for building in ledger.per_building:
        append(tables, [heading, building_label(building.name), building.total])
    overall = ledger.handling.overall
    heading = _("Handling")
    for label, value in (
        (_("reports counted"), overall.reports),
        (_("mean hours to first response"), overall.response_hours),
        (pgettext("report state", "closed"), overall.closed),
        (_("mean days to close"), overall.closing_days),
        (str(Rating.SATISFIED.label), overall.satisfied),
        (str(Rating.UNSATISFIED.label), overall.unsatisfied),
        (_("not rated"), overall.unrated),
    ):
        append(tables, [heading, label, value])
    for department in ledger.departments:
        for label, value in (
            (_("summoned"), department.summoned),
            (_("reported for duty within a day"), department.acknowledged_in_a_day),
            (_("completed"), department.completed),
            (_("completed by the deadline"), department.completed_on_time),
        ):
            append(tables, [department.name, label, value])
    return workbook_bytes(workbook)
