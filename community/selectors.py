"""Reads of the roster shared by views, commands and (later) voting and documents."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum

from community.models import Community, Household, Role

DEVELOPER_HEAD = "developer"


def head_key(*, owner_id: int, developer_held: bool) -> str:
    """The head a household counts as: all developer-held flats are one head; one owner's flats are one head."""
    return DEVELOPER_HEAD if developer_held else f"owner-{owner_id}"


@dataclass(frozen=True)
class Totals:
    households: int
    heads: int
    area: Decimal


def household_totals(households) -> Totals:
    """Households, heads (as the law counts them, DESIGN.md) and area of a household queryset, in one query."""
    agg = households.aggregate(
        households=Count("id"),
        area=Sum("area"),
        owner_heads=Count("owner", distinct=True, filter=Q(developer_held=False)),
        developer_flats=Count("id", filter=Q(developer_held=True)),
    )
    return Totals(
        households=agg["households"],
        heads=agg["owner_heads"] + (1 if agg["developer_flats"] else 0),
        area=(agg["area"] or Decimal("0")).quantize(Decimal("0.01")),
    )


def community_totals(community: Community) -> Totals:
    return household_totals(Household.objects.of(community))


def communities_for(user) -> list[Community]:
    """The communities where the user holds a role or a household binding."""
    if not user.is_authenticated:
        return []
    return list(
        Community.objects.filter(Q(roles__user=user) | Q(buildings__entrances__households__bindings__user=user))
        .distinct()
        .order_by("name")
    )


def role_kinds(user, community: Community) -> set[str]:
    if not user.is_authenticated:
        return set()
    return set(Role.objects.filter(user=user, community=community).values_list("kind", flat=True))
