"""The forms of the resolution page: a committee member's signature (their password), a result notice; and the
public verification page's pasted fingerprint or text."""

from django import forms
from django.utils.translation import gettext_lazy as _

from resolutions.models import NoticeStage
from resolutions.services import DEFAULT_OBJECTION_DAYS, MAX_OBJECTION_DAYS


class SignForm(forms.Form):
    """The password only: the capacity comes from the signer's role in the community (resolutions.selectors)."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Enter your login password again to sign."),
    )


class NoticeForm(forms.Form):
    stage = forms.ChoiceField(choices=NoticeStage.choices, widget=forms.HiddenInput)
    objection_days = forms.IntegerField(
        label=_("Objection period (days)"),
        min_value=1,
        max_value=MAX_OBJECTION_DAYS,
        initial=DEFAULT_OBJECTION_DAYS,
        required=False,
    )
    note = forms.CharField(
        label=_("Note on the notice (optional)"),
        max_length=300,
        required=False,
        help_text=_("E.g. where and how owners can raise an objection."),
    )


class VerifyForm(forms.Form):
    """What a reader pastes on the public verification page: the fingerprint, or the resolution's text."""

    text = forms.CharField(
        label=_("Fingerprint or text of the resolution"),
        max_length=2_000_000,
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}),
        help_text=_(
            "Paste the 64-character fingerprint printed under the QR code, or the whole text of the resolution."
        ),
    )
