"""allauth adapter: phone numbers live on our User model; codes go out through accounts.sms."""

import secrets

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.fields import PhoneField
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from accounts.sms import send_sms
from core.identity import normalize_phone


def _phone_or_none(text: str | None) -> str | None:
    try:
        return normalize_phone(text or "")
    except ValueError:
        return None


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

    def clean_username(self, username, shallow=False):
        # A username that is a mobile number would make "log in with 138…" ambiguous between two accounts.
        if _phone_or_none(username):
            raise forms.ValidationError(_("A username cannot be a mobile number. Put your number in its own field."))
        return super().clean_username(username, shallow=shallow)

    def save_user(self, request, user, form, commit=True):
        # The sign-up page asks how to call the person (templates/account/signup.html); allauth's form
        # has no such field, so it is read from the posted data. The committee sees it next to the household.
        user.display_name = " ".join(str(form.data.get("display_name", "")).split())[:60]
        return super().save_user(request, user, form, commit=commit)

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
        # The login form hands the number over as typed ("138 1234 5678"); stored numbers are 11 digits.
        normalized = _phone_or_none(phone)
        if normalized is None:
            return None
        return get_user_model().objects.filter(phone=normalized).order_by("pk").first()

    def generate_phone_verification_code(self, *, user, phone: str) -> str:
        # Six digits, the form every Chinese SMS code takes; allauth's default is 8 letters with a dash.
        return f"{secrets.randbelow(10**6):06d}"

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        # allauth keys failed logins on the text as typed, so "138 1234 5678" and "13812345678" would be
        # two budgets for one account. Key a phone on its 11 digits. (allauth 65: private hook, see
        # DefaultAccountAdapter.pre_authenticate.)
        login = credentials.get("phone") or credentials.get("username") or credentials.get("email") or ""
        return f"login:{_phone_or_none(login) or login.strip().lower()}"

    def clear_login_failures(self, request, *, phone: str) -> None:
        """After a password reset by SMS the owner of the number may log in at once."""
        self._delete_login_attempts_cached_email(request, phone=phone)

    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs) -> None:
        send_sms(phone=phone, text=_("Gongyi verification code: %(code)s (valid for 15 minutes).") % {"code": code})

    def send_unknown_account_sms(self, phone: str, **kwargs) -> None:
        send_sms(phone=phone, text=_("Somebody asked for a Gongyi code for this number, which has no account."))

    def send_account_already_exists_sms(self, phone: str) -> None:
        text = _("Somebody tried to sign up to Gongyi with this number, which already has an account.")
        send_sms(phone=phone, text=text)
