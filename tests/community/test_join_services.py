"""Join code services: issue, revoke, redeem (with its refusals and its race), bulk issue, binding removal."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from community.models import JOIN_CODE_ALPHABET, HouseholdBinding, JoinCode
from community.services import (
    binding_remove,
    join_code_issue,
    join_code_redeem,
    join_code_revoke,
    join_codes_issue_missing,
    normalize_join_code,
)
from tests.factories import build_community

pytestmark = pytest.mark.django_db


@pytest.fixture
def household(household_factory):
    return household_factory(entrance__building__name="3", entrance__name="5", room="502")


@pytest.fixture
def committee(member_of, household):
    return member_of(household.entrance.building.community)


def test_normalize_join_code():
    assert normalize_join_code(" abcd-efgh ") == "ABCDEFGH"
    assert normalize_join_code("AB CD EF GH") == "ABCDEFGH"
    assert normalize_join_code("abcd－efgh") == "ABCDEFGH"  # the full-width dash of a Chinese keyboard


def test_issue_gives_a_fresh_code_and_revokes_the_earlier_unused_ones(household, committee, settings):
    settings.JOIN_CODE_DAYS = 30
    first = join_code_issue(household=household, by=committee)
    used = JoinCode.objects.create(household=household, expires_at=timezone.now() + timedelta(days=1))
    used.used_at = timezone.now()
    used.save()
    second = join_code_issue(household=household, by=committee)
    first.refresh_from_db()
    used.refresh_from_db()
    assert first.revoked_at is not None
    assert used.revoked_at is None  # a used code is history, not revoked
    assert second.is_usable()
    assert len(second.code) == 8 and set(second.code) <= set(JOIN_CODE_ALPHABET)
    assert timedelta(days=29, hours=23) < second.expires_at - timezone.now() <= timedelta(days=30)


def test_revoke(household, committee):
    code = join_code_issue(household=household, by=committee)
    join_code_revoke(join_code=code, by=committee)
    code.refresh_from_db()
    assert code.revoked_at is not None and not code.is_usable()


def test_a_used_code_cannot_be_revoked(household, committee, user):
    code = join_code_issue(household=household, by=committee)
    join_code_redeem(code=code.code, user=user)
    with pytest.raises(ValidationError):
        join_code_revoke(join_code=code, by=committee)
    code.refresh_from_db()
    assert code.revoked_at is None


def test_redeem_binds_and_uses_up_the_code(household, committee, user):
    code = join_code_issue(household=household, by=committee)
    binding = join_code_redeem(code=code.display.lower(), user=user)
    assert (binding.user, binding.household, binding.join_code) == (user, household, code)
    code.refresh_from_db()
    assert code.used_by == user and code.used_at is not None


def test_a_second_family_member_binds_with_a_second_code(household, committee, user_factory):
    first, second = user_factory(), user_factory()
    join_code_redeem(code=join_code_issue(household=household, by=committee).code, user=first)
    join_code_redeem(code=join_code_issue(household=household, by=committee).code, user=second)
    assert set(HouseholdBinding.objects.filter(household=household).values_list("user", flat=True)) == {
        first.pk,
        second.pk,
    }


def test_redeeming_again_keeps_the_binding_and_does_not_use_the_new_code(household, committee, user):
    binding = join_code_redeem(code=join_code_issue(household=household, by=committee).code, user=user)
    fresh = join_code_issue(household=household, by=committee)
    again = join_code_redeem(code=fresh.code, user=user)
    assert again.pk == binding.pk
    fresh.refresh_from_db()
    assert fresh.is_usable() and fresh.used_by is None
    assert HouseholdBinding.objects.count() == 1


def _state():
    return (
        list(HouseholdBinding.objects.values_list("pk", flat=True)),
        list(JoinCode.objects.order_by("pk").values_list("code", "used_at", "used_by", "revoked_at")),
    )


@pytest.mark.parametrize("kind", ["unknown", "malformed", "expired", "revoked", "used"])
def test_refused_codes_change_nothing(kind, household, committee, user_factory):
    code = join_code_issue(household=household, by=committee)
    text = code.code
    if kind == "unknown":
        text = "ABCDEFGH" if code.code != "ABCDEFGH" else "HGFEDCBA"
    elif kind == "malformed":
        text = "O0I1L"
    elif kind == "expired":
        JoinCode.objects.filter(pk=code.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    elif kind == "revoked":
        join_code_revoke(join_code=code, by=committee)
    elif kind == "used":
        join_code_redeem(code=code.code, user=user_factory())
    before = _state()
    with pytest.raises(ValidationError) as refused:
        join_code_redeem(code=text, user=user_factory())
    assert refused.value.code == ("unknown" if kind == "malformed" else kind)
    assert _state() == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite ignores select_for_update; PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_two_people_redeeming_one_code_at_once_only_one_wins(household_factory, user_factory):
    household = household_factory()
    code = JoinCode.objects.create(household=household, expires_at=timezone.now() + timedelta(days=1))
    people = [user_factory() for _ in range(6)]
    barrier = threading.Barrier(len(people))
    outcomes = []

    def redeem(person):
        from django.db import connection as thread_connection

        barrier.wait()
        try:
            join_code_redeem(code=code.code, user=person)
            outcomes.append("bound")
        except ValidationError as error:
            outcomes.append(error.code)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=redeem, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["bound"] + ["used"] * (len(people) - 1)
    assert HouseholdBinding.objects.filter(household=household).count() == 1


def test_binding_remove(household, committee, user):
    binding = join_code_redeem(code=join_code_issue(household=household, by=committee).code, user=user)
    binding_remove(binding=binding, by=committee)
    assert not HouseholdBinding.objects.exists()


def test_issue_missing_gives_a_code_to_every_household_without_a_usable_one(community_factory, user):
    community = build_community(buildings=2, entrances=2, floors=3, rooms_per_floor=2)
    households = list(community.buildings.first().entrances.first().households.all())
    kept = join_code_issue(household=households[0], by=user)
    expired = join_code_issue(household=households[1], by=user)
    JoinCode.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))
    used = join_code_issue(household=households[2], by=user)
    join_code_redeem(code=used.code, user=user)
    other = build_community(buildings=1, entrances=1, floors=1, rooms_per_floor=1)

    assert join_codes_issue_missing(community=community, by=user) == 24 - 1
    now = timezone.now()
    usable = JoinCode.objects.filter(revoked_at=None, used_at=None, expires_at__gt=now)
    assert usable.filter(household__entrance__building__community=community).count() == 24
    assert usable.filter(household=households[0]).get() == kept
    assert not JoinCode.objects.filter(household__entrance__building__community=other).exists()
    assert JoinCode.objects.values("code").distinct().count() == JoinCode.objects.count()
    # Running it again finds nothing missing.
    assert join_codes_issue_missing(community=community, by=user) == 0


@pytest.mark.slow
def test_issue_missing_is_a_few_bulk_queries_for_thousands(user, django_assert_max_num_queries):
    community = build_community(buildings=5, entrances=4, floors=10, rooms_per_floor=15)  # 3,000
    # PostgreSQL inserts 2,000 rows a statement; SQLite's 999-parameter cap makes it ~140 rows a statement.
    with django_assert_max_num_queries(10 if connection.vendor == "postgresql" else 40):
        assert join_codes_issue_missing(community=community, by=user) == 3000
    assert JoinCode.objects.values("code").distinct().count() == 3000


def test_issue_and_revoke_record_who(household, user_factory):
    from community.services import join_code_issue, join_code_revoke

    secretary, committee = user_factory(), user_factory()
    first = join_code_issue(household=household, by=secretary)
    second = join_code_issue(household=household, by=committee)
    first.refresh_from_db()
    assert (first.issued_by, first.revoked_by, second.issued_by) == (secretary, committee, committee)
    join_code_revoke(join_code=second, by=secretary)
    second.refresh_from_db()
    assert second.revoked_by == secretary
