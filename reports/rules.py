"""Who may do what with residents' reports. The community's handlers (committee, secretary, party organisation,
property company) triage, assign and whistle; the assignee records what was done; the reporter, or an account of the
household it was recorded for, confirms and rates (never whoever recorded it on their behalf, unless of that
household); neighbours see only reports marked public; the district's staff see its communities' escalated reports; a
department sees only what was whistled to it. A reporter's number: only the people handling the report."""

import rules

from community import rules as community
from community.models import HouseholdBinding
from reports.models import DepartmentMember, DistrictStaff, Report, ReportState, Summons

is_handler_role = community.is_committee | community.is_secretary | community.is_party | community.is_property


def _user(user) -> bool:
    return bool(user) and user.is_authenticated


@rules.predicate
def is_handler(user, report: Report) -> bool:
    return report is not None and is_handler_role(user, report.community)


@rules.predicate
def is_reporter(user, report: Report) -> bool:
    """The account that reported for itself, or an account bound to the household the report is for: the people it is
    for, whose word closes it. Not whoever recorded it on a household's behalf (the committee could rate its own
    work), unless they are of that household."""
    if not _user(user) or report is None:
        return False
    if user.pk == report.reporter_id:
        return True
    return (
        report.household_id is not None
        and HouseholdBinding.objects.filter(user=user, household_id=report.household_id).exists()
    )


@rules.predicate
def recorded_it(user, report: Report) -> bool:
    """Whoever recorded the report (a canvasser at the door): follows it, without a say in its rating."""
    return _user(user) and report is not None and report.recorded_by_id == user.pk


@rules.predicate
def is_assignee(user, report: Report) -> bool:
    return _user(user) and report is not None and report.assignee_id == user.pk


@rules.predicate
def is_neighbour_of_public(user, report: Report) -> bool:
    return report is not None and report.public and community.is_household_member(user, report.community)


@rules.predicate
def is_summoned(user, report: Report) -> bool:
    """A member of a department a whistle about this report was sent to."""
    if not _user(user) or report is None:
        return False
    departments = DepartmentMember.objects.filter(user=user).values("department_id")
    return Summons.objects.filter(whistle__reports=report, department_id__in=departments).exists()


@rules.predicate
def is_district_staff_of_escalated(user, report: Report) -> bool:
    if not _user(user) or report is None or report.community.district_id is None:
        return False
    if not report.whistles.exists():
        return False
    return DistrictStaff.objects.filter(user=user, district_id=report.community.district_id).exists()


@rules.predicate
def is_open(user, report: Report) -> bool:
    return report is not None and report.is_open


@rules.predicate
def is_done(user, report: Report) -> bool:
    return report is not None and report.state == ReportState.DONE


@rules.predicate
def is_department_member(user, summons: Summons) -> bool:
    return is_member_of(user, summons.department_id)


def is_member_of(user, department_id: int) -> bool:
    return _user(user) and DepartmentMember.objects.filter(user=user, department_id=department_id).exists()


@rules.predicate
def is_in_department(user, department) -> bool:
    return is_member_of(user, department.pk)


@rules.predicate
def is_district_staff(user, district) -> bool:
    return _user(user) and DistrictStaff.objects.filter(user=user, district=district).exists()


handles = is_handler | is_assignee | is_summoned
follows = is_reporter | recorded_it

rules.add_perm("reports.add_report", community.is_household_member | community.is_any_role)
# The community's queue of reports (takes a community): its handlers.
rules.add_perm("reports.triage_community", is_handler_role)
rules.add_perm(
    "reports.view_report",
    follows | handles | is_neighbour_of_public | is_district_staff_of_escalated,
)
# One's own report (reported, or recorded at the door): its number as the page's heading, the household in its history.
rules.add_perm("reports.follow_report", follows)
# The people the report is for: told what comes next, and asked once it is done whether they are satisfied.
rules.add_perm("reports.rate_report", is_reporter)
rules.add_perm("reports.see_reporter_phone", handles)
rules.add_perm("reports.triage_report", is_handler & is_open)
# The handlers' page of a report: the community's handlers, and whoever it was assigned to (also once closed).
rules.add_perm("reports.manage_report", is_handler | is_assignee)
rules.add_perm("reports.record_done", (is_handler | is_assignee) & is_open)
rules.add_perm("reports.confirm_report", is_reporter & is_done)
rules.add_perm("reports.answer_summons", is_department_member)
# A department's inbox (takes a department): its members.
rules.add_perm("reports.view_department", is_in_department)
rules.add_perm("reports.view_district", is_district_staff)

# --- The resident's pages (wt-resident) ---
# At the door: a canvasser, the committee or its secretary records a report for a household.
rules.add_perm("reports.report_for_household", community.is_canvasser | community.is_staff_role)
# 邻居的报事: the reports marked public, for the households of the community.
rules.add_perm("reports.view_public_reports", community.is_household_member)

# The ledger (台账) of a community's reports: its handlers.
rules.add_perm("reports.view_ledger", is_handler_role)
