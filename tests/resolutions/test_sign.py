"""Signing: only the committee of the proposal's community, with the right password, once voting is over, once per
member; the first signature freezes the content and the later ones attach to the same fingerprint."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from community.models import Role
from proposals.services import proposal_create
from resolutions import canonical as resolution
from resolutions.forms import SignForm
from resolutions.models import Resolution, Signature, SignerRole
from resolutions.selectors import resolution_canonical, signer_role
from resolutions.services import WRONG_PASSWORDS, resolution_sign
from tests.resolutions.conftest import PASSWORD, ROLES, tamper
from voting.models import Ballot, Choice

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ROLES)
def test_only_the_committee_of_the_community_signs(client_as, actors, here, role):
    user = actors.users[role]
    client = client_as(user)
    response = client.post(f"/proposals/{here.pk}/resolution/sign/", {"password": PASSWORD, "role": "member"})
    if role == "committee":
        assert response.status_code == 302 and response["Location"] == f"/proposals/{here.pk}/resolution/"
        signature = Signature.objects.get()
        assert signature.user == user and signature.resolution.proposal == here
    elif role == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    elif user.has_perm("proposals.view_proposal", here):
        # Back on the resolution page, told why: they hold no committee role in this community.
        assert response.status_code == 302 and response["Location"] == f"/proposals/{here.pk}/resolution/"
        page = client.get(response["Location"]).content.decode()
        assert "只有本小区的业主委员会委员才能签署决议，您的账号在该小区没有业委会委员身份。未签署。" in page
    else:
        assert response.status_code == 403
    if role != "committee":
        assert not Resolution.objects.exists() and not Signature.objects.exists()


def test_signing_is_a_post(client_as, actors, here):
    response = client_as(actors.users["committee"]).get(f"/proposals/{here.pk}/resolution/sign/")
    assert response.status_code == 405
    assert not Resolution.objects.exists()


def test_the_service_refuses_anybody_without_a_committee_role_in_the_community(actors, here):
    for who in ("other_committee", "secretary", "canvasser", "household"):
        with pytest.raises(ValidationError) as error, translation.override("en"):
            resolution_sign(proposal=here, user=actors.users[who], password=PASSWORD)
        assert error.value.code == "no_role"
        assert "Only a member of the owners' committee of" in error.value.messages[0]
    assert not Resolution.objects.exists()


def test_the_permission_is_checked_too(actors, here, monkeypatch):
    """Should the capacities ever grant more than the permission, the permission still decides."""
    monkeypatch.setattr("resolutions.services.signer_role", lambda user, community: SignerRole.MEMBER)
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
    signature = resolution_sign(proposal=closed, user=committee_user, password=PASSWORD)
    record = signature.resolution
    assert record.content == expected
    assert record.fingerprint == resolution.fingerprint(expected)
    assert (signature.name, signature.role) == (str(committee_user), SignerRole.MEMBER)


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


# --- The capacity comes from the community's roles ------------------------------------------------------------


def test_the_capacity_comes_from_the_role_in_the_community(community, committee_user, actors):
    assert signer_role(committee_user, community) == SignerRole.MEMBER
    for who in ("secretary", "canvasser", "household", "anonymous"):
        assert signer_role(actors.users[who], actors.community) is None
    # A committee member elsewhere holds no capacity here.
    assert signer_role(actors.users["other_committee"], actors.community) is None


@pytest.mark.parametrize(
    ("office", "capacity", "printed"),
    [
        (Role.Office.CHAIR, SignerRole.CHAIR, "业主委员会主任"),
        (Role.Office.VICE_CHAIR, SignerRole.VICE_CHAIR, "业主委员会副主任"),
        (Role.Office.MEMBER, SignerRole.MEMBER, "业主委员会委员"),
    ],
)
def test_the_capacity_is_the_office_the_owners_elected(client_as, closed, committee_user, office, capacity, printed):
    Role.objects.filter(user=committee_user, community=closed.community, kind=Role.Kind.COMMITTEE).update(office=office)
    assert signer_role(committee_user, closed.community) == capacity
    html = client_as(committee_user).get(f"/proposals/{closed.pk}/resolution/").content.decode()
    assert f"您将以{printed}身份签署" in html
    resolution_sign(proposal=closed, user=committee_user, password=PASSWORD)
    assert Signature.objects.get().role == capacity


def test_only_a_committee_member_holds_an_office(community, user):
    with pytest.raises(IntegrityError), transaction.atomic():
        Role.objects.create(user=user, community=community, kind=Role.Kind.CANVASSER, office=Role.Office.CHAIR)


def test_a_capacity_sent_with_the_form_is_ignored(client_as, closed, committee_user):
    """The old form's choice: anybody could sign as the chair. Now nothing in the request picks the capacity."""
    response = client_as(committee_user).post(
        f"/proposals/{closed.pk}/resolution/sign/", {"password": PASSWORD, "role": SignerRole.CHAIR}
    )
    assert response.status_code == 302
    assert Signature.objects.get().role == SignerRole.MEMBER
    with pytest.raises(TypeError):
        resolution_sign(proposal=closed, user=committee_user, password=PASSWORD, role=SignerRole.CHAIR)


def test_the_form_asks_only_for_the_password_and_the_page_says_the_capacity(client_as, closed, committee_user):
    assert list(SignForm().fields) == ["password"]
    assert SignForm({"password": PASSWORD, "role": "chair"}).is_valid()
    html = client_as(committee_user).get(f"/proposals/{closed.pk}/resolution/").content.decode()
    assert "您将以业主委员会委员身份签署" in html
    assert 'name="role"' not in html and "业主委员会主任" not in html


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
