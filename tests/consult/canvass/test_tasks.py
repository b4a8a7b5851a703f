"""The canvasser's tasks (我的走访任务): which households are still to visit, phones as each person may see them, the
page, its export and the home page's card; and a household's tap-to-call for the canvasser of its entrance."""

import io
from datetime import timedelta

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import User
from consult.models import Assignment, Visit
from consult.selectors import household_canvassers, visit_tasks
from consult.services import assignment_create
from proposals.models import State
from tests.consult.canvass.conftest import make_proposal, record
from tests.factories import HouseholdBindingFactory
from voting.models import Channel
from voting.services import ballot_cast

pytestmark = pytest.mark.django_db


def codes(proposals) -> dict[str, list[str]]:
    """{entrance label: [household codes]} over all proposals."""
    out: dict[str, list[str]] = {}
    for tasks in proposals:
        for entrance in tasks.entrances:
            out.setdefault(entrance.label, []).extend(task.code for task in entrance.tasks)
    return out


def test_households_not_reached_or_due_for_a_return_visit_are_listed_by_entrance(site):
    today = timezone.localdate()
    a = site.a  # 3号楼5单元: 601 602 501 502 … 101 102
    record(site.proposal, a[0], site.canvasser_a)  # met, supports: done
    record(site.proposal, a[1], site.canvasser_a, outcome="nobody_home")  # not reached
    record(site.proposal, a[2], site.canvasser_a, follow_up_on=today)  # met, come back today
    record(site.proposal, a[3], site.canvasser_a, follow_up_on=today + timedelta(days=1))  # come back tomorrow
    record(site.proposal, a[4], site.canvasser_a, outcome="refused")  # reached: refused
    record(site.proposal, a[5], site.canvasser_a, outcome="nobody_home")
    record(site.proposal, a[5], site.canvasser_a, stance="undecided")  # nobody home, then met: done

    (tasks,) = visit_tasks(site.canvasser_a, today=today)

    assert tasks.proposal == site.proposal
    expected = ["3-5-602", "3-5-501"] + [h.code for h in a[6:]]
    assert codes([tasks]) == {"3号楼5单元": expected}
    by_code = {task.code: task for task in tasks.entrances[0].tasks}
    assert by_code["3-5-602"].reason == "无人在家" and not by_code["3-5-602"].due
    assert by_code["3-5-501"].due and by_code["3-5-501"].reason == "到期回访"
    assert by_code["3-5-101"].last is None and by_code["3-5-101"].reason == "尚未走访"
    # The building assignment covers all of 4号楼.
    assert codes(visit_tasks(site.canvasser_b)) == {"4号楼1单元": ["4-1-201", "4-1-101"]}
    assert visit_tasks(site.party) == [] and visit_tasks(site.committee) == []


def test_a_return_visit_agreed_for_an_earlier_day_is_still_due(site):
    today = timezone.localdate()
    visit = record(site.proposal, site.c[0], site.canvasser_b, follow_up_on=today)
    Visit.objects.filter(pk=visit.pk).update(follow_up_on=today - timedelta(days=2))  # as if agreed days ago
    (tasks,) = visit_tasks(site.canvasser_b, today=today)
    assert [(t.code, t.due) for t in tasks.entrances[0].tasks] == [("4-1-201", True), ("4-1-101", False)]


def test_households_that_voted_need_no_visit_and_only_proposals_being_canvassed_count(site):
    voting = make_proposal(site.community, site.committee, state=State.VOTING)
    assignment_create(proposal=voting, canvasser=site.canvasser_b, building=site.entrance_c.building, by=site.committee)
    ballot_cast(proposal=voting, household=site.c[0], choice="agree", channel=Channel.ONLINE, by=site.committee)
    closed = make_proposal(site.community, site.committee, state=State.CLOSED)
    Assignment.objects.create(  # made while it was canvassed; the service refuses it now
        proposal=closed, canvasser=site.canvasser_b, entrance=site.entrance_c, assigned_by=site.committee
    )

    proposals = visit_tasks(site.canvasser_b)

    assert [tasks.proposal for tasks in proposals] == [site.proposal, voting]
    assert [t.code for t in proposals[1].entrances[0].tasks] == ["4-1-101"]


def test_a_canvasser_sees_masked_phones_and_the_committee_the_number_to_call(site):
    (tasks,) = visit_tasks(site.canvasser_a)
    first = tasks.entrances[0].tasks[0]
    assert (first.phone, first.call, tasks.full_phones) == ("138****6001", "", False)

    assignment_create(proposal=site.proposal, canvasser=site.committee, entrance=site.entrance_a, by=site.committee)
    (tasks,) = visit_tasks(User.objects.get(pk=site.committee.pk))
    first = tasks.entrances[0].tasks[0]
    assert (first.phone, first.call, tasks.full_phones) == ("13800006001", "13800006001", True)


def test_the_page_lists_the_doors_with_links_to_the_walk_list_and_tel_links_only_in_full(site, client_as):
    url = reverse("my_visits")
    html = client_as(site.canvasser_a).get(url).content.decode()
    assert "我的走访任务" in html and "12 户待走访" in html
    assert "3号楼5单元" in html and "138****6001" in html and "tel:" not in html
    walk = reverse("walk_list", args=[site.proposal.pk])
    assert f"{walk}?entrance={site.entrance_a.pk}&amp;household={site.a[0].pk}#record" in html

    assignment_create(proposal=site.proposal, canvasser=site.committee, entrance=site.entrance_a, by=site.committee)
    html = client_as(site.committee).get(url).content.decode()
    assert 'href="tel:13800006001"' in html and "拨打 13800006001" in html

    html = client_as(site.party).get(url).content.decode()
    assert "您目前没有" in html and "tel:" not in html
    assert client_as(None).get(url).status_code == 302


def test_the_export_has_one_row_per_household_to_visit(site, client_as):
    record(site.proposal, site.a[0], site.canvasser_a)
    response = client_as(site.canvasser_a).get(reverse("my_visits") + "?format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("议题", "单元", "户")
    assert [row[2] for row in rows[1:]] == [h.code for h in site.a[1:]]
    assert rows[1][4] == "138****6002" and rows[1][5] == "尚未走访"


def test_the_home_card_counts_the_households_for_canvassers_only(site, client_as):
    record(site.proposal, site.a[0], site.canvasser_a)
    html = client_as(site.canvasser_a).get(reverse("home")).content.decode()
    assert "我的走访任务" in html and "11 户待走访" in html and reverse("my_visits") in html
    html = client_as(site.party).get(reverse("home")).content.decode()
    assert "我的走访任务" not in html


def test_the_home_card_costs_one_query_without_assignments(site, django_assert_num_queries):
    template = Template("{% load canvass_tags %}{% my_visit_tasks user %}")
    with django_assert_num_queries(1):
        assert template.render(Context({"user": site.party})).strip() == ""


# --- A household's canvasser ---------------------------------------------------------------------------------


def links(proposal, user) -> str:
    template = Template("{% load canvass_tags %}{% canvass_links proposal %}")
    return template.render(Context({"proposal": proposal, "user": User.objects.get(pk=user.pk)}))


def test_a_household_sees_the_canvasser_of_its_entrance_with_a_tel_link(site):
    User.objects.filter(pk=site.canvasser_a.pk).update(phone="13612345678")
    resident = HouseholdBindingFactory(household=site.a[3]).user
    html = links(site.proposal, resident)
    assert "您的楼栋走访员" in html and "高桂兰" in html
    assert 'href="tel:13612345678"' in html and "拨打 13612345678" in html
    assert "网格员王" not in html  # 4号楼's canvasser is not theirs
    # A building assignment covers the household's entrance too.
    html = links(site.proposal, HouseholdBindingFactory(household=site.c[1]).user)
    assert "网格员王" in html and "高桂兰" not in html


def test_nobody_is_shown_where_no_canvasser_is_assigned_or_canvassing_is_over(site):
    assert links(site.proposal, HouseholdBindingFactory(household=site.b[0]).user).strip() == ""  # 3号楼6单元
    resident = HouseholdBindingFactory(household=site.a[0]).user
    closed = make_proposal(site.community, site.committee, state=State.CLOSED)
    Assignment.objects.create(
        proposal=closed, canvasser=site.canvasser_a, entrance=site.entrance_a, assigned_by=site.committee
    )
    assert household_canvassers(closed, resident) == []
    # Another community's resident learns nothing of this one's canvassers.
    assert household_canvassers(site.proposal, HouseholdBindingFactory().user) == []


def test_only_the_name_and_phone_are_shown_and_a_missing_phone_gives_no_link(site):
    site.canvasser_a.phone = None
    site.canvasser_a.save()
    resident = HouseholdBindingFactory(household=site.a[0]).user
    (helper,) = household_canvassers(site.proposal, resident)
    assert (helper.name, helper.phone) == ("高桂兰", "")
    assert "tel:" not in links(site.proposal, resident)
