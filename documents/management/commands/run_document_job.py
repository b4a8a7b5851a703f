"""Make one queued document now, in this process (the worker normally does it: documents.tasks). For an operator
re-running a job by hand, and for tests."""

from django.core.management.base import BaseCommand, CommandError

from documents.jobs import document_job_run
from documents.models import DocumentJob


class Command(BaseCommand):
    help = "Render the document of a queued DocumentJob, writing its progress and the finished PDF."

    def add_arguments(self, parser):
        parser.add_argument("job_id", type=int)

    def handle(self, *args, job_id: int, **options):
        if not DocumentJob.objects.filter(pk=job_id).exists():
            raise CommandError(f"There is no document job {job_id}.")
        job = document_job_run(job_id=job_id)
        if job.state == DocumentJob.State.FAILED:
            raise CommandError(f"Document job {job_id} failed: {job.message}")
        self.stdout.write(f"Document job {job_id}: {job.get_state_display()}, {job.pages_done}/{job.pages_total} pages")
