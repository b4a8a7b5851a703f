"""The committee's roster pages: who may see them, what the grid and the search show, constant query counts."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community.models import Household, Owner
from community.views.roster import OVERVIEW_FULL_GRID_LIMIT
from tests.factories import HouseholdBindingFactory, build_community

pytestmark = pytest.mark.django_db

PAGES = ["community_overview", "household_list"]
EXPECTED = {
    "anonymous": "login",
    "household": 403,
    "other_household": 403,
    "canvasser": 403,
    "other_committee": 403,
    "secretary": 200,
    "committee": 200,
}
# Session, user, roles, community, then each page's own few reads. The same bound holds at 14 and at
# 3,000 households; a per-household or per-building query would break it at once.
MAX_QUERIES = 8


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The `actors` fixture makes six users; the default hasher spends ~0.4 s on each on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("actor", list(EXPECTED))
def test_permission_matrix(actors, client_as, page, actor):
    url = reverse(page, args=[actors.community.slug])
    response = client_as(actors.users[actor]).get(url)
    expected = EXPECTED[actor]
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        assert "next=" in response["Location"]
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("page", PAGES)
def test_unknown_community_is_404(actors, client_as, page):
    response = client_as(actors.users["committee"]).get(reverse(page, args=["no-such-place"]))
    assert response.status_code == 404


# --- The overview ---------------------------------------------------------------------------------------


@pytest.fixture
def unit_door(community, building_factory, entrance_factory, household_factory, owner_factory):
    """3号楼5单元: 7 floors × 2 flats; 3号楼1单元: 2 floors × 2; one owner holds two flats, two are the developer's."""
    building = building_factory(community=community, name="3")
    entrance5 = entrance_factory(building=building, name="5")
    entrance1 = entrance_factory(building=building, name="1")
    for floor in range(1, 8):
        for number, area in ((1, "78.30"), (2, "56.80")):
            household_factory(entrance=entrance5, room=f"{floor}0{number}", floor=floor, area=Decimal(area))
    twice = owner_factory(community=community, name="张伟", phone="13812345678")
    developer = owner_factory(community=community, kind=Owner.Kind.DEVELOPER, name="开发商", phone="")
    household_factory(entrance=entrance1, room="101", floor=1, owner=twice)
    household_factory(entrance=entrance1, room="102", floor=1, owner=twice)
    household_factory(entrance=entrance1, room="201", floor=2, owner=developer, developer_held=True)
    household_factory(entrance=entrance1, room="202", floor=2, owner=developer, developer_held=True)
    return community


def test_overview_totals_count_heads_as_the_law_does(unit_door, member_of, client_as):
    response = client_as(member_of(unit_door)).get(reverse("community_overview", args=[unit_door.slug]))
    totals = response.context["totals"]
    # 18 households; 张伟's two flats are one head, the developer's two flats are one head.
    assert (totals.households, totals.heads) == (18, 16)
    assert totals.area == Decimal("945.70") + 4 * Decimal("89.50")
    assert f"{totals.area}" in response.content.decode()


def test_overview_grid_has_entrances_as_columns_and_floors_top_down(unit_door, member_of, client_as):
    response = client_as(member_of(unit_door)).get(reverse("community_overview", args=[unit_door.slug]))
    [grid] = response.context["grids"]
    assert grid.label == "3号楼"
    assert [column.label for column in grid.entrances] == ["1单元", "5单元"]
    assert [column.households for column in grid.entrances] == [4, 14]
    assert [row.floor for row in grid.floors] == [7, 6, 5, 4, 3, 2, 1]
    top, bottom = grid.floors[0], grid.floors[-1]
    assert [[h.room for h in cell] for cell in top.cells] == [[], ["701", "702"]]
    assert [[h.room for h in cell] for cell in bottom.cells] == [["101", "102"], ["101", "102"]]
    assert grid.households == 18


def test_overview_links_every_room_to_its_household_page(unit_door, member_of, client_as):
    response = client_as(member_of(unit_door)).get(reverse("community_overview", args=[unit_door.slug]))
    html = response.content.decode()
    household_links = set(re.findall(r'href="(/c/[^"]+/households/\d+/)"', html))
    expected = {reverse("household_detail", args=[unit_door.slug, h.pk]) for h in Household.objects.of(unit_door)}
    assert household_links == expected
    assert reverse("household_list", args=[unit_door.slug]) in html


def test_import_link_only_for_the_committee(actors, client_as):
    url = reverse("community_overview", args=[actors.community.slug])
    import_url = reverse("roster_import", args=[actors.community.slug])
    assert import_url in client_as(actors.users["committee"]).get(url).content.decode()
    assert import_url not in client_as(actors.users["secretary"]).get(url).content.decode()


def test_large_community_shows_counts_not_rooms(member_of, client_as):
    community = build_community(buildings=30, entrances=2, floors=11, rooms_per_floor=5, slug="big")
    assert OVERVIEW_FULL_GRID_LIMIT < 30 * 2 * 11 * 5
    client = client_as(member_of(community))
    url = reverse("community_overview", args=[community.slug])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert len(queries) <= MAX_QUERIES
    html = response.content.decode()
    assert response.context["summary_mode"] is True
    assert not re.search(r"/households/\d+/", html)
    grids = response.context["grids"]
    assert len(grids) == 30
    assert all(grid.households == 110 for grid in grids)
    # 22 floors of entrances × flats of 81–85 m²; exact to the cent on both databases (SQLite sums as floats).
    assert str(grids[0].area) == "9130.00"
    assert "9130.00 m²" in html
    assert grids[0].floors[0].floor == 11
    assert grids[0].floors[0].cells == [5, 5]
    assert f"?building={grids[0].id}" in html
    assert response.context["totals"].households == 3300

    # One building's full grid: every room of it, and nothing of the others.
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"building": grids[0].id})
    assert len(queries) <= MAX_QUERIES
    assert len(set(re.findall(r"/households/(\d+)/", response.content.decode()))) == 110
    assert [grid.id for grid in response.context["grids"]] == [grids[0].id]


def test_building_of_another_community_is_404(actors, client_as, building_factory):
    elsewhere = building_factory(community=actors.other_community)
    client = client_as(actors.users["committee"])
    url = reverse("community_overview", args=[actors.community.slug])
    assert client.get(url, {"building": elsewhere.pk}).status_code == 404
    assert client.get(url, {"building": "x"}).status_code == 404


def test_empty_community_says_so(community, member_of, client_as):
    response = client_as(member_of(community)).get(reverse("community_overview", args=[community.slug]))
    assert response.status_code == 200
    assert response.context["grids"] == []


# --- The household list -----------------------------------------------------------------------------------


@pytest.fixture
def street(community, building_factory, entrance_factory, household_factory, owner_factory):
    """Buildings 3 and 13; entrances 3-4, 3-5, 13-5; room 502 in each, 501 in 3-5."""
    b3 = building_factory(community=community, name="3")
    b13 = building_factory(community=community, name="13")
    e34 = entrance_factory(building=b3, name="4")
    e35 = entrance_factory(building=b3, name="5")
    e135 = entrance_factory(building=b13, name="5")
    zhang = owner_factory(community=community, name="张秀英", phone="13812345678")
    household_factory(entrance=e35, room="502", floor=5, owner=zhang)
    household_factory(entrance=e35, room="501", floor=5, owner=owner_factory(community=community, name="李建国"))
    household_factory(entrance=e34, room="502", floor=5, owner=owner_factory(community=community, name="王芳"))
    household_factory(entrance=e135, room="502", floor=5, owner=owner_factory(community=community, name="张伟"))
    return community


def _codes(response) -> list[str]:
    return [household.code for household in response.context["page"].object_list]


def _search(client, community, text):
    return client.get(reverse("household_list", args=[community.slug]), {"q": text})


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("3-5-502", ["3-5-502"]),
        ("3号楼5单元502", ["3-5-502"]),
        ("3栋5单元502室", ["3-5-502"]),
        ("3/5/502", ["3-5-502"]),
        ("3 5 502", ["3-5-502"]),
        ("３－５－５０２", ["3-5-502"]),
        ("3-5", ["3-5-501", "3-5-502"]),
        ("3号楼5单元", ["3-5-501", "3-5-502"]),
        ("3", ["3-4-502", "3-5-501", "3-5-502"]),
        ("13-5-502", ["13-5-502"]),
        ("5单元502", ["3-5-502", "13-5-502"]),
        ("张", ["3-5-502", "13-5-502"]),
        ("李建国", ["3-5-501"]),
        ("9-9-999", []),
        ("", ["3-4-502", "3-5-501", "3-5-502", "13-5-502"]),
    ],
)
def test_search(street, member_of, client_as, text, codes):
    response = _search(client_as(member_of(street)), street, text)
    assert response.status_code == 200
    assert _codes(response) == codes


@pytest.mark.parametrize("text", ["A座2单元1502", "A-2-1502", "a-2-1502"])
def test_search_lettered_building(community, household_factory, member_of, client_as, text):
    household_factory(
        entrance__building__community=community,
        entrance__building__name="A座",
        entrance__name="2",
        room="1502",
        floor=15,
    )
    household_factory(
        entrance__building__community=community,
        entrance__building__name="B座",
        entrance__name="2",
        room="1502",
        floor=15,
    )
    assert _codes(_search(client_as(member_of(community)), community, text)) == ["A座-2-1502"]


def test_search_shows_the_totals_of_what_it_found(street, member_of, client_as):
    totals = _search(client_as(member_of(street)), street, "3-5").context["found_totals"]
    assert (totals.households, totals.heads, totals.area) == (2, 2, Decimal("179.00"))


def test_committee_sees_full_phones_and_searches_any_fragment(street, member_of, client_as):
    client = client_as(member_of(street, "committee"))
    response = _search(client, street, "3-5-502")
    assert "13812345678" in response.content.decode()
    assert _codes(_search(client, street, "1234567")) == ["3-5-502"]


def test_secretary_sees_masked_phones_and_searches_only_what_they_show(street, member_of, client_as):
    client = client_as(member_of(street, "secretary"))
    html = _search(client, street, "3-5-502").content.decode()
    assert "138****5678" in html
    assert "13812345678" not in html
    assert _codes(_search(client, street, "5678")) == ["3-5-502"]
    assert _codes(_search(client, street, "138 1234 5678")) == ["3-5-502"]
    refused = _search(client, street, "1234567")
    assert _codes(refused) == []
    assert refused.context["phone_refused"] is True


def test_list_columns(street, member_of, client_as, household_factory):
    household = street.buildings.get(name="3").entrances.get(name="5").households.get(room="502")
    HouseholdBindingFactory(household=household)
    HouseholdBindingFactory(household=household)
    response = _search(client_as(member_of(street)), street, "3-5-502")
    [row] = response.context["page"].object_list
    assert row.bound_accounts == 2
    html = response.content.decode()
    assert "3号楼5单元502" in html
    assert reverse("household_detail", args=[street.slug, household.pk]) in html
    assert "89.50" in html and "张秀英" in html


def test_list_is_in_roster_order_and_paginated(member_of, client_as):
    community = build_community(buildings=2, entrances=2, floors=10, rooms_per_floor=2, slug="paged")
    client = client_as(member_of(community))
    url = reverse("household_list", args=[community.slug])
    first = client.get(url)
    assert first.context["page"].paginator.count == 80
    assert len(first.context["page"].object_list) == 50
    assert _codes(first)[:4] == ["1-1-1001", "1-1-1002", "1-1-901", "1-1-902"]
    second = client.get(url, {"page": 2})
    assert len(second.context["page"].object_list) == 30
    assert _codes(second)[-1] == "2-2-102"
    assert not set(_codes(first)) & set(_codes(second))
    # A search keeps its words across pages.
    assert "q=2-2&amp;page=2" not in first.content.decode()
    assert client.get(url, {"page": "nonsense"}).status_code == 200


# --- Constant query counts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "households"),
    [
        ({"buildings": 1, "entrances": 1, "floors": 7, "rooms_per_floor": 2}, 14),
        ({"buildings": 5, "entrances": 4, "floors": 25, "rooms_per_floor": 6}, 3000),
    ],
)
@pytest.mark.parametrize(
    ("page", "params"),
    [
        ("community_overview", {}),
        ("household_list", {}),
        ("household_list", {"q": "1-1"}),
        ("household_list", {"q": "业主1", "page": "2"}),
        ("household_list", {"page": "2"}),
    ],
)
@pytest.mark.slow
def test_constant_number_of_queries(
    member_of, client_as, django_assert_max_num_queries, shape, households, page, params
):
    community = build_community(**shape)
    client = client_as(member_of(community))
    url = reverse(page, args=[community.slug])
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(url, params)
    assert response.status_code == 200
    if page == "community_overview":
        assert response.context["totals"].households == households
        # At 3,000 households (the limit) every room is still on the page.
        assert len(re.findall(r"/households/\d+/", response.content.decode())) == households
