"""Forms of the household pages: a vote (household, choice, confirmation) and a receipt check."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from community.models import JOIN_CODE_ALPHABET
from core.params import MAX_ID
from voting.models import Choice

RECEIPT_LENGTH = 8


class VoteForm(forms.Form):
    """The three buttons post household + choice; the confirmation page posts them again with confirm=1."""

    household = forms.IntegerField(min_value=1, max_value=MAX_ID)
    choice = forms.ChoiceField(
        choices=Choice.choices, error_messages={"required": _("Choose agree, disagree or abstain.")}
    )
    confirm = forms.BooleanField(required=False)


class ReceiptForm(forms.Form):
    code = forms.CharField(
        label=_("Receipt code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "class": "code-input",
                "placeholder": "ABCD2345",
                "autocapitalize": "characters",
                "autocorrect": "off",
                "autocomplete": "off",
                "spellcheck": "false",
                "enterkeyhint": "go",
            }
        ),
    )

    def clean_code(self) -> str:
        # People copy codes with spaces or dashes and in small letters; what matters is the 8 symbols.
        code = re.sub(r"[\s\-]", "", self.cleaned_data["code"]).upper()
        if len(code) != RECEIPT_LENGTH or any(char not in JOIN_CODE_ALPHABET for char in code):
            raise forms.ValidationError(_("A receipt code is 8 letters and digits, e.g. ABCD2345."))
        return code
