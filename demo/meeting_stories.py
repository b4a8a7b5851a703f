"""The demo's owners' meetings, told through the real services (issue 15):

- 山水名城 re-elects its owners' committee (7 seats, 9 candidates, 2 alternates) at an owners' general meeting with
  three matters; the households' paper ballots are entered in one spreadsheet, the meeting is closed.
- 橡胶园 registers a representative for each entrance, and its residents' representatives adopt the 居民公约 at a
  居民代表会议: one representative, one vote, two thirds present and a majority of those present agreeing.

Found again by community and title; each written in one transaction; deterministic (fixed seeds).
"""

import random
from dataclasses import dataclass
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from community.demo import SHANSHUI, XIANGJIAOYUAN
from community.models import Community, Entrance, Household
from community.services import representative_add
from demo.stories import ACTORS, _require, _users, scan_pdf
from lifecycle.services import meeting_close, meeting_open_voting
from meetings.ballots import Answers, meeting_ballot_cast
from meetings.models import ElectionBallot, Meeting, MeetingElector, Organiser
from meetings.paper import meeting_paper_import, parse_sheet, sheet_columns
from meetings.selectors import agenda_rows
from meetings.services import (
    agenda_election_add,
    agenda_matter_add,
    candidate_add,
    meeting_create,
    meeting_publish_notice,
)
from proposals.models import Category, Electorate, Proposal, RuleCode
from proposals.services import proposal_create, proposal_start_consultation
from voting.models import Channel, Choice

SHANSHUI_MEETING_TITLE = "山水名城2026年业主大会第一次会议暨第三届业主委员会换届选举"
SHANSHUI_MATTERS = (
    (
        "修订《山水名城业主大会议事规则》",
        "明确电子投票与纸质投票同等有效，未填事项按弃权计。",
        RuleCode.CIVIL_CODE_ORDINARY,
    ),
    (
        "使用专项维修资金维修5号楼屋面防水",
        "5号楼屋面多处渗漏，维修费用约18.6万元，从专项维修资金列支。",
        RuleCode.CIVIL_CODE_MAJOR,
    ),
    ("续聘山水名城物业服务中心", "物业服务合同期满，按原收费标准续聘三年。", RuleCode.CIVIL_CODE_ORDINARY),
)
# (name, flat, party member and shown, statement): nine candidates for seven seats; 党员占多数, as in the article.
SHANSHUI_CANDIDATES = (
    ("王建国", "3-1-602", True, "连任候选人，负责车棚项目，愿继续为大家服务。"),
    ("陈淑华", "6-1-801", True, "退休教师，参与过两次入户走访。"),
    ("刘志强", "4-2-1502", True, "工程师，熟悉维修资金使用流程。"),
    ("赵丽", "1-1-301", True, "社区志愿者，关注老人出行。"),
    ("孙国平", "5-1-1201", True, "退役军人，愿意值守监督施工。"),
    ("周敏", "7-3-902", True, "会计师，愿负责账目公开。"),
    ("吴海", "2-2-502", False, "年轻业主，愿做线上投票的宣传员。"),
    ("郑秀英", "8-1-401", True, "楼栋长，熟悉8号楼每一户。"),
    ("钱磊", "4-1-702", False, "关注停车管理。"),
)
SHANSHUI_MEETING = "shanshui_meeting"
SEATS, ALTERNATES = 7, 2
# How likely each candidate is to be ticked by a voting household (deterministic draws).
APPROVAL = (0.88, 0.84, 0.82, 0.8, 0.76, 0.72, 0.7, 0.68, 0.66)


@dataclass
class MeetingStory:
    key: str
    community: Community
    meeting: Meeting
    created: bool


def _shanshui_meeting(community: Community, users: dict) -> Meeting:
    committee = users["committee"]
    rng = random.Random(2026_15)
    _require(committee, "meetings.add_meeting", community)
    now = timezone.now()
    meeting = meeting_create(
        community=community,
        by=committee,
        title=SHANSHUI_MEETING_TITLE,
        organiser=Organiser.RE_ELECTION,
        voting_opens_at=now + timedelta(days=16),
        voting_closes_at=now + timedelta(days=30),
    )
    matters = []
    for title, summary, rule in SHANSHUI_MATTERS:
        proposal = proposal_create(
            community=community, by=committee, title=title, summary=summary, category=Category.OTHER, rule=rule
        )
        proposal = proposal_start_consultation(proposal=proposal, by=committee)
        agenda_matter_add(meeting=meeting, by=committee, proposal=proposal)
        matters.append(proposal)
    election = agenda_election_add(
        meeting=meeting, by=committee, title="第三届业主委员会委员", seats=SEATS, alternates=ALTERNATES
    )
    candidates = []
    for name, flat, party, statement in SHANSHUI_CANDIDATES:
        building, entrance, room = flat.split("-")
        household = (
            Household.objects.of(community)
            .filter(entrance__building__name=building, entrance__name=entrance, room=room)
            .first()
        )
        candidates.append(
            candidate_add(
                election=election,
                by=committee,
                name=name,
                household=household,
                statement=statement,
                party_member=party,
                show_party=party,
            )
        )
    meeting_publish_notice(meeting=meeting, by=committee)
    # The notice period has passed and the fortnight of voting with it: the window is moved back (the notice's
    # date with it), voting opens, the returned ballots are entered, and the meeting closes.
    Meeting.objects.filter(pk=meeting.pk).update(
        notice_published_at=now - timedelta(days=33),
        voting_opens_at=now - timedelta(days=16),
        voting_closes_at=now + timedelta(minutes=30),
    )
    meeting = meeting_open_voting(meeting=meeting)
    heads: dict[str, str] = {}
    for head, label in (
        MeetingElector.objects.filter(meeting=meeting).order_by("household_id").values_list("head", "label")
    ):
        heads.setdefault(head, label)
    # The returned paper ballots, one row per owner, entered as the secretary does: one sheet, one scan.
    columns = sheet_columns(agenda_rows(meeting))
    sheet = [",".join(["房屋", *(column.heading for column in columns)])]
    for label in heads.values():
        if rng.random() < 0.14:
            continue  # did not return a ballot
        choices = ["同意" if rng.random() < 0.9 else "不同意" if rng.random() < 0.6 else "弃权" for _matter in matters]
        chosen = [index for index, share in enumerate(APPROVAL) if rng.random() < share]
        if len(chosen) > SEATS:
            chosen = rng.sample(chosen, SEATS)  # at most the seats, as the ballot says
        if rng.random() < 0.02:
            chosen = list(range(len(APPROVAL)))  # a few tick everyone: more than the seats, an invalid ballot
        ticks = ["✓" if index in chosen else "" for index in range(len(APPROVAL))]
        sheet.append(",".join([label, *choices, *ticks]))
    _require(committee, "meetings.record_paper", meeting)
    parsed = parse_sheet("换届表决票.csv", ("\n".join(sheet) + "\n").encode("utf-8"), columns)
    scan = scan_pdf(["Shanshui Mingcheng - owners' meeting 2026", f"Signed paper ballots: {len(sheet) - 1} (demo)"])
    meeting_paper_import(meeting=meeting, parsed=parsed, by=committee, evidence=ContentFile(scan, name="scan.pdf"))
    Meeting.objects.filter(pk=meeting.pk).update(voting_closes_at=timezone.now())
    Proposal.objects.filter(pk__in=[p.pk for p in matters]).update(voting_closes_at=timezone.now())
    return meeting_close(meeting=Meeting.objects.get(pk=meeting.pk), by=committee)


# --- 橡胶园: the residents' representatives adopt the 居民公约 -------------------------------------------------------

XIANGJIAOYUAN_MEETING_TITLE = "橡胶园小区第一届居民代表会议"
CONVENTION_TITLE = "《橡胶园小区居民公约》"
CONVENTION_SUMMARY = "爱护公共设施、垃圾分类定点投放、不在楼道堆放杂物、电动车不进楼道、邻里有事好商量。"
XIANGJIAOYUAN_MEETING = "xiangjiaoyuan_meeting"
# One representative per entrance (19), living on its third floor; two could not come to the assembly.
REPRESENTATIVE_NAMES = (
    "杨桂英",
    "马建华",
    "胡秀兰",
    "林国强",
    "何玉珍",
    "高志明",
    "罗淑芬",
    "梁德胜",
    "宋丽华",
    "谢永福",
    "韩凤英",
    "唐建国",
    "冯秀云",
    "于海涛",
    "董玉兰",
    "萧金福",
    "程美华",
    "曹立新",
    "袁桂芝",
)


def _xiangjiaoyuan_assembly(community: Community, users: dict) -> Meeting:
    committee = users["committee"]
    now = timezone.now()
    _require(committee, "community.manage_representatives", community)
    flats = [
        Household.objects.of(community).get(entrance=entrance, room="301")
        for entrance in Entrance.objects.filter(building__community=community).order_by(
            "building__sort_key", "sort_key"
        )
    ]
    representatives = [
        representative_add(community=community, by=committee, name=name, household=flat)
        for name, flat in zip(REPRESENTATIVE_NAMES, flats, strict=True)
    ]
    _require(committee, "meetings.add_meeting", community)
    meeting = meeting_create(
        community=community,
        by=committee,
        title=XIANGJIAOYUAN_MEETING_TITLE,
        organiser=Organiser.RESIDENTS_COMMITTEE,
        voting_opens_at=now + timedelta(days=16),
        voting_closes_at=now + timedelta(days=17),
        electorate=Electorate.REPRESENTATIVES,
    )
    convention = proposal_create(
        community=community, by=committee, title=CONVENTION_TITLE, summary=CONVENTION_SUMMARY, category=Category.OTHER
    )
    convention = proposal_start_consultation(proposal=convention, by=committee)
    agenda_matter_add(meeting=meeting, by=committee, proposal=convention)
    meeting_publish_notice(meeting=meeting, by=committee)
    Meeting.objects.filter(pk=meeting.pk).update(
        notice_published_at=now - timedelta(days=20),
        voting_opens_at=now - timedelta(hours=3),
        voting_closes_at=now + timedelta(minutes=30),
    )
    meeting = meeting_open_voting(meeting=meeting)
    # At the assembly each representative hands in a signed ballot; the secretary enters them with one scan.
    _require(committee, "meetings.record_paper", meeting)
    field = ElectionBallot._meta.get_field("evidence")
    scan = scan_pdf(["Xiangjiaoyuan - residents' representatives' assembly", "Signed ballots (demo scan)"])
    stored = field.storage.save(field.generate_filename(None, "assembly.pdf"), ContentFile(scan))
    votes = [Choice.AGREE] * 15 + [Choice.DISAGREE, Choice.ABSTAIN]  # 17 of 19 present
    for representative, choice in zip(representatives, votes, strict=False):
        meeting_ballot_cast(
            meeting=meeting,
            household=representative.household,
            answers=Answers({convention.pk: choice}),
            channel=Channel.PAPER,
            by=committee,
            evidence=stored,
        )
    Meeting.objects.filter(pk=meeting.pk).update(voting_closes_at=timezone.now())
    Proposal.objects.filter(pk=convention.pk).update(voting_closes_at=timezone.now())
    return meeting_close(meeting=Meeting.objects.get(pk=meeting.pk), by=committee)


def meeting_stories_load() -> list[MeetingStory]:
    """Write the meeting stories that are missing (found by community and title); existing ones are left alone."""
    users = _users(ACTORS)
    stories = []
    for key, slug, title, write in (
        (SHANSHUI_MEETING, SHANSHUI, SHANSHUI_MEETING_TITLE, _shanshui_meeting),
        (XIANGJIAOYUAN_MEETING, XIANGJIAOYUAN, XIANGJIAOYUAN_MEETING_TITLE, _xiangjiaoyuan_assembly),
    ):
        community = Community.objects.get(slug=slug)
        meeting = Meeting.objects.filter(community=community, title=title).first()
        created = meeting is None
        if created:
            with transaction.atomic():
                meeting = write(community, users)
        stories.append(MeetingStory(key, community, meeting, created))
    return stories
