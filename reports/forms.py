"""Forms of the report pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from community.models import Community
from community.selectors import household_at
from reports.models import Category
from reports.selectors import place_from_choice

# --- The resident's pages (wt-resident) ---------------------------------------------------------------------------


class ReportForm(forms.Form):
    """A resident's report, or a canvasser's at the door (`household`, `phone`: only when `for_household`, the rule
    reports.report_for_household). Cleaned: `place` is the (building, entrance) it names, `household` the household
    named or None. The photos come from request.FILES; report_create checks them, and the building or entrance."""

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

    def __init__(self, *args, community: Community, for_household: bool, **kwargs):
        self.community, self.for_household = community, for_household
        super().__init__(*args, **kwargs)

    def clean_place(self):
        value = self.cleaned_data["place"]
        building, entrance = place_from_choice(value)
        if value and building is None and entrance is None:
            raise forms.ValidationError(_("Choose a building or entrance of this community."))
        return building, entrance

    def clean(self):
        data = super().clean()
        code, phone = data.get("household", ""), data.get("phone", "")
        data["household"] = None
        if not (code or phone):
            return data
        if not self.for_household:
            raise forms.ValidationError(
                _("Only a canvasser, the committee or its secretary may report for a household.")
            )
        if not code:
            self.add_error("household", _("Say which household, e.g. 3-5-502."))
            return data
        data["household"] = household_at(self.community, code)
        if data["household"] is None:
            self.add_error(
                "household",
                _("No household %(code)s in this community: write building-entrance-room, e.g. 3-5-502.")
                % {"code": code},
            )
        return data
