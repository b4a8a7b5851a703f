"""Racing steps on a report on PostgreSQL (SQLite serialises every write, so the race needs a real server): merges
both ways, a whistle submitted twice, a joint meeting submitted twice; and photos decoded before any lock is taken."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from community.models import Community
from reports.models import JointMeeting, Report, ReportState, Summons
from reports.services import (
    ReportError,
    joint_meeting_record,
    report_assign,
    report_create,
    report_done,
    report_merge,
    whistle_blow,
)
from tests.racing import race
from tests.reports.conftest import photo
from tests.reports.test_services import new_report, photo_of

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def tomorrow():
    return timezone.localdate() + timedelta(days=1)


def refused_or_done(results) -> list:
    """The results, after checking that every failure was a refusal (no deadlock, no database error)."""
    assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, ReportError)], results
    return results


def test_merges_racing_both_ways_make_no_cycle(actors):
    committee = actors.users["committee"]
    for _round in range(5):
        a, b = new_report(actors, "甲"), new_report(actors, "乙")
        results = refused_or_done(
            race(
                [
                    lambda a=a, b=b: report_merge(report=a, into=b, by=committee),
                    lambda a=a, b=b: report_merge(report=b, into=a, by=committee),
                ]
            )
        )
        assert sum(isinstance(r, ReportError) for r in results) == 1
        a.refresh_from_db()
        b.refresh_from_db()
        merged, kept = (a, b) if a.state == ReportState.MERGED else (b, a)
        assert merged.duplicate_of_id == kept.pk and kept.state == ReportState.NEW and kept.duplicate_of_id is None


def test_a_whistle_submitted_twice_summons_the_department_once(actors, district, report):
    committee = actors.users["committee"]
    results = refused_or_done(
        race(
            [
                lambda: whistle_blow(
                    reports=[report], departments=[district.chengguan], deadline=tomorrow(), note="清运", by=committee
                )
            ]
            * 2
        )
    )
    assert sum(isinstance(r, ReportError) for r in results) == 1
    assert Summons.objects.filter(department=district.chengguan).count() == 1


def test_a_joint_meeting_submitted_twice_is_recorded_once(actors, district, report):
    committee = actors.users["committee"]
    whistle = whistle_blow(
        reports=[report], departments=[district.chengguan], deadline=tomorrow(), note="清运", by=committee
    )
    meeting = dict(
        whistle=whistle, held_on=timezone.localdate(), place="东门", departments=[district.chengguan], decisions="清运"
    )
    results = refused_or_done(race([lambda: joint_meeting_record(**meeting, by=committee)] * 2))
    assert sum(isinstance(r, ReportError) for r in results) == 1
    assert JointMeeting.objects.count() == 1 and report.events.filter(kind="meeting").count() == 1


class Holding:
    """Another connection holds a row lock (select_for_update on `queryset`) until the block ends."""

    def __init__(self, queryset):
        self.queryset, self.held, self.release = queryset, threading.Event(), threading.Event()

    def _hold(self):
        try:
            with transaction.atomic():
                list(self.queryset.select_for_update())
                self.held.set()
                self.release.wait(timeout=30)
        finally:
            connections.close_all()

    def __enter__(self):
        self.thread = threading.Thread(target=self._hold)
        self.thread.start()
        assert self.held.wait(timeout=10)
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join(timeout=30)


def refused_without_waiting(step):
    """`step` is refused while the lock is held elsewhere: it never waited for the lock (a wait fails at once with
    lock_timeout as a database error, not a ReportError)."""
    with pytest.raises(ReportError, match="JPEG, PNG or WebP"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '50ms'")
        step()


def test_a_report_photo_is_decoded_before_the_community_is_locked(actors):
    bad = [photo(), photo_of(b"%PDF-1.4 not an image")]
    with Holding(Community.objects.filter(pk=actors.community.pk)):
        refused_without_waiting(
            lambda: report_create(
                community=actors.community, by=actors.users["household"], category="other", description="x", photos=bad
            )
        )
    assert not Report.objects.exists()


def test_a_done_photo_is_decoded_before_the_report_is_locked(actors, report):
    committee = actors.users["committee"]
    report_assign(report=report, to=committee, due_on=tomorrow(), by=committee)
    with Holding(Report.objects.filter(pk=report.pk)):
        refused_without_waiting(
            lambda: report_done(report=report, by=committee, text="好了", photos=[photo_of(b"not an image")])
        )
    report.refresh_from_db()
    assert report.state == ReportState.ASSIGNED
