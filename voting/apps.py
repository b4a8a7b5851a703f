from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VotingConfig(AppConfig):
    name = "voting"
    verbose_name = _("Voting")

    def ready(self):
        # voting/rules.py is the decision engine, so the permission rules live in permissions.py.
        from voting import permissions  # noqa: F401
