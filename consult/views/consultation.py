"""Stub: being written."""

from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse("not yet", status=501)


opinions = opinion_hide = opinion_reply = opinion_photo = meetings = meeting_new = meeting_detail = _todo
