"""Demo data: the two communities of the article (橡胶园, 山水名城), the demo accounts, and large generated communities.

Everything is deterministic (fixed seeds) and written with bulk inserts; loading again detects what exists.
"""

import itertools
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from community.models import (
    Building,
    Community,
    Entrance,
    Household,
    HouseholdBinding,
    Owner,
    Role,
    natural_sort_key,
)
from community.services import binding_relation

DEMO_PASSWORD = "gongyi-demo-2026"
DEMO_LOGIN_URL = "http://127.0.0.1:8000/accounts/login/"

XIANGJIAOYUAN = "xiangjiaoyuan"
SHANSHUI = "shanshuimingcheng"

# Surnames roughly in the order of how common they are, and given names as they appear in rosters of
# people born from the 1950s to the 1990s. Names are made, never taken from a real roster.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪"
    "范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_GIVEN_NAMES_TEXT = (
    "建国 建华 建军 国庆 国强 志强 志刚 志明 德明 德华 振华 永刚 永红 宝山 立新 长春 "
    "春生 海涛 海燕 晓东 晓梅 红梅 红霞 秀英 秀兰 秀梅 秀珍 淑芬 淑珍 玉兰 玉珍 玉梅 "
    "桂芝 桂英 凤英 金凤 丽华 丽娟 丽萍 文华 文静 雪梅 春梅 冬梅 亚军 卫东 卫国 俊杰 "
    "浩然 子涵 欣怡 雨轩 梓萱 思远 嘉怡 宇航 一鸣 伟 芳 娜 敏 静 丽 强 "
    "磊 军 洋 勇 艳 杰 娟 涛 明 超 霞 平 刚 斌 辉 鹏 "
    "华 红 玲 燕 雪 琴 兵 峰 波 鑫 颖 婷 晨 阳 凯 宁"
)
GIVEN_NAMES = tuple(_GIVEN_NAMES_TEXT.split())
# A falling weight by rank, so that 王, 李, 张, 刘, 陈 make up about a quarter of the owners, as in real rosters.
_SURNAME_CUM_WEIGHTS = list(itertools.accumulate(1 / (rank + 4) for rank in range(len(SURNAMES))))
_MOBILE_PREFIXES_TEXT = (
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 176 177 180 181 182 "
    "183 185 186 187 188 189 199"
)
MOBILE_PREFIXES = tuple(_MOBILE_PREFIXES_TEXT.split())


class PeopleMaker:
    """Deterministic Chinese names and unique valid mainland mobile numbers (1[3-9] + 9 digits)."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.phones: set[str] = set()

    def name(self) -> str:
        surname = self.rng.choices(SURNAMES, cum_weights=_SURNAME_CUM_WEIGHTS)[0]
        return surname + self.rng.choice(GIVEN_NAMES)

    def phone(self) -> str:
        while True:
            phone = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone


@dataclass
class OwnerSpec:
    name: str
    phone: str = ""
    developer: bool = False


@dataclass
class FlatSpec:
    """One household to write: where it is, its area, and who owns it (an index into the plan's owners)."""

    building: str
    entrance: str
    floor: int
    room: str
    area: Decimal
    owner: int
    developer_held: bool = False


@dataclass
class RosterPlan:
    owners: list[OwnerSpec] = field(default_factory=list)
    flats: list[FlatSpec] = field(default_factory=list)

    def add_owner(self, spec: OwnerSpec) -> int:
        self.owners.append(spec)
        return len(self.owners) - 1


def _room(floor: int, number: int) -> str:
    return f"{floor}{number:02d}"


def _roster_write(community: Community, plan: RosterPlan, *, batch_size: int = 2000) -> int:
    """Write a plan's buildings, entrances, owners and households in bulk; returns the households written.

    Only owners that hold a flat are written. Caller holds a transaction.
    """
    building_names = list(dict.fromkeys(flat.building for flat in plan.flats))
    buildings = {
        building.name: building
        for building in Building.objects.bulk_create(
            Building(community=community, name=name, sort_key=natural_sort_key(name)) for name in building_names
        )
    }
    entrance_keys = list(dict.fromkeys((flat.building, flat.entrance) for flat in plan.flats))
    entrances = {
        (entrance.building.name, entrance.name): entrance
        for entrance in Entrance.objects.bulk_create(
            Entrance(building=buildings[building], name=name, sort_key=natural_sort_key(name))
            for building, name in entrance_keys
        )
    }
    used = sorted({flat.owner for flat in plan.flats})
    owner_objs = Owner.objects.bulk_create(
        (
            Owner(
                community=community,
                name=plan.owners[index].name,
                phone=plan.owners[index].phone,
                kind=Owner.Kind.DEVELOPER if plan.owners[index].developer else Owner.Kind.PERSON,
            )
            for index in used
        ),
        batch_size=batch_size,
    )
    owners = dict(zip(used, owner_objs, strict=True))
    Household.objects.bulk_create(
        (
            Household(
                entrance=entrances[(flat.building, flat.entrance)],
                room=flat.room,
                room_sort_key=natural_sort_key(flat.room),
                floor=flat.floor,
                area=flat.area,
                developer_held=flat.developer_held,
                owner=owners[flat.owner],
            )
            for flat in plan.flats
        ),
        batch_size=batch_size,
    )
    return len(plan.flats)


def _share_owners(plan: RosterPlan, rng: random.Random, *, owners: int, candidates: list[int]) -> None:
    """Give `owners` people 2–3 flats each (the flats' own owners are dropped), as rosters have investors."""
    pool = [index for index in candidates if not plan.flats[index].developer_held]
    rng.shuffle(pool)
    for _ in range(owners):
        take = rng.choice((2, 2, 3))
        if len(pool) < take:
            return
        flats = [pool.pop() for _ in range(take)]
        for index in flats[1:]:
            plan.flats[index].owner = plan.flats[flats[0]].owner


# --- 橡胶园小区 (Fuxin): 3号楼5单元 is the stairwell of the unit-door story, exactly 14 households ----------

# The flats of one column share a floor plan, so they share an area.
XIANGJIAOYUAN_LAYOUT = {"1": 4, "2": 4, "3": 6, "4": 3, "5": 2}  # building → entrances
XIANGJIAOYUAN_AREAS_01 = [Decimal(a) for a in ("62.45", "68.90", "72.15", "78.30")]
XIANGJIAOYUAN_AREAS_02 = [Decimal(a) for a in ("56.80", "58.60", "61.20", "64.75")]
UNIT_DOOR = ("3", "5")
GAO_GUILAN_FLAT = "301"
RESIDENT_FLAT = "501"
CANVASSER_PHONE = "13904180301"
RESIDENT_PHONE = "13904180501"


def xiangjiaoyuan_plan() -> RosterPlan:
    people = PeopleMaker(seed=418000)
    rng = people.rng
    plan = RosterPlan()
    for building, entrance_count in XIANGJIAOYUAN_LAYOUT.items():
        for entrance_number in range(1, entrance_count + 1):
            entrance = str(entrance_number)
            unit_door = (building, entrance) == UNIT_DOOR
            floors = 7 if unit_door else 6
            areas = (
                (Decimal("78.30"), Decimal("56.80"))
                if unit_door
                else (rng.choice(XIANGJIAOYUAN_AREAS_01), rng.choice(XIANGJIAOYUAN_AREAS_02))
            )
            for floor in range(1, floors + 1):
                for number, area in enumerate(areas, start=1):
                    room = _room(floor, number)
                    if unit_door and room == GAO_GUILAN_FLAT:
                        owner = OwnerSpec("高桂兰", CANVASSER_PHONE)
                    elif unit_door and room == RESIDENT_FLAT:
                        owner = OwnerSpec("刘淑芬", RESIDENT_PHONE)
                    else:
                        owner = OwnerSpec(people.name(), people.phone())
                    plan.flats.append(FlatSpec(building, entrance, floor, room, area, plan.add_owner(owner)))
    # A few owners hold a second flat elsewhere — but nobody in 3号楼5单元: its story is 14 households, 14 heads.
    elsewhere = [i for i, flat in enumerate(plan.flats) if (flat.building, flat.entrance) != UNIT_DOOR]
    _share_owners(plan, rng, owners=4, candidates=elsewhere)
    return plan


# --- 山水名城小区 (Hefei): a few hundred households, unsold flats of the developer, owners of several flats ---

SHANSHUI_LAYOUT = [  # building → (entrances, floors); two flats per floor
    ("1", 2, 11),
    ("2", 2, 11),
    ("3", 3, 11),
    ("4", 3, 18),
    ("5", 2, 18),
    ("6", 2, 16),
    ("7", 3, 12),
    ("8", 2, 11),
]
SHANSHUI_DEVELOPER = "合肥山水置业有限公司"
SHANSHUI_RESIDENT2_FLAT = ("6", "1", "801")
RESIDENT2_PHONE = "13905510801"


def shanshui_plan() -> RosterPlan:
    people = PeopleMaker(seed=551000)
    rng = people.rng
    plan = RosterPlan()
    developer = plan.add_owner(OwnerSpec(SHANSHUI_DEVELOPER, developer=True))
    for building, entrance_count, floors in SHANSHUI_LAYOUT:
        for entrance_number in range(1, entrance_count + 1):
            entrance = str(entrance_number)
            # 60–160 m²: the towers (16+ floors) have the larger plans.
            low, high = (90, 160) if floors >= 16 else (60, 120)
            areas = [Decimal(rng.randrange(low * 100, high * 100)) / 100 for _ in range(2)]
            for floor in range(1, floors + 1):
                for number, area in enumerate(areas, start=1):
                    room = _room(floor, number)
                    # The last-built buildings still have unsold flats, mostly high up.
                    unsold = building in ("6", "7", "8") and floor >= 8 and rng.random() < 0.18
                    if (building, entrance, room) == SHANSHUI_RESIDENT2_FLAT:
                        owner, unsold = plan.add_owner(OwnerSpec("汪晓梅", RESIDENT2_PHONE)), False
                    elif unsold:
                        owner = developer
                    else:
                        owner = plan.add_owner(OwnerSpec(people.name(), people.phone()))
                    plan.flats.append(FlatSpec(building, entrance, floor, room, area, owner, developer_held=unsold))
    resident2 = next(i for i, f in enumerate(plan.flats) if (f.building, f.entrance, f.room) == SHANSHUI_RESIDENT2_FLAT)
    _share_owners(plan, rng, owners=12, candidates=[i for i in range(len(plan.flats)) if i != resident2])
    return plan


# --- Large generated communities (世纪城西区 scale) -------------------------------------------------------

GENERATED_DEVELOPER = "{name}置业有限公司"


def generated_plan(*, households: int, seed: int, developer_name: str) -> RosterPlan:
    """Exactly `households` flats in high-rise buildings: 2–4 entrances, 20–33 floors, 2–4 flats per floor.

    The last building is filled only as far as needed. About 3% of owners hold several flats; about 1.5%
    of flats are still the developer's.
    """
    people = PeopleMaker(seed=seed)
    rng = people.rng
    plan = RosterPlan()
    developer = plan.add_owner(OwnerSpec(developer_name, developer=True))
    building_number = 0
    while len(plan.flats) < households:
        building_number += 1
        building = str(building_number)
        entrances = rng.choice((2, 3, 3, 4, 4))
        floors = rng.randint(20, 33)
        per_floor = rng.choice((2, 3, 4, 4))
        for entrance_number in range(1, entrances + 1):
            areas = [Decimal(rng.randrange(5500, 16000)) / 100 for _ in range(per_floor)]
            for floor in range(1, floors + 1):
                for number, area in enumerate(areas, start=1):
                    if len(plan.flats) >= households:
                        break
                    unsold = rng.random() < 0.015
                    owner = developer if unsold else plan.add_owner(OwnerSpec(people.name(), people.phone()))
                    plan.flats.append(
                        FlatSpec(building, str(entrance_number), floor, _room(floor, number), area, owner, unsold)
                    )
    _share_owners(plan, rng, owners=max(1, households * 3 // 200), candidates=list(range(len(plan.flats))))
    return plan


class CommunityExists(Exception):
    """The slug is taken; generate with replace=True to rebuild it."""


@transaction.atomic
def community_generate(
    *,
    slug: str,
    name: str,
    households: int,
    address: str = "",
    developer_name: str = "",
    seed: int = 2026,
    replace: bool = False,
) -> tuple[Community, int]:
    """Create a large community with exactly `households` households, in bulk. Returns it and the count.

    Raises CommunityExists when the slug is taken and replace is False; with replace, the old one is deleted.
    """
    if households < 1:
        raise ValueError("households must be at least 1")
    existing = Community.objects.filter(slug=slug).first()
    if existing is not None:
        if not replace:
            raise CommunityExists(slug)
        # Households protect their owners, so they go first; the rest cascades from the community.
        Household.objects.of(existing).delete()
        existing.delete()
    community = Community.objects.create(slug=slug, name=name, address=address)
    plan = generated_plan(
        households=households, seed=seed, developer_name=developer_name or GENERATED_DEVELOPER.format(name=name)
    )
    return community, _roster_write(community, plan)


# --- Demo accounts -----------------------------------------------------------------------------------------

HOUSEHOLD_MEMBER = "household"
ADMINISTRATOR = "admin"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    phone: str | None
    # (community slug, role kind and the committee office ("" for none), or HOUSEHOLD_MEMBER with the flat as
    # building-entrance-room)
    places: tuple[tuple[str, str, str], ...] = ()
    superuser: bool = False


DEMO_ACCOUNTS = (
    DemoAccount(
        "committee",
        "王建国",
        "13904180001",
        ((XIANGJIAOYUAN, Role.Kind.COMMITTEE, Role.Office.CHAIR), (SHANSHUI, Role.Kind.COMMITTEE, Role.Office.CHAIR)),
    ),
    # A second committee member: a resolution is signed by two.
    DemoAccount("committee2", "张桂芳", "13904180003", ((XIANGJIAOYUAN, Role.Kind.COMMITTEE, ""),)),
    DemoAccount("secretary", "李秀梅", "13904180002", ((XIANGJIAOYUAN, Role.Kind.SECRETARY, ""),)),
    DemoAccount("canvasser", "高桂兰", CANVASSER_PHONE, ((XIANGJIAOYUAN, Role.Kind.CANVASSER, ""),)),
    DemoAccount("party", "陈志刚", "13905510002", ((SHANSHUI, Role.Kind.PARTY, ""),)),
    DemoAccount("property", "赵敏", "13905510003", ((SHANSHUI, Role.Kind.PROPERTY, ""),)),
    DemoAccount("observer", "孙丽萍", "13905510004", ((SHANSHUI, Role.Kind.OBSERVER, ""),)),
    DemoAccount("resident", "刘淑芬", RESIDENT_PHONE, ((XIANGJIAOYUAN, HOUSEHOLD_MEMBER, "3-5-501"),)),
    DemoAccount(
        "resident2", "汪晓梅", RESIDENT2_PHONE, ((SHANSHUI, HOUSEHOLD_MEMBER, "-".join(SHANSHUI_RESIDENT2_FLAT)),)
    ),
    DemoAccount("admin", "管理员", None, superuser=True),
)

DEMO_COMMUNITIES = (
    (XIANGJIAOYUAN, "橡胶园小区", "辽宁省阜新市海州区和平街道华兴社区", xiangjiaoyuan_plan),
    (SHANSHUI, "山水名城小区", "安徽省合肥市蜀山区笔架山街道天鹅湖社区", shanshui_plan),
)


@dataclass
class DemoResult:
    communities_created: list[str] = field(default_factory=list)
    households_created: int = 0
    accounts_created: list[str] = field(default_factory=list)
    grants_created: int = 0
    accounts: tuple[DemoAccount, ...] = DEMO_ACCOUNTS


def _household_by_code(community: Community, code: str) -> Household:
    building, entrance, room = code.split("-")
    return Household.objects.of(community).get(entrance__building__name=building, entrance__name=entrance, room=room)


def _demo_users(accounts: Iterable[DemoAccount], result: DemoResult) -> dict:
    User = get_user_model()
    users = {user.username: user for user in User.objects.filter(username__in=[a.username for a in accounts])}
    missing = [account for account in accounts if account.username not in users]
    if missing:
        # One hash for all demo accounts: they share a published password, and hashing is the slow part.
        password = make_password(DEMO_PASSWORD)
        for account in missing:
            user = User.objects.create(
                username=account.username,
                display_name=account.display_name,
                phone=account.phone,
                phone_verified=account.phone is not None,
                is_staff=account.superuser,
                is_superuser=account.superuser,
                password=password,
            )
            users[user.username] = user
            result.accounts_created.append(user.username)
    return users


@transaction.atomic
def demo_load() -> DemoResult:
    """Create whatever of the demo communities and accounts is missing; existing data is left as it is."""
    result = DemoResult()
    communities = {
        community.slug: community for community in Community.objects.filter(slug__in=[XIANGJIAOYUAN, SHANSHUI])
    }
    for slug, name, address, make_plan in DEMO_COMMUNITIES:
        community = communities.get(slug)
        if community is None:
            community = communities[slug] = Community.objects.create(slug=slug, name=name, address=address)
        if not Household.objects.of(community).exists():
            result.households_created += _roster_write(community, make_plan())
            result.communities_created.append(name)

    users = _demo_users(DEMO_ACCOUNTS, result)
    for account in DEMO_ACCOUNTS:
        user = users[account.username]
        for slug, kind, detail in account.places:
            community = communities[slug]
            if kind == HOUSEHOLD_MEMBER:
                household = _household_by_code(community, detail)
                # Bound as joining with the slip's code would: the demo residents' verified phones are their flats'
                # owners' on the roster, so they are the verified owners and cast their flats' ballots.
                _, created = HouseholdBinding.objects.get_or_create(
                    user=user,
                    household=household,
                    defaults={"relation": binding_relation(user=user, household=household)},
                )
            else:
                _, created = Role.objects.get_or_create(
                    user=user, community=community, kind=kind, defaults={"office": detail}
                )
            result.grants_created += created
    return result
