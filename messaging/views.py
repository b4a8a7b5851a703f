"""The messaging app's pages."""

from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_safe

from messaging.models import ShortLink


@require_safe
def short_link(request, code: str):
    """A short link from a text message: straight to its page, which asks for a sign-in (by code) if it needs one and
    comes back."""
    return redirect(get_object_or_404(ShortLink, code=code).path)
