"""One owner, one ballot — cast by the owner (issue 13). Each attack is tried through the pages, as the person would:

- a family member or tenant bound to ONE flat of an owner holding two tries to vote (it used to cast the ballot of
  both flats, replacing the owner's own choice) → told the owner must vote, nothing written, the owner's ballot stands;
- anyone bound to one of the developer's unsold flats tries to vote for the developer (it used to cast the ballot of
  every developer flat) → refused; only the account the committee designated votes, for all of them;
- the confirm page and the proposal page of a member named the owner's other flats → no longer.
"""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.urls import reverse

from community.models import Household, HouseholdBinding, Owner, Role
from community.services import join_code_issue, join_code_redeem
from core.identity import hash_id_number
from proposals.models import Proposal
from tests.factories import (
    CommunityFactory,
    EntranceFactory,
    HouseholdBindingFactory,
    HouseholdFactory,
    OwnerFactory,
    RoleFactory,
    UserFactory,
)
from tests.voting.conftest import open_proposal
from tests.voting.household.util import page_text
from voting.models import Ballot, BallotEvent

pytestmark = pytest.mark.django_db

OWNER_MUST_VOTE = "该户业主在本次表决中还有其他房屋"
DEVELOPER_ONLY = "开发商的房屋只能由业委会为开发商指定的账户投票"
ID_NUMBER = "11010519491231002X"
MEMBER, OWNER = HouseholdBinding.Relation.MEMBER, HouseholdBinding.Relation.OWNER


class Place:
    """3号楼1单元: 王's two flats (101, 102), the developer's two unsold flats (601, 602), 李's one flat (201)."""

    def __init__(self):
        self.community = CommunityFactory(slug="yiyuan", name="怡园小区")
        self.committee = RoleFactory(community=self.community, kind=Role.Kind.COMMITTEE).user
        entrance = EntranceFactory(building__community=self.community, building__name="3", name="1")
        wang = OwnerFactory(community=self.community, name="王建华", phone="13911110101")
        developer = OwnerFactory(community=self.community, name="置业公司", kind=Owner.Kind.DEVELOPER, phone="")
        li = OwnerFactory(community=self.community, name="李娟", phone="13911110201")

        def flat(room, floor, owner, **kwargs):
            return HouseholdFactory(
                entrance=entrance, room=room, floor=floor, owner=owner, area=Decimal("80.00"), **kwargs
            )

        self.wang_a, self.wang_b = flat("101", 1, wang), flat("102", 1, wang)
        self.dev_a, self.dev_b = (
            flat("601", 6, developer, developer_held=True),
            flat("602", 6, developer, developer_held=True),
        )
        self.li = flat("201", 2, li)
        # 王 joined flat 101 with its code from the phone the roster has for him: the verified owner.
        self.wang_user = UserFactory(phone="13911110101", phone_verified=True)
        join_code_redeem(code=join_code_issue(household=self.wang_a, by=self.committee).code, user=self.wang_user)
        # His tenant of 102, a sales clerk bound to 602, a member of 李's family bound to 201.
        self.tenant = HouseholdBindingFactory(household=self.wang_b, relation=MEMBER).user
        self.clerk = HouseholdBindingFactory(household=self.dev_b, relation=MEMBER).user
        self.li_family = HouseholdBindingFactory(household=self.li, relation=MEMBER).user
        # The developer's representative, bound to 601 (as a member: the developer has no phone on the roster).
        self.developer_rep = UserFactory(phone="13922226010", phone_verified=True)
        HouseholdBindingFactory(household=self.dev_a, user=self.developer_rep, relation=MEMBER)
        self.proposal = open_proposal(self.community, self.committee)


@pytest.fixture
def place():
    return Place()


def vote(client, user, proposal, household, choice, *, confirm=True):
    """`user` votes from their own phone: a fresh session, none of the previous person's messages."""
    client.cookies.clear()
    client.force_login(user)
    data = {"household": household.pk, "choice": choice, **({"confirm": "1"} if confirm else {})}
    return client.post(reverse("vote", args=[proposal.pk]), data)


def ballots(proposal) -> dict:
    return {b.household_id: (b.choice, b.receipt) for b in Ballot.objects.filter(proposal=proposal)}


def test_a_tenant_of_one_flat_of_a_two_flat_owner_cannot_replace_the_owners_ballot(client, place):
    proposal = place.proposal
    assert vote(client, place.wang_user, proposal, place.wang_a, "agree").status_code == 302
    before, seq = ballots(proposal), Proposal.objects.get(pk=proposal.pk).ballot_seq
    assert {h: c for h, (c, _r) in before.items()} == {place.wang_a.pk: "agree", place.wang_b.pk: "agree"}
    for confirm in (False, True):
        response = vote(client, place.tenant, proposal, place.wang_b, "disagree", confirm=confirm)
        assert response.status_code == 302
        told = page_text(client.get(response["Location"]))
        assert OWNER_MUST_VOTE in told and "代理人" in told and "秘书" in told
    assert ballots(proposal) == before  # same choices, same receipts
    assert Proposal.objects.get(pk=proposal.pk).ballot_seq == seq
    assert BallotEvent.objects.filter(proposal=proposal, by=place.tenant).count() == 0


def test_a_clerk_bound_to_one_developer_flat_cannot_vote_for_the_developer(client, place):
    proposal = place.proposal
    for user in (place.clerk, place.developer_rep):  # the representative too, until the committee designates it
        response = vote(client, user, proposal, place.dev_b if user == place.clerk else place.dev_a, "agree")
        assert response.status_code == 302
        assert DEVELOPER_ONLY in page_text(client.get(response["Location"]))
    assert not Ballot.objects.filter(proposal=proposal).exists()


def test_the_account_designated_for_the_developer_votes_for_all_its_flats(client, place):
    client.force_login(place.committee)
    url = reverse("developer_voter", args=[place.community.slug])
    response = client.post(url, {"phone": "139 2222 6010"}, follow=True)
    assert "现在为开发商的房屋投票" in page_text(response)
    place.community.refresh_from_db()
    assert place.community.developer_voter == place.developer_rep
    # It sees (and votes for) both flats, the one it is bound to and the other.
    client.force_login(place.developer_rep)
    detail = page_text(client.get(reverse("proposal_detail", args=[place.proposal.pk])))
    assert "3号楼1单元601" in detail and "3号楼1单元602" in detail
    assert vote(client, place.developer_rep, place.proposal, place.dev_b, "disagree").status_code == 302
    assert {h: c for h, (c, _r) in ballots(place.proposal).items()} == {
        place.dev_a.pk: "disagree",
        place.dev_b.pk: "disagree",
    }
    # The clerk is still refused, and the designated account has no say over 王's flats.
    assert DEVELOPER_ONLY in page_text(
        client.get(vote(client, place.clerk, place.proposal, place.dev_b, "agree")["Location"])
    )
    assert vote(client, place.developer_rep, place.proposal, place.wang_a, "agree").status_code == 403
    assert set(ballots(place.proposal)) == {place.dev_a.pk, place.dev_b.pk}


def test_only_the_committee_designates_the_developers_account(client, place):
    secretary = RoleFactory(community=place.community, kind=Role.Kind.SECRETARY).user
    client.force_login(secretary)
    response = client.post(reverse("developer_voter", args=[place.community.slug]), {"phone": "13922226010"})
    assert response.status_code == 403
    # An account not bound to a developer flat cannot be designated.
    client.force_login(place.committee)
    response = client.post(reverse("developer_voter", args=[place.community.slug]), {"phone": "13911110101"})
    place.community.refresh_from_db()
    assert place.community.developer_voter is None


def test_a_verified_owner_votes_for_all_their_flats(client, place):
    assert place.wang_user.bindings.get().relation == OWNER  # verified at join time by the phone
    response = vote(client, place.wang_user, place.proposal, place.wang_a, "agree", confirm=False)
    confirm = page_text(response)
    assert "3号楼1单元101" in confirm and "3号楼1单元102" in confirm  # his own flats: he votes for both
    vote(client, place.wang_user, place.proposal, place.wang_a, "agree")
    assert {h: c for h, (c, _r) in ballots(place.proposal).items()} == {
        place.wang_a.pk: "agree",
        place.wang_b.pk: "agree",
    }


def test_the_owners_id_number_verifies_an_account_without_the_owners_phone(place, settings):
    Owner.objects.filter(pk=place.wang_b.owner_id).update(id_hash=hash_id_number(ID_NUMBER, settings.ID_HASH_KEY))
    household = Household.objects.get(pk=place.wang_b.pk)
    other_phone = UserFactory(phone="13933330000", phone_verified=True)
    binding = join_code_redeem(
        code=join_code_issue(household=household, by=place.committee).code, user=other_phone, id_number=ID_NUMBER
    )
    assert binding.relation == OWNER
    # A wrong ID number, or the owner's phone typed in without being verified, makes a member.
    wrong = join_code_redeem(
        code=join_code_issue(household=household, by=place.committee).code,
        user=UserFactory(),
        id_number="110105194912310029",
    )
    unverified = join_code_redeem(
        code=join_code_issue(household=place.li, by=place.committee).code,
        user=UserFactory(phone="13911110201", phone_verified=False),  # 李's number, never confirmed by SMS
    )
    assert (wrong.relation, unverified.relation) == (MEMBER, MEMBER)


def test_the_committee_marks_a_binding_as_the_owner(client, place):
    binding = place.tenant.bindings.get()
    url = reverse("binding_relation", args=[place.community.slug, place.wang_b.pk, binding.pk])
    canvasser = RoleFactory(community=place.community, kind=Role.Kind.CANVASSER).user
    client.force_login(canvasser)
    assert client.post(url, {"relation": OWNER}).status_code == 403
    client.force_login(place.committee)
    page = page_text(client.post(url, {"relation": OWNER}, follow=True))
    assert "业主（已核实）" in page
    binding.refresh_from_db()
    assert (binding.relation, binding.verified_by) == (OWNER, place.committee) and binding.verified_at
    # Now the ballot of both flats is theirs to cast.
    assert vote(client, place.tenant, place.proposal, place.wang_b, "abstain").status_code == 302
    assert {c for c, _r in ballots(place.proposal).values()} == {"abstain"} and len(ballots(place.proposal)) == 2


def test_a_member_where_the_owner_holds_one_flat_votes_for_it(client, place):
    assert place.li_family.bindings.get().relation == MEMBER
    assert vote(client, place.li_family, place.proposal, place.li, "agree").status_code == 302
    assert {h: c for h, (c, _r) in ballots(place.proposal).items()} == {place.li.pk: "agree"}


def test_no_page_shows_a_member_the_owners_other_flats(client, place):
    vote(client, place.wang_user, place.proposal, place.wang_a, "agree")
    receipt = ballots(place.proposal)[place.wang_a.pk][1]
    client.cookies.clear()
    client.force_login(place.tenant)
    detail = page_text(client.get(reverse("proposal_detail", args=[place.proposal.pk])))
    confirm = page_text(vote(client, place.tenant, place.proposal, place.wang_b, "agree", confirm=False))
    for text in (detail, confirm):
        assert "3号楼1单元101" not in text and receipt not in text
    assert "3号楼1单元102" in detail and OWNER_MUST_VOTE in detail
    assert 'name="choice"' not in detail  # no buttons to press for a ballot that is not theirs


def test_existing_bindings_become_members_unless_the_verified_phone_is_the_owners(place):
    HouseholdBinding.objects.update(relation=MEMBER)
    migration = importlib.import_module("community.migrations.0004_binding_relation_developer_voter")
    migration.verified_owners(apps, None)
    owners = set(HouseholdBinding.objects.filter(relation=OWNER).values_list("user_id", flat=True))
    assert owners == {place.wang_user.pk}
