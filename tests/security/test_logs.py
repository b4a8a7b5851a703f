"""Quiet logs: a refused socket address, a 403 and a PDF each leave one line at most, never a traceback or a list of
glyphs (they buried the few lines that matter)."""

import logging

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import reverse

from config.asgi import application
from documents import render
from tests.proposals.conftest import make_proposal


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/ws/nowhere/", "/ws/proposals/1/nothing/", "/", "/ws/proposals/x/tally/"])
async def test_an_unknown_socket_address_is_refused_quietly(caplog, path):
    communicator = WebsocketCommunicator(application, path, headers=[(b"origin", b"http://testserver")])
    with caplog.at_level(logging.INFO):
        connected, code = await communicator.connect(timeout=5)
    await communicator.disconnect()
    assert not connected and code == 4404
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]


@pytest.mark.django_db
def test_a_403_is_one_line_without_a_traceback(actors, caplog):
    proposal = make_proposal(actors.community, actors.users["committee"])
    client = Client(enforce_csrf_checks=False)
    client.force_login(actors.users["household"])
    with caplog.at_level(logging.INFO):
        response = client.post(reverse("proposal_move", args=[proposal.pk]), {"action": "consultation"})
    assert response.status_code == 403
    [record] = [r for r in caplog.records if r.name.startswith("django")]
    assert record.getMessage().startswith("Forbidden") and record.levelno == logging.WARNING
    assert record.exc_info is None and "\n" not in caplog.text.strip()


def test_a_pdf_does_not_log_its_glyphs(caplog):
    with caplog.at_level(logging.DEBUG):
        render.render_pdf("<html><body><p>业主大会表决结果公告 ABC 123</p></body></html>")
    assert not [r for r in caplog.records if r.name.startswith("fontTools")]
