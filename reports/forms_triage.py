"""The community's handlers' forms: the queue's filters, and on a report merging, assigning, recording what was done,
whistling (吹哨) to the district's departments and recording a joint meeting (专题会)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from community.models import Building
from reports.models import Category, Report
from reports.selectors import QUEUE_STATES, assignable_people, bundle_candidates, district_departments


class TriageFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    building = forms.ModelChoiceField(label=_("Building"), queryset=Building.objects.none(), required=False)

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("All open"))] + [(s.value, s.label) for s in QUEUE_STATES]
        self.fields["category"].choices = [("", _("All categories")), *Category.choices]
        self.fields["building"].queryset = Building.objects.filter(community=community)
        self.fields["building"].empty_label = _("All buildings")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


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
    due_on = forms.DateField(label=_("Due on"), widget=DateInput)
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
        if len(photos) > 3:
            raise forms.ValidationError(_("At most three photos."))
        return photos


class WhistleForm(ReportPageForm):
    name = "whistle"
    departments = forms.ModelMultipleChoiceField(
        label=_("Departments"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    deadline = forms.DateField(label=_("Deadline"), widget=DateInput)
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
    held_on = forms.DateField(label=_("Held on"), widget=DateInput)
    place = forms.CharField(label=_("Place"), max_length=120)
    departments = forms.ModelMultipleChoiceField(
        label=_("Departments present"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    decisions = forms.CharField(label=_("What was decided"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, report: Report, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["whistle"].queryset = report.whistles.order_by("-created_at", "-pk")
        self.fields["whistle"].label_from_instance = lambda w: f"{w.created_at:%Y-%m-%d} · {w.note[:40]}"
        self.fields["departments"].queryset = district_departments(report.community)
