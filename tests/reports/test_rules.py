"""Who may do what with a report, as a matrix of people × permissions × the report's situation: private or public,
before and after a whistle. A department sees only what was whistled to it; the district's staff see escalated
reports; a reporter's number only the people handling the report."""

from datetime import timedelta

import pytest
from django.utils import timezone

from reports.services import report_assign, report_done, whistle_blow
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
    from reports.models import Category
    from reports.services import report_create

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
