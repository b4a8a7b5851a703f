"""Forms of the SMS password reset, and allauth's request for a sign-in code with our limits."""

from allauth.account import forms as allauth_forms
from allauth.account.adapter import get_adapter
from allauth.core import context
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.services import login_code_quota_take
from accounts.throttle import client_ip


class PhoneResetRequestForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"] = get_adapter().phone_form_field(required=True, label=_("Mobile number"))


class PhoneResetConfirmForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the text message"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "placeholder": "123456"}
        ),
    )
    new_password1 = forms.CharField(
        label=_("New password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    new_password2 = forms.CharField(
        label=_("New password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("new_password1"), cleaned.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", _("The two passwords are not the same."))
        return cleaned


class RequestLoginCodeForm(allauth_forms.RequestLoginCodeForm):
    """allauth's form (ACCOUNT_FORMS): the number, allauth's per-minute limit, the account looked up (none is no
    error: the answer stays the same). Then our hourly and daily limits, per number and per address."""

    def clean_phone(self) -> str:
        phone = super().clean_phone()
        if phone:
            login_code_quota_take(phone=phone, ip=client_ip(context.request))
        return phone
