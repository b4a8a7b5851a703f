"""Reads of the roster shared by views, commands and (later) voting and documents."""

from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from community.models import (
    Building,
    Community,
    Entrance,
    Household,
    HouseholdBinding,
    Representative,
    Role,
    natural_sort_key,
)
from community.search import HouseholdQuery, parse_household_query, phone_lookup

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


# --- The committee's roster pages: household search and the building grids --------------------------------


def _key_variants(text: str) -> list[str]:
    # Buildings and entrances are matched on their (indexed) natural sort key, so "03" finds "3";
    # "a" finds "A" because people do not press shift on a phone.
    return sorted({natural_sort_key(variant) for variant in (text, text.upper(), text.lower())})


def household_search(community: Community, query: HouseholdQuery, *, full_phones: bool):
    """The households of `community` matching a parsed search (all of them for an empty one), not yet ordered.

    A phone fragment that this viewer may not search (see community.search.phone_lookup) matches nothing.
    """
    households = Household.objects.of(community)
    if query.building:
        # "A座2单元" parses to building "A"; rosters may keep the building as "A" or as "A座".
        keys = _key_variants(query.building) + _key_variants(f"{query.building}座")
        households = households.filter(entrance__building__sort_key__in=keys)
    if query.entrance:
        households = households.filter(entrance__sort_key__in=_key_variants(query.entrance))
    if query.room:
        households = households.filter(room__in=sorted({query.room, query.room.upper(), query.room.lower()}))
    if query.name:
        households = households.filter(owner__name__icontains=query.name)
    if query.phone_digits:
        lookup = phone_lookup(query.phone_digits, full_phones=full_phones)
        if lookup is None:
            return households.none()
        households = households.filter(**{f"owner__phone__{lookup}": query.phone_digits})
    return households


def household_rows(households):
    """One page's worth of list rows: location and owner joined, bound accounts counted, in roster order.

    The count is a correlated subquery rather than a JOIN + GROUP BY, so the database counts bindings only
    for the rows of the page it returns, and the paginator's COUNT(*) stays a plain count.
    """
    bound = (
        HouseholdBinding.objects.filter(household=OuterRef("pk"))
        .order_by()
        .values("household")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        households.with_location()
        .annotate(bound_accounts=Coalesce(Subquery(bound, output_field=IntegerField()), 0))
        .in_order()
    )


@dataclass
class GridEntrance:
    """A column of a building's grid: one 单元, with its household count and area."""

    id: int
    label: str
    households: int = 0
    area: Decimal = Decimal("0")


@dataclass
class GridRoom:
    id: int
    room: str
    developer_held: bool


@dataclass
class GridFloor:
    """A row of a building's grid. `cells` has one entry per entrance (in column order): a list of GridRoom
    in the full grid, the number of households in the summary."""

    floor: int
    cells: list = field(default_factory=list)


@dataclass
class BuildingGrid:
    id: int
    label: str
    entrances: list[GridEntrance]
    floors: list[GridFloor]
    households: int = 0
    area: Decimal = Decimal("0")
    full: bool = True

    @property
    def floor_count(self) -> int:
        return len(self.floors)


def _grids(entrances, cells_by_entrance_floor: dict, *, full: bool) -> list[BuildingGrid]:
    """Assemble building grids from entrances (in order) and {(entrance_id, floor): (rooms|count, n, area)}."""
    grids: dict[int, BuildingGrid] = {}
    floors_of: dict[int, set[int]] = {}
    for entrance in entrances:
        building = entrance.building
        grid = grids.get(building.pk)
        if grid is None:
            grid = grids[building.pk] = BuildingGrid(
                id=building.pk, label=str(building), entrances=[], floors=[], full=full
            )
            floors_of[building.pk] = set()
        grid.entrances.append(GridEntrance(id=entrance.pk, label=_entrance_label(entrance.name)))
    columns = {column.id: (grid, column) for grid in grids.values() for column in grid.entrances}
    for (entrance_id, floor), (_content, count, area) in cells_by_entrance_floor.items():
        grid, column = columns[entrance_id]
        column.households += count
        column.area += area
        grid.households += count
        grid.area += area
        floors_of[grid.id].add(floor)
    empty = [] if full else 0
    cent = Decimal("0.01")
    for grid in grids.values():
        # SQLite sums decimals as floats; quantising gives both databases the same two places.
        grid.area = Decimal(grid.area).quantize(cent)
        for column in grid.entrances:
            column.area = Decimal(column.area).quantize(cent)
        for floor in sorted(floors_of[grid.id], reverse=True):
            grid.floors.append(
                GridFloor(
                    floor=floor,
                    cells=[
                        cells_by_entrance_floor.get((column.id, floor), (empty, 0, 0))[0] for column in grid.entrances
                    ],
                )
            )
    return list(grids.values())


def _entrance_label(name: str) -> str:
    return f"{name}单元" if name.isdigit() else name


def community_grids(community: Community, *, full: bool, building: Building | None = None) -> list[BuildingGrid]:
    """Each building of the community (or just `building`) as an entrance × floor grid, in two queries.

    full=True: each cell lists its households (room, id, developer-held) for links;
    full=False: each cell is the number of households, for communities too large to list on one page.
    """
    entrances = Entrance.objects.filter(building__community=community).select_related("building")
    households = Household.objects.of(community).order_by()
    if building is not None:
        entrances = entrances.filter(building=building)
        households = households.filter(entrance__building=building)
    entrances = entrances.order_by("building__sort_key", "sort_key")

    cells: dict[tuple[int, int], tuple] = {}
    if full:
        rows = households.order_by("room_sort_key").values_list(
            "pk", "entrance_id", "floor", "room", "developer_held", "area"
        )
        for pk, entrance_id, floor, room, developer_held, area in rows:
            rooms, count, total = cells.get((entrance_id, floor), ([], 0, Decimal("0")))
            rooms.append(GridRoom(id=pk, room=room, developer_held=developer_held))
            cells[(entrance_id, floor)] = (rooms, count + 1, total + area)
    else:
        rows = households.values("entrance_id", "floor").annotate(n=Count("pk"), area=Sum("area"))
        for row in rows:
            cells[(row["entrance_id"], row["floor"])] = (row["n"], row["n"], row["area"] or Decimal("0"))
    return _grids(entrances, cells, full=full)


# --- The residents' representatives (居民代表) ------------------------------------------------------------------


def household_at(community: Community, text: str) -> Household | None:
    """The one household of `community` a typed flat code names ("3-5-502", "3号楼5单元502室"), or None when the
    text names no single flat of this roster."""
    query = parse_household_query(text)
    if not (query.building and query.entrance and query.room):
        return None
    found = list(household_search(community, query, full_phones=False).with_location()[:2])
    return found[0] if len(found) == 1 else None


def representative_rows(community: Community) -> list:
    """The community's active representatives with their flat's building and entrance, in walking order (one
    query)."""
    return list(
        Representative.objects.of(community)
        .active()
        .select_related("household__entrance__building")
        .order_by(
            "household__entrance__building__sort_key",
            "household__entrance__sort_key",
            "-household__floor",
            "household__room_sort_key",
            "pk",
        )
    )


def place_choices(community: Community, *, whole_building: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """A select's groups of places, one per building in walking order: the building itself ("b<id>", labelled
    `whole_building` % {"building": …}) and its entrances ("e<id>"). One query."""
    entrances = (
        Entrance.objects.filter(building__community=community)
        .select_related("building")
        .order_by("building__sort_key", "building__pk", "sort_key", "pk")
    )
    groups = []
    for building, group in groupby(entrances, key=lambda entrance: entrance.building):
        options = [(f"b{building.pk}", whole_building % {"building": building})]
        options += [(f"e{entrance.pk}", str(entrance)) for entrance in group]
        groups.append((str(building), options))
    return groups


def place_ids(value: str) -> tuple[int | None, int | None]:
    """The (building id, entrance id) a place_choices value names: "b12" → (12, None), "e7" → (None, 7); anything
    else (None, None)."""
    if len(value) > 1 and value[0] in "be" and value[1:].isdigit() and len(value) < 20:
        number = int(value[1:])
        return (number, None) if value[0] == "b" else (None, number)
    return None, None
