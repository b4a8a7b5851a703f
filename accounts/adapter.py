"""allauth adapter: phone numbers live on our User model; codes go out through accounts.sms."""

import logging
import secrets
from urllib.parse import urlencode

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.fields import PhoneField
from allauth.account.utils import filter_users_by_username
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _

from accounts.sms import SmsRefused, send_sms
from accounts.throttle import Backoff, client_ip
from core.identity import mask_phone, normalize_phone

logger = logging.getLogger("gongyi.accounts")

# Failed logins. allauth's "login_failed" limit counts them per address (10 a minute, whatever the accounts) and per
# key, and the key here is the address AND the account (_get_login_attempts_cache_key): a stranger who types a
# committee member's name or number five times stops himself, not her. Counted over every address, an account's
# failures only slow its logins down to one every few seconds (at most a minute apart), never lock it.
LOGIN_BACKOFF = Backoff("login-account", free=5, window=24 * 3600, max_delay=60)


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

    def get_login_stages(self) -> list[str]:
        allauths = "allauth.account.stages.PhoneVerificationStage"
        ours = "accounts.stages.StaffPhoneVerificationStage"  # a module of its own: allauth's stages import us
        return [ours if stage == allauths else stage for stage in super().get_login_stages()]

    def login_account(self, **credentials) -> str:
        """The account a login attempt aims at, however it was typed (username, or the number in any spelling):
        "user:<pk>", or the normalised text when no account has it."""
        typed = (credentials.get("phone") or credentials.get("username") or credentials.get("email") or "").strip()
        # One lookup per attempt: the key is asked for before, during and after authenticating.
        known = self.__dict__.setdefault("_login_accounts", {})
        if typed not in known:
            phone = _phone_or_none(typed)
            if phone:
                user = self.get_user_by_phone(phone)
            else:
                user = next((u for u in filter_users_by_username(typed) if u.username.lower() == typed.lower()), None)
            known[typed] = f"user:{user.pk}" if user is not None else f"typed:{phone or typed.lower()}"
        return known[typed]

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        # allauth keys failed logins on the text as typed, so a username and the account's number (in each of its
        # spellings) would be budgets of their own. Key them on the account, and on the client's address with it
        # (see LOGIN_BACKOFF). (allauth 65: private hook, see DefaultAccountAdapter.pre_authenticate.)
        return f"login:{client_ip(request)}:{self.login_account(**credentials)}"

    def pre_authenticate(self, request, **credentials) -> None:
        # allauth's limits first: an address over its own budget is refused without taking the account's turn.
        super().pre_authenticate(request, **credentials)
        wait = LOGIN_BACKOFF.take_turn(self.login_account(**credentials))
        if wait:
            self._rollback_login_failed_rl_usage()  # waiting is not a failure of this address
            raise forms.ValidationError(
                _("Wrong passwords were tried on this account. Wait %(seconds)s seconds and try again.")
                % {"seconds": wait},
                code="login_delayed",
            )

    def authenticate(self, request, **credentials):
        user = super().authenticate(request, **credentials)
        if user is not None:
            LOGIN_BACKOFF.reset(self.login_account(**credentials))
        return user

    def authentication_failed(self, request, **credentials) -> None:
        super().authentication_failed(request, **credentials)
        LOGIN_BACKOFF.fail(self.login_account(**credentials))

    def clear_login_failures(self, request, *, phone: str) -> None:
        """After a password reset by SMS the owner of the number may log in at once."""
        self._delete_login_attempts_cached_email(request, phone=phone)
        LOGIN_BACKOFF.reset(self.login_account(phone=phone))

    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs) -> None:
        self._send_text(phone=phone, template="login_code", params={"code": code})

    def send_unknown_account_sms(self, phone: str, **kwargs) -> None:
        self._send_text(phone=phone, template="no_account")

    def send_account_already_exists_sms(self, phone: str) -> None:
        self._send_text(phone=phone, template="account_exists")

    def _send_text(self, *, phone: str, template: str, params: dict[str, str] | None = None) -> None:
        """Send now; when the gateway refuses, back to the page the person came from with a message (allauth's
        middleware answers ImmediateHttpResponse), not an error page. allauth sends before it stores the code, so no
        code is left waiting. A number without an account takes the same way (its text is another template)."""
        try:
            send_sms(phone=phone, template=template, params=params)
        except SmsRefused as refused:
            logger.warning(
                "Text %s to %s refused: %s (%s)", template, mask_phone(phone), refused.reason, refused.code or "-"
            )
            request = context.request
            if request is None:
                raise
            if refused.retryable:
                messages.error(request, _("The text message could not be sent. Please try again later."))
            else:
                messages.error(
                    request,
                    _("The text message could not be sent. Check the mobile number, or try again later."),
                )
            raise ImmediateHttpResponse(HttpResponseRedirect(self._same_page(request))) from refused

    def _same_page(self, request) -> str:
        """The address of this request's page as a GET, where the person was going (`next`) kept."""
        next_url = request.POST.get("next") or request.GET.get("next")
        if next_url and self.is_safe_url(next_url):
            return f"{request.path}?{urlencode({'next': next_url})}"
        return request.path
