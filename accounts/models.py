"""Accounts: a person who logs in, with a username and/or a mainland mobile number."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    # Normalised 11-digit mainland mobile number (core.identity.normalize_phone), or NULL.
    phone = models.CharField(_("mobile number"), max_length=11, unique=True, null=True, blank=True)
    phone_verified = models.BooleanField(_("mobile number verified"), default=False)
    display_name = models.CharField(_("name"), max_length=60, blank=True)

    def __str__(self) -> str:
        return self.display_name or self.username or self.phone or str(self.pk)
