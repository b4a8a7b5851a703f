"""Password reset by SMS: ask for a code, then enter it with the new password."""

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from accounts.forms import PhoneResetConfirmForm, PhoneResetRequestForm
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
