"""Querysets compiled once and run again with other values give what the queryset itself gives."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import F

from community.models import Community, Household
from config.precompiled import Precompiled

pytestmark = pytest.mark.django_db


def test_runs_again_with_other_values(household_factory):
    households = household_factory.create_batch(3)
    by_entrance_and_pk = Precompiled(
        lambda entrance_id, pk: Household.objects.filter(entrance_id=entrance_id, pk=pk), arguments=2
    )
    for household in households:
        (found,) = by_entrance_and_pk.objects(household.entrance_id, household.pk)
        assert (found.pk, found.room, found.area) == (household.pk, household.room, household.area)
    assert by_entrance_and_pk.objects(households[0].entrance_id, households[1].pk) == []


def test_text_arguments_annotations_and_rows(household_factory):
    household = household_factory()
    by_room = Precompiled(
        lambda room: Household.objects.filter(room=room).annotate(twice=F("area") * 2).order_by("pk"), arguments=1
    )
    (found,) = by_room.objects(household.room)
    assert (found.pk, found.twice) == (household.pk, household.area * 2)
    assert by_room.row(household.room)[0] == household.pk
    assert by_room.row("no such room") is None


def test_an_argument_used_twice(household_factory):
    household = household_factory()
    twice = Precompiled(lambda pk: Household.objects.filter(pk=pk).exclude(pk=pk), arguments=1)
    assert twice.objects(household.pk) == []
    same = Precompiled(lambda pk: Household.objects.filter(pk=pk) | Household.objects.filter(pk=pk), arguments=1)
    assert [each.pk for each in same.objects(household.pk)] == [household.pk]


def test_only_and_a_lock_inside_a_transaction(community_factory):
    community = community_factory()
    locked = Precompiled(lambda pk: Community.objects.select_for_update().only("name").filter(pk=pk), arguments=1)
    with transaction.atomic():
        (found,) = locked.objects(community.pk)
    assert found.name == community.name
    assert "slug" in found.get_deferred_fields()


def test_an_argument_that_is_not_a_parameter_is_refused():
    not_used = Precompiled(lambda pk: Household.objects.all(), arguments=1)
    with pytest.raises(ValueError, match="every argument must be a parameter"):
        not_used.objects(5)


def test_select_related_and_converted_values(household_factory):
    household = household_factory(area="88.10")
    with_location = Precompiled(
        lambda pk: Household.objects.select_related("entrance__building").filter(pk=pk), arguments=1
    )
    (found,) = with_location.objects(household.pk)
    assert isinstance(found.area, Decimal) and found.area == Decimal(
        "88.10"
    )  # a Decimal on every database (SQLite needs the converter)
    assert found.entrance.building.name == household.entrance.building.name
    assert "entrance" in found._state.fields_cache  # loaded with the row, not on access


def test_several_in_one_round_trip(household_factory):
    first, second = household_factory.create_batch(2)
    by_pk = Precompiled(lambda pk: Household.objects.filter(pk=pk), arguments=1)
    by_room = Precompiled(lambda room: Household.objects.filter(room=room).order_by("pk"), arguments=1)
    with transaction.atomic():
        found = by_pk.objects_with((first.pk,), (by_room, (second.room,)), (by_pk, (-1,)))
    assert [[each.pk for each in rows] for rows in found] == [
        [first.pk],
        [each.pk for each in Household.objects.filter(room=second.room).order_by("pk")],
        [],
    ]
