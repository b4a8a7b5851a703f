"""factory_boy factories for the roster and accounts, plus a fast builder for large communities."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import User
from community.models import (
    Building,
    Community,
    Entrance,
    Household,
    HouseholdBinding,
    JoinCode,
    Owner,
    Role,
    natural_sort_key,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    slug = factory.Sequence(lambda n: f"community-{n}")
    name = factory.Sequence(lambda n: f"小区{n}")


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: str(n + 1))


class EntranceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entrance

    building = factory.SubFactory(BuildingFactory)
    name = factory.Sequence(lambda n: str(n + 1))


class OwnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Owner

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"业主{n}")
    phone = factory.Sequence(lambda n: f"139{n:08d}")


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    entrance = factory.SubFactory(EntranceFactory)
    room = factory.Sequence(lambda n: f"{n % 6 + 1}{n % 2 + 1:02d}-{n}")
    floor = factory.Sequence(lambda n: n % 6 + 1)
    area = Decimal("89.50")
    owner = factory.SubFactory(OwnerFactory, community=factory.SelfAttribute("..entrance.building.community"))


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    user = factory.SubFactory(UserFactory)
    community = factory.SubFactory(CommunityFactory)
    kind = Role.Kind.COMMITTEE


class HouseholdBindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HouseholdBinding

    user = factory.SubFactory(UserFactory)
    household = factory.SubFactory(HouseholdFactory)


class JoinCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JoinCode

    household = factory.SubFactory(HouseholdFactory)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))


def build_community(
    *, buildings: int, entrances: int, floors: int, rooms_per_floor: int, slug: str | None = None
) -> Community:
    """A community of buildings × entrances × floors × rooms, one owner per household, in a few bulk inserts."""
    community = CommunityFactory(**({"slug": slug} if slug else {}))
    building_objs = Building.objects.bulk_create(
        Building(community=community, name=str(b), sort_key=natural_sort_key(str(b))) for b in range(1, buildings + 1)
    )
    entrance_objs = Entrance.objects.bulk_create(
        Entrance(building=building, name=str(e), sort_key=natural_sort_key(str(e)))
        for building in building_objs
        for e in range(1, entrances + 1)
    )
    total = len(entrance_objs) * floors * rooms_per_floor
    owners = Owner.objects.bulk_create(
        Owner(community=community, name=f"业主{i}", phone=f"138{i:08d}") for i in range(total)
    )
    owner_iter = iter(owners)
    households = []
    for entrance in entrance_objs:
        for floor in range(1, floors + 1):
            for r in range(1, rooms_per_floor + 1):
                room = f"{floor}{r:02d}"
                households.append(
                    Household(
                        entrance=entrance,
                        room=room,
                        room_sort_key=natural_sort_key(room),
                        floor=floor,
                        area=Decimal("80.00") + r,
                        owner=next(owner_iter),
                    )
                )
    Household.objects.bulk_create(households, batch_size=2000)
    return community


def proposal_in_state(community, by, state: str, **fields):
    """A proposal of `community` created and moved through the real services up to `state`.

    `fields` go to proposal_create (title, summary and category are required there); the scope must hold a
    household for any state from voting on.
    """
    from datetime import timedelta

    from lifecycle.services import proposal_close, proposal_open_voting, proposal_publish
    from proposals.models import State
    from proposals.services import proposal_create, proposal_start_consultation, proposal_withdraw

    proposal = proposal_create(community=community, by=by, **fields)
    if state == State.WITHDRAWN:
        return proposal_withdraw(proposal=proposal, by=by, reason="重复")
    if state == State.DRAFT:
        return proposal
    proposal = proposal_start_consultation(proposal=proposal, by=by)
    if state == State.CONSULTATION:
        return proposal
    proposal = proposal_open_voting(proposal=proposal, by=by, closes_at=timezone.now() + timedelta(days=7))
    if state == State.VOTING:
        return proposal
    proposal = proposal_close(proposal=proposal, by=by)
    if state == State.CLOSED:
        return proposal
    return proposal_publish(proposal=proposal, by=by)
