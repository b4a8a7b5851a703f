"""`load_demo` tells the article's stories: 橡胶园's unit door, 山水名城's garage and its passed first phase, and
the two meetings (issue 15)."""

import io
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pypdf
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from community.demo import SHANSHUI, SHANSHUI_RESIDENT2_FLAT, XIANGJIAOYUAN
from community.models import Household, HouseholdBinding, Role
from consult.meetings import party_positions
from consult.models import Assignment, DemandTag, Meeting, Opinion, Visit
from costs.models import Beneficiary, Bill, BillStatus, CostMethod, Sharers
from costs.selectors import shares_compute, sign_up_totals
from demo.meeting_stories import (
    ALTERNATES,
    SEATS,
    SHANSHUI_CANDIDATES,
    SHANSHUI_MATTERS,
    SHANSHUI_MEETING_TITLE,
)
from demo.stories import (
    DOOR_TITLE,
    GARAGE_TITLE,
    PHASE_ONE_TITLE,
    scan_pdf,
)
from meetings.audit import election_verify
from meetings.models import AgendaItem, ElectionBallot, MeetingState
from meetings.models import Meeting as OwnersMeeting
from meetings.selectors import election_outcome
from proposals.models import Proposal, RuleCode, Scope, State, Transition
from proposals.selectors import scope_households
from voting.audit import ballots_verify
from voting.models import Ballot, BallotEvent, Channel, Choice, Elector
from voting.selectors import tally_outcome, tally_recount

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def story(slug: str, title: str) -> Proposal:
    return Proposal.objects.get(community__slug=slug, title=title)


def user(username: str):
    return get_user_model().objects.get(username=username)


# --- 1. The unit door of 橡胶园 3号楼5单元 ----------------------------------------------------------------------


def test_the_door_proposal_is_in_consultation_for_fourteen_households_at_600_each(demo):
    door = story(XIANGJIAOYUAN, DOOR_TITLE)
    assert door.state == State.CONSULTATION
    assert door.rule == RuleCode.UNANIMOUS
    assert door.scope == Scope.ENTRANCES
    assert [str(e) for e in door.scope_entrances.all()] == ["3号楼5单元"]
    assert scope_households(door).count() == 14
    assert door.created_by.username == "committee"
    assert list(door.transitions.values_list("to_state", flat=True)) == [State.DRAFT, State.CONSULTATION]

    plan = door.cost_plan
    assert (plan.method, plan.sharers) == (CostMethod.EQUAL, Sharers.SCOPE)
    items = [(item.description, item.amount) for item in plan.line_items.all()]
    assert items == [("单元门及门禁系统（含安装）", Decimal("8400.00"))]
    assert plan.to_share == Decimal("8400.00")
    shares = shares_compute(door)
    assert not shares.error
    assert len(shares.rows) == 14
    assert {row.amount for row in shares.rows} == {Decimal("600.00")}


def test_the_door_was_canvassed_by_gao_guilan_over_a_week(demo):
    door = story(XIANGJIAOYUAN, DOOR_TITLE)
    canvasser = user("canvasser")
    assert canvasser.display_name == "高桂兰"
    [assignment] = Assignment.objects.filter(proposal=door)
    assert (assignment.canvasser, str(assignment.entrance), assignment.building) == (canvasser, "3号楼5单元", None)

    visits = list(Visit.objects.filter(proposal=door).prefetch_related("tags"))
    assert {visit.canvasser for visit in visits} == {canvasser}
    visited = {visit.household_id for visit in visits}
    assert 10 <= len(visited) < 14  # most of the 14 doors
    now = timezone.now()
    times = [visit.visited_at for visit in visits]
    assert all(now - timedelta(days=8) < at < now for at in times)
    assert max(times) - min(times) >= timedelta(days=5)  # a week of evenings, not one
    assert all(at >= door.created_at for at in times)
    stances = [visit.stance for visit in visits if visit.outcome == Visit.Outcome.MET]
    assert stances.count(Visit.Stance.CONDITIONAL) == 2
    assert stances.count(Visit.Stance.SUPPORT) >= len(stances) - 2
    assert [visit.outcome for visit in visits].count(Visit.Outcome.NOBODY_HOME) == 1
    conditional = [visit for visit in visits if visit.stance == Visit.Stance.CONDITIONAL]
    assert all("希望门禁卡每户多给一张" in visit.demands for visit in conditional)
    assert all({tag.name for tag in visit.tags.all()} == {"门禁"} for visit in conditional)
    used = {tag.name for visit in visits for tag in visit.tags.all()}
    assert used == {"费用", "安全", "门禁"}
    assert set(DemandTag.objects.filter(community=door.community).values_list("name", flat=True)) == used


def test_the_door_has_the_residents_opinion_and_a_three_party_meeting(demo):
    door = story(XIANGJIAOYUAN, DOOR_TITLE)
    [opinion] = Opinion.objects.filter(proposal=door)
    assert opinion.author == user("resident")
    assert opinion.household.code == "3-5-501"
    assert opinion.hidden_at is None
    [meeting] = Meeting.objects.filter(proposal=door)
    assert meeting.held_at < timezone.now()
    positions = {p.kind: (p.position, p.conditions) for p in party_positions(door)}
    assert set(positions) == {"party", "owners", "property"}
    assert positions["party"] == ("support", "")
    assert positions["property"][0] == "conditional" and positions["property"][1]


# --- 2. 山水名城's e-bike garage -----------------------------------------------------------------------------


def test_the_garage_proposal_shares_by_e_bikes_among_its_sign_ups(demo):
    garage = story(SHANSHUI, GARAGE_TITLE)
    assert garage.state == State.CONSULTATION
    assert garage.rule == RuleCode.CIVIL_CODE_MAJOR
    assert garage.scope == Scope.COMMUNITY

    plan = garage.cost_plan
    assert (plan.method, plan.sharers, plan.weight_label) == (CostMethod.WEIGHT, Sharers.BENEFICIARIES, "辆电动车")
    assert [(i.description, i.amount) for i in plan.line_items.all()] == [
        ("车棚改造（300㎡）", Decimal("180000.00")),
        ("充电桩（110个）", Decimal("120000.00")),
    ]
    assert [(s.source, s.amount) for s in plan.subsidies.all()] == [
        ("government", Decimal("100000.00")),
        ("property_company", Decimal("20000.00")),
    ]
    assert plan.to_share == Decimal("180000.00")

    count, weight = sign_up_totals(plan)
    assert 40 <= count <= 60 and count < weight <= 3 * count
    signed_up = Beneficiary.objects.filter(plan=plan, withdrawn_at__isnull=True)
    assert {b.weight for b in signed_up} <= {Decimal(1), Decimal(2), Decimal(3)}
    assert not signed_up.filter(household__developer_held=True).exists()
    # Every household signed up from an account bound to it, as the sign-up page requires.
    assert all(HouseholdBinding.objects.filter(user=b.signed_up_by, household=b.household).exists() for b in signed_up)
    resident2 = signed_up.get(household__bindings__user__username="resident2")
    assert resident2.weight == 2 and resident2.signed_up_by == user("resident2")
    shares = shares_compute(garage)
    assert not shares.error and len(shares.rows) == count
    assert sum(row.amount for row in shares.rows) == Decimal("180000.00")


def test_the_garage_was_canvassed_in_two_buildings_by_two_volunteers(demo):
    garage = story(SHANSHUI, GARAGE_TITLE)
    for username in ("canvasser", "party"):
        assert Role.objects.filter(user__username=username, community=garage.community, kind="canvasser").exists()
    assignments = {a.canvasser.username: a.building.name for a in Assignment.objects.filter(proposal=garage)}
    assert set(assignments) == {"canvasser", "party"}
    assert assignments["canvasser"] != assignments["party"]
    visits = Visit.objects.filter(proposal=garage).select_related("household__entrance__building", "canvasser")
    by_canvasser = {}
    for visit in visits:
        assert visit.household.entrance.building.name == assignments[visit.canvasser.username]
        by_canvasser.setdefault(visit.canvasser.username, 0)
        by_canvasser[visit.canvasser.username] += 1
    assert set(by_canvasser) == {"canvasser", "party"} and min(by_canvasser.values()) >= 10
    assert set(DemandTag.objects.filter(community=garage.community).values_list("name", flat=True)) == {
        "位置",
        "充电安全",
        "费用",
        "噪音",
    }
    used = set(visits.values_list("tags__name", flat=True)) - {None}
    assert used == {"位置", "充电安全", "费用", "噪音"}


def test_the_garage_has_six_parties_and_moderated_opinions(demo):
    garage = story(SHANSHUI, GARAGE_TITLE)
    positions = {p.kind: p for p in party_positions(garage)}
    assert set(positions) == {"party", "residents_committee", "owners", "property", "department", "other_unit"}
    assert positions["property"].position == "conditional"
    assert "充电桩由物业统一维护" in positions["property"].conditions
    assert "城管" in positions["department"].name and "供电所" in positions["other_unit"].name

    opinions = list(Opinion.objects.filter(proposal=garage))
    assert len(opinions) >= 3
    hidden = [o for o in opinions if o.hidden_at is not None]
    assert len(hidden) == 1 and hidden[0].hidden_reason and hidden[0].hidden_by == user("committee")
    replied = [o for o in opinions if o.reply]
    assert len(replied) == 1 and replied[0].replied_by == user("committee")
    assert replied[0].author == user("resident2")


def test_resident2_sees_the_household_share_on_the_proposal_page(client, demo):
    garage = story(SHANSHUI, GARAGE_TITLE)
    household = Household.objects.of(garage.community).get(
        entrance__building__name=SHANSHUI_RESIDENT2_FLAT[0],
        entrance__name=SHANSHUI_RESIDENT2_FLAT[1],
        room=SHANSHUI_RESIDENT2_FLAT[2],
    )
    share = shares_compute(garage).by_household[household.pk].amount
    assert share > 0
    client.force_login(user("resident2"))
    response = client.get(reverse("proposal_detail", args=[garage.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"您家应分摊：¥{share:,.2f}" in page
    assert "您家已报名：2 辆电动车" in page


# --- 3. The first phase: passed, billed, being paid -----------------------------------------------------------


def test_the_first_phase_passed_on_paper_ballots(demo):
    phase = story(SHANSHUI, PHASE_ONE_TITLE)
    assert phase.state == State.CLOSED and phase.passed is True
    assert phase.voting_opens_at < phase.voting_closes_at <= timezone.now()
    assert list(Transition.objects.filter(proposal=phase).values_list("to_state", flat=True)) == [
        State.DRAFT,
        State.CONSULTATION,
        State.VOTING,
        State.CLOSED,
    ]
    assert phase.scope == Scope.BUILDINGS
    assert 100 <= phase.electorate_households <= 150
    outcome = tally_outcome(phase)
    assert outcome.passed
    ballots = Ballot.objects.filter(proposal=phase)
    assert set(ballots.values_list("channel", flat=True)) == {Channel.PAPER}
    assert all(ballot.evidence for ballot in ballots)
    assert ballots.filter(choice=Choice.DISAGREE).exists() and ballots.filter(choice=Choice.ABSTAIN).exists()
    assert ballots.count() < Elector.objects.filter(proposal=phase).count()  # some did not take part
    assert BallotEvent.objects.filter(proposal=phase).count() == phase.ballot_seq == ballots.count()
    assert tally_recount(phase).passed


def test_verify_ballots_passes_for_the_first_phase(demo):
    phase = story(SHANSHUI, PHASE_ONE_TITLE)
    out = StringIO()
    call_command("verify_ballots", phase.pk, stdout=out)
    assert out.getvalue().startswith("OK")


def test_the_first_phase_bills_add_up_to_the_fen_some_paid_one_waived(demo):
    phase = story(SHANSHUI, PHASE_ONE_TITLE)
    plan = phase.cost_plan
    assert plan.method == CostMethod.AREA and plan.subsidy_total > 0 and plan.billed_at is not None
    bills = list(Bill.objects.filter(proposal=phase))
    assert len(bills) == phase.electorate_households
    assert sum(bill.amount for bill in bills) == plan.to_share == Decimal("58400.00")
    assert len({bill.amount for bill in bills}) > 10  # shared by area, not equally
    paid = [bill for bill in bills if bill.status == BillStatus.PAID]
    waived = [bill for bill in bills if bill.status == BillStatus.WAIVED]
    unpaid = [bill for bill in bills if bill.status == BillStatus.UNPAID]
    assert len(bills) // 3 < len(paid) < len(bills) and unpaid
    assert all(bill.paid_at and bill.recorded_by == user("committee") for bill in paid)
    [waiver] = waived
    assert waiver.waived_reason and waiver.recorded_by == user("committee")
    # The committee wrote once how to pay: the households' bill pages and notices say it.
    instructions = phase.community.payment_instructions
    assert instructions.payee == "山水名城小区业主委员会" and "业委会办公室" in instructions.place


def test_the_scan_is_a_real_pdf():
    reader = pypdf.PdfReader(io.BytesIO(scan_pdf(["First line (demo)", "Second line"])))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "First line (demo)" in text and "Second line" in text


# --- Loading twice, completing, and the guide ----------------------------------------------------------------


def _story_counts() -> dict[str, int]:
    models = (Proposal, Transition, Visit, Assignment, Opinion, Meeting, Beneficiary, Ballot, BallotEvent, Bill, Role)
    return {model.__name__: model.objects.count() for model in (*models, get_user_model(), HouseholdBinding)}


def test_load_demo_twice_writes_nothing_and_is_quick(demo):
    before = _story_counts()
    bills = list(Bill.objects.order_by("pk").values_list("pk", "status", "amount"))
    with CaptureQueriesContext(connection) as queries:
        output = load_demo()
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)]
    assert writes == []
    assert len(queries.captured_queries) < 80
    assert _story_counts() == before
    assert list(Bill.objects.order_by("pk").values_list("pk", "status", "amount")) == bills
    assert "已添加演示故事" not in output and "演示故事" in output


def test_a_missing_story_is_told_again_and_the_others_are_left_alone(demo):
    door, phase = story(XIANGJIAOYUAN, DOOR_TITLE), story(SHANSHUI, PHASE_ONE_TITLE)
    story(SHANSHUI, GARAGE_TITLE).delete()
    output = load_demo()
    assert "已添加演示故事：建设电动车充电车棚。" in output
    garage = story(SHANSHUI, GARAGE_TITLE)
    assert sign_up_totals(garage.cost_plan)[0] >= 40
    assert story(XIANGJIAOYUAN, DOOR_TITLE).pk == door.pk and story(SHANSHUI, PHASE_ONE_TITLE).pk == phase.pk
    assert Proposal.objects.filter(title=GARAGE_TITLE).count() == 1


def test_the_guide_says_who_logs_in_where(demo):
    output = demo.output
    door, garage, phase = (
        story(XIANGJIAOYUAN, DOOR_TITLE),
        story(SHANSHUI, GARAGE_TITLE),
        story(SHANSHUI, PHASE_ONE_TITLE),
    )
    guide = output[output.index("演示故事（") :]
    site = "http://127.0.0.1:8000"
    assert "committee 登录 → 橡胶园小区 → 议题 → 更换3号楼5单元单元门 → 开始表决" in guide
    assert f"resident 在手机上打开 {site}/ 表决" in guide
    assert "共14户，每户¥600.00" in guide
    for url in (
        reverse("proposal_detail", args=[door.pk]),
        reverse("big_screen", args=[door.pk]),
        reverse("walk_list", args=[door.pk]),
        reverse("proposal_detail", args=[garage.pk]),
        reverse("canvass_board", args=[garage.pk]),
        reverse("demands_summary", args=[garage.pk]),
        reverse("meetings", args=[garage.pk]),
        reverse("bill_collection", args=[phase.pk]),
        reverse("sms_batches", args=[SHANSHUI]),
    ):
        assert site + url in guide
    assert "resident2 登录" in guide and "canvasser（高桂兰）" in guide
    # The accounts table also lists the roles the stories added.
    table = output[: output.index("演示故事（")]
    assert table.count("山水名城小区") >= 6


def test_every_page_of_the_guide_opens_for_the_account_it_names(client, demo):
    door, garage, phase = (
        story(XIANGJIAOYUAN, DOOR_TITLE),
        story(SHANSHUI, GARAGE_TITLE),
        story(SHANSHUI, PHASE_ONE_TITLE),
    )
    pages = [
        ("committee", "proposal_detail", door, "开始表决"),
        ("resident", "proposal_detail", door, "您家应分摊：¥600.00"),
        ("committee", "big_screen", door, ""),
        ("secretary", "paper_entry", door, ""),
        ("canvasser", "walk_list", door, "501"),
        ("resident2", "proposal_detail", garage, "充电桩由物业统一维护"),
        ("canvasser", "walk_list", garage, ""),
        ("party", "walk_list", garage, ""),
        ("committee", "canvass_board", garage, ""),
        ("committee", "demands_summary", garage, "充电安全"),
        ("committee", "meetings", garage, "蜀山供电所"),
        ("committee", "bill_collection", phase, "收费进度"),
        ("committee", "register", phase, ""),
    ]
    client.force_login(user("committee"))
    texts = client.get(reverse("sms_batches", args=[SHANSHUI])).content.decode()
    assert phase.title in texts, "the guide's page of texts"
    home = {"resident": door.title, "resident2": garage.title}
    for username, name, proposal, text in pages:
        client.force_login(user(username))
        response = client.get(reverse(name, args=[proposal.pk]))
        assert response.status_code == 200, (username, name)
        assert text in response.content.decode(), (username, name, text)
        if username in home:
            assert home[username] in client.get(reverse("home")).content.decode()


def test_the_demo_residents_are_their_flats_verified_owners(demo):
    # The ballot is the owner's: resident and resident2 vote in the stories because their phones are the owners'.
    for username, slug in (("resident", XIANGJIAOYUAN), ("resident2", SHANSHUI)):
        binding = HouseholdBinding.objects.select_related("household__owner").get(
            user__username=username, household__entrance__building__community__slug=slug
        )
        assert binding.relation == HouseholdBinding.Relation.OWNER
        assert binding.household.owner.phone == user(username).phone


# --- 4 and 5. The meetings (issue 15), in this module to share its one `load_demo` -----------------------------


def test_shanshui_re_elects_its_committee_at_a_closed_meeting_of_three_matters(demo):
    meeting = OwnersMeeting.objects.get(community__slug=SHANSHUI, title=SHANSHUI_MEETING_TITLE)
    assert meeting.state == MeetingState.CLOSED
    items = list(meeting.items.select_related("proposal", "election"))
    matters = [item.proposal for item in items if item.kind == AgendaItem.Kind.MATTER]
    assert [m.title for m in matters] == [title for title, _summary, _rule in SHANSHUI_MATTERS]
    assert all(m.state == State.CLOSED and m.passed for m in matters)
    election = next(item.election for item in items if item.kind == AgendaItem.Kind.ELECTION)
    assert (election.seats, election.alternates, election.candidates.count()) == (SEATS, ALTERNATES, 9)
    outcome = election_outcome(election)
    assert len(outcome.elected) == SEATS and not outcome.tied
    assert len(outcome.alternates) >= ALTERNATES
    party = {name for name, _flat, member, _statement in SHANSHUI_CANDIDATES if member}
    names = dict((str(pk), name) for pk, name in election.candidates.values_list("pk", "name"))
    elected = [names[key] for key in outcome.elected]
    assert sum(name in party for name in elected) / len(elected) >= 0.8  # 党员占80%以上, as in the article
    assert ElectionBallot.objects.filter(election=election, invalid=True).exists()  # a few ticked everyone
    for matter in matters:
        assert ballots_verify(matter) == []
    assert election_verify(election) == []


def test_the_guide_names_the_elected_and_the_alternates(demo):
    assert "当选：" in demo.output and "候补：" in demo.output
    assert SHANSHUI_MEETING_TITLE in demo.output


def test_xiangjiaoyuan_representatives_adopt_the_residents_convention(demo):
    from community.demo import XIANGJIAOYUAN
    from community.models import Representative
    from demo.meeting_stories import CONVENTION_TITLE, XIANGJIAOYUAN_MEETING_TITLE
    from proposals.models import Electorate, RuleCode
    from voting.selectors import tally_outcome

    representatives = Representative.objects.filter(community__slug=XIANGJIAOYUAN, active=True)
    assert representatives.count() == 19
    meeting = OwnersMeeting.objects.get(community__slug=XIANGJIAOYUAN, title=XIANGJIAOYUAN_MEETING_TITLE)
    assert meeting.state == MeetingState.CLOSED and meeting.electorate == Electorate.REPRESENTATIVES
    convention = meeting.items.get().proposal
    assert convention.title == CONVENTION_TITLE and convention.rule == RuleCode.REPRESENTATIVES
    outcome = tally_outcome(convention)
    assert outcome.passed
    # One representative, one vote: 19 heads, 17 present, 15 agreeing; no area.
    assert (outcome.electorate.heads, outcome.participated.heads, outcome.agree.heads) == (19, 17, 15)
    assert ballots_verify(convention) == []


def test_the_first_phase_was_texted_its_notice_a_reminder_its_result_and_the_bills(demo):
    from messaging.models import Batch, MessageStatus

    proposal = story(SHANSHUI, PHASE_ONE_TITLE)
    batches = {batch.kind: batch for batch in Batch.objects.filter(proposal=proposal)}
    assert set(batches) == {Batch.Kind.OPENED, Batch.Kind.REMINDER, Batch.Kind.BILL, Batch.Kind.RESULT}
    reminder = batches[Batch.Kind.REMINDER]
    assert reminder.created_by.username == "committee" and reminder.audience["building"] is not None
    assert batches[Batch.Kind.OPENED].key == f"opened:p{proposal.pk}"  # the scheduled job finds it made
    # Every household in the first phase's scope has a bill, whose text says the vote passed.
    assert batches[Batch.Kind.BILL].households == Bill.objects.filter(proposal=proposal).count() - sum(
        (batches[Batch.Kind.BILL].without_phone, batches[Batch.Kind.BILL].opted_out)
    )
    sent = batches[Batch.Kind.OPENED].messages.values_list("status", flat=True)
    assert sent and set(sent) == {MessageStatus.DELIVERED}


def test_majie_north_whistled_its_residents_reports_to_two_departments(demo):
    from reports.models import DepartmentMember, Report, ReportState, Summons

    reports = Report.objects.filter(community__slug="majiebeilu")
    assert 24 <= reports.count() <= 48  # a few dozen over three years
    assert set(reports.values_list("created_at__year", flat=True)) == {2018, 2019, 2020}
    whistled = reports.filter(whistles__isnull=False).distinct()
    assert whistled.count() == 5 and all(r.created_at.date() >= date(2020, 3, 1) for r in whistled)
    assert set(Summons.objects.values_list("department__name", flat=True)) == {"城管", "住建"}
    assert not Summons.objects.filter(completed_at__isnull=True).exists()
    assert set(reports.values_list("state", flat=True)) == {ReportState.CLOSED}
    chengguan = DepartmentMember.objects.get(user__username="chengguan").user
    assert all(
        chengguan.has_perm("reports.view_report", r)
        for r in whistled.filter(whistles__summonses__department__name="城管")
    )


def test_xiangjiaoyuan_ledger_counts_150_50_and_12(demo):
    from django.db.models import Count

    from reports.models import Report

    by_year = dict(
        Report.objects.filter(community__slug=XIANGJIAOYUAN)
        .values_list("created_at__year")
        .annotate(n=Count("pk"))
        .values_list("created_at__year", "n")
    )
    assert by_year == {2018: 150, 2019: 50, 2020: 12}
    assert "150→50→12" in demo.output
