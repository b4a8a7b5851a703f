from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from accounts import signals  # noqa: F401  (connects the receivers)

        if settings.PRODUCTION and settings.SMS_BACKEND in settings.SMS_GATEWAY_SETTINGS:
            # A gateway refuses every template it has no code for (config/settings.py checks the keys).
            from accounts.sms.providers import missing_template_codes

            if missing := missing_template_codes():
                raise ImproperlyConfigured(
                    f"SMS_BACKEND={settings.SMS_BACKEND} needs a template code in: {', '.join(missing)}"
                )
