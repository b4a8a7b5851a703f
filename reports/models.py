"""Residents' reports (报事) and the whistle (吹哨): a problem a resident reports, its handling in the community, the
departments of the district it is whistled to and their answer (报到), and every step in an append-only history.

States of a report: new → assigned (in the community, with a due date) or escalated (whistled to departments) →
done (what was done is recorded; the reporter confirms) → closed (confirmed, rated, or after a week unconfirmed).
A report may instead be merged into another (a duplicate) or become a proposal (owners' money or decision needed).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from community.models import Building, Community, District, Entrance, Household
from proposals.models import Proposal


class Category(models.TextChoices):
    ENVIRONMENT = "environment", _("environment and sanitation")
    PARKING = "parking", _("parking")
    FACILITIES = "facilities", _("facilities")
    SAFETY = "safety", _("safety")
    DISPUTE = "dispute", _("neighbourhood dispute")
    PROPERTY = "property", _("property service")
    OTHER = "other", _("other")


class ReportState(models.TextChoices):
    NEW = "new", pgettext_lazy("report state", "new")
    ASSIGNED = "assigned", _("being handled")
    ESCALATED = "escalated", _("whistled to departments")
    DONE = "done", _("done, waiting for the reporter")
    CLOSED = "closed", pgettext_lazy("report state", "closed")
    MERGED = "merged", _("merged into another report")
    PROPOSED = "proposed", _("became a proposal")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("satisfied")
    UNSATISFIED = "unsatisfied", _("not satisfied")


OPEN_STATES = (ReportState.NEW, ReportState.ASSIGNED, ReportState.ESCALATED, ReportState.DONE)
# The states each handler's step starts from: the services refuse any other, and the pages offer the step only then.
TRIAGE_STATES = (ReportState.NEW, ReportState.ASSIGNED)  # merging into another report, assigning
WHISTLE_STATES = (ReportState.NEW, ReportState.ASSIGNED, ReportState.ESCALATED)  # whistling to departments (吹哨)
DONE_FROM = (ReportState.ASSIGNED, ReportState.ESCALATED)  # recording what was done


class Department(models.Model):
    """A department of a district (城管, 住建, 供电, 消防, 环卫, 派出所…): it sees only what is whistled to it."""

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="departments")
    name = models.CharField(_("name"), max_length=60)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["district", "name"]
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="department_unique_name")]

    def __str__(self) -> str:
        return self.name


class DistrictStaff(models.Model):
    """An account of the district's staff: sees every escalated report of the district's communities."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="district_posts")
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="staff")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "district"], name="district_staff_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.district}"


class DepartmentMember(models.Model):
    """An account of a department: acknowledges (报到), acts on and completes what is whistled to it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="department_posts")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="members")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "department"], name="department_member_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.department}"


class Report(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="reports")
    number = models.PositiveIntegerField(_("number"), editable=False)  # per community, what the reporter is told
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    description = models.TextField(_("what is wrong"), max_length=2000)
    building = models.ForeignKey(Building, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    entrance = models.ForeignKey(Entrance, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    location = models.CharField(_("where"), max_length=120, blank=True)  # in words, when no building says it
    public = models.BooleanField(_("may be shown to neighbours"), default=False)
    # Who reported: the resident's account, or a canvasser at the door on behalf of a household (`recorded_by`).
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    household = models.ForeignKey(Household, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reporter_phone = models.CharField(_("reporter's mobile number"), max_length=11, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("state"), max_length=10, choices=ReportState.choices, default=ReportState.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_reports"
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    duplicate_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    proposal = models.ForeignKey(Proposal, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    rating = models.CharField(_("rating"), max_length=12, choices=Rating.choices, blank=True)
    reopened = models.PositiveSmallIntegerField(default=0)  # a reporter not satisfied may reopen it once
    created_at = models.DateTimeField(_("reported at"))
    first_response_at = models.DateTimeField(null=True, blank=True)  # the community's first step after the report
    done_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="report_unique_number"),
            models.CheckConstraint(condition=Q(reopened__lte=1), name="report_reopened_once"),
        ]
        indexes = [
            models.Index(fields=["community", "created_at"], name="report_community_created"),
            models.Index(fields=["community", "state"], name="report_community_state"),
        ]

    def __str__(self) -> str:
        return f"{self.community} #{self.number}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def where(self) -> str:
        """Where it is, as every page and the proposal it may become say it: the entrance (else the building), then the
        place in words; "" when the reporter said neither. Select entrance__building and building with the report."""
        return " · ".join(str(part) for part in (self.entrance or self.building, self.location) if part)


def report_photo_path(photo, filename: str) -> str:
    return f"reports/{photo.report.community_id}/{photo.report_id}/{photo.token}.png"


class ReportPhoto(models.Model):
    """Up to three photos with a report, and up to three with what was done; re-encoded PNGs (no metadata)."""

    class Stage(models.TextChoices):
        REPORTED = "reported", _("with the report")
        DONE = "done", _("with what was done")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    stage = models.CharField(max_length=8, choices=Stage.choices)
    token = models.CharField(max_length=32, editable=False)
    image = models.FileField(upload_to=report_photo_path)
    added_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.report} · {self.token}"


class Whistle(models.Model):
    """吹哨: one or more related reports sent to one or more departments of the district, with a deadline."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="whistles")
    reports = models.ManyToManyField(Report, related_name="whistles")
    note = models.TextField(_("what is asked"), max_length=1000)
    deadline = models.DateField(_("deadline"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.community} · {self.deadline}"


class Summons(models.Model):
    """One department's part of a whistle: it acknowledges (报到), acts, and reports completion."""

    whistle = models.ForeignKey(Whistle, on_delete=models.CASCADE, related_name="summonses")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="summonses")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["whistle", "department"], name="summons_unique")]

    def __str__(self) -> str:
        return f"{self.whistle} → {self.department}"


class ReportEvent(models.Model):
    """One step in a report's history, in plain words for the reporter: who, when, what. Append-only: rows are
    written by reports.services and never changed or deleted (save refuses an update)."""

    class Kind(models.TextChoices):
        REPORTED = "reported", _("reported")
        MERGED = "merged", _("merged as a duplicate")
        ASSIGNED = "assigned", _("assigned")
        WHISTLED = "whistled", _("whistled to a department")
        ACKNOWLEDGED = "acknowledged", _("the department reported for duty")
        ACTION = "action", _("action taken")
        COMPLETED = "completed", _("the department completed its part")
        DONE = "done", _("done")
        CONFIRMED = "confirmed", _("confirmed by the reporter")
        REOPENED = "reopened", _("reopened by the reporter")
        CLOSED = "closed", pgettext_lazy("report event", "closed")
        PROPOSED = "proposed", _("became a proposal")
        MEETING = "meeting", _("joint meeting held")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    text = models.TextField(blank=True, max_length=2000)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["report", "at"], name="report_event_report_at")]

    def __str__(self) -> str:
        return f"{self.report} · {self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("a report's history is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("a report's history is append-only")


class JointMeeting(models.Model):
    """专题会: the departments of a whistle meet in the community, on the spot, and decide who does what by when."""

    whistle = models.ForeignKey(Whistle, on_delete=models.CASCADE, related_name="meetings")
    held_on = models.DateField(_("held on"))
    place = models.CharField(_("place"), max_length=120)
    departments = models.ManyToManyField(Department, related_name="+", verbose_name=_("departments present"))
    decisions = models.TextField(_("what was decided"), max_length=2000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("joint meeting")
        verbose_name_plural = _("joint meetings")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.whistle} · {self.held_on}"
