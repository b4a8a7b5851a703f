"""The demo's stories, told through the real services: 橡胶园's unit door in consultation, 山水名城's e-bike garage
in consultation, and the garage's first phase, passed and being paid. `stories_load()` writes only what is missing.

A story is found again by its community and title; each one is written in one transaction, so it is all there or
not at all. Everything is deterministic (fixed seeds) so that every demo tells the same stories.
"""

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from community.demo import SHANSHUI, SHANSHUI_RESIDENT2_FLAT, UNIT_DOOR, XIANGJIAOYUAN
from community.models import Building, Community, Entrance, Household, HouseholdBinding, Role
from community.services import join_code_issue, join_code_redeem
from consult.meetings import PartyInput, meeting_create
from consult.models import DemandTag, PartyKind, Position, Visit
from consult.opinions import opinion_hide, opinion_post, opinion_reply
from consult.services import assignment_create, demand_tag_create, visit_record
from costs.models import Bill, CostMethod, Sharers, SubsidySource
from costs.services import (
    beneficiary_sign_up,
    bill_pay,
    bill_waive,
    cost_plan_create,
    line_item_add,
    payment_instructions_save,
    subsidy_add,
)
from demo.sms_story import phase_one_opened, phase_one_reminded, phase_one_results
from lifecycle.services import proposal_close, proposal_open_voting
from proposals.models import Category, Proposal, Scope, Transition
from proposals.services import proposal_create, proposal_start_consultation, rule_for
from voting.models import Elector
from voting.paper_import import parse_ballots
from voting.paper_services import paper_ballots_import
from voting.selectors import tally_outcome

DOOR = "door"
GARAGE = "garage"
PHASE_ONE = "phase_one"

DOOR_TITLE = "更换3号楼5单元单元门"
GARAGE_TITLE = "建设电动车充电车棚"
PHASE_ONE_TITLE = "一期：2、3号楼电动车充电区"
PHASE_ONE_BUILDINGS = ("2", "3")

# The roles the stories add to demo accounts: both canvassers also walk 山水名城's buildings.
EXTRA_ROLES = (
    ("canvasser", SHANSHUI, Role.Kind.CANVASSER),
    ("party", SHANSHUI, Role.Kind.CANVASSER),
)


class StoryError(RuntimeError):
    """The demo data is not what the stories expect (e.g. a demo account lost its role)."""


@dataclass
class Story:
    key: str
    community: Community
    proposal: Proposal
    created: bool


@dataclass
class StoriesResult:
    stories: dict[str, Story] = field(default_factory=dict)
    roles_created: int = 0

    @property
    def created(self) -> list[Story]:
        return [story for story in self.stories.values() if story.created]


TEXTS = Path(__file__).resolve().parent / "texts"


def _text(name: str) -> str:
    """A proposal's full text (Markdown), kept in demo/texts/ where a Chinese paragraph stays on one line."""
    return (TEXTS / name).read_text(encoding="utf-8")


# --- Helpers ----------------------------------------------------------------------------------------------------


def _users(usernames: Iterable[str]) -> dict:
    User = get_user_model()
    users = {user.username: user for user in User.objects.filter(username__in=list(usernames))}
    missing = sorted(set(usernames) - set(users))
    if missing:
        raise StoryError(f"demo accounts missing: {', '.join(missing)} (run community.demo.demo_load first)")
    return users


def _require(user, perm: str, obj) -> None:
    """The stories do only what the acting demo account could do on the site."""
    # Roles are cached on the user object per request; the stories may have just added one.
    user.__dict__.pop("_gongyi_roles", None)
    user.__dict__.pop("_gongyi_member_of", None)
    if not user.has_perm(perm, obj):
        raise StoryError(f"demo account {user.username} lacks {perm} on {obj}")


def _household(community: Community, code: str) -> Household:
    building, entrance, room = code.split("-")
    return (
        Household.objects.of(community)
        .select_related("entrance__building", "owner")
        .get(entrance__building__name=building, entrance__name=entrance, room=room)
    )


def _backdate(proposal: Proposal, created_at: datetime) -> Proposal:
    """Move the proposal's creation (and the moves made so far) back to when the story began.

    The stories happened over days and weeks before the demo is loaded: the canvassing week of the unit door
    took place after the proposal was written, and the visit service rightly refuses visits from before that.
    Only the timestamps the database set by itself are moved; nothing a rule or the ballot chain depends on.
    """
    Proposal.objects.filter(pk=proposal.pk).update(created_at=created_at)
    Transition.objects.filter(proposal=proposal).update(at=created_at)
    return Proposal.objects.get(pk=proposal.pk)


def _evening(days_ago: int, minutes: int) -> datetime:
    """A canvassing evening `days_ago` days back, `minutes` after half past six (Beijing time)."""
    day = timezone.localdate() - timedelta(days=days_ago)
    start = timezone.make_aware(datetime.combine(day, time(18, 30)))
    return start + timedelta(minutes=minutes)


def _tags(community: Community, names: Iterable[str], by) -> dict[str, DemandTag]:
    existing = {tag.name: tag for tag in DemandTag.objects.filter(community=community)}
    for name in names:
        if name not in existing:
            existing[name] = demand_tag_create(community=community, name=name, by=by)
    return existing


def _visit(proposal, household, canvasser, at, stance="", demands="", tags=(), follow_up_on=None, tag_map=None):
    outcome = Visit.Outcome.NOBODY_HOME if stance == "" else Visit.Outcome.MET
    visit, _created = visit_record(
        proposal=proposal,
        household=household,
        canvasser=canvasser,
        outcome=outcome,
        stance=stance,
        demands=demands,
        tag_ids=[tag_map[name].pk for name in tags],
        follow_up_on=follow_up_on,
        visited_at=at,
        # Chosen once per door and time, as the phone chooses one per visit.
        idempotency_key=f"demo-{proposal.pk}-{household.pk}-{int(at.timestamp())}",
    )
    return visit


def _bind(household: Household, *, by, username: str):
    """An account for a household that joined with the code on its slip; it has no password (nobody logs in as it)."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, display_name=household.owner.name)
        user.set_unusable_password()
        user.save()
    if not HouseholdBinding.objects.filter(user=user, household=household).exists():
        join_code = join_code_issue(household=household, by=by)
        join_code_redeem(code=join_code.code, user=user)
    return user


def scan_pdf(lines: Iterable[str]) -> bytes:
    """A one-page PDF standing for the secretary's scan of the signed paper ballots (ASCII text only)."""
    text = " ".join("(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") '" for line in lines)
    stream = f"BT /F1 12 Tf 72 780 Td 18 TL {text} ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >>"
        b" /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


# --- 1. 橡胶园小区: the unit door of 3号楼5单元 -------------------------------------------------------------------

DOOR_SUMMARY = (
    "3号楼5单元的单元门锁坏了两年多，外人随意进出。换成带可视对讲门禁的防盗单元门，"
    "报价8,400元，本单元14户平摊，每户600元。"
)
DOOR_BODY = _text("door.md")
DOOR_TAGS = ("费用", "安全", "门禁")
CARD_DEMAND = "希望门禁卡每户多给一张"
# Room → (days ago, stance, demands, tags); "" is nobody home; rooms not listed were not visited yet.
DOOR_VISITS = {
    "701": (7, "support", "七楼爬楼梯累，门口能放下东西歇脚就好。", ()),
    "702": (7, "support", "", ()),
    "601": (6, "conditional", CARD_DEMAND + "，家里老人和保姆都要用。", ("门禁",)),
    "602": (6, "support", "楼道里总有陌生人发小广告，早该换了。", ("安全",)),
    "501": (5, "support", "门坏了以后晚上回家心里不踏实。", ("安全",)),
    "502": (5, "support", "", ()),
    "401": (4, "", "", ()),
    "402": (4, "conditional", CARD_DEMAND + "，孩子上学一张、老人一张。", ("门禁",)),
    "301": (3, "support", "", ()),
    "302": (3, "support", "600元能接受，最好能分两次交。", ("费用",)),
    "201": (2, "support", "", ()),
    "202": (2, "support", "", ()),
    "101": (1, "support", "一楼最需要，门口常有人抽烟、堵门。", ("安全",)),
}
DOOR_OPINION = (
    "我家住五楼，单元门坏了以后晚上回家心里不踏实。支持换新门，600元能接受。"
    "希望施工那几天留一扇门，方便楼上的老人进出。"
)


def _door_story(community: Community, users: dict) -> Proposal:
    committee, canvasser, resident = users["committee"], users["canvasser"], users["resident"]
    entrance = Entrance.objects.get(building__community=community, building__name=UNIT_DOOR[0], name=UNIT_DOOR[1])
    _require(committee, "proposals.add_proposal", community)
    proposal = proposal_create(
        community=community,
        by=committee,
        title=DOOR_TITLE,
        summary=DOOR_SUMMARY,
        body=DOOR_BODY,
        category=Category.REBUILD,
        # 14 households of one stairwell paying for their own door: the committee asks all of them to agree.
        rule=rule_for(category=Category.REBUILD, unanimous=True),
        scope=Scope.ENTRANCES,
        entrances=[entrance],
    )
    proposal = proposal_start_consultation(proposal=proposal, by=committee)
    proposal = _backdate(proposal, _evening(9, 60))

    _require(committee, "costs.manage_plan", proposal)
    cost_plan_create(
        proposal=proposal,
        by=committee,
        method=CostMethod.EQUAL,
        sharers=Sharers.SCOPE,
        notes="按户平均分摊：8,400元 ÷ 14户 = 每户600元。",
    )
    line_item_add(
        proposal=proposal, description="单元门及门禁系统（含安装）", amount="8400.00", supplier="阜新安居门业"
    )

    _require(committee, "consult.manage_canvassing", proposal)
    tags = _tags(community, DOOR_TAGS, committee)
    assignment_create(proposal=proposal, canvasser=canvasser, by=committee, entrance=entrance)
    _require(canvasser, "consult.canvass", proposal)
    households = {h.room: h for h in Household.objects.filter(entrance=entrance).select_related("entrance__building")}
    for index, (room, (days_ago, stance, demands, tag_names)) in enumerate(DOOR_VISITS.items()):
        at = _evening(days_ago, 20 * (index % 2))
        follow_up = timezone.localdate() + timedelta(days=1) if stance == "" else None
        _visit(proposal, households[room], canvasser, at, stance, demands, tag_names, follow_up, tags)

    _require(resident, "consult.post_opinion", proposal)
    opinion_post(proposal=proposal, household=households["501"], by=resident, text=DOOR_OPINION)

    _require(committee, "consult.manage_meetings", proposal)
    meeting_create(
        proposal=proposal,
        by=committee,
        held_at=_evening(1, 90),
        place="华兴社区党群服务中心二楼会议室",
        minutes=(
            "楼栋长高桂兰汇报一周走访情况：14户中见到12户，10户支持，2户希望门禁卡每户多给一张；401室无人在家，待再访；"
            "102室尚未走访。物业介绍门禁系统的维护方式。"
        ),
        decisions="门禁卡每户发三张，多出的一张由物业承担；施工期间保留临时门；报价单在单元门口公示三天后由业委会发起表决。",
        parties=[
            PartyInput(PartyKind.PARTY, "华兴社区党委", Position.SUPPORT),
            PartyInput(PartyKind.OWNERS, "橡胶园小区业主委员会", Position.SUPPORT),
            PartyInput(
                PartyKind.PROPERTY,
                "橡胶园小区物业服务中心",
                Position.CONDITIONAL,
                "门禁系统由施工方质保两年，之后的日常维修由物业负责。",
            ),
        ],
    )
    return proposal


# --- 2. 山水名城小区: the e-bike garage, in consultation ---------------------------------------------------------

GARAGE_SUMMARY = (
    "小区约有200辆电动车，楼道停放、飞线充电隐患大。拟将北门内闲置空地改建为300㎡充电车棚，安装110个充电桩；"
    "政府和物业补贴后，余下费用由报名的电动车主按车辆数分摊。"
)
GARAGE_BODY = _text("garage.md")
GARAGE_TAGS = ("位置", "充电安全", "费用", "噪音")
# What residents said at the door: (stance, demands, tags), drawn in turn with a fixed seed.
GARAGE_SAYINGS = (
    ("support", "家里两辆电动车，天天推上楼充电，早就盼着建车棚。", ("充电安全",)),
    ("support", "充电桩要有自动断电和烟感，别再出现飞线充电。", ("充电安全",)),
    ("support", "车棚里要装监控和灭火器。", ("充电安全",)),
    ("support", "按辆分摊可以，充电费要按度数收，别按小时收。", ("费用",)),
    ("support", "希望车棚离我们楼近一点，晚上下班取车方便。", ("位置",)),
    ("support", "", ()),
    ("support", "", ()),
    ("conditional", "车棚别建在住户窗户底下，离楼远一点。", ("位置",)),
    ("conditional", "夜里充电设备不能有风扇声，低楼层要睡觉。", ("噪音",)),
    ("conditional", "家里只有一辆车，分摊太多就不参加了。", ("费用",)),
    ("undecided", "家里没有电动车，先看看方案再说。", ("费用",)),
    ("oppose", "不同意占用空地，以后想建健身场地。", ("位置",)),
    ("", "", ()),
)
RESIDENT2_SAYING = ("support", "家里两辆电动车，希望车棚离6号楼近一点，晚上取车方便。", ("位置", "充电安全"))
# Canvasser → (building, households to visit): 高桂兰 walks 3号楼, 陈志刚 (a party-member volunteer) 6号楼.
GARAGE_WALKS = (("canvasser", "3", 24), ("party", "6", 20))
GARAGE_BENEFICIARIES = 50
# Households that left opinions (besides resident2): a question, and a post the committee had to hide.
GARAGE_OPINIONS = (
    ("3-1-302", "车棚的位置能不能先公示一下图纸？我家在3号楼三楼，担心离窗户太近。", ""),
    ("6-2-501", "物业就是想借机多收钱，业委会那几个人都是一伙的，一群骗子！", "含人身攻击；业委会已约该业主当面沟通。"),
)
RESIDENT2_OPINION = "我家两辆电动车，现在只能推进电梯上楼充电，很不安全。支持建车棚！希望充电按度数收费，别按小时收。"
RESIDENT2_REPLY = "谢谢您的意见。协商会上已与物业、供电所商定：充电桩单独装表，按实际用电量收费，不按小时收。"


def _account_name(code: str) -> str:
    return f"ssmc-{code}"


def _garage_story(community: Community, users: dict) -> Proposal:
    committee, resident2 = users["committee"], users["resident2"]
    rng = random.Random(5510)
    _require(committee, "proposals.add_proposal", community)
    proposal = proposal_create(
        community=community,
        by=committee,
        title=GARAGE_TITLE,
        summary=GARAGE_SUMMARY,
        body=GARAGE_BODY,
        category=Category.COMMON_PARTS,
        rule=rule_for(category=Category.COMMON_PARTS),
        scope=Scope.COMMUNITY,
    )
    proposal = proposal_start_consultation(proposal=proposal, by=committee)
    proposal = _backdate(proposal, _evening(12, 0))

    _require(committee, "costs.manage_plan", proposal)
    cost_plan_create(
        proposal=proposal,
        by=committee,
        method=CostMethod.WEIGHT,
        sharers=Sharers.BENEFICIARIES,
        weight_label="辆电动车",
        notes="政府补贴和物业出资之外的18万元，由报名的业主按电动车数量分摊。",
    )
    line_item_add(proposal=proposal, description="车棚改造（300㎡）", amount="180000.00", supplier="合肥皖建钢结构")
    line_item_add(proposal=proposal, description="充电桩（110个）", amount="120000.00", supplier="安徽绿源充电设备")
    subsidy_add(
        proposal=proposal, source=SubsidySource.GOVERNMENT, amount="100000.00", name="蜀山区电动车集中充电设施补贴"
    )
    subsidy_add(
        proposal=proposal, source=SubsidySource.PROPERTY_COMPANY, amount="20000.00", name="山水名城物业服务中心"
    )

    # Door to door in two buildings, over the last six evenings.
    _require(committee, "consult.manage_canvassing", proposal)
    tags = _tags(community, GARAGE_TAGS, committee)
    resident2_code = "-".join(SHANSHUI_RESIDENT2_FLAT)
    supporters: list[Household] = []
    for username, building_name, count in GARAGE_WALKS:
        canvasser = users[username]
        building = Building.objects.get(community=community, name=building_name)
        assignment_create(proposal=proposal, canvasser=canvasser, by=committee, building=building)
        _require(canvasser, "consult.canvass", proposal)
        doors = list(
            Household.objects.filter(entrance__building=building, developer_held=False)
            .select_related("entrance__building")
            .in_order()
        )
        chosen = [h for h in doors if h.code == resident2_code] + rng.sample(
            [h for h in doors if h.code != resident2_code], count
        )
        chosen = chosen[:count]
        # Top floors first, as a canvasser climbs up and walks down; six evenings.
        chosen.sort(key=lambda h: (h.entrance.sort_key, -h.floor, h.room_sort_key))
        for index, household in enumerate(chosen):
            stance, demands, tag_names = (
                RESIDENT2_SAYING if household.code == resident2_code else rng.choice(GARAGE_SAYINGS)
            )
            at = _evening(6 - index * 6 // len(chosen), 8 * (index % 5))
            follow_up = timezone.localdate() + timedelta(days=2) if stance == "" else None
            _visit(proposal, household, canvasser, at, stance, demands, tag_names, follow_up, tags)
            if stance in ("support", "conditional"):
                supporters.append(household)

    # Households sign up with their number of e-bikes, from their own phones: resident2 with two.
    resident2_household = _household(community, resident2_code)
    _require(resident2, "costs.sign_up", resident2_household)
    beneficiary_sign_up(proposal=proposal, household=resident2_household, by=resident2, weight=2)
    others = [h for h in supporters if h.pk != resident2_household.pk]
    pool = list(
        Household.objects.of(community)
        .filter(developer_held=False)
        .exclude(pk__in=[h.pk for h in others] + [resident2_household.pk])
        .select_related("entrance__building", "owner")
        .in_order()
    )
    signing = (others + rng.sample(pool, GARAGE_BENEFICIARIES))[: GARAGE_BENEFICIARIES - 1]
    for household in sorted(signing, key=lambda h: h.pk):
        user = _bind(household, by=committee, username=_account_name(household.code))
        beneficiary_sign_up(proposal=proposal, household=household, by=user, weight=rng.choice((1, 1, 1, 2, 2, 3)))

    # Opinions: resident2's (answered), a question, and an insult the committee hid with its reason.
    _require(resident2, "consult.post_opinion", proposal)
    answered = opinion_post(proposal=proposal, household=resident2_household, by=resident2, text=RESIDENT2_OPINION)
    _require(committee, "consult.moderate_opinions", proposal)
    opinion_reply(opinion=answered, by=committee, text=RESIDENT2_REPLY)
    for code, text, hidden_reason in GARAGE_OPINIONS:
        household = _household(community, code)
        author = _bind(household, by=committee, username=_account_name(code))
        _require(author, "consult.post_opinion", proposal)
        opinion = opinion_post(proposal=proposal, household=household, by=author, text=text)
        if hidden_reason:
            opinion_hide(opinion=opinion, by=committee, reason=hidden_reason)

    # The six parties at one table (the "governance partners" of the article).
    _require(committee, "consult.manage_meetings", proposal)
    meeting_create(
        proposal=proposal,
        by=committee,
        held_at=_evening(2, 60),
        place="天鹅湖社区党群服务中心会议室",
        minutes=(
            "两位走访志愿者汇报3号楼、6号楼的走访情况和居民诉求：位置、充电安全、费用、噪音。"
            "物业、街道城管科、供电所分别说明维护、报批和电力增容的要求。"
        ),
        decisions=(
            "车棚建在北门内闲置空地，离最近住宅不少于15米；充电桩单独装表，按实际用电量计费；"
            "物业负责日常维护；方案公示后由业委会发起业主表决。"
        ),
        parties=[
            PartyInput(PartyKind.PARTY, "天鹅湖社区党委", Position.SUPPORT),
            PartyInput(PartyKind.RESIDENTS_COMMITTEE, "天鹅湖社区居委会", Position.SUPPORT),
            PartyInput(
                PartyKind.OWNERS, "山水名城业主代表", Position.CONDITIONAL, "车棚远离住宅窗户；夜间充电设备不得有噪音。"
            ),
            PartyInput(PartyKind.PROPERTY, "山水名城物业服务中心", Position.CONDITIONAL, "充电桩由物业统一维护。"),
            PartyInput(PartyKind.DEPARTMENT, "笔架山街道城管科", Position.SUPPORT),
            PartyInput(
                PartyKind.OTHER_UNIT, "蜀山供电所", Position.CONDITIONAL, "充电桩单独装表计量；增容由供电所报装施工。"
            ),
        ],
    )
    return proposal


# --- 3. 山水名城小区: the first phase, passed and being paid -------------------------------------------------------

PHASE_ONE_SUMMARY = (
    "先在2号楼和3号楼之间的空地建一处电动车充电区（雨棚120㎡，40个充电桩），"
    "费用扣除街道补贴后由两栋楼的业主按建筑面积分摊。"
)
PHASE_ONE_BODY = _text("phase_one.md")
PHASE_ONE_PAID_SHARE = 0.62
PHASE_ONE_WAIVER = "低保户，经业委会会议决定免收。"


def _phase_one_story(community: Community, users: dict) -> Proposal:
    committee = users["committee"]
    rng = random.Random(2026)
    buildings = list(Building.objects.filter(community=community, name__in=PHASE_ONE_BUILDINGS))
    _require(committee, "proposals.add_proposal", community)
    proposal = proposal_create(
        community=community,
        by=committee,
        title=PHASE_ONE_TITLE,
        summary=PHASE_ONE_SUMMARY,
        body=PHASE_ONE_BODY,
        category=Category.COMMON_PARTS,
        rule=rule_for(category=Category.COMMON_PARTS),
        scope=Scope.BUILDINGS,
        buildings=buildings,
    )
    proposal = proposal_start_consultation(proposal=proposal, by=committee)
    proposal = _backdate(proposal, _evening(40, 0))

    _require(committee, "costs.manage_plan", proposal)
    cost_plan_create(
        proposal=proposal, by=committee, method=CostMethod.AREA, sharers=Sharers.SCOPE, notes="按建筑面积分摊。"
    )
    line_item_add(
        proposal=proposal, description="雨棚及地面硬化（120㎡）", amount="46800.00", supplier="合肥皖建钢结构"
    )
    line_item_add(
        proposal=proposal, description="充电桩（40个，含安装）", amount="41600.00", supplier="安徽绿源充电设备"
    )
    subsidy_add(proposal=proposal, source=SubsidySource.GOVERNMENT, amount="30000.00", name="笔架山街道充电设施补贴")

    # The vote ran for two weeks; its paper ballots are entered now, and it is closed right after.
    _require(committee, "proposals.manage_proposal", proposal)
    proposal = proposal_open_voting(
        proposal=proposal,
        by=committee,
        opens_at=timezone.now() - timedelta(days=16),
        closes_at=timezone.now() + timedelta(hours=1),
    )
    phase_one_opened(proposal)
    # Three days before the close the committee reminds building 3, which lagged, by text.
    _require(committee, "messaging.send_batch", proposal)
    phase_one_reminded(proposal, by=committee, building=next(b for b in buildings if b.name == "3"))
    _require(committee, "voting.record_paper", proposal)
    sheet = ["房屋,表决意见,方式,备注"]
    heads: dict[str, str] = {}
    for head, label in Elector.objects.filter(proposal=proposal).order_by("household_id").values_list("head", "label"):
        heads.setdefault(head, label)  # one row per head: the owner's other flats follow its choice
    for label in heads.values():
        draw = rng.random()
        if draw < 0.12:
            continue  # did not take part
        choice = "同意" if draw < 0.92 else "不同意" if draw < 0.97 else "弃权"
        sheet.append(f"{label},{choice},纸质票,")
    parsed = parse_ballots("一期表决票.csv", ("\n".join(sheet) + "\n").encode("utf-8"))
    scan = scan_pdf(
        [
            "Shanshui Mingcheng - phase one e-bike charging area",
            f"Signed paper ballots: {len(sheet) - 1} owners (demo scan)",
        ]
    )
    paper_ballots_import(proposal=proposal, parsed=parsed, by=committee, evidence=ContentFile(scan, name="scan.pdf"))
    if not tally_outcome(proposal).passed:
        raise StoryError("the demo ballots of the first phase do not pass the major rule")
    proposal = proposal_close(proposal=proposal, by=committee)
    phase_one_results(proposal)

    # How to pay, written once for the community: on every bill page and payment notice.
    _require(committee, "costs.manage_payment_info", community)
    payment_instructions_save(
        community=community,
        by=committee,
        payee="山水名城小区业主委员会",
        account="徽商银行合肥蜀山支行 6230 5820 0001 2345 678",
        place="3号楼架空层业委会办公室",
        hours="每周二、周六 9:00–11:30",
        notes="转账请注明楼栋和房号，例如“2-1-301 充电区”。现场缴费可用现金或扫码。",
    )
    # Collection: most households have paid, to the fen; one hardship case is waived.
    _require(committee, "costs.record_payment", proposal)
    _require(committee, "costs.waive_bill", proposal)
    bills = list(Bill.objects.filter(proposal=proposal).order_by("position"))
    paid = set(rng.sample(range(len(bills)), round(len(bills) * PHASE_ONE_PAID_SHARE)))
    for index, bill in enumerate(bills):
        if index in paid:
            note = rng.choice(("微信转账", "现金", "支付宝", "银行转账"))
            bill_pay(bill=bill, by=committee, amount=bill.amount, note=note)
    waived = next(bill for index, bill in enumerate(bills) if index not in paid)
    bill_waive(bill=waived, by=committee, reason=PHASE_ONE_WAIVER)
    return proposal


# --- Loading ----------------------------------------------------------------------------------------------------

STORIES = (
    (DOOR, XIANGJIAOYUAN, DOOR_TITLE, _door_story),
    (GARAGE, SHANSHUI, GARAGE_TITLE, _garage_story),
    (PHASE_ONE, SHANSHUI, PHASE_ONE_TITLE, _phase_one_story),
)
ACTORS = ("committee", "canvasser", "party", "resident", "resident2")


def _extra_roles(communities: dict[str, Community], users: dict) -> int:
    created = 0
    for username, slug, kind in EXTRA_ROLES:
        _role, was_created = Role.objects.get_or_create(user=users[username], community=communities[slug], kind=kind)
        created += was_created
    return created


def stories_load() -> StoriesResult:
    """Write the stories that are missing (found by community and title); existing ones are left as they are."""
    result = StoriesResult()
    communities = {c.slug: c for c in Community.objects.filter(slug__in=[XIANGJIAOYUAN, SHANSHUI])}
    if len(communities) != 2:
        raise StoryError("the demo communities are missing (run community.demo.demo_load first)")
    users = _users(ACTORS)
    result.roles_created = _extra_roles(communities, users)
    existing = {
        (p.community_id, p.title): p
        for p in Proposal.objects.filter(
            community__in=communities.values(), title__in=[title for _key, _slug, title, _write in STORIES]
        ).order_by("pk")
    }
    for key, slug, title, write in STORIES:
        community = communities[slug]
        proposal = existing.get((community.pk, title))
        created = proposal is None
        if created:
            with transaction.atomic():
                proposal = write(community, users)
        result.stories[key] = Story(key=key, community=community, proposal=proposal, created=created)
    return result
