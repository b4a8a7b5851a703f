"""The messaging app's work on the task queue (huey, `manage.py run_huey`): sending what is due, every minute and
as soon as a batch is queued, and reading delivery reports every five minutes."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from messaging import sending


@db_task()
def messages_send_due_task() -> None:
    sending.messages_send_due()


@db_periodic_task(crontab(minute="*"))
def messages_send_due_periodic_task() -> None:
    sending.messages_send_due()


@db_periodic_task(crontab(minute="*/5"))
def receipts_collect_task() -> None:
    sending.receipts_collect()
