"""A report from the resident's phone to its closure: numbered per community, photos re-encoded, triaged (merged,
assigned), whistled to the district's departments who report for duty, act and complete; done, confirmed and rated
(or reopened once), closed after a week unconfirmed, or turned into a proposal — every step one line of an
append-only history."""

from datetime import timedelta

import pytest
from django.utils import timezone

from proposals.models import State
from reports.models import Category, Rating, Report, ReportEvent, ReportPhoto, ReportState, Summons
from reports.services import (
    ReportError,
    report_assign,
    report_confirm,
    report_create,
    report_done,
    report_merge,
    report_to_proposal,
    reports_close_unconfirmed,
    summons_acknowledge,
    summons_act,
    summons_complete,
    whistle_blow,
)
from tests.factories import UserFactory
from tests.reports.conftest import photo


def kinds(report) -> list[str]:
    return list(ReportEvent.objects.filter(report=report).values_list("kind", flat=True))


def tomorrow():
    return timezone.localdate() + timedelta(days=1)


def test_a_report_is_numbered_per_community_with_its_photo_re_encoded(report, actors):
    assert report.number == 1 and report.state == ReportState.NEW
    assert report.reporter == actors.users["household"] and report.reporter_phone == "13800001111"
    assert report.building == actors.household_obj.entrance.building
    [stored] = ReportPhoto.objects.filter(report=report)
    assert stored.stage == ReportPhoto.Stage.REPORTED and stored.image.read(8) == b"\x89PNG\r\n\x1a\n"
    second = report_create(
        community=actors.community, by=actors.users["household"], category=Category.PARKING, description="占道停车"
    )
    assert second.number == 2
    assert kinds(report) == [ReportEvent.Kind.REPORTED]


def test_bad_input_is_refused_and_nothing_is_written(actors):
    community, by = actors.community, actors.users["household"]
    bad = [
        {"description": "  "},
        {"photos": [photo(), photo(), photo(), photo()]},
        {"photos": [photo_of(b"%PDF-1.4 not an image")]},
        {"reporter_phone": "12345"},
        {"entrance": other_entrance(actors)},
    ]
    for changes in bad:
        fields = {"category": Category.OTHER, "description": "路灯坏了"} | changes
        with pytest.raises(ReportError):
            report_create(community=community, by=by, **fields)
    assert not Report.objects.exists() and not ReportPhoto.objects.exists()


def photo_of(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("x.jpg", data, content_type="image/jpeg")


def other_entrance(actors):
    from tests.factories import EntranceFactory

    return EntranceFactory(building__community=actors.other_community)


def test_a_canvasser_reports_at_the_door_for_a_household(actors):
    canvasser = actors.users["canvasser"]
    report = report_create(
        community=actors.community,
        by=canvasser,
        category=Category.FACILITIES,
        description="楼道灯坏了",
        household=actors.household_obj,
        on_behalf=True,
    )
    assert report.reporter is None and report.recorded_by == canvasser and report.household == actors.household_obj


def test_a_duplicate_is_merged_and_follows_the_first(report, actors):
    again = report_create(
        community=actors.community, by=actors.users["canvasser"], category=Category.ENVIRONMENT, description="公厕垃圾"
    )
    report_merge(report=again, into=report, by=actors.users["committee"])
    again.refresh_from_db()
    assert again.state == ReportState.MERGED and again.duplicate_of == report and again.first_response_at
    with pytest.raises(ReportError):
        report_merge(report=report, into=report, by=actors.users["committee"])


def test_assigned_done_confirmed_and_rated(report, actors):
    committee, assignee = actors.users["committee"], actors.users["canvasser"]
    report_assign(report=report, to=assignee, due_on=tomorrow(), by=committee)
    report_done(report=report, by=assignee, text="已清运垃圾", photos=[photo("after.jpg")])
    report = report_confirm(report=report, by=actors.users["household"], satisfied=True)
    assert report.state == ReportState.CLOSED and report.rating == Rating.SATISFIED and report.closed_at
    assert ReportPhoto.objects.filter(report=report, stage=ReportPhoto.Stage.DONE).count() == 1
    assert kinds(report) == ["reported", "assigned", "done", "confirmed"]
    with pytest.raises(ReportError):
        report_done(report=report, by=assignee, text="again")


def test_not_satisfied_reopens_once_then_closes_not_satisfied(report, actors):
    committee, household = actors.users["committee"], actors.users["household"]
    report_assign(report=report, to=committee, due_on=tomorrow(), by=committee)
    report_done(report=report, by=committee, text="清运了一半")
    report = report_confirm(report=report, by=household, satisfied=False, comment="还有垃圾")
    assert report.state == ReportState.ASSIGNED and report.reopened == 1
    report_done(report=report, by=committee, text="全部清运")
    report = report_confirm(report=report, by=household, satisfied=False)
    assert report.state == ReportState.CLOSED and report.rating == Rating.UNSATISFIED


def test_whistled_to_two_departments_who_report_for_duty_act_and_complete(report, actors, district):
    committee = actors.users["committee"]
    whistle = whistle_blow(
        reports=[report],
        departments=[district.chengguan, district.zhujian],
        deadline=tomorrow(),
        note="公厕周边垃圾和违建",
        by=committee,
    )
    report.refresh_from_db()
    assert report.state == ReportState.ESCALATED
    chengguan = whistle.summonses.get(department=district.chengguan)
    with pytest.raises(ReportError):
        summons_act(summons=chengguan, by=district.people.chengguan, text="先做事")  # not yet reported for duty
    summons_acknowledge(summons=chengguan, by=district.people.chengguan)
    summons_act(summons=chengguan, by=district.people.chengguan, text="清理垃圾三车")
    summons_complete(summons=chengguan, by=district.people.chengguan, text="完成")
    report_done(report=report, by=committee, text="城管清运完毕，住建另行处理违建")
    steps = list(ReportEvent.objects.filter(report=report).values_list("kind", "department__name"))
    assert steps == [
        ("reported", None),
        ("whistled", "城管"),
        ("whistled", "住建"),
        ("acknowledged", "城管"),
        ("action", "城管"),
        ("completed", "城管"),
        ("done", None),
    ]


def test_a_whistle_goes_only_to_the_communitys_own_district(report, actors, district):
    for departments in ([district.other_district_department], []):
        with pytest.raises(ReportError):
            whistle_blow(
                reports=[report], departments=departments, deadline=tomorrow(), note="x", by=actors.users["committee"]
            )
    with pytest.raises(ReportError):
        whistle_blow(
            reports=[report],
            departments=[district.chengguan],
            deadline=timezone.localdate() - timedelta(days=1),
            note="x",
            by=actors.users["committee"],
        )
    report.refresh_from_db()
    assert report.state == ReportState.NEW and not report.whistles.exists()


def test_a_report_done_and_unconfirmed_closes_after_a_week(report, actors):
    committee = actors.users["committee"]
    report_assign(report=report, to=committee, due_on=tomorrow(), by=committee)
    report = report_done(report=report, by=committee, text="已处理")
    assert reports_close_unconfirmed(now=report.done_at + timedelta(days=6)) == 0
    assert reports_close_unconfirmed(now=report.done_at + timedelta(days=7)) == 1
    report.refresh_from_db()
    assert report.state == ReportState.CLOSED and report.rating == ""
    assert kinds(report)[-1] == ReportEvent.Kind.CLOSED


def test_a_report_becomes_a_proposal_with_its_reporters(report, actors):
    again = report_create(
        community=actors.community, by=actors.users["canvasser"], category=Category.ENVIRONMENT, description="公厕垃圾"
    )
    report_merge(report=again, into=report, by=actors.users["committee"])
    proposal = report_to_proposal(report=report, by=actors.users["committee"])
    report.refresh_from_db()
    assert proposal.state == State.DRAFT and proposal.title == "公厕门口堆满垃圾，进不去"
    assert "#1、#2" in proposal.body and str(actors.household_obj.entrance) in proposal.body
    assert report.state == ReportState.PROPOSED and report.proposal == proposal
    [attached] = proposal.attachments.all()  # the report's photo
    assert attached.title == "Photo 1 of report #1" and attached.file.read(8) == b"\x89PNG\r\n\x1a\n"


def test_the_history_is_append_only(report):
    event = ReportEvent.objects.get(report=report)
    event.text = "改写"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


def test_unconfirmed_reports_are_closed_by_an_hourly_job():
    from datetime import datetime

    from reports import tasks

    task = tasks.reports_close_unconfirmed_task.task_class()
    assert all(task.validate_datetime(datetime(2026, 3, 1, h, 41)) for h in range(24))
    assert not task.validate_datetime(datetime(2026, 3, 1, 0, 42))


# --- refusals found by the security review: each changes nothing ------------------------------------------------------


def new_report(actors, description="公厕垃圾"):
    return report_create(
        community=actors.community, by=actors.users["household"], category=Category.ENVIRONMENT, description=description
    )


def snapshot(*reports):
    return [
        (r.state, r.duplicate_of_id, r.closed_at, r.assignee_id, kinds(r))
        for r in Report.objects.filter(pk__in=[r.pk for r in reports]).order_by("pk")
    ]


def test_a_report_is_merged_only_into_an_open_report(report, actors):
    committee = actors.users["committee"]
    report_assign(report=report, to=committee, due_on=tomorrow(), by=committee)
    report_done(report=report, by=committee, text="已清运")
    report_confirm(report=report, by=actors.users["household"], satisfied=True)
    proposed = new_report(actors, "要装电梯")
    report_to_proposal(report=proposed, by=committee)
    again = new_report(actors)
    before = snapshot(again, report, proposed)
    for into in (report, proposed):  # closed, proposed
        with pytest.raises(ReportError, match="merge into an open report"):
            report_merge(report=again, into=into, by=committee)
    assert snapshot(again, report, proposed) == before


def test_a_reports_own_duplicates_follow_it_when_it_is_merged(report, actors):
    committee = actors.users["committee"]
    middle, duplicate = new_report(actors, "中间"), new_report(actors, "重复")
    report_merge(report=duplicate, into=middle, by=committee)
    report_merge(report=middle, into=report, by=committee)
    duplicate.refresh_from_db()
    assert duplicate.duplicate_of == report and duplicate.state == ReportState.MERGED
    assert kinds(duplicate) == ["reported", "merged", "merged"]
    proposal = report_to_proposal(report=report, by=committee)
    assert "#1、#2、#3" in proposal.body  # the second-level duplicate's reporter is carried over too


def test_merging_back_into_ones_own_duplicate_is_refused(report, actors):
    committee = actors.users["committee"]
    again = new_report(actors)
    report_merge(report=again, into=report, by=committee)
    before = snapshot(again, report)
    with pytest.raises(ReportError):
        report_merge(report=report, into=again, by=committee)  # the stale `into` would have made a cycle
    assert snapshot(again, report) == before


def test_a_report_is_assigned_only_to_someone_with_a_role_in_the_community(report, actors):
    before = snapshot(report)
    for stranger in (actors.users["household"], UserFactory()):
        with pytest.raises(ReportError, match="holds a role in this community"):
            report_assign(report=report, to=stranger, due_on=tomorrow(), by=actors.users["committee"])
    assert snapshot(report) == before


def test_a_second_open_part_for_the_same_department_and_report_is_refused(report, actors, district):
    committee = actors.users["committee"]
    whistle = whistle_blow(
        reports=[report], departments=[district.chengguan], deadline=tomorrow(), note="清运", by=committee
    )
    before = snapshot(report)
    for departments in ([district.chengguan], [district.zhujian, district.chengguan]):
        with pytest.raises(ReportError, match="城管 already has an open part"):
            whistle_blow(reports=[report], departments=departments, deadline=tomorrow(), note="再吹", by=committee)
    assert snapshot(report) == before and Summons.objects.count() == 1
    whistle_blow(reports=[report], departments=[district.zhujian], deadline=tomorrow(), note="住建", by=committee)
    chengguan = whistle.summonses.get()
    summons_acknowledge(summons=chengguan, by=district.people.chengguan)
    summons_complete(summons=chengguan, by=district.people.chengguan, text="完成")
    whistle_blow(reports=[report], departments=[district.chengguan], deadline=tomorrow(), note="又堆了", by=committee)
    assert Summons.objects.filter(department=district.chengguan).count() == 2


@pytest.mark.parametrize("close", ["confirm", "proposal"])
def test_a_departments_part_ends_with_the_reports_it_is_about(report, actors, district, close):
    committee, member = actors.users["committee"], district.people.chengguan
    both = [district.chengguan, district.zhujian]
    whistle = whistle_blow(reports=[report], departments=both, deadline=tomorrow(), note="x", by=committee)
    acknowledged = whistle.summonses.get(department=district.chengguan)
    summons_acknowledge(summons=acknowledged, by=member)
    if close == "confirm":
        report_done(report=report, by=committee, text="社区处理完毕")
        report_confirm(report=report, by=actors.users["household"], satisfied=True)
    else:
        report_to_proposal(report=report, by=committee)
    parts = Summons.objects.values_list("acknowledged_at", "completed_at").order_by("pk")
    before = (list(parts), kinds(report))
    steps = [
        lambda: summons_act(summons=acknowledged, by=member, text="清运"),
        lambda: summons_complete(summons=acknowledged, by=member, text="完成"),
        lambda: summons_acknowledge(
            summons=whistle.summonses.get(department=district.zhujian), by=district.people.zhujian
        ),
    ]
    for step in steps:
        with pytest.raises(ReportError, match="the department's part has ended"):
            step()
    assert (list(parts), kinds(report)) == before


def test_completing_a_part_needs_what_was_done(report, actors, district):
    whistle = whistle_blow(
        reports=[report], departments=[district.chengguan], deadline=tomorrow(), note="x", by=actors.users["committee"]
    )
    summons = summons_acknowledge(summons=whistle.summonses.get(), by=district.people.chengguan)
    with pytest.raises(ReportError, match="Say what was done before completing"):
        summons_complete(summons=summons, by=district.people.chengguan, text="  ")
    summons.refresh_from_db()
    assert summons.completed_at is None


def test_a_reopened_report_goes_back_to_whoever_had_it(report, actors, district):
    committee, household = actors.users["committee"], actors.users["household"]
    whistle_blow(reports=[report], departments=[district.chengguan], deadline=tomorrow(), note="x", by=committee)
    report_done(report=report, by=committee, text="处理了")
    report = report_confirm(report=report, by=household, satisfied=False)
    assert report.state == ReportState.ESCALATED and report.assignee is None  # back to the departments
    unhandled = new_report(actors, "没人管")
    unhandled.state = ReportState.DONE  # done with neither an assignee nor a whistle: an older record
    unhandled.save(update_fields=["state"])
    assert report_confirm(report=unhandled, by=household, satisfied=False).state == ReportState.NEW
    # Assigned, then whistled: the departments had it last, not the assignee (whose due date has gone by).
    assigned_first = new_report(actors, "先派单后吹哨")
    report_assign(report=assigned_first, to=committee, due_on=tomorrow(), by=committee)
    whistle_blow(reports=[assigned_first], departments=[district.zhujian], deadline=tomorrow(), note="x", by=committee)
    report_done(report=assigned_first, by=committee, text="处理了")
    assert report_confirm(report=assigned_first, by=household, satisfied=False).state == ReportState.ESCALATED
    # Only assigned: back to its assignee.
    assigned = new_report(actors, "只派单")
    report_assign(report=assigned, to=committee, due_on=tomorrow(), by=committee)
    report_done(report=assigned, by=committee, text="处理了")
    reopened = report_confirm(report=assigned, by=household, satisfied=False)
    assert reopened.state == ReportState.ASSIGNED and reopened.assignee == committee


def test_dates_outside_the_sites_range_are_refused_by_the_services_too(report, actors, district):
    """The forms bound them more tightly; the services keep any caller (a script, the demo) to dates a page can show."""
    from datetime import date

    from reports.models import JointMeeting
    from reports.services import joint_meeting_record

    committee = actors.users["committee"]
    far = date(9999, 12, 31)
    with pytest.raises(ReportError, match="Enter a date between 2000-01-01"):
        report_assign(report=report, to=committee, due_on=far, by=committee)
    with pytest.raises(ReportError, match="Enter a date between 2000-01-01"):
        whistle_blow(reports=[report], departments=[district.chengguan], deadline=far, note="x", by=committee)
    report.refresh_from_db()
    assert report.state == ReportState.NEW and report.due_on is None and not report.whistles.exists()
    whistle = whistle_blow(
        reports=[report], departments=[district.chengguan], deadline=tomorrow(), note="x", by=committee
    )
    with pytest.raises(ReportError, match="Enter a date between 2000-01-01"):
        joint_meeting_record(
            whistle=whistle,
            held_on=date(1, 1, 1),
            place="社区",
            departments=[district.chengguan],
            decisions="x",
            by=committee,
        )
    assert not JointMeeting.objects.exists()
