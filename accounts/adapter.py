"""allauth adapter: phone numbers live on our User model; codes go out through accounts.sms."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.fields import PhoneField
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from accounts.sms import send_sms
from community.identity import normalize_phone


class AccountAdapter(DefaultAccountAdapter):
    def phone_form_field(self, **kwargs):
        # Mainland numbers as people type them (138 1234 5678, +86…), not E.164 only.
        kwargs["validators"] = []
        kwargs.setdefault("label", _("Mobile number"))
        field = PhoneField(**kwargs)
        field.widget.attrs.update({"placeholder": "138 1234 5678", "inputmode": "tel"})
        return field

    def clean_phone(self, phone: str) -> str:
        try:
            return normalize_phone(phone)
        except ValueError:
            raise forms.ValidationError(_("Enter a mainland mobile number, e.g. 138 1234 5678.")) from None

    def set_phone(self, user, phone: str, verified: bool) -> None:
        user.phone = phone
        user.phone_verified = verified
        user.save(update_fields=["phone", "phone_verified"])

    def get_phone(self, user):
        return (user.phone, user.phone_verified) if user.phone else None

    def set_phone_verified(self, user, phone: str) -> None:
        user.phone_verified = True
        user.save(update_fields=["phone_verified"])

    def get_user_by_phone(self, phone: str):
        return get_user_model().objects.filter(phone=phone).order_by("pk").first()

    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs) -> None:
        send_sms(phone=phone, text=_("Gongyi verification code: %(code)s (valid for 15 minutes).") % {"code": code})

    def send_unknown_account_sms(self, phone: str, **kwargs) -> None:
        send_sms(phone=phone, text=_("Somebody asked for a Gongyi code for this number, which has no account."))

    def send_account_already_exists_sms(self, phone: str) -> None:
        text = _("Somebody tried to sign up to Gongyi with this number, which already has an account.")
        send_sms(phone=phone, text=text)
