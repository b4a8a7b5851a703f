"""专题会: a joint meeting about a whistle is recorded once held, with the departments present, and each report of the
whistle says so in its history."""

from datetime import timedelta

import pytest
from django.utils import timezone

from reports.models import JointMeeting, ReportEvent
from reports.services import (
    ReportError,
    joint_meeting_record,
    report_confirm,
    report_create,
    report_done,
    report_to_proposal,
    whistle_blow,
)


def test_a_joint_meeting_is_written_into_each_report_of_the_whistle(actors, district, report):
    committee = actors.users["committee"]
    other = report_create(
        community=actors.community, by=actors.users["household"], category="environment", description="同一处"
    )
    whistle = whistle_blow(
        reports=[report, other],
        departments=[district.chengguan, district.zhujian],
        deadline=timezone.localdate() + timedelta(days=3),
        note="清运",
        by=committee,
    )
    meeting = joint_meeting_record(
        whistle=whistle,
        held_on=timezone.localdate(),
        place=" 小区东门 ",
        departments=[district.chengguan, district.zhujian],
        decisions="城管清运，住建修复",
        by=committee,
    )
    assert meeting.place == "小区东门" and meeting.recorded_by == committee
    for r in (report, other):
        [event] = r.events.filter(kind=ReportEvent.Kind.MEETING)
        assert "小区东门" in event.text and "城管、住建" in event.text and "城管清运" in event.text
        assert event.by == committee


def test_a_joint_meeting_refused_writes_nothing(actors, district, report):
    committee = actors.users["committee"]
    whistle = whistle_blow(
        reports=[report], departments=[district.chengguan], deadline=timezone.localdate(), note="清运", by=committee
    )
    good = dict(
        whistle=whistle, held_on=timezone.localdate(), place="东门", departments=[district.chengguan], decisions="清运"
    )
    for changes in (
        {"departments": []},
        {"departments": [district.other_district_department]},
        {"departments": [district.chengguan, district.zhujian]},  # 住建 was not whistled to
        {"held_on": timezone.localdate() + timedelta(days=1)},
        {"decisions": "  "},
        {"place": ""},
    ):
        with pytest.raises(ReportError):
            joint_meeting_record(**{**good, **changes}, by=committee)
    assert not JointMeeting.objects.exists()
    assert not ReportEvent.objects.filter(kind=ReportEvent.Kind.MEETING).exists()


def test_a_joint_meeting_is_recorded_once(actors, district, report):
    committee = actors.users["committee"]
    whistle = whistle_blow(
        reports=[report], departments=[district.chengguan], deadline=timezone.localdate(), note="清运", by=committee
    )
    meeting = dict(
        whistle=whistle, held_on=timezone.localdate(), place="东门", departments=[district.chengguan], decisions="清运"
    )
    joint_meeting_record(**meeting, by=committee)
    with pytest.raises(ReportError, match="already recorded"):
        joint_meeting_record(**{**meeting, "place": " 东门 ", "decisions": "再次提交"}, by=committee)
    assert JointMeeting.objects.count() == 1 and report.events.filter(kind=ReportEvent.Kind.MEETING).count() == 1
    joint_meeting_record(**{**meeting, "place": "西门"}, by=committee)  # another meeting that day, elsewhere
    assert JointMeeting.objects.count() == 2


def test_a_joint_meeting_is_written_only_into_the_reports_still_open(actors, district, report):
    committee = actors.users["committee"]
    other = report_create(
        community=actors.community, by=actors.users["household"], category="environment", description="x"
    )
    whistle = whistle_blow(
        reports=[report, other],
        departments=[district.chengguan],
        deadline=timezone.localdate(),
        note="清运",
        by=committee,
    )
    meeting = dict(whistle=whistle, held_on=timezone.localdate(), departments=[district.chengguan], decisions="清运")
    report_done(report=report, by=committee, text="清运完毕")
    report_confirm(report=report, by=actors.users["household"], satisfied=True)
    joint_meeting_record(**meeting, place="东门", by=committee)
    assert not report.events.filter(kind=ReportEvent.Kind.MEETING).exists()  # its history ended with its closing
    assert other.events.filter(kind=ReportEvent.Kind.MEETING).count() == 1
    report_to_proposal(report=other, by=committee)
    with pytest.raises(ReportError, match="Every report of this whistle is closed"):
        joint_meeting_record(**meeting, place="西门", by=committee)
    assert JointMeeting.objects.count() == 1
