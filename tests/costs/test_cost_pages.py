"""The cost pages and partials: who may see and do what, a household's share on its page (its own only), the
sign-up form, the plan editor, the share table and its XLSX, collection, and constant queries at any size."""

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.template import RequestContext, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from community.models import Role
from costs.models import Beneficiary, Bill, BillStatus, CostLineItem, CostMethod, CostPlan, Sharers, Subsidy
from costs.selectors import shares_compute
from costs.services import beneficiary_sign_up, bill_waive, bills_create
from proposals.models import Proposal, Scope, State
from tests.costs.conftest import add_plan, consulting, draft, open_voting, pass_it
from tests.factories import (
    EntranceFactory,
    HouseholdBindingFactory,
    HouseholdFactory,
    RoleFactory,
    build_community,
)

pytestmark = pytest.mark.django_db

ACTORS = ["anonymous", "household", "other_household", "canvasser", "secretary", "committee", "other_committee"]


def render_tag(tag: str, proposal, user, language: str = "zh-hans") -> str:
    request = RequestFactory().get(f"/proposals/{proposal.pk}/")
    request.user = user
    with translation.override(language):
        return Template("{% load cost_tags %}" + tag).render(
            RequestContext(request, {"proposal": proposal, "user": user})
        )


def my_share(proposal, user, language: str = "zh-hans") -> str:
    return render_tag("{% my_share proposal user %}", proposal, user, language)


# --- The permission matrix ----------------------------------------------------------------------------------------


GET_PAGES = {
    "cost_plan": {"committee"},
    "cost_shares": {"committee", "secretary"},
    "cost_shares_xlsx": {"committee", "secretary"},
    "bill_collection": {"committee", "secretary"},
    "bill_collection_xlsx": {"committee", "secretary"},
    "document_payment_notices": {"committee", "secretary"},
}


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("page", sorted(GET_PAGES))
def test_who_sees_the_committee_pages(billed, actors, client_as, who, page):
    response = client_as(actors.users[who]).get(reverse(page, args=[billed.pk]))
    if who == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif who in GET_PAGES[page]:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


POST_ACTIONS = {"bill_pay": {"committee", "secretary"}, "bill_waive": {"committee"}}


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("action", sorted(POST_ACTIONS))
def test_only_the_committee_and_secretary_record(billed, actors, client_as, who, action):
    bill = Bill.objects.filter(proposal=billed).first()
    data = {"amount": str(bill.amount), "reason": "低保户"}
    response = client_as(actors.users[who]).post(reverse(action, args=[billed.pk, bill.pk]), data)
    bill.refresh_from_db()
    if who in POST_ACTIONS[action]:
        assert response.status_code == 302
        assert bill.status == (BillStatus.PAID if action == "bill_pay" else BillStatus.WAIVED)
        assert bill.recorded_by == actors.users[who]
    else:
        assert response.status_code in (302, 403)
        if who == "anonymous":
            assert "/accounts/login/" in response["Location"]
        else:
            assert response.status_code == 403
        assert bill.status == BillStatus.UNPAID and bill.recorded_by is None


@pytest.mark.parametrize("who", ACTORS)
def test_only_the_committee_resplits(billed, actors, client_as, who):
    bill_waive(bill=Bill.objects.filter(proposal=billed).first(), by=actors.users["committee"], reason="减免")
    before = list(Bill.objects.filter(proposal=billed).values_list("amount", flat=True))
    response = client_as(actors.users[who]).post(
        reverse("bill_resplit", args=[billed.pk]), {"reason": "分担", "confirm": "on", "among": "unpaid"}
    )
    after = list(Bill.objects.filter(proposal=billed).values_list("amount", flat=True))
    if who == "committee":
        assert response.status_code == 302 and after != before
        assert sum(Bill.objects.filter(proposal=billed).exclude(status="waived").values_list("amount", flat=True)) == (
            Decimal("2000.00")
        )
    else:
        assert response.status_code in (302, 403) and after == before


def test_gets_do_not_record(billed, actors, client_as):
    bill = Bill.objects.filter(proposal=billed).first()
    response = client_as(actors.users["committee"]).get(reverse("bill_pay", args=[billed.pk, bill.pk]))
    assert response.status_code == 405


@pytest.mark.parametrize("who", ACTORS)
def test_a_household_sees_only_its_own_bill(billed, actors, client_as, who):
    mine = Bill.objects.get(proposal=billed, household=actors.household_obj)
    others = Bill.objects.filter(proposal=billed).exclude(pk=mine.pk)
    response = client_as(actors.users[who]).get(reverse("my_bill", args=[billed.pk]))
    if who == "anonymous":
        assert response.status_code == 302
        return
    if who in ("other_household", "other_committee"):
        assert response.status_code == 403
        return
    assert response.status_code == 200
    body = response.content.decode()
    for other in others:
        assert other.label not in body
    if who == "household":
        assert f"¥{mine.amount:,.2f}" in body and "未缴" in body
    else:
        assert f"¥{mine.amount:,.2f}" not in body


# --- The household's share on its page ----------------------------------------------------------------------------


@pytest.fixture
def three(community, committee_user):
    """Three households of 100, 200 and 300 m², each with its own user, and a proposal in consultation over them."""
    entrance = EntranceFactory(building__community=community, building__name="8", name="1")
    households = [
        HouseholdFactory(entrance=entrance, room=f"{n}01", floor=n, area=Decimal(area))
        for n, area in ((1, "100.00"), (2, "200.00"), (3, "300.00"))
    ]
    users = [HouseholdBindingFactory(household=h).user for h in households]
    proposal = consulting(community, committee_user, title="屋面防水", scope=Scope.ENTRANCES, entrances=[entrance])
    add_plan(proposal, committee_user, items=(("防水工程", "7500.00"),), subsidies=(("maintenance_fund", "1500.00"),))
    return proposal, households, users


def test_the_share_sentence_on_the_household_page(three):
    proposal, _households, users = three
    html = my_share(proposal, users[0])
    assert "您家应分摊：¥1,000.00（按面积分摊，总额 ¥7,500.00，补贴 ¥1,500.00）" in html
    assert "Your household's share: ¥1,000.00 (shared by area, total ¥7,500.00, subsidies ¥1,500.00)" in my_share(
        proposal, users[0], "en"
    )


def test_each_household_sees_its_own_share_and_nobody_elses(three):
    proposal, _households, users = three
    amounts = ["¥1,000.00", "¥2,000.00", "¥3,000.00"]
    for index, user in enumerate(users):
        html = my_share(proposal, user)
        assert amounts[index] in html
        assert not any(amount in html for amount in amounts if amount != amounts[index])


def test_outsiders_and_the_committee_see_no_share(three, community, committee_user):
    proposal, _households, _users = three
    outsider = HouseholdBindingFactory(household=HouseholdFactory(entrance__building__community=community)).user
    for user in (outsider, committee_user):
        assert "您家应分摊" not in my_share(proposal, user)


def test_the_share_is_shown_while_voting_and_the_bill_after_passing(three, committee_user):
    proposal, _households, users = three
    open_voting(proposal, committee_user)
    html = my_share(proposal, users[1])
    assert "¥2,000.00" in html and "投票开始时确定" in html
    pass_it(proposal, committee_user)
    html = my_share(proposal, users[1])
    assert "您家的账单：¥2,000.00" in html and "未缴" in html and reverse("my_bill", args=[proposal.pk]) in html


def test_a_failed_proposal_shows_that_nobody_pays(three, committee_user):
    from tests.costs.conftest import fail_it

    proposal, _households, users = three
    open_voting(proposal, committee_user)
    proposal = fail_it(proposal, committee_user)
    assert "未通过" in my_share(proposal, users[0])


def test_a_proposal_without_a_plan_shows_nothing(community, committee_user, residents):
    proposal = consulting(community, committee_user)
    assert my_share(proposal, residents[0]).strip() == ""


# --- Beneficiary sign-up ------------------------------------------------------------------------------------------


def test_the_sign_up_form_in_consultation_only(garage, stairwell, residents, committee_user):
    html = my_share(garage, residents[0])
    assert reverse("cost_sign_up", args=[garage.pk]) in html and "我家有" in html and "辆电动车" in html
    beneficiary_sign_up(proposal=garage, household=stairwell[0], by=residents[0], weight=2)
    html = my_share(garage, residents[0])
    assert "您家应分摊：¥20,000.00" in html and "退出" in html
    # A household still deciding sees roughly what one e-bike costs at present.
    assert "目前已有 1 户报名，共 2 辆电动车，按此每辆电动车约分摊 ¥10,000.00" in my_share(garage, residents[1])
    open_voting(garage, committee_user)
    html = my_share(garage, residents[0])
    assert "您家应分摊：¥20,000.00" in html and reverse("cost_sign_up", args=[garage.pk]) not in html
    assert reverse("cost_sign_up", args=[garage.pk]) not in my_share(garage, residents[1])


def test_signing_up_through_the_page(garage, stairwell, residents, client_as):
    url = reverse("cost_sign_up", args=[garage.pk])
    response = client_as(residents[0]).post(url, {"household": stairwell[0].pk, "action": "sign_up", "weight": "2"})
    assert response.status_code == 302 and response["Location"].endswith("#my-share")
    assert Beneficiary.objects.get(household=stairwell[0]).weight == 2
    client_as(residents[0]).post(url, {"household": stairwell[0].pk, "action": "withdraw"})
    assert Beneficiary.objects.get(household=stairwell[0]).withdrawn_at is not None


def test_signing_up_someone_elses_household_is_forbidden(garage, stairwell, residents, client_as):
    url = reverse("cost_sign_up", args=[garage.pk])
    response = client_as(residents[0]).post(url, {"household": stairwell[1].pk, "action": "sign_up", "weight": "2"})
    assert response.status_code == 403
    assert client_as(None).post(url, {"household": stairwell[1].pk, "action": "sign_up"}).status_code == 302
    assert client_as(residents[0]).get(url).status_code == 405
    assert not Beneficiary.objects.exists()


def test_bad_sign_ups_say_why_and_write_nothing(garage, community, stairwell, residents, client_as):
    url = reverse("cost_sign_up", args=[garage.pk])
    outside = HouseholdFactory(entrance__building__community=community)
    outsider = HouseholdBindingFactory(household=outside).user
    response = client_as(outsider).post(url, {"household": outside.pk, "action": "sign_up", "weight": "1"}, follow=True)
    assert "不在本议题" in response.content.decode()
    response = client_as(residents[0]).post(
        url, {"household": stairwell[0].pk, "action": "sign_up", "weight": "0"}, follow=True
    )
    assert "大于零" in response.content.decode()
    assert not Beneficiary.objects.exists()


# --- The committee's panel and the plan editor --------------------------------------------------------------------


def test_the_cost_panel(three, community, committee_user, secretary_user):
    proposal, _households, users = three
    editor, table = (f'href="{reverse(name, args=[proposal.pk])}"' for name in ("cost_plan", "cost_shares"))
    html = render_tag("{% cost_panel proposal user %}", proposal, committee_user)
    assert editor in html and table in html
    html = render_tag("{% cost_panel proposal user %}", proposal, secretary_user)
    assert table in html and editor not in html
    assert render_tag("{% cost_panel proposal user %}", proposal, users[0]).strip() == ""
    bare = consulting(community, committee_user)
    assert "设置费用分摊" in render_tag("{% cost_panel proposal user %}", bare, committee_user)


def test_creating_and_editing_a_plan_through_the_editor(community, stairwell, committee_user, client_as):
    proposal = draft(community, committee_user)
    client = client_as(committee_user)
    assert client.get(reverse("cost_plan", args=[proposal.pk])).status_code == 200
    response = client.post(reverse("cost_plan", args=[proposal.pk]), {"method": "floor", "sharers": "scope"})
    assert response.status_code == 302
    response = client.post(
        reverse("cost_item_add", args=[proposal.pk]),
        {"description": "电梯", "supplier": "某公司", "amount": "500000.00", "attachment": ""},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("cost_subsidy_add", args=[proposal.pk]), {"source": "government", "amount": "600000.00"}
    )
    assert response.status_code == 400 and "补贴" in response.content.decode()
    assert not Subsidy.objects.exists()
    response = client.post(reverse("cost_item_add", args=[proposal.pk]), {"description": "x", "amount": "1.005"})
    assert response.status_code == 400
    assert CostLineItem.objects.count() == 1
    client.post(reverse("cost_coefficients", args=[proposal.pk]), {"preset": "floors_ridden"})
    page = client.get(reverse("cost_plan", args=[proposal.pk])).content.decode()
    assert 'name="floor_6" value="5' in page
    response = client.post(reverse("cost_coefficients", args=[proposal.pk]), {"floor_1": "0", "floor_6": "-1"})
    assert response.status_code == 400
    assert CostPlan.objects.get().coefficients.get(floor=6).coefficient == 5


def test_the_editor_refuses_changes_once_voting_opened(elevator, committee_user, client_as):
    open_voting(elevator, committee_user)
    client = client_as(committee_user)
    page = client.get(reverse("cost_plan", args=[elevator.pk])).content.decode()
    assert "新的议题" in page and reverse("cost_item_add", args=[elevator.pk]) not in page
    response = client.post(reverse("cost_item_add", args=[elevator.pk]), {"description": "x", "amount": "1.00"})
    assert response.status_code == 400 and "新的议题" in response.content.decode()
    assert CostLineItem.objects.count() == 1


def test_the_editor_pages_render_in_english(garage, stairwell, residents, committee_user, client):
    beneficiary_sign_up(proposal=garage, household=stairwell[0], by=residents[0], weight=2)
    client.force_login(committee_user)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("cost_plan", args=[garage.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 household signed up" in page


# --- The share table and its XLSX ---------------------------------------------------------------------------------


def test_the_share_table_sorts_filters_and_totals(elevator, committee_user, client_as):
    client = client_as(committee_user)
    page = client.get(reverse("cost_shares", args=[elevator.pk]), {"sort": "-amount"})
    rows = page.context["page"].object_list
    assert [row.amount for row in rows][:2] == [Decimal("50000.00")] * 2
    assert page.context["shares"].shared == Decimal("300000.00")
    assert "¥300,000.00" in page.content.decode()
    page = client.get(reverse("cost_shares", args=[elevator.pk]), {"building": "9"})
    assert page.context["filtered_count"] == 0


def test_the_xlsx_opens_and_adds_up(elevator, committee_user, client_as):
    response = client_as(committee_user).get(reverse("cost_shares_xlsx", args=[elevator.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("楼栋", "单元", "房号")
    body = rows[1:-1]
    assert len(body) == 12
    total = sum(Decimal(str(row[-1])).quantize(Decimal("0.01")) for row in body)
    assert total == Decimal("300000.00")
    assert Decimal(str(rows[-1][-1])) == Decimal("300000")


# --- Collection ---------------------------------------------------------------------------------------------------


def test_collection_lists_every_bill_by_default_and_who_still_has_to_pay_when_asked(billed, actors, client_as):
    client = client_as(actors.users["secretary"])
    bill = Bill.objects.filter(proposal=billed).first()
    client.post(reverse("bill_pay", args=[billed.pk, bill.pk]), {"amount": str(bill.amount)})
    page = client.get(reverse("bill_collection", args=[billed.pk]))
    # Paid rows stay in view: the default is every bill, and the page says so.
    assert [b.pk for b in page.context["page"].object_list] == list(
        Bill.objects.filter(proposal=billed).order_by("position").values_list("pk", flat=True)
    )
    assert "全部" in page.content.decode() and 'aria-current="page"' in page.content.decode()
    page = client.get(reverse("bill_collection", args=[billed.pk]), {"status": "unpaid"})
    assert [b.pk for b in page.context["page"].object_list] == list(
        Bill.objects.filter(proposal=billed, status="unpaid").order_by("position").values_list("pk", flat=True)
    )
    progress = page.context["progress"]
    assert progress.counts["paid"] == 1 and progress.sums["paid"] + progress.sums["unpaid"] == Decimal("2000.00")
    response = client.post(reverse("bill_pay", args=[billed.pk, bill.pk]), {"amount": str(bill.amount)}, follow=True)
    assert "已记录为已缴" in response.content.decode()


def test_a_part_payment_through_the_page_is_refused(billed, actors, client_as):
    bill = Bill.objects.filter(proposal=billed).first()
    response = client_as(actors.users["secretary"]).post(
        reverse("bill_pay", args=[billed.pk, bill.pk]), {"amount": str(bill.amount - 1)}, follow=True
    )
    assert "不记录部分缴款" in response.content.decode()
    bill.refresh_from_db()
    assert bill.status == BillStatus.UNPAID


# --- Constant queries ---------------------------------------------------------------------------------------------


def _community_of(size: int):
    if size == 14:
        return build_community(buildings=1, entrances=1, floors=7, rooms_per_floor=2)
    return build_community(buildings=5, entrances=5, floors=10, rooms_per_floor=12)


def _setup(size: int, sharers: str):
    community = _community_of(size)
    committee = RoleFactory(community=community, kind=Role.Kind.COMMITTEE).user
    # A household on the top floor: its share is never 0, whatever the method.
    households = community.buildings.first().entrances.first().households.order_by("-floor", "pk")
    household = households.first()
    user = HouseholdBindingFactory(household=household).user
    proposal = consulting(community, committee)
    method = CostMethod.WEIGHT if sharers == Sharers.BENEFICIARIES else CostMethod.FLOOR_AREA
    add_plan(proposal, committee, method=method, sharers=sharers, items=(("x", "123456.78"),), subsidies=())
    if sharers == Sharers.BENEFICIARIES:
        for index, each in enumerate(households[:10]):
            binding_user = user if each == household else HouseholdBindingFactory(household=each).user
            beneficiary_sign_up(proposal=proposal, household=each, by=binding_user, weight=index % 3 + 1)
    return proposal, committee, user


def _count(callable_) -> int:
    with CaptureQueriesContext(connection) as queries:
        callable_()
    return len(queries)


def _measure(client, size: int, sharers: str) -> dict[str, int]:
    """Queries of each cost page and partial, at each stage of one proposal over a community of `size`."""
    proposal, committee, user = _setup(size, sharers)
    assert sum(row.amount for row in shares_compute(proposal).rows) == Decimal("123456.78")
    client.force_login(committee)
    stages, html = {}, []
    for stage in ("consultation", "voting", "billed"):
        if stage == "voting":
            open_voting(proposal, committee)
        if stage == "billed":
            # 3,000 ballots one by one would test voting, not this: close as passed, then the same bills_create.
            Proposal.objects.filter(pk=proposal.pk).update(state=State.CLOSED, passed=True)
            bills_create(proposal=proposal)
        proposal.refresh_from_db()
        stages[f"{stage}/partial"] = _count(lambda: html.append(my_share(proposal, user)))
        assert "¥" in html[-1]
        stages[f"{stage}/panel"] = _count(lambda: render_tag("{% cost_panel proposal user %}", proposal, committee))
        stages[f"{stage}/table"] = _count(
            lambda: client.get(reverse("cost_shares", args=[proposal.pk]), {"sort": "-amount"})
        )
    stages["collection"] = _count(lambda: client.get(reverse("bill_collection", args=[proposal.pk])))
    stages["xlsx"] = _count(lambda: client.get(reverse("cost_shares_xlsx", args=[proposal.pk])))
    return stages


@pytest.mark.slow
@pytest.mark.parametrize("sharers", [Sharers.SCOPE, Sharers.BENEFICIARIES])
def test_the_partial_and_the_table_cost_the_same_queries_at_14_and_3000(client, sharers):
    small = _measure(client, 14, sharers)
    assert _measure(client, 3000, sharers) == small
    assert max(small.values()) <= 12


def test_the_proposal_page_shows_the_share_and_the_panel(three, committee_user, client_as):
    proposal, _households, users = three
    page = client_as(users[2]).get(reverse("proposal_detail", args=[proposal.pk])).content.decode()
    assert "您家应分摊：¥3,000.00（按面积分摊，总额 ¥7,500.00，补贴 ¥1,500.00）" in page
    assert "¥1,000.00" not in page and reverse("cost_plan", args=[proposal.pk]) not in page
    page = client_as(committee_user).get(reverse("proposal_detail", args=[proposal.pk])).content.decode()
    assert f'href="{reverse("cost_plan", args=[proposal.pk])}"' in page and "您家应分摊" not in page
