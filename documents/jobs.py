"""Large documents as background jobs: a DocumentJob row (documents.services.document_job_start), then a task on
the queue (documents.tasks) that a worker (`manage.py run_huey`) runs here: it writes its progress (pages done /
total) to the row and stores the finished PDF under MEDIA_ROOT/documents/ — outside the request, surviving it.

A kind of document is a builder (job, progress) -> PDF bytes (or a JobFile: a large document written to a temporary
file, e.g. a ZIP of PDF volumes) and the permission that guards it; add one to KINDS.
How many jobs render at once is the worker's concurrency (HUEY_WORKERS).
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from documents.models import STALE_AFTER, DocumentJob
from documents.render import FontMissing

logger = logging.getLogger("gongyi.documents")

# Finished files are kept this long, then deleted with their job (documents.tasks, daily).
KEEP_DAYS = int(getattr(settings, "DOCUMENT_JOBS_KEEP_DAYS", 30))


@dataclass(frozen=True)
class JobFile:
    """What a builder returns for a file too large to hold: a temporary file at `path` (stored by the job, then
    deleted), its suffix (".zip"), and how many volumes it holds (shown on the job's page)."""

    path: str
    suffix: str = ".zip"
    volumes: int = 0


CONTENT_TYPES = {".pdf": "application/pdf", ".zip": "application/zip"}


def job_file_type(job: DocumentJob) -> tuple[str, str]:
    """(content type, file name) of a finished job's file: a ZIP of volumes is served as one, under the job's name
    with its suffix."""
    suffix = os.path.splitext(job.file.name)[1].lower() or ".pdf"
    stem, _ext = os.path.splitext(job.filename)
    return CONTENT_TYPES.get(suffix, "application/octet-stream"), f"{stem}{suffix}"


def job_volumes(job: DocumentJob) -> int:
    """How many volumes the job's file holds (0: one PDF)."""
    return int(job.params.get("volumes") or 0)


@dataclass(frozen=True)
class Kind:
    builder: str  # dotted path of build(job, progress) -> bytes
    perm: str  # checked against the job's proposal, or its community when it has none


KINDS: dict[str, Kind] = {
    "register": Kind("documents.builders.build_register_job", "voting.view_register"),
    "slips": Kind("documents.builders.build_slips_job", "community.manage_join_codes"),
    "resolution_annex": Kind("resolutions.documents.build_annex_job", "voting.view_register"),
    # An owners' meeting's ballots (params: meeting, base_url): checked against the community, as the job has no
    # proposal.
    "meeting_ballots": Kind("documents.meetings.build_meeting_ballots_job", "meetings.manage_meeting"),
}


def job_permission_object(job: DocumentJob):
    return job.proposal if job.proposal_id else job.community


def job_allowed(user, job: DocumentJob) -> bool:
    kind = KINDS.get(job.kind)
    return kind is not None and user.has_perm(kind.perm, job_permission_object(job))


def document_jobs_delete_old() -> int:
    """Delete the jobs made more than KEEP_DAYS ago, with their files; returns how many."""
    old = list(DocumentJob.objects.filter(created_at__lt=timezone.now() - timedelta(days=KEEP_DAYS)))
    for job in old:
        if job.file:
            job.file.delete(save=False)
        job.delete()
    return len(old)


def _claim(job_id: int) -> bool:
    """Move the job from queued to running. A job that waited so long it is shown as failed (the page told its
    reader to start it again) is left alone, as is one another worker has claimed."""
    fresh = timezone.now() - STALE_AFTER
    return bool(
        DocumentJob.objects.filter(pk=job_id, state=DocumentJob.State.QUEUED, updated_at__gte=fresh).update(
            state=DocumentJob.State.RUNNING, started_at=timezone.now(), updated_at=timezone.now()
        )
    )


def document_job_run(*, job_id: int) -> DocumentJob:
    """Make the job's document now, in this process (the worker's task, or the run_document_job command). A job
    already claimed by another process is left alone. Failures are recorded on the job with a message for the
    secretary."""
    if not _claim(job_id):
        return DocumentJob.objects.get(pk=job_id)
    job = DocumentJob.objects.select_related("community", "proposal").get(pk=job_id)

    def progress(done: int, total: int) -> None:
        DocumentJob.objects.filter(pk=job_id).update(pages_done=done, pages_total=total, updated_at=timezone.now())

    started = time.perf_counter()
    built = None
    try:
        with translation.override(job.params.get("lang") or settings.LANGUAGE_CODE):
            built = import_string(KINDS[job.kind].builder)(job, progress)
        job.refresh_from_db()
        if isinstance(built, JobFile):
            with open(built.path, "rb") as stream:
                job.file.save(f"{job.pk}-{secrets.token_hex(8)}{built.suffix}", File(stream), save=False)
            job.size = os.path.getsize(built.path)
            job.params = {**job.params, "volumes": built.volumes}
        else:
            job.file.save(f"{job.pk}-{secrets.token_hex(8)}.pdf", ContentFile(built), save=False)
            job.size = len(built)
    except FontMissing as exc:
        return _fail(job, str(exc))
    except Exception as exc:
        logger.exception("document job %s failed", job_id)
        with translation.override(job.params.get("lang") or settings.LANGUAGE_CODE):
            message = _("The document could not be made (%(error)s). Please try again or tell the administrator.") % {
                "error": f"{type(exc).__name__}: {exc}"
            }
        return _fail(job, message)
    finally:
        if isinstance(built, JobFile) and os.path.exists(built.path):
            os.unlink(built.path)
    job.state = DocumentJob.State.DONE
    job.pages_done = job.pages_total = max(job.pages_total, job.pages_done)
    job.finished_at = timezone.now()
    fields = ["file", "size", "params", "state", "pages_done", "pages_total", "finished_at", "updated_at"]
    job.save(update_fields=fields)
    seconds = time.perf_counter() - started
    logger.info("document job %s done: %s pages, %s bytes, %.1f s", job.pk, job.pages_total, job.size, seconds)
    return job


def _fail(job: DocumentJob, message: str) -> DocumentJob:
    DocumentJob.objects.filter(pk=job.pk).update(
        state=DocumentJob.State.FAILED, message=message, finished_at=timezone.now(), updated_at=timezone.now()
    )
    job.refresh_from_db()
    return job
