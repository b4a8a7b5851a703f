"""Scheduled work on proposals, run by the task queue's worker (`manage.py run_huey`): closing every proposal
whose voting window has ended, and opening and closing owners' meetings at their notice's times, every minute."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from lifecycle.services import meetings_close_due, meetings_open_due, proposals_close_due

logger = logging.getLogger("gongyi.lifecycle")


# Priority: taken before document jobs waiting for a worker, so that closing is late by at most one running job.
@db_periodic_task(crontab(minute="*"), priority=10)
def proposals_close_due_task() -> None:
    closed = proposals_close_due()
    if closed:
        logger.info("closed %s proposal(s) whose voting window had ended", closed)


@db_periodic_task(crontab(minute="*"), priority=10)
def meetings_open_close_due_task() -> None:
    """Open the meetings whose window has begun and close those whose window has ended (after their matters'
    proposals: a matter past its deadline is closed by proposals_close_due_task or here, with the same tally)."""
    opened, closed = meetings_open_due(), meetings_close_due()
    if opened or closed:
        logger.info("opened %s and closed %s meeting(s)", opened, closed)
