"""The demo data (`load_demo`) and the large-community generator (`generate_community`)."""

from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from community.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, SHANSHUI, XIANGJIAOYUAN
from community.models import Building, Community, Entrance, Household, HouseholdBinding, Owner, Role
from community.selectors import community_totals

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Community, Building, Entrance, Household, Owner, Role, HouseholdBinding, get_user_model())
    }


def test_unit_door_stairwell_has_exactly_fourteen_households(demo):
    stairwell = Household.objects.filter(
        entrance__building__community__slug=XIANGJIAOYUAN, entrance__building__name="3", entrance__name="5"
    )
    assert stairwell.count() == 14
    assert set(stairwell.values_list("floor", flat=True)) == {1, 2, 3, 4, 5, 6, 7}
    rooms = set(stairwell.values_list("room", flat=True))
    assert rooms == {f"{floor}0{number}" for floor in range(1, 8) for number in (1, 2)}
    assert all(Decimal("56.80") <= area <= Decimal("78.30") for area in stairwell.values_list("area", flat=True))
    # 14 households, 14 heads: the stairwell's decision was unanimous among 14 owners.
    assert stairwell.values("owner").distinct().count() == 14
    xiangjiaoyuan = Community.objects.get(slug=XIANGJIAOYUAN)
    assert xiangjiaoyuan.name == "橡胶园小区"
    assert "阜新" in xiangjiaoyuan.address
    assert xiangjiaoyuan.buildings.count() >= 5


def test_shanshui_has_developer_flats_and_multi_flat_owners(demo):
    shanshui = Community.objects.get(slug=SHANSHUI)
    totals = community_totals(shanshui)
    assert 400 <= totals.households <= 600
    developer = Owner.objects.get(community=shanshui, kind=Owner.Kind.DEVELOPER)
    assert developer.name == "合肥山水置业有限公司"
    developer_flats = Household.objects.of(shanshui).filter(developer_held=True)
    assert developer_flats.count() >= 5
    assert set(developer_flats.values_list("owner", flat=True)) == {developer.pk}
    multi = Owner.objects.filter(community=shanshui, kind=Owner.Kind.PERSON).annotate(n=Count("households"))
    assert multi.filter(n__gte=2).count() >= 5
    assert multi.filter(n=0).count() == 0
    # Heads as the law counts them: each person once, the developer once.
    assert totals.heads == multi.count() + 1
    assert totals.heads < totals.households
    areas = Household.objects.of(shanshui).values_list("area", flat=True)
    assert all(Decimal("60") <= area <= Decimal("160") for area in areas)
    phones = list(Owner.objects.filter(community=shanshui, kind=Owner.Kind.PERSON).values_list("phone", flat=True))
    assert len(set(phones)) == len(phones)
    assert all(len(phone) == 11 and phone[0] == "1" and phone[1] in "3456789" for phone in phones)


def test_demo_accounts_roles_and_bindings(demo):
    User = get_user_model()

    def kinds(username, slug):
        return set(Role.objects.filter(user__username=username, community__slug=slug).values_list("kind", flat=True))

    assert kinds("committee", XIANGJIAOYUAN) == kinds("committee", SHANSHUI) == {"committee"}
    assert kinds("secretary", XIANGJIAOYUAN) == {"secretary"}
    assert kinds("canvasser", XIANGJIAOYUAN) == {"canvasser"}
    assert User.objects.get(username="canvasser").display_name == "高桂兰"
    for kind in ("property", "observer"):
        assert kinds(kind, SHANSHUI) == {kind}
    # The stories (demo/stories.py) also send the party-member volunteer and 高桂兰 canvassing in 山水名城.
    assert kinds("party", SHANSHUI) == {"party", "canvasser"}
    assert kinds("canvasser", SHANSHUI) == {"canvasser"}
    resident = HouseholdBinding.objects.get(user__username="resident").household
    assert (resident.code, resident.floor) == ("3-5-501", 5)
    assert resident.entrance.building.community.slug == XIANGJIAOYUAN
    assert HouseholdBinding.objects.get(user__username="resident2").household.entrance.building.community.slug == (
        SHANSHUI
    )
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert all(user.phone_verified for user in User.objects.exclude(phone=None))


def test_demo_accounts_log_in_with_the_published_password(client, demo):
    for account in DEMO_ACCOUNTS:
        assert client.login(username=account.username, password=DEMO_PASSWORD), account.username
        client.logout()
    assert not client.login(username="committee", password="wrong-password")


def test_load_demo_twice_changes_nothing(demo):
    first_output = demo.output
    before = _counts()
    snapshot = list(Household.objects.order_by("pk").values_list("pk", "room", "area", "owner_id"))
    with CaptureQueriesContext(connection) as queries:
        second_output = load_demo()
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []
    assert _counts() == before
    assert list(Household.objects.order_by("pk").values_list("pk", "room", "area", "owner_id")) == snapshot
    assert "committee" in first_output and "committee" in second_output


def test_load_demo_prints_accounts_and_where_to_log_in(demo):
    output = demo.output
    for account in DEMO_ACCOUNTS:
        assert account.username in output
    assert DEMO_PASSWORD in output
    assert "http://127.0.0.1:8000/accounts/login/" in output


def test_load_demo_completes_a_partly_loaded_demo(demo):
    Role.objects.filter(user__username="secretary").delete()
    before = _counts()
    load_demo()
    assert _counts()["Role"] == before["Role"] + 1


def generate(*args) -> str:
    out = StringIO()
    call_command("generate_community", *args, stdout=out)
    return out.getvalue()


def test_generate_community_creates_exactly_that_many_households():
    output = generate("--slug", "shijicheng", "--name", "世纪城西区", "--households", "500")
    community = Community.objects.get(slug="shijicheng")
    assert community.name == "世纪城西区"
    totals = community_totals(community)
    assert totals.households == 500
    assert "500" in output
    floors = Household.objects.of(community).values_list("floor", flat=True)
    assert max(floors) >= 20
    assert Owner.objects.filter(community=community, kind=Owner.Kind.DEVELOPER).count() == 1
    multi = Owner.objects.filter(community=community).annotate(n=Count("households")).filter(n__gte=2)
    assert multi.exclude(kind=Owner.Kind.DEVELOPER).exists()
    assert totals.heads < totals.households


def test_generate_community_refuses_an_existing_slug_and_replaces_on_request():
    generate("--slug", "big", "--households", "300")
    before = _counts()
    with pytest.raises(CommandError, match="--replace"):
        generate("--slug", "big", "--households", "200")
    assert _counts() == before
    generate("--slug", "big", "--households", "200", "--replace")
    assert community_totals(Community.objects.get(slug="big")).households == 200
    assert Owner.objects.filter(community__slug="big", households=None).count() == 0


def test_generate_community_rejects_nonsense():
    with pytest.raises(CommandError):
        generate("--slug", "none", "--households", "0")
    assert not Community.objects.filter(slug="none").exists()
