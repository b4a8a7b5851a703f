"""Reads that the reports' pages share: each area in its own marked section."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from community.models import Community, District, Role
from reports.models import (
    Department,
    DepartmentMember,
    DistrictStaff,
    JointMeeting,
    Report,
    ReportEvent,
    ReportPhoto,
    ReportState,
    Summons,
    Whistle,
)

# --- triage ---------------------------------------------------------------------------------------------------------
# The community's handlers' queue and a report's manage page (reports/views_triage.py).

# The queue's order: what nobody has looked at yet, then what is being handled (soonest due first), then what is with
# the departments, then what waits for the reporter's word.
QUEUE_STATES = (ReportState.NEW, ReportState.ASSIGNED, ReportState.ESCALATED, ReportState.DONE)


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
    reports = Report.objects.filter(community=community, state__in=QUEUE_STATES)
    if state:
        reports = reports.filter(state=state)
    if category:
        reports = reports.filter(category=category)
    if building is not None:
        reports = reports.filter(building=building)
    rank = Case(*(When(state=s, then=Value(i)) for i, s in enumerate(QUEUE_STATES)), output_field=IntegerField())
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
            state__in=(ReportState.NEW, ReportState.ASSIGNED, ReportState.ESCALATED),
        )
        .exclude(pk=report.pk)
        .select_related("building", "entrance__building")
        .order_by("number")
    )


def district_departments(community: Community) -> QuerySet:
    if community.district_id is None:
        return Department.objects.none()
    return Department.objects.filter(district_id=community.district_id).order_by("name")


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
SUMMONS_STEPS = (ReportEvent.Kind.ACKNOWLEDGED, ReportEvent.Kind.ACTION, ReportEvent.Kind.COMPLETED)


def days_overdue(deadline: date, completed_at: datetime | None, today: date) -> int:
    """How many days past its deadline a part not completed is (0: not overdue)."""
    if completed_at is not None or deadline >= today:
        return 0
    return (today - deadline).days


def user_departments(user) -> list[Department]:
    """The departments `user` is a member of, with their districts."""
    return list(Department.objects.filter(members__user=user).select_related("district").order_by("name"))


def user_posts(user) -> dict:
    """The user's district posts in one query: {"districts": [...], "departments": [...]} — the districts whose staff
    they are and the departments they are a member of (each department with `pending`: its parts not completed)."""
    if not user.is_authenticated:
        return {"districts": [], "departments": []}
    member = DepartmentMember.objects.filter(user=user, department=OuterRef("pk"))
    staff = DistrictStaff.objects.filter(user=user, district=OuterRef("district"))
    departments = list(
        Department.objects.filter(Q(members__user=user) | Q(district__staff__user=user))
        .annotate(
            is_member=Exists(member),
            is_staff=Exists(staff),
            pending=Count("summonses", filter=Q(summonses__completed_at__isnull=True), distinct=True),
        )
        .select_related("district")
        .order_by("district__name", "name")
    )
    districts = list({d.district_id: d.district for d in departments if d.is_staff}.values())
    return {"districts": districts, "departments": [d for d in departments if d.is_member]}


def _where(report: Report) -> str:
    return str(report.entrance or report.building or report.location or "")


def department_inbox(departments: list[Department]) -> list[Summons]:
    """The summonses to `departments`, newest first, each with its whistle, community and reports (their reported
    photos, where they are) and `steps`: what the department has done so far, from the history. Five queries."""
    reported = ReportPhoto.objects.filter(stage=ReportPhoto.Stage.REPORTED).order_by("pk")
    reports = Report.objects.select_related("entrance__building", "building").prefetch_related(
        Prefetch("photos", queryset=reported, to_attr="reported_photos")
    )
    summonses = list(
        Summons.objects.filter(department__in=departments)
        .select_related("whistle__community", "department")
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
        summons.days_overdue = days_overdue(summons.whistle.deadline, summons.completed_at, today)
        for report in summons.whistle.reports.all():
            report.where = _where(report)
    return summonses


@dataclass
class Punctuality:
    """One department's record: how many parts it was sent, and how many it answered in time."""

    department: Department
    sent: int = 0
    acknowledged: int = 0
    acknowledged_in_a_day: int = 0
    completed: int = 0
    completed_by_deadline: int = 0
    overdue: int = 0


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


def district_overview(district: District) -> tuple[list[Escalation], list[Punctuality]]:
    """Every whistle of the district's communities, overdue ones first (most days late first), then those still
    open by deadline, then the completed ones, newest first; and each department's punctuality. Three queries,
    whatever the district's size."""
    today = timezone.localdate()
    summonses = Summons.objects.filter(whistle__community__district=district).select_related(
        "whistle__community", "department"
    )
    escalations: dict[int, Escalation] = {}
    record = {d.pk: Punctuality(department=d) for d in Department.objects.filter(district=district).order_by("name")}
    for summons in summonses.order_by("department__name"):
        whistle = summons.whistle
        escalation = escalations.setdefault(whistle.pk, Escalation(whistle=whistle))
        summons.days_overdue = days_overdue(whistle.deadline, summons.completed_at, today)
        escalation.summonses.append(summons)
        escalation.days_overdue = max(escalation.days_overdue, summons.days_overdue)
        tally = record.setdefault(summons.department_id, Punctuality(department=summons.department))
        tally.sent += 1
        if summons.acknowledged_at is not None:
            tally.acknowledged += 1
            tally.acknowledged_in_a_day += summons.acknowledged_at - whistle.created_at <= ACKNOWLEDGE_WITHIN
        if summons.completed_at is not None:
            tally.completed += 1
            tally.completed_by_deadline += timezone.localdate(summons.completed_at) <= whistle.deadline
        tally.overdue += summons.days_overdue > 0
    links = Whistle.reports.through.objects.filter(whistle__community__district=district).select_related("report")
    for link in links.order_by("report__number"):
        escalations[link.whistle_id].reports.append(link.report)
    ordered = sorted(escalations.values(), key=lambda e: -e.whistle.created_at.timestamp())
    ordered.sort(key=lambda e: (-e.days_overdue, e.completed, e.whistle.deadline if not e.completed else date.min))
    return ordered, sorted(record.values(), key=lambda p: p.department.name)
