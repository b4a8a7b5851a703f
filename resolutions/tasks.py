"""Scheduled work on resolutions, run by the task queue's worker: every recent signed resolution is checked again
against its printed fingerprint every few minutes, so that the public verification page answers from the cache."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from resolutions.selectors import CHECK_REFRESH_MINUTES, resolution_checks_refresh

logger = logging.getLogger("gongyi.resolutions")


@db_periodic_task(crontab(minute=f"*/{CHECK_REFRESH_MINUTES}"))
def resolution_checks_refresh_task() -> None:
    checked = resolution_checks_refresh()
    logger.debug("checked %s resolution(s) against their printed fingerprints", checked)
