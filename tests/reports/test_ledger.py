"""The reports ledger (台账): its figures on a known small data set (150, 50 and 12 reports in 2018, 2019 and 2020),
time to first response and to closing, satisfaction, the departments' punctuality, a constant number of queries,
who may open it, its spreadsheet and its printed yearly summary."""

import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from reports import selectors
from reports.models import Category, Report, ReportState
from reports.services import (
    report_assign,
    report_confirm,
    report_create,
    report_done,
    reports_close_unconfirmed,
    summons_acknowledge,
    summons_complete,
    whistle_blow,
)
from tests.factories import BuildingFactory, RoleFactory

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=BEIJING)


@pytest.fixture
def clock(monkeypatch):
    """Set the services' clock: clock(datetime) — every timezone.now() answers it until set again."""
    now = {"at": timezone.now()}
    monkeypatch.setattr(timezone, "now", lambda: now["at"])

    def set_to(moment: datetime) -> None:
        now["at"] = moment

    return set_to


def _reports(actors, count: int, *, when: datetime, category: str, building=None, step=timedelta(hours=5)):
    by = actors.users["household"]
    return [
        report_create(
            community=actors.community,
            by=by,
            category=category,
            description=f"问题 {n}",
            building=building,
            at=when + n * step,
        )
        for n in range(count)
    ]


@pytest.fixture
def story(actors, district, clock):
    """2018: 150 reports (100 in building 1: environment; 50 in building 2: parking); 2019: 50 (facilities, no
    building); 2020: 12 in building 1 (8 environment, 4 safety), four of them handled (below)."""
    one = actors.household_obj.entrance.building
    two = BuildingFactory(community=actors.community, name="2")
    _reports(actors, 100, when=at(2018, 1, 5, 9), category=Category.ENVIRONMENT, building=one)
    _reports(actors, 50, when=at(2018, 6, 1, 9), category=Category.PARKING, building=two)
    _reports(actors, 50, when=at(2019, 3, 1, 9), category=Category.FACILITIES, step=timedelta(days=1))
    march = _reports(actors, 8, when=at(2020, 3, 2, 9), category=Category.ENVIRONMENT, building=one)
    april = _reports(actors, 4, when=at(2020, 4, 1, 8), category=Category.SAFETY, building=one, step=timedelta(0))
    secretary, reporter = actors.users["secretary"], actors.users["household"]

    # March: answered after 2 h and 4 h; closed satisfied after 3 days, and unconfirmed after 1 + 7 = 8 days.
    first, second = march[0], march[1]  # reported at 09:00 and at 14:00 on 2 March
    clock(at(2020, 3, 2, 11))
    report_assign(report=first, to=secretary, due_on=date(2020, 3, 9), by=secretary)
    clock(at(2020, 3, 2, 18))
    report_assign(report=second, to=secretary, due_on=date(2020, 3, 9), by=secretary)
    clock(at(2020, 3, 3, 14))
    report_done(report=second, by=secretary, text="清理了")
    clock(at(2020, 3, 4, 9))
    report_done(report=first, by=secretary, text="清理了")
    clock(at(2020, 3, 5, 9))
    report_confirm(report=first, by=reporter, satisfied=True)
    clock(at(2020, 3, 10, 14))
    reports_close_unconfirmed()

    # April: one whistle at 10:00 on 1 April for the four reports, to two departments, deadline 5 April.
    clock(at(2020, 4, 1, 10))
    whistle = whistle_blow(
        reports=april,
        departments=[district.chengguan, district.zhujian],
        deadline=date(2020, 4, 5),
        note="消防通道",
        by=secretary,
    )
    chengguan = whistle.summonses.get(department=district.chengguan)
    zhujian = whistle.summonses.get(department=district.zhujian)
    clock(at(2020, 4, 1, 13))
    summons_acknowledge(summons=chengguan, by=district.people.chengguan)
    clock(at(2020, 4, 2, 16))  # 30 hours after the whistle
    summons_acknowledge(summons=zhujian, by=district.people.zhujian)
    clock(at(2020, 4, 5, 23))  # the deadline's last hour
    summons_complete(summons=chengguan, by=district.people.chengguan, text="清了")
    clock(at(2020, 4, 7, 9))
    summons_complete(summons=zhujian, by=district.people.zhujian, text="修了")
    clock(at(2020, 4, 8, 8))
    report_done(report=april[0], by=secretary, text="通道畅通")
    clock(at(2020, 4, 9, 8))
    report_confirm(report=april[0], by=reporter, satisfied=False)  # reopened: not closed, not rated
    clock(at(2020, 5, 1, 9))
    return actors


# --- Figures --------------------------------------------------------------------------------------------------


def test_reports_per_year_and_category(story):
    counts = selectors.reports_per_year(story.community)
    assert counts.years == [2018, 2019, 2020]
    assert counts.totals == {2018: 150, 2019: 50, 2020: 12}
    assert counts.by_category[(2018, Category.PARKING)] == 50
    assert counts.by_category[(2020, Category.SAFETY)] == 4


def test_reports_per_month_of_a_year_and_of_all_years(story):
    year = selectors.reports_per_month(story.community, 2020)
    assert year.months == [(2020, m) for m in range(1, 13)]
    assert year.series(Category.ENVIRONMENT) == [0, 0, 8] + [0] * 9
    assert year.series(Category.SAFETY)[3] == 4
    assert year.categories() == [Category.ENVIRONMENT, Category.SAFETY]
    every = selectors.reports_per_month(story.community, None)
    assert every.months[0] == (2018, 1) and every.months[-1] == (2020, 4) and len(every.months) == 28
    assert sum(every.total(m) for m in every.months) == 212


def test_reports_per_building(story):
    rows = selectors.reports_per_building(story.community, 2018)
    assert [(r.name, r.total) for r in rows] == [(story.household_obj.entrance.building.name, 100), ("2", 50)]
    rows = selectors.reports_per_building(story.community, None)
    assert rows[-1].building_id is None and rows[-1].total == 50


def test_time_to_first_response_and_to_closing_and_satisfaction(story):
    handling = selectors.ledger(story.community, 2020).handling
    march = handling.get((2020, 3))
    assert march.reports == 8 and march.responded == 2 and march.response_hours == Decimal("3.0")  # (2 + 4) / 2
    # closed after 3 days (satisfied) and after 8 days exactly minus 0 h (14:00 → 14:00 of the 10th): 8 days
    assert march.closed == 2 and march.closing_days == Decimal("5.5")
    assert (march.satisfied, march.unsatisfied, march.unrated) == (1, 0, 1)
    april = handling.get((2020, 4))
    assert april.responded == 4 and april.response_hours == Decimal("2.0")  # the whistle, 2 h after 08:00
    assert april.closed == 0 and april.closing_days is None
    overall = handling.overall
    assert overall.reports == 12 and overall.responded == 6
    assert overall.response_hours == Decimal("2.3")  # (2 + 4 + 4 × 2) / 6 = 2.33…
    assert isinstance(overall.closing_days, Decimal) and overall.closing_days == Decimal("5.5")


def test_merged_reports_are_not_counted_in_the_handling(story):
    duplicate, original = Report.objects.filter(created_at__year=2020, state=ReportState.NEW)[:2]
    Report.objects.filter(pk=duplicate.pk).update(state=ReportState.MERGED, duplicate_of=original)
    assert selectors.ledger(story.community, 2020).handling.overall.reports == 11
    assert selectors.reports_per_year(story.community).totals[2020] == 12


def test_departments_punctuality(story):
    answers = {a.name: a for a in selectors.escalations_per_department(story.community, 2020)}
    chengguan, zhujian = answers["城管"], answers["住建"]
    assert (chengguan.summoned, chengguan.acknowledged, chengguan.acknowledged_in_a_day) == (1, 1, 1)
    assert (chengguan.completed, chengguan.completed_on_time) == (1, 1)
    assert (zhujian.summoned, zhujian.acknowledged, zhujian.acknowledged_in_a_day) == (1, 1, 0)
    assert (zhujian.completed, zhujian.completed_on_time) == (1, 0)
    assert selectors.escalations_per_department(story.community, 2019) == []


def test_an_empty_community_has_an_empty_ledger(actors):
    ledger = selectors.ledger(actors.community, None)
    assert ledger.per_year.years == [] and ledger.per_month.months == [] and ledger.per_building == []
    assert ledger.handling.overall.closing_days is None and ledger.departments == []
    assert ledger.years == [] and selectors.ledger(actors.community, 2020).years == []


# --- Queries --------------------------------------------------------------------------------------------------


def _bulk(actors, count: int, year: int) -> None:
    start = Report.objects.filter(community=actors.community).count()
    building = actors.household_obj.entrance.building
    Report.objects.bulk_create(
        Report(
            community=actors.community,
            number=start + n + 1,
            category=Category.values[n % len(Category.values)],
            description="x",
            building=building if n % 2 else None,
            recorded_by=actors.users["household"],
            created_at=at(year, 1 + n % 12, 1 + n % 28, 9),
            first_response_at=at(year, 1 + n % 12, 1 + n % 28, 11),
            closed_at=at(year, 1 + n % 12, 1 + n % 28, 20) if n % 3 else None,
            state=ReportState.CLOSED if n % 3 else ReportState.NEW,
            rating="satisfied" if n % 6 == 1 else "",
        )
        for n in range(count)
    )


def test_the_page_takes_the_same_queries_whatever_the_number_of_reports(
    actors, district, client_as, django_assert_num_queries
):
    client = client_as(actors.users["secretary"])
    url = reverse("reports_ledger", args=[actors.community.slug])
    _bulk(actors, 5, 2020)
    with CaptureQueriesContext(connection) as year:
        assert client.get(url, {"year": 2020}).status_code == 200
    with CaptureQueriesContext(connection) as every:
        assert client.get(url).status_code == 200
    # the session, the user, the community, the secretary's roles, then the ledger's GROUP BY queries: four for a
    # year, three for all years (the years are read from the months)
    assert len(year) <= 9 and len(every) == len(year) - 1
    _bulk(actors, 120, 2019)
    _bulk(actors, 120, 2020)
    with django_assert_num_queries(len(year)):
        assert client.get(url, {"year": 2020}).status_code == 200
    with django_assert_num_queries(len(every)):
        assert client.get(url).status_code == 200


# --- The page, the spreadsheet, the summary -----------------------------------------------------------------


def test_the_page_shows_tables_and_charts(story, client_as):
    client = client_as(story.users["committee"])
    url = reverse("reports_ledger", args=[story.community.slug])
    html = client.get(url).content.decode()
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart"') == 6
    # the per-year chart's description, for screen readers: the article's story
    assert "2018: environment and sanitation 100, parking 50, facilities 0, safety 0 (Σ 150)" in html
    assert "(Σ 50)" in html and "(Σ 12)" in html

    # A year's page leaves the years' comparison to the page of all years (it would read every year's reports).
    response = client.get(url, {"year": 2020})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart"') == 5
    assert "(Σ 150)" not in html and f'href="{url}">Compare the years: all years</a>' in html
    assert all(f'href="{url}?year={year}"' in html for year in (2018, 2019, 2020))
    assert "ledger-2020.pdf" in html and "ledger.xlsx?year=2020" in html


def test_the_years_offered_run_from_the_first_report_to_the_last(story):
    Report.objects.filter(community=story.community, created_at__year=2019).delete()
    assert selectors.ledger_years(story.community) == [2018, 2019, 2020]  # a year without reports is still a year
    assert selectors.ledger(story.community, 2020).years == [2018, 2019, 2020]
    assert selectors.ledger(story.community, None).years == [2018, 2019, 2020]
    assert selectors.ledger(story.community, None).per_year.years == [2018, 2020]


def test_a_year_outside_the_site_is_not_found(actors, client_as):
    client = client_as(actors.users["secretary"])
    url = reverse("reports_ledger", args=[actors.community.slug])
    for year in ("1999", "abc", "2020x", "99999999999999999999"):
        assert client.get(url, {"year": year}).status_code == 404
    assert client.get(url, {"year": ""}).status_code == 200


def _routes(community):
    return [
        reverse("reports_ledger", args=[community.slug]),
        reverse("reports_ledger_xlsx", args=[community.slug]),
        reverse("document_ledger", args=[community.slug, 2020]),
    ]


@pytest.mark.parametrize(
    "who, status",
    [
        ("anonymous", 302),
        ("household", 403),
        ("other_household", 403),
        ("canvasser", 403),
        ("other_committee", 403),
        ("district_staff", 403),
        ("chengguan", 403),
        ("secretary", 200),
        ("committee", 200),
        ("party", 200),
        ("property", 200),
    ],
)
def test_who_may_open_the_ledger(actors, district, client_as, who, status, monkeypatch):
    monkeypatch.setattr("documents.ledger.render_pdf", lambda html: b"%PDF-")
    people = {**actors.users, "district_staff": district.people.staff, "chengguan": district.people.chengguan}
    if who in ("party", "property"):
        from community.models import Role

        people[who] = RoleFactory(community=actors.community, kind=getattr(Role.Kind, who.upper())).user
    client = client_as(people[who])
    for url in _routes(actors.community):
        assert client.get(url).status_code == status, url


def test_the_spreadsheet_lists_the_reports_and_the_tables(story, client_as):
    report = Report.objects.get(community=story.community, number=201)
    Report.objects.filter(pk=report.pk).update(location='=HYPERLINK("http://x")')
    response = client_as(story.users["secretary"]).get(
        reverse("reports_ledger_xlsx", args=[story.community.slug]), {"year": 2020}
    )
    assert response.status_code == 200 and 'filename="ledger-here-2020.xlsx"' in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    sheet, tables = book.worksheets
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Number" and len(rows) == 13
    first = rows[1]
    assert first[0] == 201 and first[1] == "2020-03-02 09:00" and first[2] == "environment and sanitation"
    assert first[5] == '=HYPERLINK("http://x")' and sheet.cell(2, 6).data_type == "s"  # text, never a formula
    assert first[6] == "closed" and first[7] == "2020-03-02 11:00" and first[8] == "2020-03-05 09:00"
    assert first[9] == "satisfied"
    whistled = [row for row in rows[1:] if row[10]]
    assert len(whistled) == 4 and all(row[10] == "住建、城管" for row in whistled)
    table = {(row[0], row[1]): row[2] for row in tables.iter_rows(values_only=True)}
    assert table[("Reports per year", "2018")] == 150
    assert table[("Reports per month", "Month 3")] == 8
    assert table[("Handling", "mean days to close")] == 5.5
    assert table[("城管", "completed by the deadline")] == 1


def test_the_yearly_summary_prints_with_its_charts(story, client_as):
    from documents.ledger import ledger_html

    html = ledger_html(story.community, 2020)
    assert html.count('class="chart"') >= 6 and "<script" not in html
    assert "(Σ 150)" in html and "(Σ 50)" in html and "(Σ 12)" in html  # the printed year compares the years
    response = client_as(story.users["secretary"]).get(reverse("document_ledger", args=[story.community.slug, 2020]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert "ledger-here-2020.pdf" in response["Content-Disposition"]


def test_the_page_speaks_chinese(story, client_as, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client = client_as(story.users["secretary"])
    html = client.get(
        reverse("reports_ledger", args=[story.community.slug]) + "?year=2020", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "报事台账" in html and "3月" in html and "各年对比" in html and "一天内报到" in html
    assert "每年报事数" in client.get(reverse("reports_ledger", args=[story.community.slug])).content.decode()
