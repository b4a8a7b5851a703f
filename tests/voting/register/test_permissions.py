"""Who may open the register, the paper entry, the paper import and the evidence files: a matrix over `actors`."""

import pytest
from django.urls import reverse

from tests.voting.conftest import open_proposal, scan
from voting.models import Ballot, Channel
from voting.paper_services import paper_ballot_record

pytestmark = pytest.mark.django_db

ACTORS = ["anonymous", "household", "other_household", "canvasser", "secretary", "committee", "other_committee"]
# What each actor gets: "login" (redirect to log in), 403, or the success status.
STAFF = {"anonymous": "login", "secretary": 200, "committee": 200}


def _assert_outcome(response, expected):
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected


@pytest.fixture
def evidence_ballot(actors, actors_proposal):
    [ballot] = paper_ballot_record(
        proposal=actors_proposal,
        household=actors.household_obj,
        choice="agree",
        channel=Channel.PAPER,
        by=actors.users["secretary"],
        evidence=scan(),
    )
    return ballot


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("name", ["register", "paper_entry", "paper_import"])
def test_staff_pages_matrix(name, actor, actors, actors_proposal, client_as):
    response = client_as(actors.users[actor]).get(reverse(name, args=[actors_proposal.pk]))
    _assert_outcome(response, STAFF.get(actor, 403))


@pytest.mark.parametrize("actor", ACTORS)
def test_register_export_matrix(actor, actors, actors_proposal, client_as):
    response = client_as(actors.users[actor]).get(reverse("register", args=[actors_proposal.pk]), {"format": "xlsx"})
    expected = STAFF.get(actor, 403)
    _assert_outcome(response, expected)
    if expected == 200:
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.parametrize("actor", ACTORS)
def test_evidence_matrix(actor, actors, actors_proposal, evidence_ballot, client_as):
    url = reverse("ballot_evidence", args=[actors_proposal.pk, evidence_ballot.pk])
    response = client_as(actors.users[actor]).get(url)
    _assert_outcome(response, STAFF.get(actor, 403))
    if response.status_code == 200:
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("inline")
        assert b"".join(response.streaming_content).startswith(b"\x89PNG")


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("name", ["paper_entry", "paper_import"])
def test_posting_matrix(name, actor, actors, actors_proposal, client_as):
    """Nobody but the staff can post a ballot; an empty post by the staff writes nothing either."""
    response = client_as(actors.users[actor]).post(
        reverse(name, args=[actors_proposal.pk]), {"household": actors.household_obj.pk, "choice": "agree"}
    )
    _assert_outcome(response, STAFF.get(actor, 403))
    assert not Ballot.objects.exists()


@pytest.mark.parametrize("name", ["register", "ballot_evidence"])
def test_get_only_pages_refuse_post(name, actors, actors_proposal, evidence_ballot, client_as):
    args = [actors_proposal.pk] + ([evidence_ballot.pk] if name == "ballot_evidence" else [])
    response = client_as(actors.users["committee"]).post(reverse(name, args=args))
    assert response.status_code == 405


@pytest.mark.parametrize("name", ["paper_entry", "paper_import"])
def test_entry_pages_refuse_other_methods(name, actors, actors_proposal, client_as):
    response = client_as(actors.users["secretary"]).put(reverse(name, args=[actors_proposal.pk]))
    assert response.status_code == 405


def test_evidence_of_another_proposals_ballot_is_404(actors, actors_proposal, evidence_ballot, client_as):
    other = open_proposal(actors.community, actors.users["committee"])
    url = reverse("ballot_evidence", args=[other.pk, evidence_ballot.pk])
    assert client_as(actors.users["committee"]).get(url).status_code == 404


def test_evidence_is_not_under_a_public_media_url(actors, actors_proposal, evidence_ballot, client_as):
    """The stored name is random, and the media folder is not served by the application."""
    assert "ballot" not in evidence_ballot.evidence.name.rsplit("/", 1)[-1]
    client = client_as(actors.users["committee"])
    assert client.get("/media/" + evidence_ballot.evidence.name).status_code == 404
