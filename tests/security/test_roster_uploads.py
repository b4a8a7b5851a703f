"""Abandoned roster uploads (the raw file, with owners' ID numbers) are deleted once a day old, by the task queue,
even when nobody uploads again (today they went only when the next upload came)."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from community import tasks
from community.importing import roster_upload_create
from community.models import RosterUpload

pytestmark = pytest.mark.django_db

RAW = "楼栋,单元,房号,楼层,建筑面积,业主,手机号,证件号\n3,5,501,5,88.50,刘淑芬,13904180009,210902195703150021\n"


def _upload(community, *, hours_ago: float) -> RosterUpload:
    upload = roster_upload_create(community=community, user=None, filename="名册.csv", content=RAW.encode())
    RosterUpload.objects.filter(pk=upload.pk).update(created_at=timezone.now() - timedelta(hours=hours_ago))
    return upload


def test_the_hourly_task_deletes_uploads_older_than_a_day_and_keeps_newer_ones(community):
    abandoned = _upload(community, hours_ago=25)
    imported_long_ago = _upload(community, hours_ago=48)
    RosterUpload.objects.filter(pk=imported_long_ago.pk).update(content=b"", imported_at=timezone.now())
    fresh = _upload(community, hours_ago=23)
    tasks.roster_uploads_delete_old_task.call_local()  # what the worker runs every hour, run here
    assert list(RosterUpload.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert bytes(RosterUpload.objects.get().content) == RAW.encode()
    assert not RosterUpload.objects.filter(pk__in=[abandoned.pk, imported_long_ago.pk]).exists()


def test_the_task_is_scheduled_every_hour():
    task = tasks.roster_uploads_delete_old_task.task_class()
    hours = [datetime(2026, 3, 1, 0, 17) + timedelta(hours=h) for h in range(24)]
    assert all(task.validate_datetime(hour) for hour in hours)
    assert not task.validate_datetime(datetime(2026, 3, 1, 0, 18))
