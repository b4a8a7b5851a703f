"""The documents' tasks on the queue (huey, run by `manage.py run_huey`): making a job's document, and deleting
old jobs with their files once a day."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from documents.jobs import document_job_run, document_jobs_delete_old
from documents.models import DocumentJob


@db_task()
def document_job_task(job_id: int) -> None:
    """Queued by documents.services.document_job_start once the job's row is committed."""
    if DocumentJob.objects.filter(pk=job_id).exists():  # the job may have been deleted while it waited
        document_job_run(job_id=job_id)


@db_periodic_task(crontab(minute="0", hour="20"))  # 04:00 in Beijing (huey's crontab reads UTC)
def document_jobs_delete_old_task() -> None:
    document_jobs_delete_old()
