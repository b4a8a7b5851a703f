"""The reports' scheduled work (huey, `manage.py run_huey`): closing, once an hour, the reports done a week ago that
their reporter never confirmed."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from reports.services import reports_close_unconfirmed


@db_periodic_task(crontab(minute="41"))
def reports_close_unconfirmed_task() -> None:
    reports_close_unconfirmed()
