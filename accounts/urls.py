"""Account pages of our own, included at /accounts/ before allauth's (so they win where paths meet)."""

from django.urls import path
from django.views.generic import RedirectView

from accounts import views

urlpatterns = [
    # allauth's login page and its page for the sign-in code, at their own addresses and names (accounts.views).
    path("login/", views.LoginView.as_view(), name="account_login"),
    path("login/code/confirm/", views.confirm_login_code, name="account_confirm_login_code"),
    # allauth's reset sends e-mail, which our people do not have: its address leads to the SMS reset.
    path("password/reset/", RedirectView.as_view(pattern_name="account_reset_password_phone"), name="reset_redirect"),
    path("password/reset/phone/", views.password_reset_phone, name="account_reset_password_phone"),
    path(
        "password/reset/phone/confirm/",
        views.password_reset_phone_confirm,
        name="account_reset_password_phone_confirm",
    ),
]
