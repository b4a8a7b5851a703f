"""The committee's household page (owner, join code with its QR code, bindings) and its POST endpoints,
as a permission matrix over the `actors` fixture."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community.models import HouseholdBinding, JoinCode
from community.services import join_code_issue, join_code_redeem
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

ACTORS = ["anonymous", "household", "other_household", "canvasser", "secretary", "committee", "other_committee"]
# What each actor gets: "login" (redirect to log in), 403, or the success status.
VIEW = {"anonymous": "login", "secretary": 200, "committee": 200}
MANAGE_CODES = {"anonymous": "login", "secretary": 302, "committee": 302}
MANAGE_BINDINGS = {"anonymous": "login", "committee": 302}


@pytest.fixture
def setup(actors):
    household = actors.household_obj
    household.owner.phone = "13611112222"
    household.owner.save()
    code = join_code_issue(household=household, by=None)
    return actors, household, code


def _assert_outcome(response, expected):
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected


def _url(name, household, **extra):
    return reverse(name, kwargs={"slug": "here", "pk": household.pk, **extra})


@pytest.mark.parametrize("actor", ACTORS)
def test_household_detail_matrix(actor, setup, client_as):
    actors, household, _code = setup
    response = client_as(actors.users[actor]).get(_url("household_detail", household))
    _assert_outcome(response, VIEW.get(actor, 403))


@pytest.mark.parametrize("actor", ACTORS)
def test_issue_code_matrix(actor, setup, client_as):
    actors, household, code = setup
    response = client_as(actors.users[actor]).post(_url("join_code_issue", household))
    expected = MANAGE_CODES.get(actor, 403)
    _assert_outcome(response, expected)
    code.refresh_from_db()
    issued = JoinCode.objects.filter(household=household).count()
    if expected == 302:
        assert issued == 2 and code.revoked_at is not None
    else:
        assert issued == 1 and code.is_usable()


@pytest.mark.parametrize("actor", ACTORS)
def test_revoke_code_matrix(actor, setup, client_as):
    actors, household, code = setup
    response = client_as(actors.users[actor]).post(_url("join_code_revoke", household, code_id=code.pk))
    expected = MANAGE_CODES.get(actor, 403)
    _assert_outcome(response, expected)
    code.refresh_from_db()
    assert (code.revoked_at is not None) == (expected == 302)


@pytest.mark.parametrize("actor", ACTORS)
def test_remove_binding_matrix(actor, setup, client_as):
    actors, household, _code = setup
    binding = HouseholdBinding.objects.get(household=household)  # the `household` actor's own
    response = client_as(actors.users[actor]).post(_url("binding_remove", household, binding_id=binding.pk))
    expected = MANAGE_BINDINGS.get(actor, 403)
    _assert_outcome(response, expected)
    assert HouseholdBinding.objects.filter(pk=binding.pk).exists() == (expected != 302)


@pytest.mark.parametrize("name", ["join_code_issue", "join_code_revoke", "binding_remove"])
def test_the_endpoints_refuse_get(name, setup, client_as):
    actors, household, code = setup
    extra = {"join_code_revoke": {"code_id": code.pk}, "binding_remove": {"binding_id": 1}}.get(name, {})
    response = client_as(actors.users["committee"]).get(_url(name, household, **extra))
    assert response.status_code == 405
    code.refresh_from_db()
    assert code.is_usable()


def test_a_household_of_another_community_is_not_found_here(actors, client_as):
    elsewhere = HouseholdFactory(entrance__building__community=actors.other_community)
    code = join_code_issue(household=elsewhere, by=None)
    client = client_as(actors.users["committee"])
    assert client.get(_url("household_detail", elsewhere)).status_code == 404
    assert client.post(_url("join_code_issue", elsewhere)).status_code == 404
    assert client.post(_url("join_code_revoke", elsewhere, code_id=code.pk)).status_code == 404
    assert JoinCode.objects.filter(household=elsewhere).count() == 1


def test_a_code_or_binding_of_another_household_is_not_found_through_this_one(setup, client_as, household_factory):
    actors, household, _code = setup
    neighbour = household_factory(entrance=household.entrance)
    neighbour_code = join_code_issue(household=neighbour, by=None)
    neighbour_binding = join_code_redeem(code=neighbour_code.code, user=actors.users["canvasser"])
    client = client_as(actors.users["committee"])
    assert client.post(_url("binding_remove", household, binding_id=neighbour_binding.pk)).status_code == 404
    other_code = join_code_issue(household=neighbour, by=None)
    assert client.post(_url("join_code_revoke", household, code_id=other_code.pk)).status_code == 404
    other_code.refresh_from_db()
    assert other_code.is_usable()
    assert HouseholdBinding.objects.filter(pk=neighbour_binding.pk).exists()


def test_the_committee_sees_everything_with_the_full_phone_and_the_qr_code(setup, client_as):
    actors, household, code = setup
    html = client_as(actors.users["committee"]).get(_url("household_detail", household)).content.decode()
    assert household.code in html  # "3-5-502" style
    assert household.owner.name in html
    assert "13611112222" in html
    assert code.display in html
    assert "<svg" in html and 'class="qr"' in html
    assert f"http://testserver/join/{code.code}/" in html
    binding = HouseholdBinding.objects.get(household=household)
    assert str(binding.user) in html
    assert _url("binding_remove", household, binding_id=binding.pk) in html
    assert "解除绑定" in html


def test_the_secretary_sees_a_masked_phone_and_cannot_remove_bindings(setup, client_as):
    actors, household, code = setup
    html = client_as(actors.users["secretary"]).get(_url("household_detail", household)).content.decode()
    assert "13611112222" not in html
    assert "136****2222" in html
    assert code.display in html
    assert "解除绑定" not in html
    assert "作废此加入码" in html  # the secretary prints slips and may manage codes


def test_bound_accounts_show_a_masked_phone(setup, client_as, user_factory):
    actors, household, _code = setup
    member = user_factory(display_name="王阿姨", phone="13900001234")
    join_code_redeem(code=join_code_issue(household=household, by=None).code, user=member)
    html = client_as(actors.users["committee"]).get(_url("household_detail", household)).content.decode()
    assert "王阿姨" in html and "139****1234" in html and "13900001234" not in html


def test_no_usable_code_offers_to_issue_one(setup, client_as):
    actors, household, code = setup
    client = client_as(actors.users["committee"])
    client.post(_url("join_code_revoke", household, code_id=code.pk))
    html = client.get(_url("household_detail", household)).content.decode()
    assert "<svg" not in html
    assert "生成加入码" in html


def test_the_committee_removes_a_binding_and_the_member_loses_the_household(setup, client_as):
    actors, household, _code = setup
    member = actors.users["household"]
    binding = HouseholdBinding.objects.get(user=member)
    response = client_as(actors.users["committee"]).post(
        _url("binding_remove", household, binding_id=binding.pk), follow=True
    )
    assert "已不再绑定此房屋" in response.content.decode()
    assert not HouseholdBinding.objects.filter(user=member).exists()
    assert str(household) not in client_as(member).get(reverse("home")).content.decode()


def test_the_page_costs_the_same_queries_with_many_bindings(setup, client_as, user_factory, django_assert_num_queries):
    actors, household, _code = setup
    client = client_as(actors.users["committee"])
    url = _url("household_detail", household)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _member in range(8):
        join_code_redeem(code=join_code_issue(household=household, by=None).code, user=user_factory())
    with django_assert_num_queries(len(few)):
        client.get(url)
