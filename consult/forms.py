"""Forms of the consultation pages: an opinion, hiding and replying, a negotiation meeting and its parties.

The checks live in consult.opinions and consult.meetings (the services run them again); forms call them so that
each message appears next to its field."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from community.models import Household
from consult import meetings, opinions
from consult.models import PartyKind, Position
from core.dates import check_datetime

DATETIME_INPUT = "%Y-%m-%dT%H:%M"


class OpinionForm(forms.Form):
    household = forms.ModelChoiceField(
        label=_("Speaking for"), queryset=None, empty_label=None, error_messages={"required": _("Choose a household.")}
    )
    text = forms.CharField(
        label=_("Your opinion"),
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": opinions.TEXT_MAX_CHARS}),
        strip=False,  # opinions.clean_text trims and counts
        required=False,
    )
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_("A JPEG, PNG or WebP photo of at most %(mb)s MB.") % {"mb": opinions.PHOTO_MAX_BYTES // 1048576},
    )

    def __init__(self, *args, households, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["household"]
        field.queryset = _households_queryset(households)
        field.label_from_instance = str
        if len(households) == 1:
            field.widget = forms.HiddenInput()
            field.initial = households[0].pk

    def clean_text(self):
        return opinions.clean_text(self.cleaned_data["text"])

    def clean_photo(self):
        photo = self.cleaned_data["photo"]
        if photo:
            opinions.photo_extension(photo)
        return photo


def _households_queryset(households):
    # The choices were read once by the view; the queryset only validates the posted id against them.
    return Household.objects.filter(pk__in=[household.pk for household in households]).select_related(
        "entrance__building"
    )


class HideForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for hiding"),
        max_length=opinions.REASON_MAX_CHARS,
        required=False,
        widget=forms.TextInput(attrs={"maxlength": opinions.REASON_MAX_CHARS}),
    )

    def clean_reason(self):
        return opinions.clean_text(
            self.cleaned_data["reason"],
            max_chars=opinions.REASON_MAX_CHARS,
            required_message=_("Give the reason for hiding this opinion."),
        )


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Reply of the owners' committee"),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": opinions.TEXT_MAX_CHARS}),
        strip=False,
        required=False,
    )

    def clean_text(self):
        return opinions.clean_text(self.cleaned_data["text"], required_message=_("Write the reply first."))


class MeetingForm(forms.Form):
    held_at = forms.DateTimeField(
        label=_("Date and time"),
        input_formats=[DATETIME_INPUT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
        validators=[check_datetime],
        error_messages={
            "required": _("Give the date and time of the meeting."),
            "invalid": _("Enter a valid date and time."),
        },
    )
    place = forms.CharField(
        label=_("Place"), max_length=120, error_messages={"required": _("Give the place of the meeting.")}
    )
    minutes = forms.CharField(label=_("Minutes"), required=False, widget=forms.Textarea(attrs={"rows": 6}))
    decisions = forms.CharField(label=_("Decisions"), required=False, widget=forms.Textarea(attrs={"rows": 4}))


class PartyForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of party"), choices=PartyKind.choices)
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    position = forms.ChoiceField(label=_("Position"), choices=[("", "—"), *Position.choices], required=False)
    conditions = forms.CharField(label=_("Conditions"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def has_changed(self) -> bool:
        # The kind is filled in beforehand on every row; a row counts as used once anything else is written.
        return any((self[name].value() or "").strip() for name in ("name", "position", "conditions"))

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.party = meetings.check_party(
                meetings.PartyInput(
                    kind=data.get("kind", ""),
                    name=data.get("name", ""),
                    position=data.get("position", ""),
                    conditions=data.get("conditions", ""),
                )
            )
        except ValidationError as error:
            field = _field_for(data)
            self.add_error(field, error)
        return data


def _field_for(data) -> str | None:
    """The field a party's problem belongs to, so the message appears next to it."""
    if not (data.get("name") or "").strip():
        return "name"
    if not data.get("position"):
        return "position"
    return "conditions"


class BasePartyFormSet(forms.BaseFormSet):
    """Rows of parties; blank rows are skipped, and the meeting needs at least one party, each listed once."""

    def _construct_form(self, i, **kwargs):
        kwargs["empty_permitted"] = True  # every row may stay blank, the prefilled ones too
        kwargs["use_required_attribute"] = False
        return super()._construct_form(i, **kwargs)

    def clean(self):
        if any(self.errors):
            return
        try:
            meetings.check_parties(self.parties())
        except ValidationError as error:
            raise ValidationError(error.messages) from error

    def parties(self) -> list[meetings.PartyInput]:
        return [form.party for form in self.forms if getattr(form, "party", None) is not None]


PartyFormSet = forms.formset_factory(PartyForm, formset=BasePartyFormSet, extra=0, max_num=30, validate_max=True)
SPARE_ROWS = 2


def party_formset(*, data=None, parties=None, prefix="parties") -> BasePartyFormSet:
    """The party rows: bound to `data`, or prefilled with the meeting's parties (or one row per kind) + spares."""
    if data is not None:
        return PartyFormSet(data, prefix=prefix)
    if parties:
        initial = [
            {"kind": p.kind, "name": p.name, "position": p.position, "conditions": p.conditions} for p in parties
        ]
    else:
        initial = [{"kind": kind} for kind in PartyKind.values]
    initial += [{"kind": PartyKind.OTHER_UNIT}] * SPARE_ROWS
    return PartyFormSet(initial=initial, prefix=prefix)
