"""Joining a household with the code on a printed slip: /join/ (typed), /join/<code>/ (the QR code).

Anonymous people are sent to sign up (or log in) with the code remembered in the session, and
/join/complete/ binds the new account; logged-in people confirm the household and are bound at once.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.throttle import Limit, client_ip
from community.services import join_code_check, join_code_redeem

# Wrong codes allowed per 15 minutes. Per address and per session: a phone network shares addresses,
# a guesser can drop cookies; together they keep guessing 31^8 codes hopeless.
WRONG_CODES_PER_IP = Limit("join-ip", max_hits=10, window=15 * 60)
WRONG_CODES_PER_SESSION = Limit("join-session", max_hits=10, window=15 * 60)
# What the session remembers between the code page and the end of sign-up / log-in.
SESSION_PENDING = "gongyi_join"


class JoinCodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Join code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "class": "code-input",
                "placeholder": "ABCD-EFGH",
                "autocapitalize": "characters",
                "autocorrect": "off",
                "autocomplete": "off",
                "spellcheck": "false",
                "enterkeyhint": "go",
            }
        ),
    )


def _limit_idents(request) -> list[tuple[Limit, str]]:
    if not request.session.session_key:
        request.session.save()
    return [(WRONG_CODES_PER_IP, client_ip(request)), (WRONG_CODES_PER_SESSION, request.session.session_key)]


def _too_many_wrong(request) -> bool:
    return any(limit.exceeded(ident) for limit, ident in _limit_idents(request))


def _count_wrong(request) -> None:
    for limit, ident in _limit_idents(request):
        limit.hit(ident)


def _household_label(household) -> str:
    return f"{household.entrance.building.community.name} {household}"


def _enter(request, initial_code: str = ""):
    """The code page; a POST checks the code (and, from a logged-in person who confirmed, redeems it)."""
    if request.method != "POST":
        return render(request, "community/join.html", {"form": JoinCodeForm(initial={"code": initial_code})})
    form = JoinCodeForm(request.POST)
    if _too_many_wrong(request):
        form.add_error(None, _("Too many wrong codes. Please wait 15 minutes and try again."))
        return render(request, "community/join.html", {"form": form}, status=429)
    if not form.is_valid():
        return render(request, "community/join.html", {"form": form})
    try:
        join_code = join_code_check(code=form.cleaned_data["code"])
        if request.user.is_authenticated and request.POST.get("confirm"):
            binding = join_code_redeem(code=join_code.code, user=request.user)
            messages.success(request, _("Bound to %(household)s.") % {"household": binding.household})
            return redirect("home")
    except ValidationError as error:
        _count_wrong(request)
        form.add_error("code", error)
        return render(request, "community/join.html", {"form": form})
    household = join_code.household
    if request.user.is_authenticated:
        context = {"join_code": join_code, "household": household, "community": household.entrance.building.community}
        return render(request, "community/join_confirm.html", context)
    # Only the code and the words to show are kept; the binding is made once there is an account.
    request.session[SESSION_PENDING] = {"code": join_code.code, "label": _household_label(household)}
    query = urlencode({"next": reverse("join_complete")})
    return redirect(f"{reverse('account_signup')}?{query}")


def join_enter(request):
    return _enter(request)


def join_with_code(request, code: str):
    # The QR code's address: the code is filled in, the person still presses the button.
    return _enter(request, initial_code=code.upper())


@login_required
def join_complete(request):
    """Where sign-up / log-in lead back to. The code in the session was posted (with CSRF) by this person
    on the code page, so redeeming it on this GET binds nothing they did not ask for."""
    pending = request.session.pop(SESSION_PENDING, None)
    if not pending:
        return redirect("join")
    try:
        binding = join_code_redeem(code=pending["code"], user=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("join")
    messages.success(request, _("Bound to %(household)s.") % {"household": binding.household})
    return redirect("home")
