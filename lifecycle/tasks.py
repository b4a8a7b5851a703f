"""Scheduled work on proposals, run by the task queue's worker (`manage.py run_huey`): closing every proposal
whose voting window has ended, every minute."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from lifecycle.services import proposals_close_due

logger = logging.getLogger("gongyi.lifecycle")


# Priority: taken before document jobs waiting for a worker, so that closing is late by at most one running job.
@db_periodic_task(crontab(minute="*"), priority=10)
def proposals_close_due_task() -> None:
    closed = proposals_close_due()
    if closed:
        logger.info("closed %s proposal(s) whose voting window had ended", closed)
