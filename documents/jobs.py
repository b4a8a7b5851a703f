"""Large documents as background jobs: a DocumentJob row, then `manage.py run_document_job <id>` in a detached
process that writes its progress (pages done / total) to the row and stores the finished PDF under
MEDIA_ROOT/documents/ — outside the request, surviving it.

A kind of document is a builder (job, progress) -> PDF bytes and the permission that guards it; add one to KINDS.
"""

from __future__ import annotations

import logging
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from documents.models import STALE_AFTER, DocumentJob
from documents.render import FontMissing

logger = logging.getLogger("gongyi.documents")

# Jobs rendering at once on this deployment (each uses `builders.job_workers()` processes, ~300 MB in all).
MAX_RUNNING = int(getattr(settings, "DOCUMENT_JOBS_MAX_RUNNING", 2))
# Finished files are kept this long, then deleted with their job.
KEEP_DAYS = int(getattr(settings, "DOCUMENT_JOBS_KEEP_DAYS", 30))
_WAIT_SECONDS = 2.0


@dataclass(frozen=True)
class Kind:
    builder: str  # dotted path of build(job, progress) -> bytes
    perm: str  # checked against the job's proposal, or its community when it has none


KINDS: dict[str, Kind] = {
    "register": Kind("documents.builders.build_register_job", "voting.view_register"),
    "slips": Kind("documents.builders.build_slips_job", "community.manage_join_codes"),
    "resolution_annex": Kind("resolutions.documents.build_annex_job", "voting.view_register"),
}


def job_permission_object(job: DocumentJob):
    return job.proposal if job.proposal_id else job.community


def job_allowed(user, job: DocumentJob) -> bool:
    kind = KINDS.get(job.kind)
    return kind is not None and user.has_perm(kind.perm, job_permission_object(job))


def document_job_start(
    *, kind: str, community, by, title: str, filename: str, proposal=None, params: dict | None = None
) -> DocumentJob:
    """A job for this document, started once the transaction commits. The same request while an identical job
    is still under way returns that job instead of starting a second one."""
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
    _delete_old_jobs()
    job = DocumentJob.objects.create(
        kind=kind,
        community=community,
        proposal=proposal,
        params=params,
        title=title[:200],
        filename=filename[:120],
        requested_by=by,
    )
    transaction.on_commit(lambda: launch(job.pk))
    logger.info("document job %s (%s) queued by user %s", job.pk, kind, getattr(by, "pk", None))
    return job


def launch(job_id: int) -> subprocess.Popen:
    """`manage.py run_document_job <id>` in its own session: a server restart or a closed request does not stop it.
    Its log goes where the server's goes."""
    return subprocess.Popen(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "run_document_job", str(job_id)],
        cwd=settings.BASE_DIR,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
    )


def _delete_old_jobs() -> None:
    for old in DocumentJob.objects.filter(created_at__lt=timezone.now() - timedelta(days=KEEP_DAYS)):
        if old.file:
            old.file.delete(save=False)
        old.delete()


def _running_elsewhere(job_id: int) -> int:
    fresh = timezone.now() - STALE_AFTER
    return DocumentJob.objects.filter(state=DocumentJob.State.RUNNING, updated_at__gte=fresh).exclude(pk=job_id).count()


def _claim(job_id: int, *, wait: bool) -> bool:
    """Move the job from queued to running, waiting (and showing it is alive) while MAX_RUNNING others run."""
    while wait and _running_elsewhere(job_id) >= MAX_RUNNING:
        if not DocumentJob.objects.filter(pk=job_id, state=DocumentJob.State.QUEUED).update(updated_at=timezone.now()):
            return False
        time.sleep(_WAIT_SECONDS)
    return bool(
        DocumentJob.objects.filter(pk=job_id, state=DocumentJob.State.QUEUED).update(
            state=DocumentJob.State.RUNNING, started_at=timezone.now(), updated_at=timezone.now()
        )
    )


def document_job_run(*, job_id: int, wait: bool = True) -> DocumentJob:
    """Make the job's document now, in this process (the run_document_job command). A job already claimed by
    another process is left alone. Failures are recorded on the job with a message for the secretary."""
    if not _claim(job_id, wait=wait):
        return DocumentJob.objects.get(pk=job_id)
    job = DocumentJob.objects.select_related("community", "proposal").get(pk=job_id)

    def progress(done: int, total: int) -> None:
        DocumentJob.objects.filter(pk=job_id).update(pages_done=done, pages_total=total, updated_at=timezone.now())

    started = time.perf_counter()
    try:
        with translation.override(job.params.get("lang") or settings.LANGUAGE_CODE):
            pdf = import_string(KINDS[job.kind].builder)(job, progress)
    except FontMissing as exc:
        return _fail(job, str(exc))
    except Exception as exc:
        logger.exception("document job %s failed", job_id)
        with translation.override(job.params.get("lang") or settings.LANGUAGE_CODE):
            message = _("The document could not be made (%(error)s). Please try again or tell the administrator.") % {
                "error": f"{type(exc).__name__}: {exc}"
            }
        return _fail(job, message)
    job.refresh_from_db()
    job.file.save(f"{job.pk}-{secrets.token_hex(8)}.pdf", ContentFile(pdf), save=False)
    job.size = len(pdf)
    job.state = DocumentJob.State.DONE
    job.pages_done = job.pages_total = max(job.pages_total, job.pages_done)
    job.finished_at = timezone.now()
    job.save(update_fields=["file", "size", "state", "pages_done", "pages_total", "finished_at", "updated_at"])
    seconds = time.perf_counter() - started
    logger.info("document job %s done: %s pages, %s bytes, %.1f s", job.pk, job.pages_total, job.size, seconds)
    return job


def _fail(job: DocumentJob, message: str) -> DocumentJob:
    DocumentJob.objects.filter(pk=job.pk).update(
        state=DocumentJob.State.FAILED, message=message, finished_at=timezone.now(), updated_at=timezone.now()
    )
    job.refresh_from_db()
    return job
