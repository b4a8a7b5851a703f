"""Signing: only the committee of the proposal's community, with the right password, once voting is over, once per
member; the first signature freezes the content and the later ones attach to the same fingerprint."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from proposals.services import proposal_create
from resolutions import canonical as resolution
from resolutions.models import Resolution, Signature, SignerRole
from resolutions.selectors import resolution_canonical
from resolutions.services import WRONG_PASSWORDS, resolution_sign
from tests.resolutions.conftest import PASSWORD, ROLES, tamper
from voting.models import Ballot, Choice

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ROLES)
def test_only_the_committee_of_the_community_signs(client_as, actors, here, role):
    user = actors.users[role]
    response = client_as(user).post(f"/proposals/{here.pk}/resolution/sign/", {"password": PASSWORD, "role": "member"})
    if role == "committee":
        assert response.status_code == 302 and response["Location"] == f"/proposals/{here.pk}/resolution/"
        signature = Signature.objects.get()
        assert signature.user == user and signature.resolution.proposal == here
    else:
        assert response.status_code == (302 if role == "anonymous" else 403)
        if role == "anonymous":
            assert response["Location"].startswith("/accounts/login/")
        assert not Resolution.objects.exists() and not Signature.objects.exists()


def test_signing_is_a_post(client_as, actors, here):
    response = client_as(actors.users["committee"]).get(f"/proposals/{here.pk}/resolution/sign/")
    assert response.status_code == 405
    assert not Resolution.objects.exists()


def test_the_service_refuses_a_member_of_another_community(actors, here):
    with pytest.raises(PermissionDenied):
        resolution_sign(proposal=here, user=actors.users["other_committee"], password=PASSWORD)
    with pytest.raises(PermissionDenied):
        resolution_sign(proposal=here, user=actors.users["secretary"], password=PASSWORD)
    assert not Resolution.objects.exists()


def test_a_wrong_password_is_refused_clearly_and_writes_nothing(client_as, closed, committee_user):
    response = client_as(committee_user).post(
        f"/proposals/{closed.pk}/resolution/sign/", {"password": "wrong-password", "role": "member"}, follow=True
    )
    assert "密码不正确，未签署。" in response.content.decode()
    assert not Resolution.objects.exists() and not Signature.objects.exists()


def test_an_empty_password_is_refused(client_as, closed, committee_user):
    response = client_as(committee_user).post(
        f"/proposals/{closed.pk}/resolution/sign/", {"role": "member"}, follow=True
    )
    assert "请输入密码后签署。" in response.content.decode()
    assert not Resolution.objects.exists()


def test_wrong_passwords_are_rate_limited(closed, committee_user):
    for _attempt in range(WRONG_PASSWORDS.max_hits):
        with pytest.raises(ValidationError) as error:
            resolution_sign(proposal=closed, user=committee_user, password="guess")
        assert error.value.code == "wrong_password"
    with pytest.raises(ValidationError) as error:
        resolution_sign(proposal=closed, user=committee_user, password=PASSWORD)  # even the right one, for a while
    assert error.value.code == "rate_limited"
    assert not Resolution.objects.exists()


def test_the_right_password_resets_the_count(closed, committee_user, second_member):
    for _attempt in range(WRONG_PASSWORDS.max_hits - 1):
        with pytest.raises(ValidationError):
            resolution_sign(proposal=closed, user=committee_user, password="guess")
    resolution_sign(proposal=closed, user=committee_user, password=PASSWORD)
    assert WRONG_PASSWORDS.count(str(committee_user.pk)) == 0
    # Another member's count is their own.
    resolution_sign(proposal=closed, user=second_member, password=PASSWORD)


def test_the_first_signature_freezes_the_content(closed, committee_user):
    expected = resolution_canonical(closed)
    signature = resolution_sign(proposal=closed, user=committee_user, password=PASSWORD, role=SignerRole.CHAIR)
    record = signature.resolution
    assert record.content == expected
    assert record.fingerprint == resolution.fingerprint(expected)
    assert (signature.name, signature.role) == (str(committee_user), SignerRole.CHAIR)


def test_a_second_member_attaches_to_the_same_fingerprint_even_after_a_change(closed, committee_user, second_member):
    first = resolution_sign(proposal=closed, user=committee_user, password=PASSWORD)
    tamper(Ballot.objects.get(proposal=closed, choice=Choice.DISAGREE), Choice.AGREE)
    second = resolution_sign(proposal=closed, user=second_member, password=PASSWORD)
    assert second.resolution_id == first.resolution_id
    assert Resolution.objects.count() == 1
    record = Resolution.objects.get()
    assert record.fingerprint == first.resolution.fingerprint
    assert resolution.load(record.content)["tally"]["agree"]["households"] == 9  # as it was at the first signature
    assert [s.name for s in record.signatures.all()] == [str(committee_user), "李委员"]


def test_a_member_signs_once(client_as, closed, committee_user):
    resolution_sign(proposal=closed, user=committee_user, password=PASSWORD)
    with pytest.raises(ValidationError) as error:
        resolution_sign(proposal=closed, user=committee_user, password=PASSWORD)
    assert error.value.code == "already_signed"
    response = client_as(committee_user).post(
        f"/proposals/{closed.pk}/resolution/sign/", {"password": PASSWORD, "role": "member"}, follow=True
    )
    assert "您已经签署过本决议。" in response.content.decode()
    assert Signature.objects.count() == 1


def test_an_unknown_capacity_is_refused(closed, committee_user):
    with pytest.raises(ValidationError):
        resolution_sign(proposal=closed, user=committee_user, password=PASSWORD, role="king")
    assert not Resolution.objects.exists()


def test_a_proposal_still_voting_or_a_draft_cannot_be_signed(client_as, voting, community, committee_user):
    draft = proposal_create(community=community, by=committee_user, title="草稿", summary="草稿", category="other")
    for proposal in (voting, draft):
        with pytest.raises(ValidationError) as error:
            resolution_sign(proposal=proposal, user=committee_user, password=PASSWORD)
        assert error.value.code == "state"
        response = client_as(committee_user).post(
            f"/proposals/{proposal.pk}/resolution/sign/", {"password": PASSWORD, "role": "member"}
        )
        assert response.status_code == 302
    assert not Resolution.objects.exists()
