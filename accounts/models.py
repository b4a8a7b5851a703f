"""Accounts: a person who logs in, with a username and/or a mainland mobile number."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

_SESSION_HASH_SALT = "accounts.User.session_generation"


class User(AbstractUser):
    # Normalised 11-digit mainland mobile number (core.identity.normalize_phone), or NULL.
    phone = models.CharField(_("mobile number"), max_length=11, unique=True, null=True, blank=True)
    phone_verified = models.BooleanField(_("mobile number verified"), default=False)
    display_name = models.CharField(_("name"), max_length=60, blank=True)
    # Raised to end every session of the user where one session could not be removed from the cache (a logout
    # while Redis is down: accounts.signals). Signed-in sessions carry a hash that covers it.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    def __str__(self) -> str:
        return self.display_name or self.username or self.phone or str(self.pk)

    def get_session_auth_hash(self) -> str:
        # Generation 0 is Django's own hash: sessions signed in before the field existed stay valid.
        if not self.session_generation:
            return super().get_session_auth_hash()
        return self._generation_hash(settings.SECRET_KEY)

    def get_session_auth_fallback_hash(self):
        if not self.session_generation:
            yield from super().get_session_auth_fallback_hash()
            return
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._generation_hash(secret)

    def _generation_hash(self, secret: str) -> str:
        value = f"{self.password}:{self.session_generation}"
        return salted_hmac(_SESSION_HASH_SALT, value, secret=secret, algorithm="sha256").hexdigest()
