"""The community's handlers' forms: the queue's filters, and on a report merging, assigning, recording what was done,
whistling (吹哨) to the district's departments and recording a joint meeting (专题会)."""

from collections.abc import Callable
from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import Building
from core.dates import EARLIEST_DATE
from reports.models import OPEN_STATES, Category, Report
from reports.selectors import assignable_people, bundle_candidates, district_departments, summoned_departments
from reports.services import PHOTOS_MAX


class TriageFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    building = forms.ModelChoiceField(label=_("Building"), queryset=Building.objects.none(), required=False)

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("All open"))] + [(s.value, s.label) for s in OPEN_STATES]
        self.fields["category"].choices = [("", _("All categories")), *Category.choices]
        self.fields["building"].queryset = Building.objects.filter(community=community)
        self.fields["building"].empty_label = _("All buildings")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def a_year_ahead() -> date:
    today = timezone.localdate()
    try:
        return today.replace(year=today.year + 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year + 1, day=28)


def earliest_date() -> date:
    return EARLIEST_DATE


OUT_OF_RANGE = _("Enter a date between %(earliest)s and %(latest)s.")


class BoundedDateField(forms.DateField):
    """A date from `earliest()` to `latest()`, asked when the form is checked ("today" moves). Before or after: the
    `too_early` or `too_late` message, by default the range (no year 9999 due date, no meeting held in year 1)."""

    def __init__(
        self,
        *args,
        earliest: Callable[[], date],
        latest: Callable[[], date],
        too_early=OUT_OF_RANGE,
        too_late=OUT_OF_RANGE,
        **kwargs,
    ):
        self.earliest, self.latest, self.too_early, self.too_late = earliest, latest, too_early, too_late
        kwargs.setdefault("widget", DateInput)
        super().__init__(*args, **kwargs)

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        earliest, latest = self.earliest(), self.latest()
        if not earliest <= value <= latest:
            message = self.too_early if value < earliest else self.too_late
            raise forms.ValidationError(
                message,
                code="date_out_of_range",
                params={"earliest": earliest.isoformat(), "latest": latest.isoformat()},
            )


class ReportPageForm(forms.Form):
    """One of the forms on a report's handling page: its ids carry its name, so the assignment's note and the
    whistle's note (and their labels) are not one id twice."""

    name = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.name}_%s")
        super().__init__(*args, **kwargs)


class MergeForm(ReportPageForm):
    name = "merge"

    number = forms.IntegerField(label=_("Number of the report it repeats"), min_value=1)

    def __init__(self, *args, report: Report, **kwargs):
        self.report = report
        super().__init__(*args, **kwargs)

    def clean_number(self) -> Report:
        number = self.cleaned_data["number"]
        into = Report.objects.filter(community_id=self.report.community_id, number=number).first()
        if into is None:
            raise forms.ValidationError(_("There is no report #%(n)s in this community.") % {"n": number})
        return into


class AssignForm(ReportPageForm):
    name = "assign"
    assignee = forms.ModelChoiceField(label=_("Who handles it"), queryset=None)
    due_on = BoundedDateField(
        label=_("Due on"), earliest=timezone.localdate, latest=a_year_ahead, too_early=_("The due date has passed.")
    )
    note = forms.CharField(label=_("Note (optional)"), max_length=300, required=False)

    def __init__(self, *args, report: Report, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_people(report.community)
        self.fields["assignee"].label_from_instance = lambda user: "{} · {}".format(
            user, "、".join(role.get_kind_display() for role in user.roles_here)
        )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Up to three photos in one input (the service re-encodes them and counts them)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultiplePhotoField, self).clean(f, initial) for f in files]


class DoneForm(ReportPageForm):
    name = "done"
    text = forms.CharField(label=_("What was done"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    photos = MultiplePhotoField(label=_("Photos (up to three)"), required=False)

    def __init__(self, *args, report: Report | None = None, **kwargs):
        super().__init__(*args, **kwargs)

    def clean_photos(self):
        photos = self.cleaned_data["photos"]
        if len(photos) > PHOTOS_MAX:
            raise forms.ValidationError(_("At most three photos."))
        return photos


class WhistleForm(ReportPageForm):
    name = "whistle"
    departments = forms.ModelMultipleChoiceField(
        label=_("Departments"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    deadline = BoundedDateField(
        label=_("Deadline"), earliest=timezone.localdate, latest=a_year_ahead, too_early=_("The deadline has passed.")
    )
    note = forms.CharField(label=_("What is asked"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    bundle = forms.ModelMultipleChoiceField(
        label=_("Whistle these reports with it (optional)"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, report: Report, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = district_departments(report.community)
        self.fields["bundle"].queryset = bundle_candidates(report)
        self.fields["bundle"].label_from_instance = lambda r: (
            f"#{r.number} {r.get_category_display()} · {r.description[:40]}"
        )


class MeetingForm(ReportPageForm):
    name = "meeting"
    whistle = forms.ModelChoiceField(label=_("About the whistle"), queryset=None, empty_label=None)
    held_on = BoundedDateField(
        label=_("Held on"),
        earliest=earliest_date,
        latest=timezone.localdate,
        too_late=_("Record a meeting once it has been held."),
    )
    place = forms.CharField(label=_("Place"), max_length=120)
    departments = forms.ModelMultipleChoiceField(
        label=_("Departments present"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    decisions = forms.CharField(label=_("What was decided"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, report: Report, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["whistle"].queryset = report.whistles.order_by("-created_at", "-pk")
        self.fields["whistle"].label_from_instance = lambda w: f"{w.created_at:%Y-%m-%d} · {w.note[:40]}"
        self.fields["departments"].queryset = summoned_departments(report)  # the service checks the whistle's own
