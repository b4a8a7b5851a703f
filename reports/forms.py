"""Forms of the report pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from reports.models import Category

# --- The resident's pages (wt-resident) ---------------------------------------------------------------------------


class ReportForm(forms.Form):
    """A resident's report, or a canvasser's at the door (`household`, `phone`: for those who may report for one).
    The photos come from request.FILES; report_create checks them, and the building or entrance."""

    category = forms.ChoiceField(
        label=_("What kind of problem?"),
        choices=Category.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what kind of problem it is.")},
    )
    description = forms.CharField(
        label=_("What is wrong?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say what is wrong.")},
    )
    place = forms.CharField(label=_("Where: building or entrance"), required=False, max_length=20)
    location = forms.CharField(
        label=_("Or say where"), required=False, max_length=120, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    public = forms.BooleanField(label=_("Neighbours may see it"), required=False)
    household = forms.CharField(
        label=_("For the household"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": "3-5-502", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("The household's mobile number"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )

    def clean_description(self):
        text = self.cleaned_data["description"].strip()
        if not text:
            raise forms.ValidationError(_("Say what is wrong."))
        return text
