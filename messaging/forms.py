"""The committee's text-message forms: what to send to whom (a kind, a building or an entrance), and the community's
limits. Choices come from the subject (what may be sent about it now) and its community only, so a forged building
or kind is simply not valid."""

import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from community.selectors import place_choices, place_ids
from meetings.models import Meeting
from messaging.models import Batch, parse_reminder_days
from messaging.selectors import Audience
from proposals.models import Proposal

WHOLE = ""
# A one-time token put in the preview's form: the batch's key, so a double click sends one batch.
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
REMINDER_DAYS = re.compile(r"^\d{1,2}(,\d{1,2})*$")

KIND_LABELS = {
    Batch.Kind.REMINDER: _("Reminder: households that have not voted yet"),
    Batch.Kind.OPENED: _("Notice: voting is open (every household)"),
    Batch.Kind.MEETING: _("Notice of the meeting (every household)"),
}


class ComposeForm(forms.Form):
    kind = forms.ChoiceField(label=_("What to send"), widget=forms.RadioSelect)
    not_reached = forms.BooleanField(
        label=_("Only households a canvasser has not met yet"),
        required=False,
        help_text=_("For a reminder: leaves out the households a volunteer already talked to at the door."),
    )
    place = forms.ChoiceField(label=_("Building or entrance"), required=False)
    token = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, subject: Proposal | Meeting, kinds: list[str], **kwargs):
        """`kinds`: what may be sent about the subject now (messaging.selectors.kinds_open)."""
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind, KIND_LABELS[kind]) for kind in kinds]
        self.fields["kind"].error_messages["invalid_choice"] = _("Choose one of the kinds of message offered.")
        places = place_choices(subject.community, whole_building=_("%(building)s, every entrance"))
        self.fields["place"].choices = [(WHOLE, _("Every building")), *places]
        self.fields["place"].error_messages["invalid_choice"] = _("Choose a building or an entrance of this community.")
        if kinds:
            self.fields["kind"].initial = kinds[0]

    def clean_token(self) -> str:
        token = self.cleaned_data["token"]
        if token and not TOKEN.match(token):
            raise forms.ValidationError(_("This form is out of date: open the preview again."))
        return token

    def audience(self) -> Audience:
        reminder = self.cleaned_data["kind"] == Batch.Kind.REMINDER
        building_id, entrance_id = place_ids(self.cleaned_data["place"])
        return Audience(
            not_voted=reminder,
            not_reached=reminder and self.cleaned_data["not_reached"],
            building_id=building_id,
            entrance_id=entrance_id,
        )

    def place_label(self) -> str:
        place = self.cleaned_data["place"]
        for value, label in self.fields["place"].choices:
            if isinstance(label, list | tuple):
                for inner, inner_label in label:
                    if inner == place:
                        return str(inner_label)
            elif value == place:
                return str(label)
        return ""


class PolicyForm(forms.Form):
    monthly_budget = forms.DecimalField(
        label=_("Monthly budget for text messages (¥)"),
        min_value=Decimal("0"),
        max_digits=10,
        decimal_places=2,
        help_text=_("A batch that would go over it is refused before anything is sent."),
    )
    notify_on_open = forms.BooleanField(label=_("Text every household when voting opens"), required=False)
    notify_results = forms.BooleanField(
        label=_("Text the result (and the bills) when a proposal closes"), required=False
    )
    reminder_days = forms.CharField(
        label=_("Automatic reminders, days before voting closes"),
        required=False,
        max_length=20,
        help_text=_('Whole days from 1 to 30, separated by commas, e.g. "3,1". Leave it empty for none.'),
    )

    def clean_reminder_days(self) -> str:
        text = "".join(self.cleaned_data["reminder_days"].replace("，", ",").split())
        if not text:
            return ""
        days = parse_reminder_days(text) if REMINDER_DAYS.match(text) else []
        if not days or any(not 1 <= day <= 30 for day in days):
            raise forms.ValidationError(
                _('Write whole days from 1 to 30 separated by commas, e.g. "3,1" (three days and one day before).')
            )
        return ",".join(str(day) for day in days)
