"""Reads that the reports' pages share, each area in its own marked section: the handlers' queue and manage page
(triage); the departments' inbox and the district's page; the resident's pages — lists, the choices of the report
form, and a report's history in plain words; the ledger (台账)."""

from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Building, Community, District, Entrance, Household, HouseholdBinding, Role
from community.selectors import place_ids
from reports.models import (
    OPEN_STATES,
    WHISTLE_STATES,
    Category,
    Department,
    DepartmentMember,
    DistrictStaff,
    JointMeeting,
    Rating,
    Report,
    ReportEvent,
    ReportPhoto,
    ReportState,
    Summons,
    Whistle,
)

# --- triage ---------------------------------------------------------------------------------------------------------
# The community's handlers' queue and a report's manage page (reports/views_triage.py).


@dataclass(frozen=True)
class QueueRow:
    report: Report
    overdue: bool
    age_days: int


def triage_queue(
    community: Community, *, state: str = "", category: str = "", building=None, today: date | None = None
) -> list[QueueRow]:
    """The community's open reports in the handlers' order, filtered by state, category and building."""
    today = today or timezone.localdate()
    reports = Report.objects.filter(community=community, state__in=OPEN_STATES)
    if state:
        reports = reports.filter(state=state)
    if category:
        reports = reports.filter(category=category)
    if building is not None:
        reports = reports.filter(building=building)
    # The queue's order, that of OPEN_STATES: what nobody has looked at yet, then what is being handled (soonest due
    # first), then what is with the departments, then what waits for the reporter's word.
    rank = Case(*(When(state=s, then=Value(i)) for i, s in enumerate(OPEN_STATES)), output_field=IntegerField())
    reports = (
        reports.select_related("building", "entrance__building", "assignee")
        .annotate(rank=rank)
        .order_by("rank", F("due_on").asc(nulls_last=True), "created_at", "pk")
    )
    return [
        QueueRow(
            report=r,
            overdue=r.state == ReportState.ASSIGNED and r.due_on is not None and r.due_on < today,
            age_days=(today - timezone.localdate(r.created_at)).days,
        )
        for r in reports
    ]


def assignable_people(community: Community) -> QuerySet:
    """Whoever holds a role in the community: the property company, canvassers, volunteers, the committee."""
    here = Role.objects.filter(community=community).order_by("kind")
    return (
        get_user_model()
        .objects.filter(roles__community=community)
        .distinct()
        .prefetch_related(Prefetch("roles", queryset=here, to_attr="roles_here"))
        .order_by("pk")
    )


def bundle_candidates(report: Report) -> QuerySet:
    """Other reports of the community that may be whistled together with this one."""
    return (
        Report.objects.filter(
            community_id=report.community_id,
            state__in=WHISTLE_STATES,
        )
        .exclude(pk=report.pk)
        .select_related("building", "entrance__building")
        .order_by("number")
    )


def district_departments(community: Community) -> QuerySet:
    if community.district_id is None:
        return Department.objects.none()
    return Department.objects.filter(district_id=community.district_id).order_by("name")


def summoned_departments(report: Report) -> QuerySet:
    """The departments a whistle about `report` went to: those that may sit in its joint meeting."""
    return Department.objects.filter(summonses__whistle__reports=report).distinct().order_by("name")


def report_whistles(report: Report) -> list[Whistle]:
    """The whistles about a report, each with its departments' answers and its joint meetings."""
    return list(
        report.whistles.select_related("created_by")
        .prefetch_related(
            Prefetch("summonses", queryset=Summons.objects.select_related("department").order_by("department__name")),
            Prefetch("meetings", queryset=JointMeeting.objects.prefetch_related("departments")),
            Prefetch("reports", queryset=Report.objects.order_by("number")),
        )
        .order_by("-created_at", "-pk")
    )


# --- departments and district ---------------------------------------------------------------------------------

ACKNOWLEDGE_WITHIN = timedelta(days=1)  # a department that reports for duty within a day is punctual
# The inbox and the district's page list what is still open however old, and what was completed or ended only for
# this long after; the older ones are counted below the list, not loaded.
LISTED_AFTER_ENDING = timedelta(days=90)
SUMMONS_STEPS = (ReportEvent.Kind.ACKNOWLEDGED, ReportEvent.Kind.ACTION, ReportEvent.Kind.COMPLETED)


def days_overdue(deadline: date, completed_at: datetime | None, today: date, *, reports_open: bool) -> int:
    """How many days past its deadline a part not completed is (0: not overdue). A part whose reports are all closed
    has ended with them (`reports_open` false): it is overdue no more."""
    if completed_at is not None or not reports_open or deadline >= today:
        return 0
    return (today - deadline).days


def _reports_open(whistle: OuterRef) -> Exists:
    """Whether a report of `whistle` (a reference to it in the outer query) is still open: a department's part counts
    as to do, or overdue, only then."""
    return Exists(Report.objects.filter(whistles=whistle, state__in=OPEN_STATES))


def _ended_at(whistle: OuterRef) -> Subquery:
    """When the last report of `whistle` closed: the time its parts ended, once none of its reports is open."""
    last = Report.objects.filter(whistles=whistle).order_by(F("closed_at").desc(nulls_last=True))
    return Subquery(last.values("closed_at")[:1])


def _window(queryset: QuerySet, finished_at: Case) -> tuple[QuerySet, QuerySet]:
    """`queryset` split by `finished_at` (null while open): the rows listed — open, or finished within
    LISTED_AFTER_ENDING — and those finished before. A row finished at an unknown time stays listed."""
    now = timezone.now()
    since = now - LISTED_AFTER_ENDING
    rows = queryset.alias(finished_at=Coalesce(finished_at, Value(now)))
    return rows.filter(finished_at__gte=since), rows.filter(finished_at__lt=since)


def user_departments(user) -> list[Department]:
    """The departments `user` is a member of, with their districts."""
    return list(Department.objects.filter(members__user=user).select_related("district").order_by("name"))


def user_posts(user) -> dict:
    """The user's district posts in one query: {"districts": [...], "departments": [...]} — the districts whose staff
    they are and the departments they are a member of (each department with `pending`: its parts not completed
    about a report still open)."""
    if not user.is_authenticated:
        return {"districts": [], "departments": []}
    member = DepartmentMember.objects.filter(user=user, department=OuterRef("pk"))
    staff = DistrictStaff.objects.filter(user=user, district=OuterRef("district"))
    departments = list(
        Department.objects.filter(Q(members__user=user) | Q(district__staff__user=user))
        .annotate(
            is_member=Exists(member),
            is_staff=Exists(staff),
            pending=Count(
                "summonses",
                filter=Q(summonses__completed_at__isnull=True) & Q(_reports_open(OuterRef("summonses__whistle"))),
                distinct=True,
            ),
        )
        .select_related("district")
        .order_by("district__name", "name")
    )
    districts = list({d.district_id: d.district for d in departments if d.is_staff}.values())
    return {"districts": districts, "departments": [d for d in departments if d.is_member]}


def department_inbox(departments: list[Department]) -> tuple[list[Summons], int]:
    """The summonses to `departments` still open, and those completed or ended within LISTED_AFTER_ENDING, newest
    first, each with its whistle, community and reports (their reported photos, where they are), `steps`: what the
    department has done so far, from the history, and `reports_open`: whether a report of the whistle is still open
    (else the part has ended); and how many older ones are left off. Five queries, whatever the number of parts."""
    reported = ReportPhoto.objects.filter(stage=ReportPhoto.Stage.REPORTED).order_by("pk")
    reports = Report.objects.select_related("entrance__building", "building").prefetch_related(
        Prefetch("photos", queryset=reported, to_attr="reported_photos")
    )
    # A part is finished when the department completed it, or else when the last report of its whistle closed.
    finished_at = Case(
        When(completed_at__isnull=False, then=F("completed_at")),
        When(~_reports_open(OuterRef("whistle")), then=_ended_at(OuterRef("whistle"))),
        output_field=DateTimeField(),
    )
    listed, older = _window(Summons.objects.filter(department__in=departments), finished_at)
    summonses = list(
        listed.select_related("whistle__community", "department")
        .prefetch_related(Prefetch("whistle__reports", queryset=reports.order_by("number")))
        .order_by("-whistle__created_at", "-pk")
    )
    # A step is written once per report of the whistle: the first report's lines tell the department's story.
    first = {s.pk: min((r.pk for r in s.whistle.reports.all()), default=None) for s in summonses}
    events = ReportEvent.objects.filter(
        report_id__in={pk for pk in first.values() if pk is not None},
        department__in=departments,
        kind__in=SUMMONS_STEPS,
    ).select_related("by")
    by_report: dict[tuple[int, int], list[ReportEvent]] = {}
    for event in events:
        by_report.setdefault((event.report_id, event.department_id), []).append(event)
    today = timezone.localdate()
    for summons in summonses:
        summons.steps = by_report.get((first[summons.pk], summons.department_id), [])
        summons.reports_open = any(r.is_open for r in summons.whistle.reports.all())
        summons.days_overdue = days_overdue(
            summons.whistle.deadline, summons.completed_at, today, reports_open=summons.reports_open
        )
    return summonses, older.count()


@dataclass
class DepartmentAnswer:
    """One department's parts of whistles (summonses): how many it was sent, reported for duty (报到) on — within a
    day of the whistle —, completed, completed by the deadline, and past the deadline and not completed now while a
    report of the whistle is still open. The district's page and the ledger count them alike."""

    department_id: int
    name: str
    summoned: int = 0
    acknowledged: int = 0
    acknowledged_in_a_day: int = 0
    completed: int = 0
    completed_on_time: int = 0
    overdue: int = 0


def department_answers(summonses: QuerySet) -> list[DepartmentAnswer]:
    """`summonses` counted per department in one GROUP BY, most summoned first."""
    a_day_later = ExpressionWrapper(F("whistle__created_at") + ACKNOWLEDGE_WITHIN, output_field=DateTimeField())
    rows = (
        summonses.order_by()
        .values("department_id", name=F("department__name"))
        .annotate(
            summoned=Count("pk"),
            acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False)),
            in_a_day=Count("pk", filter=Q(acknowledged_at__lte=a_day_later)),
            completed=Count("pk", filter=Q(completed_at__isnull=False)),
            on_time=Count("pk", filter=Q(completed_at__date__lte=F("whistle__deadline"))),
            # The subquery last: a part completed or not yet due never runs it (the AND stops at the first false).
            overdue=Count(
                "pk",
                filter=Q(completed_at__isnull=True, whistle__deadline__lt=timezone.localdate())
                & Q(_reports_open(OuterRef("whistle"))),
            ),
        )
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
            row["overdue"],
        )
        for row in rows
    ]
    return sorted(answers, key=lambda a: (-a.summoned, a.name))


@dataclass
class Escalation:
    """A whistle as the district sees it: its community, reports, the departments' parts, whether it is late."""

    whistle: Whistle
    reports: list[Report] = field(default_factory=list)
    summonses: list[Summons] = field(default_factory=list)
    days_overdue: int = 0  # the most days any part not completed is past the deadline

    @property
    def completed(self) -> bool:
        return all(s.completed_at is not None for s in self.summonses)

    @property
    def ended(self) -> bool:
        """Every report of it is closed: the parts not completed have ended with them."""
        return not any(r.is_open for r in self.reports)

    @property
    def open(self) -> bool:
        return not self.completed and not self.ended


def district_overview(district: District) -> tuple[list[Escalation], int, list[DepartmentAnswer]]:
    """The whistles of the district's communities still open, and those completed or ended within
    LISTED_AFTER_ENDING: overdue ones first (most days late first), then those still open by deadline, then the
    completed ones and those whose reports are all closed, newest first; how many older ones are left off; and each
    department's punctuality over every whistle ever, every department of the district by name. Five queries,
    whatever the district's size."""
    today = timezone.localdate()
    summonses = Summons.objects.filter(whistle__community__district=district)
    # A whistle is finished when its last part was completed, or else when the last of its reports closed.
    parts = Summons.objects.filter(whistle=OuterRef("pk")).order_by()
    last_completed = Subquery(parts.values("whistle").annotate(last=Max("completed_at")).values("last"))
    finished_at = Case(
        When(~Exists(parts.filter(completed_at__isnull=True)), then=last_completed),
        When(~_reports_open(OuterRef("pk")), then=_ended_at(OuterRef("pk"))),
        output_field=DateTimeField(),
    )
    listed, older = _window(Whistle.objects.filter(community__district=district), finished_at)
    escalations: dict[int, Escalation] = {}
    shown = summonses.filter(whistle__in=listed.values("pk"))
    for summons in shown.select_related("whistle__community", "department").order_by("department__name"):
        escalations.setdefault(summons.whistle_id, Escalation(whistle=summons.whistle)).summonses.append(summons)
    links = Whistle.reports.through.objects.filter(whistle__in=listed.values("pk")).select_related("report")
    for link in links.order_by("report__number"):
        escalations[link.whistle_id].reports.append(link.report)
    for escalation in escalations.values():
        for summons in escalation.summonses:
            summons.days_overdue = days_overdue(
                escalation.whistle.deadline, summons.completed_at, today, reports_open=not escalation.ended
            )
            escalation.days_overdue = max(escalation.days_overdue, summons.days_overdue)
    ordered = sorted(escalations.values(), key=lambda e: -e.whistle.created_at.timestamp())
    ordered.sort(key=lambda e: (-e.days_overdue, not e.open, e.whistle.deadline if e.open else date.min))
    answers = {answer.department_id: answer for answer in department_answers(summonses)}
    departments = Department.objects.filter(district=district).order_by("name").values_list("pk", "name")
    return ordered, older.count(), [answers.get(pk) or DepartmentAnswer(pk, name) for pk, name in departments]


# --- the resident's pages ------------------------------------------------------------------------------------------

# Whose name a history line gives for a community step: the first of these roles the person holds.
ROLE_ORDER = (
    Role.Kind.COMMITTEE,
    Role.Kind.SECRETARY,
    Role.Kind.PARTY,
    Role.Kind.PROPERTY,
    Role.Kind.CANVASSER,
    Role.Kind.OBSERVER,
)


def reports_by(community: Community, user):
    """The reports `user` follows in `community` (the rule reports.follow_report): made, recorded, or for a household
    they are bound to; newest first."""
    households = HouseholdBinding.objects.filter(user=user).values("household_id")
    return (
        Report.objects.filter(community=community)
        .filter(Q(reporter=user) | Q(recorded_by=user) | Q(household__in=households))
        .select_related("building", "entrance__building")
    )


def public_reports(community: Community):
    """The reports of `community` their reporters let neighbours see (never merged duplicates), newest first."""
    return (
        Report.objects.filter(community=community, public=True)
        .exclude(state=ReportState.MERGED)
        .select_related("building", "entrance__building")
    )


def place_from_choice(value: str) -> tuple[Building | None, Entrance | None]:
    """The building or entrance a "where" value names (any community: report_create refuses another one's)."""
    building_id, entrance_id = place_ids(value)
    if building_id is not None:
        return Building.objects.filter(pk=building_id).first(), None
    if entrance_id is not None:
        return None, Entrance.objects.select_related("building").filter(pk=entrance_id).first()
    return None, None


def own_household(community: Community, user) -> Household | None:
    """The household the user is bound to in `community`, when there is exactly one."""
    found = list(Household.objects.bound_to(user, community.pk)[:2])
    return found[0] if len(found) == 1 else None


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    sentence: str
    detail: str  # what the step's author wrote (what was done, the comment), shown under the sentence


def _sentence(event: ReportEvent, who: str, report: Report, *, household: str) -> str:
    kind, department = event.kind, event.department.name if event.department_id else ""
    Kind = ReportEvent.Kind
    if kind == Kind.REPORTED:
        if household:
            return _("%(who)s recorded the report for household %(household)s.") % {
                "who": who,
                "household": household,
            }
        return _("%(who)s reported the problem.") % {"who": who}
    if kind == Kind.MERGED:
        return _("%(who)s found it repeats another report and merged the two.") % {"who": who}
    if kind == Kind.ASSIGNED:
        return _("%(who)s assigned it to be handled.") % {"who": who}
    if kind == Kind.WHISTLED:
        return _("%(who)s blew the whistle: sent to %(department)s.") % {"who": who, "department": department}
    if kind == Kind.ACKNOWLEDGED:
        return _("%(department)s reported for duty.") % {"department": department}
    if kind == Kind.ACTION:
        return _("%(department)s acted on it.") % {"department": department}
    if kind == Kind.COMPLETED:
        return _("%(department)s finished its part.") % {"department": department}
    if kind == Kind.DONE:
        return _("%(who)s recorded it as done.") % {"who": who}
    if kind == Kind.CONFIRMED:
        if report.rating == "unsatisfied":
            return _("%(who)s confirmed: not satisfied. It is closed.") % {"who": who}
        return _("%(who)s confirmed: satisfied. It is closed.") % {"who": who}
    if kind == Kind.REOPENED:
        return _("%(who)s was not satisfied: it is being handled again.") % {"who": who}
    if kind == Kind.CLOSED:
        return _("Closed by itself: not confirmed within a week.")
    if kind == Kind.MEETING:
        return _("%(who)s recorded a joint meeting with the departments.") % {"who": who}
    if kind == Kind.PROPOSED:
        return _("%(who)s turned it into a proposal for the owners.") % {"who": who}
    return str(event.get_kind_display())


def report_history(report: Report, viewer, *, sees_reporter: bool) -> list[HistoryLine]:
    """Every step of the report, one sentence each, for `viewer`: "you" for their own steps; the reporter's name and
    household only for those who may see them (`sees_reporter`), else "the resident" — for the reporter, any account
    bound to the report's household, and whoever confirmed or reopened it; a community step names the person and
    their role, a department's step the department. At most four queries, however long the history."""
    events = list(report.events.select_related("by", "department").order_by("at", "pk"))
    people = {event.by_id for event in events if event.by_id}
    roles: dict[int, str] = {}
    for user_id, kind in (
        Role.objects.filter(community_id=report.community_id, user_id__in=people)
        .values_list("user_id", "kind")
        .order_by()
    ):
        if user_id not in roles or ROLE_ORDER.index(kind) < ROLE_ORDER.index(roles[user_id]):
            roles[user_id] = kind
    residents = {report.reporter_id} if report.reporter_id else set()
    if report.household_id and not sees_reporter:
        residents |= set(
            HouseholdBinding.objects.filter(household_id=report.household_id, user_id__in=people).values_list(
                "user_id", flat=True
            )
        )
    # The answer is the household's word: whoever of it gave it, a neighbour reads "the resident".
    resident_steps = (ReportEvent.Kind.CONFIRMED, ReportEvent.Kind.REOPENED)
    household = ""
    if report.reporter_id is None and report.household_id and sees_reporter:
        household = report.household.code

    def who(event: ReportEvent) -> str:
        if event.by_id is None:
            return _("the community")
        if viewer is not None and event.by_id == viewer.pk:
            return _("you")
        if not sees_reporter and (event.by_id in residents or event.kind in resident_steps):
            return _("the resident")
        role = Role.Kind(roles[event.by_id]).label if event.by_id in roles else ""
        name = event.by.display_name
        if role and name:
            return f"{role} {name}"
        if role or name:
            return str(role or name)
        return _("the resident") if event.by_id in residents else _("the community")

    lines = []
    for event in events:
        detail = event.text
        if event.kind == ReportEvent.Kind.REPORTED:
            detail = ""
        if event.kind in (ReportEvent.Kind.CONFIRMED, ReportEvent.Kind.REOPENED) and not sees_reporter:
            detail = ""  # the reporter's comment is for the people handling the report, not for neighbours
        on_behalf = household if event.kind == ReportEvent.Kind.REPORTED else ""
        sentence = _sentence(event, who(event), report, household=on_behalf)
        lines.append(HistoryLine(at=event.at, sentence=sentence, detail=detail))
    return lines


# --- ledger ---------------------------------------------------------------------------------------------------
# The ledger (台账) a party secretary shows: reports per year and month by category and by building, how long the
# first response and the closing took, how satisfied the reporters were, and how the departments answered the
# whistle. Each function is one GROUP BY query; durations are summed in the database (DurationField arithmetic,
# which PostgreSQL and SQLite both do) and divided here as Decimals, so a mean is exact and no float is shown.


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
    """Every year's reports per category: a scan of all the community's reports (the page of all years reads the
    same from its months)."""
    rows = (
        Report.objects.filter(community=community)
        .order_by()
        .values(year=ExtractYear("created_at"), cat=F("category"))
        .annotate(all=Count("pk"))
    )
    return _per_year(rows)


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
        for name in (f.name for f in fields(self)):
            setattr(self, name, getattr(self, name) + getattr(other, name))


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


def _handling(rows: list[dict], year: int | None) -> HandlingByMonth:
    """Time to first response and to closing, and satisfaction, by the month the report came in."""
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


def escalations_per_department(community: Community, year: int | None) -> list[DepartmentAnswer]:
    """The departments' answers to the community's whistles of the period (by the whistle's date)."""
    return department_answers(_period(Summons.objects.filter(whistle__community=community), year, "whistle__"))


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
            building=row["building__name"] or row["entrance__building__name"] or "",
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
            "entrance__building__name",
            "entrance__name",
            "location",
            "state",
            "first_response_at",
            "closed_at",
            "rating",
        )
    ]


def ledger_years(community: Community) -> list[int]:
    """Every year from the community's first report to its last: two index lookups, however many reports."""
    span = Report.objects.filter(community=community).aggregate(first=Min("created_at"), last=Max("created_at"))
    if span["first"] is None:
        return []
    return list(range(timezone.localtime(span["first"]).year, timezone.localtime(span["last"]).year + 1))


@dataclass
class Ledger:
    """Everything the ledger page, its spreadsheet and its printed summary show, for one community and a year (None:
    all years). `per_year` compares the years: always for all years, where it comes from the same rows, and for a
    year only when asked (the printed summary), because it reads every year's reports."""

    community: Community
    year: int | None
    years: list[int]  # the years one may choose, first to last
    per_year: YearCounts | None
    per_month: MonthCounts
    per_building: list[BuildingCount]
    handling: HandlingByMonth
    departments: list[DepartmentAnswer]


def ledger(community: Community, year: int | None, *, compare_years: bool = False) -> Ledger:
    """Four queries for a year (five comparing the years), three for all years, whatever the number of reports."""
    rows = _month_rows(community, year)
    if year is None:
        per_year = _per_year(rows)
        years = list(range(per_year.years[0], per_year.years[-1] + 1)) if per_year.years else []
    else:
        per_year = reports_per_year(community) if compare_years else None
        years = ledger_years(community)
    return Ledger(
        community=community,
        year=year,
        years=years,
        per_year=per_year,
        per_month=_per_month(rows, year),
        per_building=reports_per_building(community, year),
        handling=_handling(rows, year),
        departments=escalations_per_department(community, year),
    )


# --- end ledger -----------------------------------------------------------------------------------------------
