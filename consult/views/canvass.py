"""Stub: being written."""

from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse("not yet", status=501)


assignments = tags = walk_list = visit_record = board = board_json = demands = canvass_outcome = _todo
