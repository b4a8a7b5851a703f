"""A login stage of ours, in place of allauth's (AccountAdapter.get_login_stages)."""

from allauth.account.stages import PhoneVerificationStage


class StaffPhoneVerificationStage(PhoneVerificationStage):
    """allauth stops a login whose account has no number when sign-up asks for one. Staff accounts made with
    `createsuperuser` (and the demo's admin) have none, and the admin's login now goes through allauth's (with its
    limits, config/urls.py): they log in with their password alone."""

    def handle(self):
        user = self.login.user
        if user is not None and user.is_staff and not user.phone:
            return None, True
        return super().handle()
