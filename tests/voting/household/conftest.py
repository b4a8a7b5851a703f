"""Fixtures for the household pages: posting a vote through the views, and an open proposal for the actors."""

import pytest
from django.urls import reverse

from tests.voting.conftest import open_proposal


@pytest.fixture
def post_vote(client_as):
    """post_vote(user, proposal, household, choice, confirm=True) → the response of the vote view."""

    def post(user, proposal, household, choice="agree", *, confirm=True, follow=False):
        data = {"household": household.pk, "choice": choice}
        if confirm:
            data["confirm"] = "1"
        return client_as(user).post(reverse("vote", args=[proposal.pk]), data, follow=follow)

    return post


@pytest.fixture
def actors_proposal(actors):
    """A proposal open for voting over the actors' community (its one household votes)."""
    return open_proposal(actors.community, actors.users["committee"])
