"""Creating and editing proposals: the rule choice, the scope picker, codes of households, only this community."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from proposals.forms import households_from_codes, split_household_codes
from proposals.models import Category, Proposal, RuleCode, Scope, State
from proposals.services import proposal_create
from tests.proposals.conftest import make_proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def place(actors, building_factory, entrance_factory, household_factory):
    """Here: 3号楼 with 5单元 (501, 502, 601) and 6单元 (101); A座1单元101. Elsewhere: 3号楼5单元501."""
    b3 = building_factory(community=actors.community, name="3")
    e35 = entrance_factory(building=b3, name="5")
    e36 = entrance_factory(building=b3, name="6")
    ba = building_factory(community=actors.community, name="A座")
    ea1 = entrance_factory(building=ba, name="1")
    rooms = {
        "3-5-501": household_factory(entrance=e35, room="501", floor=5, area=Decimal("90.00")),
        "3-5-502": household_factory(entrance=e35, room="502", floor=5, area=Decimal("90.00")),
        "3-5-601": household_factory(entrance=e35, room="601", floor=6, area=Decimal("90.00")),
        "3-6-101": household_factory(entrance=e36, room="101", floor=1, area=Decimal("90.00")),
        "A座-1-101": household_factory(entrance=ea1, room="101", floor=1, area=Decimal("90.00")),
    }
    ob3 = building_factory(community=actors.other_community, name="3")
    oe35 = entrance_factory(building=ob3, name="5")
    other_room = household_factory(entrance=oe35, room="501", floor=5)
    other_only = household_factory(entrance=oe35, room="909", floor=9)
    from types import SimpleNamespace

    return SimpleNamespace(
        b3=b3, e35=e35, e36=e36, ba=ba, rooms=rooms, other_b3=ob3, other_e35=oe35, other_room=other_room,
        other_only=other_only,
    )  # fmt: skip


def data(**overrides):
    return {
        "title": "更换单元门",
        "summary": "更换3号楼5单元的单元门",
        "body": "报价见附件。",
        "category": Category.REBUILD,
        "rule_mode": "law",
        "scope": Scope.COMMUNITY,
    } | overrides


def post_new(client, actors, payload):
    return client.post(reverse("proposal_new", args=[actors.community.slug]), payload)


@pytest.fixture
def client(actors, client_as):
    return client_as(actors.users["committee"])


@pytest.mark.parametrize(
    ("category", "mode", "rule"),
    [
        (Category.REBUILD, "law", RuleCode.CIVIL_CODE_MAJOR),
        (Category.FUND_RAISE, "law", RuleCode.CIVIL_CODE_MAJOR),
        (Category.COMMON_PARTS, "law", RuleCode.CIVIL_CODE_MAJOR),
        (Category.FUND_USE, "law", RuleCode.CIVIL_CODE_ORDINARY),
        (Category.OTHER, "law", RuleCode.CIVIL_CODE_ORDINARY),
        (Category.OTHER, "unanimous", RuleCode.UNANIMOUS),
        (Category.REBUILD, "elevator", RuleCode.ELEVATOR),
    ],
)
def test_rule_is_derived_from_the_matter_unless_the_committee_asks_for_more(actors, client, category, mode, rule):
    response = post_new(client, actors, data(category=category, rule_mode=mode))
    proposal = Proposal.objects.get()
    assert response["Location"] == reverse("proposal_detail", args=[proposal.pk])
    assert (proposal.rule, proposal.state, proposal.created_by) == (rule, State.DRAFT, actors.users["committee"])


def test_the_form_offers_the_nine_items_and_other_and_shows_the_derived_rules(actors, client):
    html = client.get(reverse("proposal_new", args=[actors.community.slug])).content.decode()
    for value in Category.values:
        assert f'value="{value}"' in html
    assert 'id="derived-rules"' in html


def test_scope_buildings(actors, client, place):
    post_new(client, actors, data(scope=Scope.BUILDINGS, buildings=[place.b3.pk]))
    proposal = Proposal.objects.get()
    assert proposal.scope == Scope.BUILDINGS
    assert list(proposal.scope_buildings.all()) == [place.b3]
    assert not proposal.scope_entrances.exists() and not proposal.scope_households.exists()


def test_scope_entrances(actors, client, place):
    post_new(client, actors, data(scope=Scope.ENTRANCES, entrances=[place.e35.pk, place.e36.pk]))
    assert set(Proposal.objects.get().scope_entrances.all()) == {place.e35, place.e36}


def test_scope_households_from_codes_in_any_common_form(actors, client, place):
    text = "3-5-501， 3-5-502\n3号楼5单元601室\n\n3-5-501\na座-1-101"
    post_new(client, actors, data(scope=Scope.HOUSEHOLDS, households=text))
    proposal = Proposal.objects.get()
    expected = {place.rooms[code] for code in ("3-5-501", "3-5-502", "3-5-601", "A座-1-101")}
    assert set(proposal.scope_households.all()) == expected


def test_items_of_the_other_scopes_are_ignored(actors, client, place):
    post_new(client, actors, data(scope=Scope.ENTRANCES, entrances=[place.e35.pk], buildings=[place.b3.pk]))
    proposal = Proposal.objects.get()
    assert not proposal.scope_buildings.exists()


@pytest.mark.parametrize(
    "payload",
    [
        lambda place: data(scope=Scope.BUILDINGS, buildings=[place.other_b3.pk]),
        lambda place: data(scope=Scope.BUILDINGS, buildings=[place.b3.pk, place.other_b3.pk]),
        lambda place: data(scope=Scope.ENTRANCES, entrances=[place.other_e35.pk]),
        lambda place: data(scope=Scope.HOUSEHOLDS, households="3-5-909"),  # exists only in the other community
        lambda place: data(scope=Scope.BUILDINGS),
        lambda place: data(scope=Scope.ENTRANCES),
        lambda place: data(scope=Scope.HOUSEHOLDS, households=" \n ,"),
        lambda place: data(scope="everyone"),
        lambda place: data(category="anything"),
        lambda place: data(rule_mode="majority"),
        lambda place: data(title=""),
        lambda place: data(summary="x" * 301),
    ],
)
def test_bad_input_creates_nothing(actors, client, place, payload):
    response = post_new(client, actors, payload(place))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Proposal.objects.exists()


def test_unknown_codes_are_named_in_the_error(actors, client, place):
    response = post_new(client, actors, data(scope=Scope.HOUSEHOLDS, households="3-5-501\n3-5-999\n9-9-101\nhello"))
    assert not Proposal.objects.exists()
    [error] = response.context["form"].errors["households"]
    for code in ("3-5-999", "9-9-101", "hello"):
        assert code in error
    assert "3-5-501" not in error
    assert "3-5-999" in response.content.decode()


def test_codes_are_split_and_deduplicated():
    assert split_household_codes("3-5-501，3-5-502、3-5-503;3-5-504\r\n3-5-501\n\n") == [
        "3-5-501",
        "3-5-502",
        "3-5-503",
        "3-5-504",
    ]


def test_code_lookup_is_two_queries_for_many_codes(actors, place, django_assert_max_num_queries):
    codes = list(place.rooms) + [f"3-5-{n}" for n in range(1000, 1600)]
    with django_assert_max_num_queries(2):
        found, unknown = households_from_codes(actors.community, codes)
    assert set(found) == set(place.rooms.values())
    assert len(unknown) == 600


def test_the_service_also_refuses_another_communitys_objects(actors, place):
    committee = actors.users["committee"]
    fields = {"community": actors.community, "by": committee, "title": "t", "summary": "s", "category": "other"}
    for scope, key, item in [
        (Scope.BUILDINGS, "buildings", place.other_b3),
        (Scope.ENTRANCES, "entrances", place.other_e35),
        (Scope.HOUSEHOLDS, "households", place.other_room),
    ]:
        with pytest.raises(ValidationError):
            proposal_create(scope=scope, **{key: [item]}, **fields)
    assert not Proposal.objects.exists()


def test_entrances_are_grouped_by_building_in_collapsible_sections(actors, client, place):
    html = client.get(reverse("proposal_new", args=[actors.community.slug])).content.decode()
    assert html.count('<details class="building-entrances"') == 3  # the actors' building, 3号楼 and A座
    assert f'name="entrances" value="{place.e35.pk}"' in html
    assert f'value="{place.other_e35.pk}"' not in html


# --- Editing -----------------------------------------------------------------------------------------------


def test_edit_shows_the_saved_scope_and_saves_changes(actors, client, place):
    committee = actors.users["committee"]
    proposal = make_proposal(actors.community, committee, scope=Scope.HOUSEHOLDS, households=[place.rooms["3-5-502"]])
    url = reverse("proposal_edit", args=[proposal.pk])
    response = client.get(url)
    assert response.context["form"].initial["households"] == "3-5-502"
    assert "3-5-502" in response.content.decode()

    response = client.post(url, data(scope=Scope.ENTRANCES, entrances=[place.e36.pk], rule_mode="unanimous"))
    assert response["Location"] == reverse("proposal_detail", args=[proposal.pk])
    proposal.refresh_from_db()
    assert (proposal.scope, proposal.rule) == (Scope.ENTRANCES, RuleCode.UNANIMOUS)
    assert list(proposal.scope_entrances.all()) == [place.e36]
    assert not proposal.scope_households.exists()


@pytest.mark.parametrize("state", [State.VOTING, State.CLOSED, State.PUBLISHED, State.WITHDRAWN])
def test_edit_after_consultation_says_why_and_changes_nothing(actors, client, state):
    proposal = make_proposal(actors.community, actors.users["committee"], state=state)
    url = reverse("proposal_edit", args=[proposal.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["editable"] is False
    assert 'name="title"' not in response.content.decode()
    response = client.post(url, data(title="改过的"))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    proposal.refresh_from_db()
    assert proposal.title == "更换单元门"


def test_edit_in_consultation_is_allowed(actors, client):
    proposal = make_proposal(actors.community, actors.users["committee"], state=State.CONSULTATION)
    client.post(reverse("proposal_edit", args=[proposal.pk]), data(title="改过的"))
    proposal.refresh_from_db()
    assert (proposal.title, proposal.state) == ("改过的", State.CONSULTATION)


def test_the_codes_the_edit_page_shows_are_accepted_back(actors, client, place):
    # Household.code writes "A座-1-101"; the box must read back what the page itself wrote.
    chosen = [place.rooms["3-5-502"], place.rooms["A座-1-101"]]
    proposal = make_proposal(actors.community, actors.users["committee"], scope=Scope.HOUSEHOLDS, households=chosen)
    url = reverse("proposal_edit", args=[proposal.pk])
    initial = client.get(url).context["form"].initial
    response = client.post(url, data(scope=Scope.HOUSEHOLDS, households=initial["households"]))
    assert response.status_code == 302
    assert set(proposal.scope_households.all()) == set(chosen)
