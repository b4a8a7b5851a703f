"""Who may use each proposal page: the roles of the `actors` fixture × list, new, edit, move, attachments."""

import pytest
from django.urls import reverse

from proposals.models import Attachment, Proposal, State, Transition
from tests.proposals.conftest import PNG, make_proposal, upload

pytestmark = pytest.mark.django_db

ACTORS = ["anonymous", "household", "other_household", "canvasser", "secretary", "committee", "other_committee"]
LOGIN = "login"


def assert_outcome(response, expected):
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected, response.content[:300]


# Anyone who belongs to the community sees the list; only the committee writes.
LIST = dict(zip(ACTORS, [LOGIN, 200, 403, 200, 200, 200, 403], strict=True))
COMMITTEE_PAGE = dict(zip(ACTORS, [LOGIN, 403, 403, 403, 403, 200, 403], strict=True))
COMMITTEE_POST = dict(zip(ACTORS, [LOGIN, 403, 403, 403, 403, 302, 403], strict=True))
# Attachments of a proposal in consultation: members of the community; of a draft: committee and secretary.
FILE_PUBLISHED = dict(zip(ACTORS, [LOGIN, 200, 403, 200, 200, 200, 403], strict=True))
FILE_DRAFT = dict(zip(ACTORS, [LOGIN, 403, 403, 403, 200, 200, 403], strict=True))


@pytest.mark.parametrize("actor", ACTORS)
def test_list(actors, client_as, actor):
    response = client_as(actors.users[actor]).get(reverse("proposal_list", args=[actors.community.slug]))
    assert_outcome(response, LIST[actor])


@pytest.mark.parametrize("actor", ACTORS)
def test_new_page(actors, client_as, actor):
    response = client_as(actors.users[actor]).get(reverse("proposal_new", args=[actors.community.slug]))
    assert_outcome(response, COMMITTEE_PAGE[actor])


@pytest.mark.parametrize("actor", ACTORS)
def test_new_post_creates_only_for_the_committee(actors, client_as, actor):
    data = {"title": "T", "summary": "S", "category": "other", "rule_mode": "law", "scope": "community"}
    response = client_as(actors.users[actor]).post(reverse("proposal_new", args=[actors.community.slug]), data)
    assert_outcome(response, COMMITTEE_POST[actor])
    assert Proposal.objects.count() == (1 if actor == "committee" else 0)


@pytest.mark.parametrize("actor", ACTORS)
def test_edit_page(actors, client_as, actor):
    proposal = make_proposal(actors.community, actors.users["committee"])
    response = client_as(actors.users[actor]).get(reverse("proposal_edit", args=[proposal.pk]))
    assert_outcome(response, COMMITTEE_PAGE[actor])


@pytest.mark.parametrize("actor", ACTORS)
def test_edit_post(actors, client_as, actor):
    proposal = make_proposal(actors.community, actors.users["committee"])
    data = {"title": "改过的", "summary": "S", "category": "other", "rule_mode": "law", "scope": "community"}
    response = client_as(actors.users[actor]).post(reverse("proposal_edit", args=[proposal.pk]), data)
    assert_outcome(response, COMMITTEE_POST[actor])
    proposal.refresh_from_db()
    assert (proposal.title == "改过的") == (actor == "committee")


@pytest.mark.parametrize("actor", ACTORS)
def test_move(actors, client_as, actor):
    proposal = make_proposal(actors.community, actors.users["committee"])
    response = client_as(actors.users[actor]).post(
        reverse("proposal_move", args=[proposal.pk]), {"action": "consultation"}
    )
    assert_outcome(response, COMMITTEE_POST[actor])
    proposal.refresh_from_db()
    assert proposal.state == (State.CONSULTATION if actor == "committee" else State.DRAFT)
    assert Transition.objects.filter(proposal=proposal).count() == (2 if actor == "committee" else 1)


@pytest.mark.parametrize("actor", ACTORS)
def test_attachment_upload(actors, client_as, actor):
    proposal = make_proposal(actors.community, actors.users["committee"])
    response = client_as(actors.users[actor]).post(
        reverse("attachment_upload", args=[proposal.pk]), {"title": "报价", "file": upload("q.png", PNG)}
    )
    assert_outcome(response, COMMITTEE_POST[actor])
    assert Attachment.objects.count() == (1 if actor == "committee" else 0)


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("state", [State.DRAFT, State.CONSULTATION])
def test_attachment_download(actors, client_as, with_png, actor, state):
    proposal = make_proposal(actors.community, actors.users["committee"], state=state)
    attachment = with_png(proposal, actors.users["committee"])
    response = client_as(actors.users[actor]).get(reverse("attachment_file", args=[proposal.pk, attachment.pk]))
    assert_outcome(response, (FILE_DRAFT if state == State.DRAFT else FILE_PUBLISHED)[actor])
    if response.status_code == 200:
        assert b"".join(response.streaming_content) == PNG


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("name", ["proposal_move", "attachment_upload"])
def test_get_on_post_only_endpoints_is_405(actors, client_as, actor, name):
    proposal = make_proposal(actors.community, actors.users["committee"])
    response = client_as(actors.users[actor]).get(reverse(name, args=[proposal.pk]))
    assert response.status_code == 405
    proposal.refresh_from_db()
    assert proposal.state == State.DRAFT


def test_post_on_the_file_endpoint_is_405(actors, client_as, with_png):
    proposal = make_proposal(actors.community, actors.users["committee"])
    attachment = with_png(proposal, actors.users["committee"])
    response = client_as(actors.users["committee"]).post(reverse("attachment_file", args=[proposal.pk, attachment.pk]))
    assert response.status_code == 405


def test_unknown_things_are_404(actors, client_as, with_png):
    client = client_as(actors.users["committee"])
    proposal = make_proposal(actors.community, actors.users["committee"])
    other = make_proposal(actors.community, actors.users["committee"])
    attachment = with_png(other, actors.users["committee"])
    assert client.get(reverse("proposal_list", args=["nowhere"])).status_code == 404
    assert client.get(reverse("proposal_new", args=["nowhere"])).status_code == 404
    assert client.get(reverse("proposal_edit", args=[99999])).status_code == 404
    # An attachment is only served under its own proposal.
    assert client.get(reverse("attachment_file", args=[proposal.pk, attachment.pk])).status_code == 404


def test_csrf_is_enforced_on_moves(actors):
    from django.test import Client

    proposal = make_proposal(actors.community, actors.users["committee"])
    client = Client(enforce_csrf_checks=True)
    client.force_login(actors.users["committee"])
    response = client.post(reverse("proposal_move", args=[proposal.pk]), {"action": "consultation"})
    assert response.status_code == 403
    proposal.refresh_from_db()
    assert proposal.state == State.DRAFT
