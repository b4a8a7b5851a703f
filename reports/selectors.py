"""Reads about residents' reports that pages share: the handlers' queue and manage page (triage); the resident's
pages — lists, the choices of the report form, and a report's history in plain words."""

from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.db.models import Case, F, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Building, Community, Entrance, Household, HouseholdBinding, Role
from community.search import parse_household_query
from community.selectors import household_search
from reports.models import Department, JointMeeting, Report, ReportEvent, ReportState, Summons, Whistle

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


# --- The resident's pages (wt-resident) ---------------------------------------------------------------------------

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
    """The reports `user` made or recorded in `community`, newest first."""
    return (
        Report.objects.filter(community=community)
        .filter(Q(reporter=user) | Q(recorded_by=user))
        .select_related("building", "entrance__building")
    )


def public_reports(community: Community):
    """The reports of `community` their reporters let neighbours see (never merged duplicates), newest first."""
    return (
        Report.objects.filter(community=community, public=True)
        .exclude(state=ReportState.MERGED)
        .select_related("building", "entrance__building")
    )


def place_choices(community: Community) -> list[tuple[str, list[tuple[str, str]]]]:
    """The report form's "where" select: per building, the building itself ("b<id>") and its entrances ("e<id>")."""
    entrances: dict[int, list[Entrance]] = {}
    for entrance in Entrance.objects.filter(building__community=community).select_related("building"):
        entrances.setdefault(entrance.building_id, []).append(entrance)
    groups = []
    for building in Building.objects.filter(community=community).order_by("sort_key", "pk"):
        options = [(f"b{building.pk}", _("%(building)s (the whole building)") % {"building": building})]
        options += [
            (f"e{e.pk}", str(e)) for e in sorted(entrances.get(building.pk, []), key=lambda e: (e.sort_key, e.pk))
        ]
        groups.append((str(building), options))
    return groups


def place_from_choice(value: str) -> tuple[Building | None, Entrance | None]:
    """The building or entrance a "where" value names (any community: report_create refuses another one's)."""
    if len(value) > 1 and value[0] in "be" and value[1:].isdigit():
        if value[0] == "b":
            return Building.objects.filter(pk=int(value[1:])).first(), None
        entrance = Entrance.objects.select_related("building").filter(pk=int(value[1:])).first()
        return None, entrance
    return None, None


def household_by_code(community: Community, code: str) -> Household | None:
    """The one household of `community` that "3-5-502" (or "3号楼5单元502") names, or None."""
    query = parse_household_query(code)
    if not (query.building and query.entrance and query.room):
        return None
    found = list(household_search(community, query, full_phones=False).select_related("entrance__building")[:2])
    return found[0] if len(found) == 1 else None


def own_household(community: Community, user) -> Household | None:
    """The household the user is bound to in `community`, when there is exactly one."""
    found = list(
        HouseholdBinding.objects.filter(user=user, household__entrance__building__community=community)
        .select_related("household")
        .values_list("household", flat=True)[:2]
    )
    return Household.objects.get(pk=found[0]) if len(found) == 1 else None


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
    household only for those who may see them (`sees_reporter`), else "the resident"; a community step names the
    person and their role, a department's step the department. Three queries, however long the history."""
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
    reporter_ids = {report.reporter_id} if report.reporter_id else set()
    household = ""
    if report.reporter_id is None and report.household_id and sees_reporter:
        household = report.household.code

    def who(event: ReportEvent) -> str:
        if event.by_id is None:
            return _("the community")
        if viewer is not None and event.by_id == viewer.pk:
            return _("you")
        if event.by_id in reporter_ids and not sees_reporter:
            return _("the resident")
        role = Role.Kind(roles[event.by_id]).label if event.by_id in roles else ""
        name = event.by.display_name
        if role and name:
            return f"{role} {name}"
        if role or name:
            return str(role or name)
        return _("the resident") if event.by_id in reporter_ids else _("the community")

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
