"""A meeting's page checks one permission first: the meeting, or the refusal (core.access.refuse)."""

from django.shortcuts import get_object_or_404

from core.access import refuse
from meetings.models import Meeting


def meeting_or_refuse(request, pk: int, perm: str):
    """(meeting, None) when the user holds `perm` on it; else (meeting, the redirect to log in), or 403."""
    meeting = get_object_or_404(Meeting.objects.select_related("community", "building"), pk=pk)
    if not request.user.has_perm(perm, meeting):
        return meeting, refuse(request)
    return meeting, None
