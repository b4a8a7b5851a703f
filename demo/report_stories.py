"""The article's residents' reports (issue 17), told by `load_demo`:

- Kunming: 马街北路社区 of 西山区马街街道 — rubbish blocking the public toilet, sheds in the flower beds, illegal
  structures, dangerous buildings — a few dozen reports over three years; from March 2020 the community whistles
  (吹哨) the ones beyond it to the district's 城管 and 住建, who report for duty (报到) and fix them.
- 阜新 橡胶园: the party secretary's ledger of residents' complaints, 150 in 2018, 50 in 2019, 12 in 2020 so far.

Reports go through the services, then their times are moved back to when the story happened (the services stamp
"now"; nothing a rule depends on is changed), as demo.stories does for proposals. Written once: a second load finds
the district and leaves everything as it is.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from community.demo import DEMO_PASSWORD, XIANGJIAOYUAN, community_generate
from community.models import Community, District, Entrance, Role
from community.volunteers import VolunteerInput, volunteer_register
from reports.models import Category, Department, Report, ReportEvent, Summons, Whistle
from reports.services import (
    district_setup,
    report_assign,
    report_confirm,
    report_create,
    report_done,
    summons_acknowledge,
    summons_act,
    summons_complete,
    whistle_blow,
)

MAJIE = ("majie", "马街街道")
MAJIE_NORTH = ("majiebeilu", "马街北路社区（昆明电池厂生活区）")
FUXIN = ("heping", "和平街道")
DEPARTMENTS = ("城管", "住建")
LEDGER = {2018: 150, 2019: 50, 2020: 12}  # 裴路心's notebook: complaints by year ("今年以来" = the first half of 2020)
# Accounts of the district and its departments; 白建伟 is the community's party secretary.
ACCOUNTS = (
    ("jiedao", "马街街道 何丽", None),
    ("chengguan", "西山区城管 周强", "城管"),
    ("zhujian", "西山区住建 吴敏", "住建"),
)
BAI = ("baijianwei", "白建伟")


@dataclass(frozen=True)
class Kunming:
    day: date
    category: str
    description: str
    departments: tuple[str, ...] = ()  # whistled to these (from March 2020)
    action: str = ""


KUNMING = (
    Kunming(date(2018, 4, 9), Category.ENVIRONMENT, "垃圾废品把公共厕所的门都堵了，进不去"),
    Kunming(date(2018, 6, 21), Category.ENVIRONMENT, "树上挂满塑料袋，没人清理"),
    Kunming(date(2018, 9, 3), Category.FACILITIES, "花坛里到处搭棚子，用木头竹子和废弃板材搭的"),
    Kunming(date(2019, 3, 15), Category.FACILITIES, "楼道贴满小广告"),
    Kunming(date(2019, 7, 30), Category.SAFETY, "7栋外墙开裂，下雨渗水，怕是危房"),
    Kunming(date(2019, 11, 12), Category.PARKING, "电动车在楼道里充电，没有车棚"),
    Kunming(
        date(2020, 3, 6),
        Category.ENVIRONMENT,
        "公共厕所周边多年垃圾沉积，清不完",
        ("城管",),
        "组织清运建筑和生活垃圾十二车，公厕门前恢复通行",
    ),
    Kunming(
        date(2020, 3, 9),
        Category.FACILITIES,
        "花坛里的简易棚（歇脚亭）是违建，挡路又不安全",
        ("城管", "住建"),
        "依法拆除违建棚子，重建歇脚亭",
    ),
    Kunming(date(2020, 3, 20), Category.SAFETY, "7栋危房需要加固", ("住建",), "鉴定为C级危房，完成加固"),
    Kunming(date(2020, 4, 8), Category.PARKING, "建电动车车棚，不再楼道充电", ("住建",), "建成车棚两处，安装充电桩"),
    Kunming(date(2020, 5, 18), Category.ENVIRONMENT, "弃管家属区的下水道堵塞", ("住建",), "政府投资兜底改造管网"),
)
# Beyond the stories above, the community's everyday reports, a few a season.
KUNMING_EVERYDAY = {2018: 9, 2019: 10, 2020: 5}

EVERYDAY = (
    (Category.ENVIRONMENT, ("垃圾没有及时清运", "绿化带里有人种菜", "草坪上种了瓜", "楼下污水外溢")),
    (Category.PARKING, ("车辆堵住消防通道", "有人占用别人车位", "电动车乱停")),
    (Category.FACILITIES, ("楼道灯坏了", "单元门关不上", "下水堵塞", "路面坑洼积水")),
    (Category.SAFETY, ("楼道堆放杂物", "消防栓没有水", "护栏松动")),
    (Category.DISPUTE, ("楼上漏水到楼下，协商不成", "邻居装修噪音太晚")),
    (Category.PROPERTY, ("保洁不按时打扫", "门卫不在岗")),
)


def _at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _user(username: str, name: str):
    users = get_user_model().objects
    user = users.filter(username=username).first()
    if user is None:
        user = users.create_user(username=username, password=DEMO_PASSWORD, display_name=name)
    return user


def _handled(report: Report, *, by, handler, reporter, reported: datetime, rng: random.Random, text: str) -> None:
    """Assigned, done and rated through the services, then moved back to when it happened."""
    report_assign(report=report, to=handler, due_on=timezone.localdate() + timedelta(days=1), by=by)
    report_done(report=report, by=handler, text=text)
    satisfied = rng.random() < 0.9
    report_confirm(report=report, by=reporter, satisfied=satisfied)
    if not satisfied:  # reopened once: done again, and this time accepted
        report_done(report=report, by=handler, text=text)
        report_confirm(report=report, by=reporter, satisfied=True)
    responded = reported + timedelta(hours=rng.randint(1, 30))
    done = responded + timedelta(days=rng.randint(1, 6))
    closed = done + timedelta(days=rng.randint(0, 2), hours=rng.randint(1, 8))
    Report.objects.filter(pk=report.pk).update(
        first_response_at=responded, done_at=done, closed_at=closed, due_on=(responded + timedelta(days=7)).date()
    )
    # The history's own times, in the story's order (a demo's backdating; the services never rewrite it).
    times = {
        ReportEvent.Kind.ASSIGNED: responded,
        ReportEvent.Kind.DONE: done,
        ReportEvent.Kind.REOPENED: done + timedelta(hours=6),
        ReportEvent.Kind.CONFIRMED: closed,
    }
    for kind, moment in times.items():
        ReportEvent.objects.filter(report=report, kind=kind).update(at=moment)


def _everyday(community: Community, year: int, count: int, *, by, handler, rng: random.Random) -> None:
    entrances = list(Entrance.objects.filter(building__community=community).select_related("building"))
    last_day = date(year, 6, 30) if year == 2020 else date(year, 12, 31)
    span = (last_day - date(year, 1, 1)).days
    for _ in range(count):
        category, texts = rng.choice(EVERYDAY)
        reported = _at(date(year, 1, 1) + timedelta(days=rng.randint(0, span)), rng.randint(7, 20), rng.randint(0, 59))
        entrance = rng.choice(entrances)
        report = report_create(
            community=community,
            by=by,
            category=category,
            description=rng.choice(texts),
            entrance=entrance,
            household=rng.choice(list(entrance.households.all()[:6])) if entrance.households.exists() else None,
            on_behalf=True,
            public=rng.random() < 0.5,
            at=reported,
        )
        _handled(report, by=by, handler=handler, reporter=by, reported=reported, rng=rng, text="已处理")


def _kunming(community: Community, departments: dict[str, Department], people: dict, rng: random.Random) -> None:
    bai, members = people["bai"], people["members"]
    for story in KUNMING:
        reported = _at(story.day, 10)
        report = report_create(
            community=community,
            by=bai,
            category=story.category,
            description=story.description,
            location="昆明电池厂生活区",
            public=True,
            on_behalf=True,
            at=reported,
        )
        if not story.departments:
            _handled(
                report, by=bai, handler=bai, reporter=bai, reported=reported, rng=rng, text="社区组织党员志愿者处理"
            )
            continue
        whistle = whistle_blow(
            reports=[report],
            departments=[departments[name] for name in story.departments],
            deadline=timezone.localdate() + timedelta(days=1),
            note=story.description,
            by=bai,
        )
        whistled = reported + timedelta(hours=20)
        Whistle.objects.filter(pk=whistle.pk).update(deadline=(whistled + timedelta(days=14)).date())
        for summons in whistle.summonses.select_related("department"):
            member = members[summons.department.name]
            summons_acknowledge(summons=summons, by=member)
            summons_act(summons=summons, by=member, text=story.action)
            summons_complete(summons=summons, by=member, text=story.action)
            Summons.objects.filter(pk=summons.pk).update(
                acknowledged_at=whistled + timedelta(hours=5), completed_at=whistled + timedelta(days=9)
            )
        report_done(report=report, by=bai, text=story.action)
        report_confirm(report=report, by=bai, satisfied=True)
        done = whistled + timedelta(days=10)
        Report.objects.filter(pk=report.pk).update(first_response_at=whistled, done_at=done, closed_at=done)
        events = ReportEvent.objects.filter(report=report)
        events.filter(kind=ReportEvent.Kind.WHISTLED).update(at=whistled)
        events.filter(kind=ReportEvent.Kind.ACKNOWLEDGED).update(at=whistled + timedelta(hours=5))
        events.filter(kind__in=[ReportEvent.Kind.ACTION, ReportEvent.Kind.COMPLETED]).update(
            at=whistled + timedelta(days=9)
        )
        events.filter(kind__in=[ReportEvent.Kind.DONE, ReportEvent.Kind.CONFIRMED]).update(at=done)


# 橡胶园's property team of nine, seven of them party members, on its entrances' contact cards (党员联系牌); one
# did not agree to be listed.
VOLUNTEERS = (
    ("裴路心", "1", "1", "13904181001", "社区党委书记，协调各类问题", True, True),
    ("王志军", "1", "2", "13904181002", "水电维修", True, True),
    ("李春梅", "2", "1", "13904181003", "环境卫生、垃圾分类", True, True),
    ("赵国庆", "2", "3", "13904181004", "门卫值守", True, True),
    ("孙桂香", "3", "1", "13904181005", "邻里调解", True, True),
    ("高桂兰", "3", "5", "13904180301", "上门走访、代办报事", True, True),
    ("周振华", "4", "1", "13904181007", "绿化养护", True, True),
    ("吴大海", "5", "1", "13904181008", "车辆停放管理", False, True),
    ("郑小燕", "5", "2", "13904181009", "保洁", False, False),
)


def _volunteers(community: Community, *, by) -> None:
    entrances = {
        (e.building.name, e.name): e
        for e in Entrance.objects.filter(building__community=community).select_related("building")
    }
    for name, building, entrance, phone, skills, party_member, listed in VOLUNTEERS:
        data = VolunteerInput(
            name=name,
            entrance=entrances[(building, entrance)],
            phone=phone,
            skills=skills,
            party_member=party_member,
            listed=listed,
        )
        volunteer_register(community=community, by=by, data=data)


@dataclass
class ReportStories:
    created: bool
    district: District | None = None
    kunming: Community | None = None
    ledger: Community | None = None


def report_stories_load() -> ReportStories:
    """Write the reports' stories unless the district is there already."""
    if District.objects.filter(slug=MAJIE[0]).exists():
        return ReportStories(
            created=False,
            district=District.objects.get(slug=MAJIE[0]),
            kunming=Community.objects.filter(slug=MAJIE_NORTH[0]).first(),
            ledger=Community.objects.filter(slug=XIANGJIAOYUAN).first(),
        )
    rng = random.Random(2020)
    with transaction.atomic():
        kunming, _count = community_generate(
            slug=MAJIE_NORTH[0], name=MAJIE_NORTH[1], households=240, address="昆明市西山区马街北路", seed=2020
        )
        # Keyed by department; None is the district's own staff, taken out below.
        members = {department: _user(username, name) for username, name, department in ACCOUNTS}
        district = district_setup(
            name=MAJIE[1],
            slug=MAJIE[0],
            departments=DEPARTMENTS,
            communities=[kunming],
            staff=[members.pop(None).username],
            members=[(department, user.username) for department, user in members.items()],
        )
        departments = {department.name: department for department in district.departments.all()}
        bai = _user(*BAI)
        Role.objects.get_or_create(user=bai, community=kunming, kind=Role.Kind.PARTY)
        Role.objects.get_or_create(user=bai, community=kunming, kind=Role.Kind.COMMITTEE)
        _kunming(kunming, departments, {"bai": bai, "members": members}, rng)
        for year, count in KUNMING_EVERYDAY.items():
            _everyday(kunming, year, count, by=bai, handler=bai, rng=rng)

        ledger = Community.objects.get(slug=XIANGJIAOYUAN)
        district_setup(name=FUXIN[1], slug=FUXIN[0], communities=[ledger])
        secretary = Role.objects.filter(community=ledger, kind=Role.Kind.SECRETARY).select_related("user").first()
        canvasser = Role.objects.filter(community=ledger, kind=Role.Kind.CANVASSER).select_related("user").first()
        for year, count in LEDGER.items():
            _everyday(ledger, year, count, by=secretary.user, handler=canvasser.user, rng=rng)
        _volunteers(ledger, by=secretary.user)
    return ReportStories(created=True, district=district, kunming=kunming, ledger=ledger)
