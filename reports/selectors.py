"""Reads about residents' reports that pages share."""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.db.models import Case, F, IntegerField, Prefetch, QuerySet, Value, When
from django.utils import timezone

from community.models import Community, Role
from reports.models import Department, JointMeeting, Report, ReportState, Summons, Whistle

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
