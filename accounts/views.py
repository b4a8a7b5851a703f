"""Password reset by SMS: ask for a code, then enter it with the new password. The login page with the code
sign-in first, and allauth's page for the sign-in code with what it lacks for an owner coming from a link."""

from urllib.parse import urlencode

from allauth.account import views as allauth_views
from allauth.account.adapter import get_adapter
from allauth.account.internal.flows.login_by_code import LoginCodeVerificationProcess
from allauth.account.stages import LoginByCodeStage, LoginStageController
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from accounts.forms import PhoneResetConfirmForm, PhoneResetRequestForm, RequestLoginCodeForm
from accounts.services import password_reset_code_send, password_reset_complete
from accounts.throttle import client_ip
from core.identity import mask_phone

SESSION_PHONE = "gongyi_password_reset_phone"


@never_cache
def password_reset_phone(request):
    form = PhoneResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        try:
            password_reset_code_send(phone=phone, ip=client_ip(request))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            request.session[SESSION_PHONE] = phone
            # The same words whether or not the number has an account.
            messages.info(request, _("If this number has an account, a code is on its way by text message."))
            return redirect("account_reset_password_phone_confirm")
    return render(request, "account/password_reset_phone.html", {"form": form})


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
def password_reset_phone_confirm(request):
    phone = request.session.get(SESSION_PHONE)
    if not phone:
        return redirect("account_reset_password_phone")
    form = PhoneResetConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password_reset_complete(
                phone=phone, code=form.cleaned_data["code"], password=form.cleaned_data["new_password1"]
            )
        except ValidationError as error:
            code = getattr(error, "code", None)  # the password validators raise a list, without a code
            if code in ("expired", "too_many_attempts"):
                messages.error(request, error.messages[0])
                return redirect("account_reset_password_phone")
            form.add_error("code" if code == "wrong_code" else "new_password1", error)
        else:
            del request.session[SESSION_PHONE]
            get_adapter(request).clear_login_failures(request, phone=phone)
            messages.success(request, _("Your password has been changed. Log in with your new password."))
            return redirect("account_login")
    return render(
        request, "account/password_reset_phone_confirm.html", {"form": form, "masked_phone": mask_phone(phone)}
    )


# A household signs in by code on the phone it votes with, often once for a whole vote: a meeting's notice comes 15
# days before voting opens (物业管理条例 第十四条) and voting then runs for days or weeks. So a sign-in by code lasts
# 30 days from the last change of the session, where a password login lasts Django's default (SESSION_COOKIE_AGE,
# 2 weeks: ACCOUNT_SESSION_REMEMBER). Django's staff (the admin) keep the default whichever way they sign in.
CODE_SIGN_IN_SESSION_AGE = 30 * 24 * 60 * 60


class LoginView(allauth_views.LoginView):
    """allauth's login page, which leads with the code sign-in: the form asking for the number is on it too, and
    posts to allauth's request-login-code page (templates/account/login.html)."""

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["code_form"] = RequestLoginCodeForm()
        return context


def confirm_login_code(request, *args, **kwargs):
    """allauth's page for the sign-in code (account_confirm_login_code), and three things more.

    - A sign-in by code lasts CODE_SIGN_IN_SESSION_AGE.
    - When the code expired (or the page was left open longer than ACCOUNT_LOGIN_BY_CODE_TIMEOUT) allauth sends the
      person back to ask for a new code without a word: here it says why.
    - Where the person was going (`next`, the proposal link that led to the login) is kept on that way back, and
      after too many wrong codes, so the new code still leads to the proposal.
    """
    pending = LoginStageController.enter(request, LoginByCodeStage.key)
    expired = request.method == "POST" and (
        pending is None or not LoginCodeVerificationProcess(stage=pending).is_valid()
    )
    was_signed_in = request.user.is_authenticated
    response = allauth_views.confirm_login_code(request, *args, **kwargs)
    if request.user.is_authenticated and not was_signed_in:
        if not request.user.is_staff:
            request.session.set_expiry(CODE_SIGN_IN_SESSION_AGE)
    elif response.status_code == 302 and response["Location"] == reverse("account_request_login_code"):
        if expired:
            messages.error(request, _("This code has expired. Ask for a new one."))
        next_url = request.POST.get("next") or request.GET.get("next")
        if next_url and get_adapter(request).is_safe_url(next_url):
            response["Location"] += "?" + urlencode({"next": next_url})
    return response
