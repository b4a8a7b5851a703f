"""The reports ledger (台账) at 30,000 households and 100,000 reports over three years: reports.selectors.ledger (the
ledger page's five GROUP BY queries) and the whole page (rendered, charts included) against a bare GROUP BY giving the
same per-month-per-category counts over the same rows.

Run: .venv/bin/python bench/bench_reports.py [--households 30000] [--reports 100000] [--rounds 15] [--quick]
     [--database NAME]
Target: the ledger's selectors ≤ 2× the bare GROUP BY, and a constant number of queries for the page (counted at
50 reports and at the full size). Both a year (?year=) and all years are measured.
"""

import argparse
import datetime
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _util

# The cheapest query that gives the ledger's per-month-per-category counts: no joins, no durations, no ratings.
FLOOR_SQL = """
SELECT EXTRACT(YEAR FROM created_at AT TIME ZONE 'Asia/Shanghai') AS y,
       EXTRACT(MONTH FROM created_at AT TIME ZONE 'Asia/Shanghai') AS m, category, COUNT(*)
FROM reports_report WHERE community_id = %(community)s {period}
GROUP BY 1, 2, 3
"""
# The page also counts the period's reports per building: a second scan the floor above does not make. The two
# bare GROUP BYs together are the floor of what the page shows, measured beside it.
BUILDINGS_SQL = """
SELECT building_id, COUNT(*) FROM reports_report WHERE community_id = %(community)s {period} GROUP BY 1
"""
PERIOD_SQL = "AND created_at >= %(start)s AND created_at < %(end)s"
CATEGORIES = ("environment", "parking", "facilities", "safety", "dispute", "property", "other")
YEARS = (2023, 2024, 2025)


def reports_bulk(community, *, count: int, by, seed: int = 17) -> int:
    """`count` reports spread over YEARS, the categories and the buildings (a tenth without one), in the states a
    year of handling leaves them in, written in bulk; a twentieth whistled to two departments. The ledger's input,
    not a measure of reporting."""
    from community.models import Building, District
    from reports.models import Department, Rating, Report, ReportState, Summons, Whistle

    rng = random.Random(seed)
    tz = datetime.timezone(datetime.timedelta(hours=8))
    buildings = list(Building.objects.filter(community=community).values_list("pk", flat=True))
    district = District.objects.create(slug=f"d-{community.slug}", name="基准街道")
    community.district = district
    community.save(update_fields=["district"])
    departments = [Department.objects.create(district=district, name=name) for name in ("城管", "住建", "供电")]
    start = datetime.datetime(YEARS[0], 1, 1, tzinfo=tz)
    span = (datetime.datetime(YEARS[-1] + 1, 1, 1, tzinfo=tz) - start).total_seconds()
    rows = []
    for number in range(1, count + 1):
        created = start + datetime.timedelta(seconds=rng.random() * span)
        responded = created + datetime.timedelta(hours=rng.uniform(0.2, 48))
        fate = rng.random()
        closed = responded + datetime.timedelta(days=rng.uniform(0.5, 20)) if fate < 0.85 else None
        rows.append(
            Report(
                community=community,
                number=number,
                category=rng.choice(CATEGORIES),
                description="基准",
                building_id=rng.choice(buildings) if rng.random() > 0.1 else None,
                recorded_by=by,
                created_at=created,
                first_response_at=responded if fate < 0.97 else None,
                done_at=closed,
                closed_at=closed,
                state=ReportState.CLOSED if closed else (ReportState.ASSIGNED if fate < 0.97 else ReportState.NEW),
                rating=(Rating.SATISFIED if rng.random() < 0.7 else rng.choice([Rating.UNSATISFIED, ""]))
                if closed
                else "",
            )
        )
    Report.objects.bulk_create(rows, batch_size=5000)
    whistled = list(Report.objects.filter(community=community).order_by("pk").values_list("pk", "created_at"))[::20]
    whistles = Whistle.objects.bulk_create(
        [
            Whistle(community=community, note="基准", deadline=(at + datetime.timedelta(days=7)).date(), created_by=by)
            for _pk, at in whistled
        ],
        batch_size=5000,
    )
    through = Whistle.reports.through
    through.objects.bulk_create(
        [through(whistle_id=w.pk, report_id=pk) for w, (pk, _at) in zip(whistles, whistled, strict=True)],
        batch_size=5000,
    )
    summonses = []
    for whistle, (_pk, at) in zip(whistles, whistled, strict=True):
        for department in rng.sample(departments, 2):
            ack = at + datetime.timedelta(hours=rng.uniform(1, 40))
            summonses.append(
                Summons(
                    whistle=whistle,
                    department=department,
                    acknowledged_at=ack,
                    completed_at=ack + datetime.timedelta(days=rng.uniform(1, 10)),
                )
            )
    Summons.objects.bulk_create(summonses, batch_size=5000)
    # A whistle's date is its creation (auto_now_add): set it to its report's, so a year's whistles are that year's.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reports_whistle w SET created_at = r.created_at FROM reports_whistle_reports t "
            "JOIN reports_report r ON r.id = t.report_id WHERE t.whistle_id = w.id AND w.community_id = %s",
            [community.pk],
        )
    return count


def page_queries(client, community, year) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    url = reverse("reports_ledger", args=[community.slug]) + (f"?year={year}" if year else "")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(captured)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=30000)
    parser.add_argument("--reports", type=int, default=100000)
    parser.add_argument("--rounds", type=int, default=15, help="interleaved floor/ledger rounds")
    parser.add_argument("--quick", action="store_true", help="5,000 households, 20,000 reports, 5 rounds")
    parser.add_argument("--database", default="reports", help="bench database: gongyi_bench_NAME, or NAME if gongyi_*")
    args = parser.parse_args()
    if args.quick:
        args.households, args.reports, args.rounds = 5000, 20000, 5
    with _util.bench_database(args.database) as url:
        _util.django_setup(url, redis=False)
        run(args)


def run(args) -> None:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from community.models import Role
    from reports import selectors

    settings.ALLOWED_HOSTS = ["testserver"]
    started = time.monotonic()
    big, committee = _util.community_with_committee(slug="big", households=args.households)
    reports_bulk(big, count=args.reports, by=committee)
    small, small_committee = _util.community_with_committee(slug="small", households=14)
    reports_bulk(small, count=50, by=small_committee)
    Role.objects.create(user=committee, community=small, kind=Role.Kind.COMMITTEE)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"Set up {args.households:,} households, {args.reports:,} reports in {time.monotonic() - started:.0f} s.")

    client = Client()
    client.force_login(committee)
    year = YEARS[-1]
    queries = {
        (label, period): page_queries(client, community, y)
        for label, community in (("50 reports", small), (f"{args.reports:,} reports", big))
        for period, y in ((str(year), year), ("all years", None))
    }

    def floor(period: str, *templates: str):
        params = {"community": big.pk}
        bound = ""
        if period != "all years":
            tz = datetime.timezone(datetime.timedelta(hours=8))
            params.update(
                start=datetime.datetime(year, 1, 1, tzinfo=tz), end=datetime.datetime(year + 1, 1, 1, tzinfo=tz)
            )
            bound = PERIOD_SQL
        statements = [template.format(period=bound) for template in templates]

        def run_sql() -> None:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql, params)
                    cursor.fetchall()

        return run_sql

    def ledger(y):
        return lambda: selectors.ledger(big, y)

    def per_month(y):
        return lambda: selectors.reports_per_month(big, y)

    def page(y):
        url = reverse("reports_ledger", args=[big.slug]) + (f"?year={y}" if y else "")
        return lambda: client.get(url)

    fns = {}
    for period, y in ((str(year), year), ("all years", None)):
        fns[("floor", period)] = floor(period, FLOOR_SQL)
        fns[("floor2", period)] = floor(period, FLOOR_SQL, BUILDINGS_SQL)
        fns[("per_month", period)] = per_month(y)
        fns[("ledger", period)] = ledger(y)
        fns[("page", period)] = page(y)
    timings: dict = {key: [] for key in fns}
    for fn in fns.values():  # warm caches and the plans
        fn()
    for _ in range(args.rounds):
        for key, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            timings[key].append(time.perf_counter() - t0)

    rows, ratios, two_scans = [], {}, {}
    labels = {
        "floor": "floor: bare SQL COUNT(*) … GROUP BY year, month, category",
        "floor2": "the floor and a bare COUNT(*) … GROUP BY building (the page's two scans)",
        "per_month": "reports_per_month (the same counts, through the ORM)",
        "ledger": "selectors.ledger: the page's GROUP BY queries (4 for a year, 3 for all)",
        "page": "the page: GET, rendered with its charts (5 for a year, 6 for all years)",
    }
    for period in (str(year), "all years"):
        floor_ms = _util.median(timings[("floor", period)]) * 1000
        for name, label in labels.items():
            ms = _util.median(timings[(name, period)]) * 1000
            p95 = _util.percentile(timings[(name, period)], 95) * 1000
            ratios[(name, period)] = ms / floor_ms
            two_scans[(name, period)] = ms / (_util.median(timings[("floor2", period)]) * 1000)
            rows.append(
                [period, label, f"{ms:.1f}", f"{p95:.1f}", f"{ms / floor_ms:.2f}×", f"{two_scans[(name, period)]:.2f}×"]
            )
    _util.print_table(
        f"Ledger: {args.households:,} households, {args.reports:,} reports over {YEARS[0]}–{YEARS[-1]}, "
        f"{args.rounds} rounds",
        ["period", "what", "median ms", "p95 ms", "× floor", "× two scans"],
        rows,
    )
    _util.print_table(
        "Page queries (constant whatever the size)",
        ["community", "period", "queries"],
        [[label, period, n] for (label, period), n in queries.items()],
    )
    # a year reads the years in one more query than all years do (where they come from the months)
    constant = all(len({n for (_label, p), n in queries.items() if p == period}) == 1 for _l, period in queries)
    for period in (str(year), "all years"):
        ratio = ratios[("ledger", period)]
        print(f"\nTarget ≤ 2× the floor ({period}): selectors {ratio:.2f}× — {_util.verdict(ratio <= 2)}.")
        print(f"  against the page's two bare scans: {two_scans[('ledger', period)]:.2f}×.")
    print(f"Constant number of queries: {_util.verdict(constant)}.")
    print(f"Machine: {_util.machine_note()}")


if __name__ == "__main__":
    main()
