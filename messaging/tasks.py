"""The messaging app's work on the task queue (huey, `manage.py run_huey`): making the automatic batches and sending
what is due, every minute (and sending as soon as a batch is queued), and reading delivery reports every five
minutes."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from messaging import schedule, sending

logger = logging.getLogger("gongyi.sms")


@db_task()
def messages_send_due_task() -> None:
    sending.messages_send_due()


@db_periodic_task(crontab(minute="*"))
def batches_make_due_task() -> None:
    made = schedule.batches_make_due()
    if made:
        logger.info("made %s automatic text batch(es): %s", len(made), ", ".join(b.key for b in made))


@db_periodic_task(crontab(minute="*"))
def messages_send_due_periodic_task() -> None:
    sending.messages_send_due()


@db_periodic_task(crontab(minute="*/5"))
def receipts_collect_task() -> None:
    sending.receipts_collect()
