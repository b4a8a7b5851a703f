"""Stub: being written."""

from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse("not yet", status=501)


household_detail = join_code_issue = join_code_revoke = binding_remove = _todo
