"""The register of residents' representatives (居民代表): the services, the flat a code names, the committee's page
and who may use it (roles × routes); bad input is refused with a clear message and changes nothing."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from community.models import Representative
from community.selectors import household_at, representative_rows
from community.services import representative_add, representative_remove
from tests.factories import EntranceFactory, HouseholdFactory

pytestmark = pytest.mark.django_db

EXPECTED = {
    "anonymous": "login",
    "household": 403,
    "other_household": 403,
    "canvasser": 403,
    "other_committee": 403,
    "secretary": 200,
    "committee": 200,
}


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def flats(actors):
    """3号楼5单元 502 and 601 and A座1单元101, in the actors' community."""
    entrance = EntranceFactory(building__community=actors.community, building__name="3", name="5")
    lettered = EntranceFactory(building__community=actors.community, building__name="A座", name="1")
    return {
        "3-5-502": HouseholdFactory(entrance=entrance, room="502", floor=5),
        "3-5-601": HouseholdFactory(entrance=entrance, room="601", floor=6),
        "A座-1-101": HouseholdFactory(entrance=lettered, room="101", floor=1),
    }


def _refused(fn, **kwargs) -> str:
    before = list(Representative.objects.values_list("pk", "name", "household_id", "phone", "active"))
    with pytest.raises(ValidationError) as caught:
        fn(**kwargs)
    assert list(Representative.objects.values_list("pk", "name", "household_id", "phone", "active")) == before
    return caught.value.messages[0]


# --- Which flat a typed code names ----------------------------------------------------------------------------


def test_a_flat_code_names_one_household_of_this_community(actors, flats):
    community = actors.community
    assert household_at(community, "3-5-502") == flats["3-5-502"]
    assert household_at(community, "3号楼5单元502室") == flats["3-5-502"]
    assert household_at(community, "３－５－６０１") == flats["3-5-601"]
    assert household_at(community, "A座-1-101") == flats["A座-1-101"]
    for text in ("", "3-5", "3-5-999", "9-9-101", "张三", "13812345678"):
        assert household_at(community, text) is None, text
    # Another community's flat is not found here.
    assert household_at(actors.other_community, "3-5-502") is None


# --- The services ---------------------------------------------------------------------------------------------


def test_register_and_list_in_walking_order(actors, flats, english):
    community, by = actors.community, actors.users["secretary"]
    late = representative_add(community=community, by=by, name="李  四", household=flats["A座-1-101"])
    upper = representative_add(
        community=community, by=by, name="王五", household=flats["3-5-601"], phone="+86 138 1234 5678"
    )
    lower = representative_add(community=community, by=by, name="张三", household=flats["3-5-502"])
    assert (late.name, late.phone, late.active, late.created_by) == ("李 四", "", True, by)
    assert upper.phone == "13812345678"
    # Building 3 before A座; in an entrance, the higher floor first (as the roster pages walk).
    assert representative_rows(community) == [upper, lower, late]
    assert representative_rows(actors.other_community) == []


def test_bad_input_is_refused_and_changes_nothing(actors, flats, english):
    community, by = actors.community, actors.users["committee"]
    representative_add(community=community, by=by, name="张三", household=flats["3-5-502"])
    add = representative_add
    assert "no such flat" in _refused(add, community=community, by=by, name="李四", household=None)
    assert "no such flat" in _refused(
        add, community=actors.other_community, by=by, name="李四", household=flats["3-5-601"]
    )
    assert "name" in _refused(add, community=community, by=by, name="  ", household=flats["3-5-601"])
    assert "60" in _refused(add, community=community, by=by, name="长" * 61, household=flats["3-5-601"])
    assert "mobile" in _refused(add, community=community, by=by, name="李四", household=flats["3-5-601"], phone="123")
    duplicate = _refused(add, community=community, by=by, name="李四", household=flats["3-5-502"])
    assert "3-5-502 already has a representative: 张三" in duplicate


def test_removing_keeps_the_row_and_frees_the_flat(actors, flats, english):
    community, by = actors.community, actors.users["committee"]
    first = representative_add(community=community, by=by, name="张三", household=flats["3-5-502"])
    representative_remove(representative=first, by=by)
    first.refresh_from_db()
    assert not first.active and first.removed_at is not None
    assert representative_rows(community) == []
    assert "no longer a representative" in _refused(representative_remove, representative=first, by=by)
    # The flat may now have someone else; the removed one stays on record.
    second = representative_add(community=community, by=by, name="李四", household=flats["3-5-502"])
    assert representative_rows(community) == [second]
    assert Representative.objects.filter(household=flats["3-5-502"]).count() == 2


def test_one_active_representative_per_flat_is_a_database_constraint(actors, flats):
    from django.db import IntegrityError, transaction

    household = flats["3-5-502"]
    Representative.objects.create(community=actors.community, name="张三", household=household)
    with pytest.raises(IntegrityError), transaction.atomic():
        Representative.objects.create(community=actors.community, name="李四", household=household)
    Representative.objects.create(community=actors.community, name="李四", household=household, active=False)


# --- The page: roles × routes ---------------------------------------------------------------------------------


def _routes(actors, flats):
    representative = Representative.objects.create(
        community=actors.community, name="张三", household=flats["3-5-502"], phone="13812345678"
    )
    slug = actors.community.slug
    return representative, {
        "list": ("get", reverse("representative_list", args=[slug]), {}),
        "add": ("post", reverse("representative_add", args=[slug]), {"name": "王五", "flat": "3-5-601"}),
        "remove": ("post", reverse("representative_remove", args=[slug, representative.pk]), {}),
    }


@pytest.mark.parametrize("route", ["list", "add", "remove"])
@pytest.mark.parametrize("actor", list(EXPECTED))
def test_permission_matrix(actors, flats, client_as, route, actor):
    representative, routes = _routes(actors, flats)
    method, url, data = routes[route]
    before = list(Representative.objects.values_list("pk", "name", "active"))
    response = getattr(client_as(actors.users[actor]), method)(url, data)
    expected = EXPECTED[actor]
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    elif expected == 403:
        assert response.status_code == 403
    elif route == "list":
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"] == reverse("representative_list", args=[actors.community.slug])
    after = list(Representative.objects.values_list("pk", "name", "active"))
    if expected != 200 or route == "list":
        assert after == before
    elif route == "add":
        assert Representative.objects.filter(name="王五", household=flats["3-5-601"], active=True).exists()
    else:
        representative.refresh_from_db()
        assert not representative.active


def test_the_pages_refuse_get_on_writes_and_other_communities_rows(actors, flats, client_as):
    representative, routes = _routes(actors, flats)
    client = client_as(actors.users["committee"])
    assert client.get(routes["add"][1]).status_code == 405
    assert client.get(routes["remove"][1]).status_code == 405
    # A representative of this community, removed through another community's address: not found.
    other = reverse("representative_remove", args=[actors.other_community.slug, representative.pk])
    assert client_as(actors.users["other_committee"]).post(other).status_code == 404
    representative.refresh_from_db()
    assert representative.active


def test_the_page_in_chinese_lists_registers_and_refuses(actors, flats, client_as):
    _routes(actors, flats)
    client = client_as(actors.users["secretary"])
    url = reverse("representative_list", args=[actors.community.slug])
    with translation.override("zh-hans"):
        html = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        for words in ("居民代表", "登记居民代表", "张三", "3-5-502", "138****5678", "一人一票"):
            assert words in html, words
        # The secretary sees the phone masked; the committee in full.
        assert "13812345678" not in html
        assert "13812345678" in client_as(actors.users["committee"]).get(url).content.decode()

        # An unknown flat: the page again, with the reason and what was typed; nothing saved.
        count = Representative.objects.count()
        client = client_as(actors.users["secretary"])
        response = client.post(
            reverse("representative_add", args=[actors.community.slug]), {"name": "王五", "flat": "9-9-909"}
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert "本小区没有这一户" in html and 'value="9-9-909"' in html and 'value="王五"' in html
        assert Representative.objects.count() == count
        # A second representative for the same flat: refused, naming the one there.
        response = client.post(
            reverse("representative_add", args=[actors.community.slug]), {"name": "王五", "flat": "3-5-502"}
        )
        assert "3-5-502已有居民代表：张三" in response.content.decode()
        assert Representative.objects.count() == count
        # A good one: back to the list, with the new row.
        response = client.post(
            reverse("representative_add", args=[actors.community.slug]),
            {"name": "王五", "flat": "3号楼5单元601"},
            follow=True,
        )
        html = response.content.decode()
        assert "王五已登记为3-5-601的居民代表" in html
        assert Representative.objects.count() == count + 1


def test_the_overview_links_the_register(actors, client_as):
    html = client_as(actors.users["committee"]).get(reverse("community_overview", args=["here"])).content.decode()
    assert reverse("representative_list", args=["here"]) in html
