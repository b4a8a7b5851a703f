"""Who may do what with a report, as a matrix of people × permissions × the report's situation: private or public,
before and after a whistle. A department sees only what was whistled to it; the district's staff see escalated
reports; a reporter's number only the people handling the report."""

from datetime import timedelta

import pytest
from django.utils import timezone

from reports.models import Category
from reports.services import report_assign, report_create, report_done, whistle_blow
from tests.factories import HouseholdBindingFactory, HouseholdFactory

PERMS = ("view_report", "see_reporter_phone", "triage_report", "record_done", "confirm_report")


@pytest.fixture
def people(actors, district):
    neighbour = HouseholdBindingFactory(household=HouseholdFactory(entrance__building__community=actors.community)).user
    return {
        **{name: user for name, user in actors.users.items() if name != "anonymous"},
        "neighbour": neighbour,
        "district_staff": district.people.staff,
        "chengguan": district.people.chengguan,
        "zhujian": district.people.zhujian,
    }


def allowed(people, report) -> dict[str, set[str]]:
    return {name: {perm for perm in PERMS if user.has_perm(f"reports.{perm}", report)} for name, user in people.items()}


NOBODY: set[str] = set()
HANDLER = {"view_report", "see_reporter_phone", "triage_report", "record_done"}


def test_a_private_new_report(people, report):
    assert allowed(people, report) == {
        "household": {"view_report"},
        "other_household": NOBODY,
        "neighbour": NOBODY,
        "canvasser": NOBODY,
        "secretary": HANDLER,
        "committee": HANDLER,
        "other_committee": NOBODY,
        "district_staff": NOBODY,
        "chengguan": NOBODY,
        "zhujian": NOBODY,
    }


def test_a_public_report_is_seen_by_neighbours_without_the_number(people, report):
    report.public = True
    report.save(update_fields=["public"])
    rights = allowed(people, report)
    assert rights["neighbour"] == {"view_report"}
    assert rights["other_household"] == NOBODY


def test_the_assignee_records_what_was_done_and_the_reporter_confirms(people, report, actors):
    report_assign(
        report=report, to=people["canvasser"], due_on=timezone.localdate() + timedelta(days=2), by=people["committee"]
    )
    report.refresh_from_db()
    assert allowed(people, report)["canvasser"] == {"view_report", "see_reporter_phone", "record_done"}
    report_done(report=report, by=people["canvasser"], text="已清理")
    report.refresh_from_db()
    assert allowed(people, report)["household"] == {"view_report", "confirm_report"}
    assert "confirm_report" not in allowed(people, report)["committee"]


def test_whistled_the_department_summoned_and_the_district_see_it(people, report, district):
    whistle_blow(
        reports=[report],
        departments=[district.chengguan],
        deadline=timezone.localdate() + timedelta(days=3),
        note="清理垃圾",
        by=people["committee"],
    )
    report.refresh_from_db()
    rights = allowed(people, report)
    assert rights["chengguan"] == {"view_report", "see_reporter_phone"}
    assert rights["zhujian"] == NOBODY  # not summoned
    assert rights["district_staff"] == {"view_report"}


def test_a_department_answers_only_its_own_summons(people, report, district):
    whistle = whistle_blow(
        reports=[report],
        departments=[district.chengguan],
        deadline=timezone.localdate() + timedelta(days=3),
        note="清理垃圾",
        by=people["committee"],
    )
    summons = whistle.summonses.get()
    assert people["chengguan"].has_perm("reports.answer_summons", summons)
    assert not people["zhujian"].has_perm("reports.answer_summons", summons)
    assert not people["committee"].has_perm("reports.answer_summons", summons)
    assert people["district_staff"].has_perm("reports.view_district", district.district)
    assert not people["chengguan"].has_perm("reports.view_district", district.district)


def test_who_may_report(people, actors):
    may = {name for name, user in people.items() if user.has_perm("reports.add_report", actors.community)}
    assert may == {"household", "neighbour", "canvasser", "secretary", "committee"}


def test_a_report_recorded_at_the_door_is_the_households_to_follow_and_confirm(people, actors):
    report = report_create(
        community=actors.community,
        by=people["canvasser"],
        category=Category.FACILITIES,
        description="楼道灯坏了",
        household=actors.household_obj,
        on_behalf=True,
    )
    assert people["household"].has_perm("reports.view_report", report)
    assert not people["neighbour"].has_perm("reports.view_report", report)


def _recorded_for_the_household_and_done(actors, by):
    """`by` records a report for the household at the door, assigns it to themself and records it as done."""
    report = report_create(
        community=actors.community,
        by=by,
        category=Category.FACILITIES,
        description="楼道灯坏了",
        household=actors.household_obj,
        on_behalf=True,
    )
    report_assign(report=report, to=by, due_on=timezone.localdate() + timedelta(days=2), by=by)
    return report_done(report=report, by=by, text="已换灯泡")


def test_whoever_recorded_a_report_for_a_household_may_not_rate_it(people, actors):
    """The committee may record a report for a household, handle it and mark it done: the rating is the household's,
    or the committee would rate its own work."""
    report = _recorded_for_the_household_and_done(actors, people["committee"])
    rights = allowed(people, report)
    assert rights["committee"] == HANDLER  # no confirm_report
    assert rights["household"] == {"view_report", "confirm_report"}
    assert people["committee"].has_perm("reports.follow_report", report)
    assert not people["committee"].has_perm("reports.rate_report", report)
    co_resident = HouseholdBindingFactory(household=actors.household_obj).user
    assert co_resident.has_perm("reports.confirm_report", report)


def test_a_recorder_of_the_household_itself_may_rate_it(people, actors):
    HouseholdBindingFactory(user=people["committee"], household=actors.household_obj)
    report = _recorded_for_the_household_and_done(actors, people["committee"])
    assert people["committee"].has_perm("reports.confirm_report", report)


def test_a_canvasser_who_recorded_a_report_follows_it_but_does_not_rate_it(people, actors):
    report = report_create(
        community=actors.community,
        by=people["canvasser"],
        category=Category.FACILITIES,
        description="楼道灯坏了",
        household=actors.household_obj,
        on_behalf=True,
    )
    report_assign(
        report=report, to=people["secretary"], due_on=timezone.localdate() + timedelta(days=2), by=people["committee"]
    )
    report = report_done(report=report, by=people["secretary"], text="已换灯泡")
    assert allowed(people, report)["canvasser"] == {"view_report"}
