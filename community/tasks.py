"""The roster's scheduled work, run by the task queue's worker (`manage.py run_huey`): deleting roster uploads
(raw files with ID numbers) that nobody confirmed, once they are a day old."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from community.importing import roster_uploads_delete_old

logger = logging.getLogger("gongyi.community")


# Every hour, so an abandoned upload outlives its day by an hour at most, whether or not anybody uploads again.
@db_periodic_task(crontab(minute="17"))
def roster_uploads_delete_old_task() -> None:
    deleted = roster_uploads_delete_old()
    if deleted:
        logger.info("deleted %s roster upload(s) older than a day", deleted)
