"""The answer to a request that lacks a permission, the same on every page: log in first, or 403."""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def refuse(request):
    """A visitor who is not logged in is sent to log in (and back here); anyone else gets 403."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise PermissionDenied
