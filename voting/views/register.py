"""Stub: being written."""

from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse("not yet", status=501)


register = paper_entry = paper_import = evidence_file = _todo
