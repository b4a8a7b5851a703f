"""Writes behind the printed documents: starting a document job, join codes for the slips about to be printed."""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from community.services import join_code_issue, join_codes_issue_missing
from documents.jobs import KINDS
from documents.models import STALE_AFTER, DocumentJob
from documents.selectors import SlipScope, households_without_code
from documents.tasks import document_job_task

logger = logging.getLogger("gongyi.documents")


def document_job_start(
    *, kind: str, community, by, title: str, filename: str, proposal=None, params: dict | None = None
) -> DocumentJob:
    """A job for this document, queued for the worker once the transaction commits. The same request while an
    identical job is still under way returns that job instead of starting a second one."""
    if kind not in KINDS:
        raise ValueError(f"unknown document kind {kind!r}")
    params = {**(params or {}), "lang": translation.get_language() or settings.LANGUAGE_CODE}
    fresh = timezone.now() - STALE_AFTER
    existing = (
        DocumentJob.objects.filter(
            kind=kind,
            community=community,
            proposal=proposal,
            requested_by=by,
            state__in=[DocumentJob.State.QUEUED, DocumentJob.State.RUNNING],
            updated_at__gte=fresh,
        )
        .order_by("-pk")
        .first()
    )
    if existing is not None and existing.params == params:
        return existing
    job = DocumentJob.objects.create(
        kind=kind,
        community=community,
        proposal=proposal,
        params=params,
        title=title[:200],
        filename=filename[:120],
        requested_by=by,
    )
    transaction.on_commit(lambda: document_job_task(job.pk))
    logger.info("document job %s (%s) queued by user %s", job.pk, kind, getattr(by, "pk", None))
    return job


@transaction.atomic
def slip_codes_issue_missing(*, scope: SlipScope, by) -> int:
    """Give each household of `scope` without a usable join code a new one; returns how many were issued.

    A whole community goes through the bulk service; an entrance or a building (a few hundred households at most)
    through the one-household service, so that no code is made for a household whose slip is not being printed.
    """
    if scope.building_id is None and scope.entrance_id is None:
        return join_codes_issue_missing(community=scope.community, by=by)
    missing = list(households_without_code(scope))
    for household in missing:
        join_code_issue(household=household, by=by)
    return len(missing)
