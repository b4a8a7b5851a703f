"""专题会: a joint meeting about a whistle is recorded once held, with the departments present, and each report of the
whistle says so in its history."""

from datetime import timedelta

import pytest
from django.utils import timezone

from reports.models import JointMeeting, ReportEvent
from reports.services import ReportError, joint_meeting_record, report_create, whistle_blow


def test_a_joint_meeting_is_written_into_each_report_of_the_whistle(actors, district, report):
    committee = actors.users["committee"]
    other = report_create(
        community=actors.community, by=actors.users["household"], category="environment", description="同一处"
    )
    whistle = whistle_blow(
        reports=[report, other],
        departments=[district.chengguan],
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
        {"held_on": timezone.localdate() + timedelta(days=1)},
        {"decisions": "  "},
        {"place": ""},
    ):
        with pytest.raises(ReportError):
            joint_meeting_record(**{**good, **changes}, by=committee)
    assert not JointMeeting.objects.exists()
    assert not ReportEvent.objects.filter(kind=ReportEvent.Kind.MEETING).exists()
