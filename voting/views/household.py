"""Stub: being written."""

from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse("not yet", status=501)


proposal_detail = vote = receipt_check = tally = big_screen = _todo
