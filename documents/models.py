"""Background jobs that produce large printed documents, with their progress and the finished file."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import Community
from proposals.models import Proposal

# A running job writes its progress at least this often; one silent for longer has died (a killed worker,
# a restarted machine) and is shown as failed. A queued job not started by then (no worker running) is too.
STALE_AFTER = timedelta(minutes=10)


class DocumentJob(models.Model):
    """One document being made outside the request: `kind` says which (documents.jobs.KINDS), `params` how."""

    class State(models.TextChoices):
        QUEUED = "queued", _("waiting")
        RUNNING = "running", _("in progress")
        DONE = "done", _("ready")
        FAILED = "failed", _("failed")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="document_jobs")
    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, null=True, blank=True, related_name="document_jobs"
    )
    kind = models.CharField(max_length=30)
    params = models.JSONField(default=dict, blank=True)
    title = models.CharField(_("document"), max_length=200)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.QUEUED)
    pages_done = models.PositiveIntegerField(default=0)
    pages_total = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    file = models.FileField(upload_to="documents/", blank=True)
    filename = models.CharField(max_length=120, blank=True)
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("document job")
        verbose_name_plural = _("document jobs")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "updated_at"], name="document_job_state")]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_state_display()})"

    @property
    def is_stale(self) -> bool:
        unfinished = self.state in (self.State.QUEUED, self.State.RUNNING)
        return unfinished and self.updated_at < timezone.now() - STALE_AFTER

    @property
    def shown_state(self) -> str:
        return self.State.FAILED if self.is_stale else self.state

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        if not self.pages_total:
            return 0
        return min(99, self.pages_done * 100 // self.pages_total)
