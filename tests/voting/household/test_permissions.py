"""Who may open the proposal page, the tally, the big screen, the receipt check, and vote: the actors' matrix."""

import pytest
from django.urls import reverse

from voting.models import Ballot

pytestmark = pytest.mark.django_db

# 200 = allowed, 403 = refused, "login" = sent to log in.
PAGES = {
    #                  anonymous, household, other_household, canvasser, secretary, committee, other_committee
    "proposal_detail": ("login", 200, 403, 200, 200, 200, 403),
    "big_screen": ("login", 200, 403, 200, 200, 200, 403),
    "receipt_check": ("login", 200, 403, 200, 200, 200, 403),
    "tally_json": (403, 200, 403, 200, 200, 200, 403),
}
ACTORS = ("anonymous", "household", "other_household", "canvasser", "secretary", "committee", "other_committee")


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("who", ACTORS)
def test_pages(page, who, actors, actors_proposal, client_as):
    expected = PAGES[page][ACTORS.index(who)]
    response = client_as(actors.users[who]).get(reverse(page, args=[actors_proposal.pk]))
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("who", ["anonymous", "other_household", "other_committee"])
def test_tally_json_refusal_is_json(who, actors, actors_proposal, client_as):
    response = client_as(actors.users[who]).get(reverse("tally_json", args=[actors_proposal.pk]))
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": "forbidden"}


# Only the account bound to the household votes for it; a role in the community is not a household.
VOTE = {"anonymous": "login", "household": 302, "other_household": 403, "canvasser": 403, "secretary": 403,
        "committee": 403, "other_committee": 403}  # fmt: skip


@pytest.mark.parametrize("who", ACTORS)
def test_vote(who, actors, actors_proposal, post_vote):
    response = post_vote(actors.users[who], actors_proposal, actors.household_obj, "agree")
    expected = VOTE[who]
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected
    stored = list(Ballot.objects.filter(proposal=actors_proposal).values_list("recorded_by", "channel"))
    if who == "household":
        assert stored == [(actors.users["household"].pk, "online")]
    else:
        assert stored == []


@pytest.mark.parametrize("who", ["canvasser", "other_committee", "committee"])
def test_confirmation_step_refused_too(who, actors, actors_proposal, post_vote):
    response = post_vote(actors.users[who], actors_proposal, actors.household_obj, "agree", confirm=False)
    assert response.status_code == 403


def test_draft_is_not_shown_to_households(actors, client_as):
    from proposals.models import Category
    from proposals.services import proposal_create

    draft = proposal_create(
        community=actors.community, by=actors.users["committee"], title="草稿", summary="s", category=Category.OTHER
    )
    assert client_as(actors.users["household"]).get(reverse("proposal_detail", args=[draft.pk])).status_code == 403
    assert client_as(actors.users["household"]).get(reverse("tally_json", args=[draft.pk])).status_code == 403
    assert client_as(actors.users["committee"]).get(reverse("proposal_detail", args=[draft.pk])).status_code == 200
