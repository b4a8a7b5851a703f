"""The committee's manage panel, rendered on its own for each state: withdrawing, attachments, history. The other
moves and the register's and big screen's links are in the action bar (tests/lifecycle/test_action_bar.py)."""

import re

import pytest
from django.contrib.auth.context_processors import PermWrapper
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from proposals.models import State
from tests.proposals.conftest import make_proposal

pytestmark = pytest.mark.django_db

# State → the actions the panel posts to proposal_move (the rest are the action bar's).
MOVES = {
    State.DRAFT: {"withdraw"},
    State.CONSULTATION: {"withdraw"},
    State.VOTING: {"withdraw"},
    State.CLOSED: set(),
    State.PUBLISHED: set(),
    State.WITHDRAWN: set(),
}
EDITABLE = {State.DRAFT, State.CONSULTATION}


def render_panel(proposal, user) -> str:
    request = RequestFactory().get(reverse("proposal_detail", args=[proposal.pk]))
    request.user = user
    context = {"proposal": proposal, "user": user, "perms": PermWrapper(user)}
    return render_to_string("proposals/_manage_panel.html", context, request=request)


@pytest.mark.parametrize("state", list(MOVES))
def test_panel_for_each_state(actors, state, django_assert_max_num_queries):
    committee = actors.users["committee"]
    proposal = make_proposal(actors.community, committee, state=state)
    with django_assert_max_num_queries(4):  # the history with its users, the attachments, the print links
        html = render_panel(proposal, committee)

    move_url = reverse("proposal_move", args=[proposal.pk])
    assert set(re.findall(r'name="action" value="(\w+)"', html)) == MOVES[state]
    assert html.count(f'action="{move_url}"') == len(MOVES[state])
    assert html.count("csrfmiddlewaretoken") == len(MOVES[state]) + (1 if state in EDITABLE else 0)
    assert (reverse("attachment_upload", args=[proposal.pk]) in html) == (state in EDITABLE)
    # One place for each control: these are the action bar's.
    for name in ("proposal_edit", "register", "big_screen", "proposal_open_confirm", "proposal_close_confirm"):
        assert reverse(name, args=[proposal.pk]) not in html
    assert 'name="closes_at"' not in html
    # The history: one line per move, each with who made it.
    history = html.split('class="history"', 1)[1]
    assert history.count("<li>") == proposal.transitions.count()
    assert history.count(str(committee)) == proposal.transitions.count()


def test_panel_lists_attachments_while_editable(actors, with_png):
    committee = actors.users["committee"]
    proposal = make_proposal(actors.community, committee)
    attachment = with_png(proposal, committee, title="门的报价")
    html = render_panel(proposal, committee)
    assert reverse("attachment_file", args=[proposal.pk, attachment.pk]) in html
    assert "门的报价" in html


def test_the_automatic_close_is_shown_as_automatic(actors):
    from datetime import timedelta

    from django.utils import timezone

    from lifecycle.services import proposal_close_if_due
    from proposals.models import Proposal

    committee = actors.users["committee"]
    proposal = make_proposal(actors.community, committee, state=State.VOTING)
    now = timezone.now()
    Proposal.objects.filter(pk=proposal.pk).update(
        voting_opens_at=now - timedelta(days=7), voting_closes_at=now - timedelta(minutes=1)
    )
    proposal = proposal_close_if_due(proposal=Proposal.objects.get(pk=proposal.pk))
    html = render_panel(proposal, committee)
    last_line = html.split('class="history"', 1)[1].split("<li>")[-1]
    assert str(committee) not in last_line
