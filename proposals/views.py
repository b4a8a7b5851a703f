"""Stub: being written."""

from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse("not yet", status=501)


proposal_list = proposal_new = proposal_edit = proposal_move = attachment_upload = attachment_file = _todo
