"""Importing a roster file: compare the checked rows with the community's roster, then write it all or nothing.

The database is read in a few queries whatever the size (no query per row), and nothing is written when the
file has any problem or when it matches the roster already. Households missing from the file are kept:
deleting one would delete its votes.
"""

import hashlib
from dataclasses import dataclass, field, replace
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from community.models import (
    Building,
    Community,
    Entrance,
    Household,
    HouseholdBinding,
    Owner,
    RosterUpload,
    natural_sort_key,
)
from community.roster_file import (
    OwnerSpec,
    ParsedRoster,
    Problem,
    RosterRow,
    building_name,
    entrance_name,
    parse_roster,
    room_name,
)
from community.selectors import DEVELOPER_HEAD, community_totals
from core.spreadsheet import LIMITS

# Uploads hold raw ID numbers until imported; whatever is left after this long is deleted.
UPLOAD_KEPT_FOR = timedelta(days=1)
_BATCH = 1000


class RosterInvalid(Exception):
    """The file has problems; nothing was written."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s) in the roster file")
        self.problems = problems


class UploadAlreadyImported(Exception):
    pass


@dataclass(frozen=True)
class RosterSummary:
    """What an import creates, updates and leaves, and the roster's totals after it (heads as the law counts)."""

    buildings_created: int
    buildings_total: int
    entrances_created: int
    entrances_total: int
    households_created: int
    households_updated: int
    households_unchanged: int
    households_absent: int
    households_total: int
    owners_created: int
    owners_updated: int
    owners_unchanged: int
    heads: int
    area: Decimal

    @property
    def changes_anything(self) -> bool:
        return bool(
            self.buildings_created
            or self.entrances_created
            or self.households_created
            or self.households_updated
            or self.owners_created
            or self.owners_updated
        )


@dataclass(frozen=True)
class HouseholdChange:
    """How one existing household would change: field → (before, after), for the preview."""

    code: str
    row: int
    fields: dict[str, tuple]


@dataclass
class RosterPlan:
    """The difference between a checked file and the roster. Owners are either a pk or an unsaved Owner."""

    community: Community
    buildings_new: list[str] = field(default_factory=list)
    entrances_new: list[tuple[str, str]] = field(default_factory=list)
    owners_new: list[Owner] = field(default_factory=list)
    owners_changed: list[Owner] = field(default_factory=list)
    owners_unchanged: int = 0
    households_new: list[tuple[RosterRow, int | Owner]] = field(default_factory=list)
    households_changed: list[tuple[Household, int | Owner]] = field(default_factory=list)
    households_unchanged: int = 0
    # Households whose owner the file changes: an account verified as the previous owner is not the new one's.
    households_new_owner: list[int] = field(default_factory=list)
    changes: list[HouseholdChange] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    owner_names: dict[int, str] = field(default_factory=dict)
    summary: RosterSummary | None = None


@dataclass(frozen=True)
class RosterPreview:
    problems: list[Problem]
    plan: RosterPlan | None


@dataclass
class _Known:
    """An owner already in the roster, as loaded for matching."""

    pk: int
    name: str
    phone: str
    id_hash: str


def roster_file_read(*, filename: str, content: bytes) -> ParsedRoster:
    limits = replace(LIMITS, rows=settings.ROSTER_MAX_ROWS)
    return parse_roster(filename, content, id_hash_key=settings.ID_HASH_KEY, limits=limits)


# --- Comparing ----------------------------------------------------------------------------------------------------


def roster_plan(*, community: Community, roster: ParsedRoster) -> RosterPlan:
    """What importing this (problem-free) roster would change, read in five queries whatever the size."""
    assert roster.ok, "plan only a roster without problems"
    plan = RosterPlan(community=community)

    buildings = {
        building_name(name): pk
        # Names are compared normalised ("3号楼" typed in the admin is building "3"); the oldest wins a tie.
        for pk, name in Building.objects.filter(community=community).order_by("-pk").values_list("pk", "name")
    }
    entrance_rows = Entrance.objects.filter(building__community=community).order_by("pk")
    entrances: dict[tuple[int, str], int] = {}
    entrance_label: dict[int, str] = {}
    for pk, building_id, building, name in entrance_rows.values_list("pk", "building_id", "building__name", "name"):
        entrances.setdefault((building_id, entrance_name(name)), pk)
        entrance_label[pk] = f"{building}-{name}"
    households: dict[tuple[int, str], tuple] = {}
    for record in (
        Household.objects.filter(entrance__building__community=community)
        .order_by("pk")
        .values_list("pk", "entrance_id", "room", "floor", "area", "developer_held", "owner_id")
    ):
        households.setdefault((record[1], room_name(record[2])), record)

    owners = _resolve_owners(plan, community, roster.owners)

    seen_buildings: set[str] = set()
    seen_entrances: set[tuple[str, str]] = set()
    in_file: set[int] = set()
    head_keys: set = set()
    area = Decimal("0")
    for row in roster.rows:
        owner = owners[row.owner_key]
        head_keys.add(DEVELOPER_HEAD if row.developer_held else _owner_identity(owner))
        area += row.area
        building_id = buildings.get(row.building)
        if building_id is None and row.building not in seen_buildings:
            plan.buildings_new.append(row.building)
        seen_buildings.add(row.building)
        entrance_id = entrances.get((building_id, row.entrance)) if building_id else None
        if entrance_id is None and (row.building, row.entrance) not in seen_entrances:
            plan.entrances_new.append((row.building, row.entrance))
        seen_entrances.add((row.building, row.entrance))
        existing = households.get((entrance_id, row.room)) if entrance_id else None
        if existing is None:
            plan.households_new.append((row, owner))
            continue
        in_file.add(existing[0])
        change = _household_change(row, existing, owner, plan.owner_names)
        if change is None:
            plan.households_unchanged += 1
            continue
        plan.changes.append(change)
        if "owner" in change.fields:
            plan.households_new_owner.append(existing[0])
        plan.households_changed.append(
            (Household(pk=existing[0], floor=row.floor, area=row.area, developer_held=row.developer_held), owner)
        )

    # Households the file does not list stay, and still count.
    for pk, entrance_id, room, _floor, household_area, developer_held, owner_id in households.values():
        if pk in in_file:
            continue
        plan.absent.append(f"{entrance_label[entrance_id]}-{room}")
        head_keys.add(DEVELOPER_HEAD if developer_held else ("pk", owner_id))
        area += household_area

    plan.summary = RosterSummary(
        buildings_created=len(plan.buildings_new),
        buildings_total=len(buildings) + len(plan.buildings_new),
        entrances_created=len(plan.entrances_new),
        entrances_total=len(entrances) + len(plan.entrances_new),
        households_created=len(plan.households_new),
        households_updated=len(plan.households_changed),
        households_unchanged=plan.households_unchanged,
        households_absent=len(plan.absent),
        households_total=len(households) + len(plan.households_new),
        owners_created=len(plan.owners_new),
        owners_updated=len(plan.owners_changed),
        owners_unchanged=plan.owners_unchanged,
        heads=len(head_keys),
        area=area.quantize(Decimal("0.01")),
    )
    return plan


def _owner_identity(owner: int | Owner) -> tuple[str, int]:
    # New owners have no pk yet; the object itself stands for their head.
    return ("pk", owner) if isinstance(owner, int) else ("new", id(owner))


def _owner_pk(owner: int | Owner) -> int:
    return owner if isinstance(owner, int) else owner.pk


def _household_change(
    row: RosterRow, existing: tuple, owner: int | Owner, owner_names: dict[int, str]
) -> HouseholdChange | None:
    _pk, _entrance, _room, floor, area, developer_held, owner_id = existing
    fields: dict[str, tuple] = {}
    if floor != row.floor:
        fields["floor"] = (floor, row.floor)
    if area != row.area:
        fields["area"] = (area, row.area)
    if developer_held != row.developer_held:
        fields["developer_held"] = (developer_held, row.developer_held)
    if not isinstance(owner, int) or owner != owner_id:
        fields["owner"] = (owner_names.get(owner_id, ""), row.owner)
    return HouseholdChange(row.code, row.row, fields) if fields else None


def _resolve_owners(plan: RosterPlan, community: Community, specs: dict[tuple[str, str], OwnerSpec]) -> dict:
    """Map each owner of the file to an existing owner (pk) or a new one: by ID hash, else by phone, never by name.

    An owner known by phone only is given the ID hash when the file first brings one, instead of becoming a
    second owner. Fills plan.owners_new / owners_changed / owners_unchanged.
    """
    by_hash: dict[str, _Known] = {}
    by_phone: dict[str, list[_Known]] = {}
    developer: _Known | None = None
    for pk, kind, name, phone, id_hash in (
        Owner.objects.filter(community=community).order_by("pk").values_list("pk", "kind", "name", "phone", "id_hash")
    ):
        known = _Known(pk, name, phone, id_hash)
        plan.owner_names[pk] = name
        if kind == Owner.Kind.DEVELOPER:
            developer = known
            continue
        if id_hash:
            by_hash[id_hash] = known
        if phone:
            by_phone.setdefault(phone, []).append(known)

    matched: dict[tuple[str, str], _Known] = {}
    claimed: set[int] = set()
    for key, spec in specs.items():
        if key[0] == "id" and spec.id_hash in by_hash:
            matched[key] = by_hash[spec.id_hash]
            claimed.add(matched[key].pk)
    for key, spec in specs.items():
        if key[0] == "id" and key not in matched and spec.phone:
            free = [known for known in by_phone.get(spec.phone, ()) if not known.id_hash and known.pk not in claimed]
            if free:
                matched[key] = free[0]
                claimed.add(free[0].pk)
    for key, spec in specs.items():
        if key[0] == "phone":
            free = [known for known in by_phone.get(spec.phone, ()) if known.pk not in claimed]
            if free:
                matched[key] = min(free, key=lambda known: (bool(known.id_hash), known.pk))
        elif key[0] == "developer" and developer is not None:
            matched[key] = developer

    owners: dict[tuple[str, str], int | Owner] = {}
    for key, spec in specs.items():
        known = matched.get(key)
        if known is None:
            kind = Owner.Kind.DEVELOPER if key[0] == "developer" else Owner.Kind.PERSON
            # community_id, not community: the relation's descriptor was a third of the time of 50,000 new owners.
            owner = Owner(community_id=community.pk, kind=kind, name=spec.name, phone=spec.phone, id_hash=spec.id_hash)
            plan.owners_new.append(owner)
            owners[key] = owner
            continue
        owners[key] = known.pk
        # A blank phone in the file does not erase the one on record.
        name, phone, id_hash = spec.name, spec.phone or known.phone, spec.id_hash or known.id_hash
        if (name, phone, id_hash) == (known.name, known.phone, known.id_hash):
            plan.owners_unchanged += 1
        else:
            plan.owners_changed.append(Owner(pk=known.pk, name=name, phone=phone, id_hash=id_hash))
    return owners


# --- Writing ------------------------------------------------------------------------------------------------------


def _roster_apply(plan: RosterPlan) -> None:
    """Write a plan with bulk statements. Caller holds the community lock inside a transaction."""
    community = plan.community
    Building.objects.bulk_create(
        [Building(community=community, name=name, sort_key=natural_sort_key(name)) for name in plan.buildings_new],
        batch_size=_BATCH,
    )
    building_ids = {
        building_name(name): pk
        for pk, name in Building.objects.filter(community=community).order_by("-pk").values_list("pk", "name")
    }
    Entrance.objects.bulk_create(
        [
            Entrance(building_id=building_ids[building], name=name, sort_key=natural_sort_key(name))
            for building, name in plan.entrances_new
        ],
        batch_size=_BATCH,
    )
    entrance_ids = {
        (building_id, entrance_name(name)): pk
        for pk, building_id, name in Entrance.objects.filter(building__community=community)
        .order_by("-pk")
        .values_list("pk", "building_id", "name")
    }
    copy = connection.vendor == "postgresql"
    if copy:
        _owners_copy(community, plan.owners_new)
    elif connection.features.can_return_rows_from_bulk_insert:
        Owner.objects.bulk_create(plan.owners_new, batch_size=_BATCH)
    else:  # the households below need the new owners' keys
        for owner in plan.owners_new:
            owner.save()
    Owner.objects.bulk_update(plan.owners_changed, ["name", "phone", "id_hash"], batch_size=_BATCH)
    households = (
        (
            entrance_ids[(building_ids[row.building], row.entrance)],
            row.room,
            natural_sort_key(row.room),
            row.floor,
            row.area,
            row.developer_held,
            _owner_pk(owner),
        )
        for row, owner in plan.households_new
    )
    fields = ("entrance", "room", "room_sort_key", "floor", "area", "developer_held", "owner")
    if copy:
        _copy_in(Household, fields, households)
    else:
        Household.objects.bulk_create(
            [
                Household(
                    entrance_id=entrance_id,
                    room=room,
                    room_sort_key=key,
                    floor=floor,
                    area=area,
                    developer_held=held,
                    owner_id=owner_id,
                )
                for entrance_id, room, key, floor, area, held, owner_id in households
            ],
            batch_size=_BATCH,
        )
    _households_update(
        [
            (household.pk, household.floor, household.area, household.developer_held, _owner_pk(owner))
            for household, owner in plan.households_changed
        ]
    )
    # The ballot is the owner's (voting.rules): the accounts verified as a flat's previous owner become members.
    for start in range(0, len(plan.households_new_owner), _BATCH):
        HouseholdBinding.objects.filter(
            household_id__in=plan.households_new_owner[start : start + _BATCH],
            relation=HouseholdBinding.Relation.OWNER,
        ).update(relation=HouseholdBinding.Relation.MEMBER, verified_by=None, verified_at=None)


def _copy_in(model, fields: tuple[str, ...], rows) -> None:
    """PostgreSQL: write rows (tuples in the order of `fields`) into the model's table with COPY … FROM STDIN.

    bulk_create made a model instance per row, prepared every value through the field API and quoted the batches
    client side: ~11 of the 13 s spent writing a 50,000-household roster (bench/bench_import.py). COPY streams the
    tuples as they are; the table's constraints still check every row.
    """
    meta = model._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in fields)
    statement = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _owners_copy(community: Community, owners: list[Owner]) -> None:
    """PostgreSQL: give the new owners keys from the table's own sequence, then COPY them in (households need
    the keys)."""
    if not owners:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Owner._meta.db_table, len(owners)],
        )
        for owner, (pk,) in zip(owners, cursor.fetchall(), strict=True):
            owner.pk = pk
            owner._state.adding, owner._state.db = False, connection.alias
    _copy_in(
        Owner,
        ("id", "community", "kind", "name", "phone", "id_hash"),
        ((o.pk, community.pk, o.kind, o.name, o.phone, o.id_hash) for o in owners),
    )


def _households_update(values: list[tuple[int, int, Decimal, bool, int]]) -> None:
    """Set floor, area, developer flag and owner of many households: one UPDATE … FROM (VALUES …) per batch.

    Django's bulk_update writes a CASE WHEN per column whose cost grows with the batch on every row; re-measured
    areas for a 50,000-household community took a minute that way. SQLite (3.33+) and PostgreSQL both take this.
    """
    if not values:
        return
    quote = connection.ops.quote_name
    meta = Household._meta
    columns = [meta.get_field(name).column for name in ("id", "floor", "area", "developer_held", "owner")]
    table = quote(meta.db_table)
    sets = ", ".join(
        f"{quote(column)} = CAST(v.{quote(column)} AS {cast})"
        for column, cast in zip(columns[1:], ("integer", "numeric", "boolean", "bigint"), strict=True)
    )
    with connection.cursor() as cursor:
        for start in range(0, len(values), _BATCH):
            batch = values[start : start + _BATCH]
            rows = ", ".join(["(%s, %s, %s, %s, %s)"] * len(batch))
            cursor.execute(
                f"WITH v({', '.join(quote(c) for c in columns)}) AS (VALUES {rows}) "
                f"UPDATE {table} SET {sets} FROM v WHERE {table}.{quote('id')} = v.{quote('id')}",
                [param for row in batch for param in row],
            )


def roster_import(*, community: Community, filename: str, content: bytes) -> RosterSummary:
    """Check the whole file, then write it in one transaction. Any problem: raises RosterInvalid, writes nothing.

    Importing the same file again writes nothing; an edited file updates households and owners in place.
    """
    return roster_apply(community=community, roster=roster_file_read(filename=filename, content=content))


def roster_apply(*, community: Community, roster: ParsedRoster) -> RosterSummary:
    """Write a roster read by roster_file_read, in one transaction; raises RosterInvalid if it has problems."""
    if not roster.ok:
        raise RosterInvalid(roster.problems)
    with transaction.atomic():
        # One import at a time per community (PostgreSQL); SQLite serialises writers anyway.
        list(Community.objects.select_for_update().filter(pk=community.pk).values_list("pk", flat=True))
        plan = roster_plan(community=community, roster=roster)
        if plan.summary.changes_anything:
            _roster_apply(plan)
    return _summary_after(community, plan.summary)


def _summary_after(community: Community, planned: RosterSummary) -> RosterSummary:
    totals = community_totals(community)
    return RosterSummary(
        buildings_created=planned.buildings_created,
        buildings_total=Building.objects.filter(community=community).count(),
        entrances_created=planned.entrances_created,
        entrances_total=Entrance.objects.filter(building__community=community).count(),
        households_created=planned.households_created,
        households_updated=planned.households_updated,
        households_unchanged=planned.households_unchanged,
        households_absent=planned.households_absent,
        households_total=totals.households,
        owners_created=planned.owners_created,
        owners_updated=planned.owners_updated,
        owners_unchanged=planned.owners_unchanged,
        heads=totals.heads,
        area=totals.area,
    )


# --- Uploads from the web page ------------------------------------------------------------------------------------


def roster_uploads_delete_old() -> int:
    """Delete every upload older than UPLOAD_KEPT_FOR, imported or abandoned: they hold raw ID numbers.

    Runs every hour on the task queue (community.tasks) and before each new upload. Returns how many went.
    """
    deleted, _per_model = RosterUpload.objects.filter(created_at__lt=timezone.now() - UPLOAD_KEPT_FOR).delete()
    return deleted


def roster_upload_create(*, community: Community, user, filename: str, content: bytes) -> RosterUpload:
    """Keep an uploaded file until it is confirmed. Caller checked its size and type.

    Deletes every upload older than a day first: they hold raw ID numbers.
    """
    roster_uploads_delete_old()
    return RosterUpload.objects.create(
        community=community,
        uploaded_by=user if user and user.is_authenticated else None,
        filename=filename[:255],
        content=content,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def roster_upload_preview(*, upload: RosterUpload) -> RosterPreview:
    """Every problem of the uploaded file, or (none) what importing it would change. Reads only."""
    roster = roster_file_read(filename=upload.filename, content=bytes(upload.content))
    if not roster.ok:
        return RosterPreview(problems=roster.problems, plan=None)
    return RosterPreview(problems=[], plan=roster_plan(community=upload.community, roster=roster))


def roster_upload_confirm(*, upload: RosterUpload) -> RosterSummary:
    """Import an uploaded file, then empty it. Raises UploadAlreadyImported, or RosterInvalid (nothing written)."""
    with transaction.atomic():
        upload = RosterUpload.objects.select_for_update().select_related("community").get(pk=upload.pk)
        if upload.imported_at is not None:
            raise UploadAlreadyImported
        summary = roster_import(community=upload.community, filename=upload.filename, content=bytes(upload.content))
        upload.content = b""
        upload.imported_at = timezone.now()
        upload.save(update_fields=["content", "imported_at"])
    return summary
