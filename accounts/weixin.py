"""WeChat sign-in (allauth's Weixin provider) is on exactly where the settings give it an app (WEIXIN_APP_ID and
WEIXIN_APP_SECRET, config/settings.py): elsewhere its addresses answer 404 and the login page shows no button."""

from allauth.account import app_settings as account_settings
from allauth.socialaccount import app_settings
from allauth.socialaccount import forms as socialaccount_forms
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.http import Http404


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(self, request, provider=None, client_id=None) -> list[SocialApp]:
        # Only the apps of the settings: a SocialApp row added in the admin does not switch WeChat sign-in on.
        # Asking the database is skipped while none is configured (every login page asks for the providers).
        if not any("APP" in conf or "APPS" in conf for conf in app_settings.PROVIDERS.values()):
            return []
        apps = super().list_apps(request, provider=provider, client_id=client_id)
        return [app for app in apps if app.pk is None]

    def get_app(self, request, provider, client_id=None) -> SocialApp:
        # allauth lets SocialApp.DoesNotExist through to a server error: a provider without an app is not there.
        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            raise Http404("This sign-in is not configured.") from None


class SignupForm(socialaccount_forms.SignupForm):
    """The last step of a first WeChat sign-in: the mobile number (ACCOUNT_SIGNUP_FIELDS), checked by SMS like any
    sign-up's (templates/socialaccount/signup.html)."""

    def _get_signup_fields(self, kwargs) -> dict:
        # allauth 65.22 always hands this form `email_required`, then refuses it when the sign-up fields have no
        # e-mail, as ours do not (ImproperlyConfigured): an e-mail that is not asked for is not required.
        if "email" not in account_settings.SIGNUP_FIELDS and not kwargs.get("email_required"):
            kwargs.pop("email_required", None)
        return super()._get_signup_fields(kwargs)
