"""The community's handlers' pages: the queue of open reports (its order, overdue flag, filters, the reporter's number)
and a report's manage page with its actions — merge, assign, record what was done, turn into a proposal, whistle to the
district's departments, record a joint meeting — each a POST checked by reports.rules: refused with a clear reason and
nothing changed. Who may open each route, as a matrix of people."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse, set_script_prefix
from django.utils import timezone

from community.models import Building, Community, Role
from proposals.models import Proposal
from reports.forms_triage import AssignForm, MeetingForm, WhistleForm, a_year_ahead
from reports.models import Category, JointMeeting, Report, ReportEvent, ReportPhoto, ReportState, Whistle
from reports.services import ReportError, report_assign, report_create, report_done, report_merge, whistle_blow
from tests.factories import RoleFactory
from tests.reports.conftest import photo


def day(n: int):
    return timezone.localdate() + timedelta(days=n)


def new_report(actors, description="楼道灯坏了", **fields) -> Report:
    return report_create(
        community=actors.community,
        by=actors.users["household"],
        category=Category.FACILITIES,
        description=description,
        **fields,
    )


def snapshot(report: Report) -> tuple:
    report.refresh_from_db()
    return (
        report.state,
        report.assignee_id,
        report.due_on,
        report.duplicate_of_id,
        report.proposal_id,
        ReportEvent.objects.filter(report=report).count(),
        ReportPhoto.objects.filter(report=report).count(),
        Whistle.objects.count(),
        JointMeeting.objects.count(),
    )


@pytest.fixture
def people(actors, district):
    return {
        **actors.users,
        "property": RoleFactory(community=actors.community, kind=Role.Kind.PROPERTY).user,
        "party": RoleFactory(community=actors.community, kind=Role.Kind.PARTY).user,
        "district_staff": district.people.staff,
        "chengguan": district.people.chengguan,
    }


def status_of(client_as, people, method, url, data=None) -> dict[str, int]:
    out = {}
    for name, user in people.items():
        client = client_as(user)
        response = client.get(url) if method == "get" else client.post(url, data or {})
        out[name] = response.status_code
    return out


HANDLERS = {"secretary", "committee", "property", "party"}


# --- Permissions -------------------------------------------------------------------------------------------------


def test_who_opens_the_queue(client_as, people, actors, report):
    got = status_of(client_as, people, "get", reverse("triage_queue", args=[actors.community.slug]))
    assert got == {name: 302 if name == "anonymous" else 200 if name in HANDLERS else 403 for name in people}


def test_who_opens_the_manage_page(client_as, people, actors, report):
    got = status_of(client_as, people, "get", reverse("report_manage", args=[report.pk]))
    assert got == {name: 302 if name == "anonymous" else 200 if name in HANDLERS else 403 for name in people}
    # The assignee (a canvasser) opens it, to record what was done, and sees no triage action.
    report_assign(report=report, to=people["canvasser"], due_on=day(2), by=people["committee"])
    html = client_as(people["canvasser"]).get(reverse("report_manage", args=[report.pk])).content.decode()
    assert reverse("report_manage_done", args=[report.pk]) in html
    assert reverse("report_manage_assign", args=[report.pk]) not in html
    assert reverse("triage_queue", args=[actors.community.slug]) not in html


ACTIONS = ("merge", "assign", "done", "proposal", "whistle", "meeting")


@pytest.mark.parametrize("action", ACTIONS)
def test_who_may_post_each_action(client_as, people, actors, report, action):
    """Everybody but the handlers is refused (403, login for the anonymous) and nothing changes."""
    url = reverse(f"report_manage_{action}", args=[report.pk])
    before = snapshot(report)
    outsiders = {name: user for name, user in people.items() if name not in HANDLERS}
    got = status_of(client_as, outsiders, "post", url, {"text": "x", "number": 1})
    assert got == {name: 302 if name == "anonymous" else 403 for name in outsiders}
    assert snapshot(report) == before


def test_a_get_on_an_action_is_refused(client_as, people, report):
    response = client_as(people["committee"]).get(reverse("report_manage_assign", args=[report.pk]))
    assert response.status_code == 405


def test_a_closed_report_is_refused_with_its_reason(client_as, people, report):
    report_assign(report=report, to=people["canvasser"], due_on=day(2), by=people["committee"])
    report_done(report=report, by=people["canvasser"], text="已清理")
    Report.objects.filter(pk=report.pk).update(state=ReportState.CLOSED)
    before = snapshot(report)
    client = client_as(people["committee"])
    response = client.post(
        reverse("report_manage_assign", args=[report.pk]),
        {"assignee": people["canvasser"].pk, "due_on": day(3).isoformat()},
        follow=True,
    )
    assert "This report is closed: nothing was changed." in response.content.decode()
    assert snapshot(report) == before
    # Its assignee still reads its history, and is told why nothing more may be recorded.
    canvasser = client_as(people["canvasser"])
    assert canvasser.get(reverse("report_manage", args=[report.pk])).status_code == 200
    response = canvasser.post(reverse("report_manage_done", args=[report.pk]), {"text": "again"}, follow=True)
    assert "This report is closed: nothing was changed." in response.content.decode()
    assert snapshot(report) == before


def test_a_done_report_offers_no_whistle_merge_or_assignment(client_as, people, report):
    report_assign(report=report, to=people["canvasser"], due_on=day(2), by=people["committee"])
    report_done(report=report, by=people["canvasser"], text="已清理")
    html = client_as(people["committee"]).get(reverse("report_manage", args=[report.pk])).content.decode()
    for action in ("whistle", "merge", "assign", "done"):
        assert reverse(f"report_manage_{action}", args=[report.pk]) not in html
    assert reverse("report_manage_proposal", args=[report.pk]) in html


# The states each step starts from, written out here so that the names in reports.models are checked, not trusted.
STEP_STATES = {
    "merge": {ReportState.NEW, ReportState.ASSIGNED},
    "assign": {ReportState.NEW, ReportState.ASSIGNED},
    "whistle": {ReportState.NEW, ReportState.ASSIGNED, ReportState.ESCALATED},
    "done": {ReportState.ASSIGNED, ReportState.ESCALATED},
}


@pytest.mark.parametrize("state", ReportState.values)
def test_each_step_is_offered_and_taken_only_from_its_states(state, client_as, people, actors, report, district):
    other = new_report(actors, "同一处下水道堵了")
    Report.objects.filter(pk=report.pk).update(state=state)
    report.refresh_from_db()
    expected = {step for step, states in STEP_STATES.items() if state in states}
    html = client_as(people["committee"]).get(reverse("report_manage", args=[report.pk])).content.decode()
    offered = {step for step in STEP_STATES if reverse(f"report_manage_{step}", args=[report.pk]) in html}
    assert offered == expected
    committee = people["committee"]
    steps = {
        "merge": lambda: report_merge(report=report, into=other, by=committee),
        "assign": lambda: report_assign(report=report, to=committee, due_on=day(2), by=committee),
        "whistle": lambda: whistle_blow(
            reports=[report], departments=[district.chengguan], deadline=day(2), note="清运", by=committee
        ),
        "done": lambda: report_done(report=report, by=committee, text="已清理"),
    }
    taken = set()
    for step, take in steps.items():
        with transaction.atomic():  # each step tried from the same state, then undone
            try:
                take()
            except ReportError:
                pass
            else:
                taken.add(step)
            transaction.set_rollback(True)
    assert taken == expected


def test_a_whistle_bundles_the_reports_that_may_themselves_be_whistled(actors, report, district):
    by_state = {}
    for state in ReportState.values:
        by_state[state] = new_report(actors, f"另一处 {state}")
        Report.objects.filter(pk=by_state[state].pk).update(state=state)
    bundle = set(WhistleForm(report=report).fields["bundle"].queryset)
    assert bundle == {by_state[state] for state in STEP_STATES["whistle"]}  # never the report itself


# --- Where a report is ------------------------------------------------------------------------------------------


def test_where_is_the_entrance_else_the_building_then_the_place_in_words(actors):
    entrance = actors.household_obj.entrance
    building = entrance.building
    assert Report(entrance=entrance, building=building, location="北门公厕").where == f"{entrance} · 北门公厕"
    assert Report(building=building).where == str(building)
    assert Report(location="北门公厕").where == "北门公厕"
    assert Report().where == ""


def test_every_page_says_where_a_report_is_the_same_way(client_as, people, actors, report, district):
    Report.objects.filter(pk=report.pk).update(location="北门公厕")
    where = f"{actors.household_obj.entrance} · 北门公厕"
    committee = people["committee"]
    whistle_blow(reports=[report], departments=[district.chengguan], deadline=day(2), note="清运", by=committee)
    pages = {
        "the report": ("household", reverse("report_detail", args=[report.pk])),
        "my reports": ("household", reverse("my_reports", args=[actors.community.slug])),
        "the queue": ("committee", reverse("triage_queue", args=[actors.community.slug])),
        "the manage page": ("committee", reverse("report_manage", args=[report.pk])),
        "the department's inbox": ("chengguan", reverse("department_inbox")),
    }
    for name, (who, url) in pages.items():
        assert where in client_as(people[who]).get(url).content.decode(), name


def test_the_manage_page_links_to_the_reports_page_under_any_prefix(client_as, people, report):
    """Served under a path prefix (SCRIPT_NAME behind a proxy), the link still reaches the report's page."""
    url = reverse("report_manage", args=[report.pk])
    set_script_prefix("/gongyi/")
    try:
        page = client_as(people["committee"]).get(url).content.decode()
    finally:
        set_script_prefix("/")
    assert f'href="/gongyi/reports/{report.pk}/"' in page


# --- The queue ---------------------------------------------------------------------------------------------------


def test_the_queue_order_overdue_and_phone(client_as, people, actors, district):
    committee = people["committee"]
    done = new_report(actors, "垃圾桶满了")
    escalated = new_report(actors, "路灯不亮")
    late = new_report(actors, "井盖松动")
    soon = new_report(actors, "树枝挡路")
    fresh = new_report(actors, "电梯异响", reporter_phone="139 1111 2222")
    closed = new_report(actors, "已经解决的")
    report_assign(report=done, to=committee, due_on=day(1), by=committee)
    report_done(report=done, by=committee, text="清了")
    whistle_blow(reports=[escalated], departments=[district.chengguan], deadline=day(3), note="修灯", by=committee)
    report_assign(report=late, to=committee, due_on=day(1), by=committee)
    Report.objects.filter(pk=late.pk).update(due_on=day(-2))
    report_assign(report=soon, to=committee, due_on=day(1), by=committee)
    Report.objects.filter(pk=closed.pk).update(state=ReportState.CLOSED)

    response = client_as(committee).get(reverse("triage_queue", args=[actors.community.slug]))
    rows = response.context["rows"]
    assert [row.report.pk for row in rows] == [fresh.pk, late.pk, soon.pk, escalated.pk, done.pk]
    assert [row.overdue for row in rows] == [False, True, False, False, False]
    assert response.context["overdue"] == 1
    html = response.content.decode()
    assert "13911112222" in html and "overdue" in html
    assert reverse("report_manage", args=[fresh.pk]) in html
    assert f"#{closed.number}<" not in html


def test_the_queue_filters(client_as, people, actors):
    entrance = actors.household_obj.entrance
    other_building = Building.objects.create(community=actors.community, name="9")
    here = new_report(actors, "门口积水", entrance=entrance)
    parking = report_create(
        community=actors.community, by=actors.users["household"], category=Category.PARKING, description="占道"
    )
    report_assign(report=parking, to=people["committee"], due_on=day(1), by=people["committee"])
    client = client_as(people["secretary"])
    url = reverse("triage_queue", args=[actors.community.slug])

    def numbers(**query):
        return [row.report.number for row in client.get(url, query).context["rows"]]

    assert sorted(numbers()) == sorted([here.number, parking.number])
    assert numbers(state="assigned") == [parking.number]
    assert numbers(category="parking") == [parking.number]
    assert numbers(building=entrance.building.pk) == [here.number]
    assert numbers(building=other_building.pk) == []
    assert "No open report matches." in client.get(url, {"building": other_building.pk}).content.decode()
    # A filter that makes no sense shows the whole queue, not an error.
    assert sorted(numbers(state="nonsense")) == sorted([here.number, parking.number])


# --- Merge -------------------------------------------------------------------------------------------------------


def test_merge_by_number(client_as, people, actors, report):
    duplicate = new_report(actors, "公厕垃圾又满了")
    client = client_as(people["committee"])
    response = client.post(reverse("report_manage_merge", args=[duplicate.pk]), {"number": report.number})
    assert response.status_code == 302 and response["Location"] == reverse("report_manage", args=[report.pk])
    duplicate.refresh_from_db()
    assert duplicate.state == ReportState.MERGED and duplicate.duplicate_of == report


def test_merge_refusals(client_as, people, actors, report):
    duplicate = new_report(actors, "公厕垃圾又满了")
    client = client_as(people["committee"])
    url = reverse("report_manage_merge", args=[duplicate.pk])
    for number, why in [(99, "There is no report #99 in this community."), (duplicate.number, "Choose another report")]:
        before = snapshot(duplicate)
        response = client.post(url, {"number": number})
        assert response.status_code == 400 and why in response.content.decode()
        assert snapshot(duplicate) == before


# --- Assign ------------------------------------------------------------------------------------------------------


def test_assign_to_someone_with_a_role(client_as, people, report):
    client = client_as(people["secretary"])
    page = client.get(reverse("report_manage", args=[report.pk])).content.decode()
    assert f"{people['property']} · property company" in page
    response = client.post(
        reverse("report_manage_assign", args=[report.pk]),
        {"assignee": people["property"].pk, "due_on": day(3).isoformat(), "note": "请物业处理"},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == ReportState.ASSIGNED and report.assignee == people["property"] and report.due_on == day(3)
    assert "请物业处理" in report.events.last().text


def test_assign_refusals(client_as, people, report):
    client = client_as(people["committee"])
    url = reverse("report_manage_assign", args=[report.pk])
    before = snapshot(report)
    cases = [
        ({"assignee": people["property"].pk, "due_on": day(-1).isoformat()}, "The due date has passed."),
        ({"assignee": people["household"].pk, "due_on": day(1).isoformat()}, "Select a valid choice."),
        ({"assignee": people["property"].pk, "due_on": "soon"}, "Enter a valid date."),
        ({"assignee": people["property"].pk, "due_on": "9999-12-31"}, f"and {a_year_ahead().isoformat()}."),
        ({"assignee": people["property"].pk, "due_on": day(367).isoformat()}, "Enter a date between"),
    ]
    for data, why in cases:
        response = client.post(url, data)
        assert response.status_code == 400 and why in response.content.decode(), why
        assert snapshot(report) == before


def test_the_dates_bounds_are_accepted(people, report, district):
    """A due date or deadline today or a year ahead; a meeting held on 2000-01-01 or today."""
    assign = {"assignee": people["property"].pk}
    for due_on in (day(0), a_year_ahead()):
        assert AssignForm({**assign, "due_on": due_on.isoformat()}, report=report).is_valid()
    whistle = {"departments": [district.chengguan.pk], "note": "清运"}
    for deadline in (day(0), a_year_ahead()):
        assert WhistleForm({**whistle, "deadline": deadline.isoformat()}, report=report).is_valid()
    blown = whistle_blow(
        reports=[report], departments=[district.chengguan], deadline=day(5), note="清运", by=people["committee"]
    )
    meeting = {"whistle": blown.pk, "place": "东门", "departments": [district.chengguan.pk], "decisions": "清运"}
    for held_on in ("2000-01-01", day(0).isoformat()):
        form = MeetingForm({**meeting, "held_on": held_on}, report=report)
        assert form.is_valid(), form.errors


# --- What was done -----------------------------------------------------------------------------------------------


def test_the_assignee_records_what_was_done_with_photos(client_as, people, report):
    report_assign(report=report, to=people["canvasser"], due_on=day(2), by=people["committee"])
    client = client_as(people["canvasser"])
    response = client.post(
        reverse("report_manage_done", args=[report.pk]), {"text": "已清运", "photos": [photo("a.jpg"), photo("b.jpg")]}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == ReportState.DONE
    assert ReportPhoto.objects.filter(report=report, stage=ReportPhoto.Stage.DONE).count() == 2


def test_done_refusals(client_as, people, report):
    client = client_as(people["committee"])
    url = reverse("report_manage_done", args=[report.pk])
    before = snapshot(report)
    response = client.post(url, {"text": "已清运"})  # still new: nobody handles it yet
    assert response.status_code == 400 and "nothing was changed" in response.content.decode().lower()
    report_assign(report=report, to=people["canvasser"], due_on=day(2), by=people["committee"])
    before = snapshot(report)
    for data, why in [
        ({"text": " "}, "This field is required."),
        ({"text": "已清运", "photos": [photo() for _ in range(4)]}, "At most three photos."),
    ]:
        response = client.post(url, data)
        assert response.status_code == 400 and why in response.content.decode(), why
        assert snapshot(report) == before


# --- Proposal ----------------------------------------------------------------------------------------------------


def test_the_committee_turns_a_report_into_a_proposal(client_as, people, report):
    response = client_as(people["committee"]).post(reverse("report_manage_proposal", args=[report.pk]))
    report.refresh_from_db()
    assert report.state == ReportState.PROPOSED
    assert response["Location"] == reverse("proposal_edit", args=[report.proposal.pk])


def test_the_committee_is_warned_before_a_private_report_becomes_a_proposal(client_as, people, report):
    client = client_as(people["committee"])
    page = client.get(reverse("report_manage", args=[report.pk])).content.decode()
    assert 'id="private-to-proposal"' in page and "every owner reads the proposal" in page
    Report.objects.filter(pk=report.pk).update(public=True)
    assert 'id="private-to-proposal"' not in client.get(reverse("report_manage", args=[report.pk])).content.decode()


def test_only_the_committee_makes_a_proposal(client_as, people, report):
    before = snapshot(report)
    response = client_as(people["secretary"]).post(reverse("report_manage_proposal", args=[report.pk]), follow=True)
    assert "Only the committee may turn a report into a proposal: nothing was changed." in response.content.decode()
    assert snapshot(report) == before and not Proposal.objects.exists()


# --- Whistle -----------------------------------------------------------------------------------------------------


def test_whistle_to_departments_with_another_report(client_as, people, actors, report, district):
    other = new_report(actors, "同一处下水道堵了")
    client = client_as(people["committee"])
    page = client.get(reverse("report_manage", args=[report.pk])).content.decode()
    assert "城管" in page and "住建" in page and f"#{other.number}" in page
    response = client.post(
        reverse("report_manage_whistle", args=[report.pk]),
        {
            "departments": [district.chengguan.pk, district.zhujian.pk],
            "deadline": day(5).isoformat(),
            "note": "清运并修复",
            "bundle": [other.pk],
        },
    )
    assert response.status_code == 302
    whistle = Whistle.objects.get()
    assert set(whistle.reports.all()) == {report, other}
    assert {s.department for s in whistle.summonses.all()} == {district.chengguan, district.zhujian}
    report.refresh_from_db()
    assert report.state == ReportState.ESCALATED


def test_whistle_refusals(client_as, people, actors, report, district):
    client = client_as(people["committee"])
    url = reverse("report_manage_whistle", args=[report.pk])
    good = {"departments": [district.chengguan.pk], "deadline": day(5).isoformat(), "note": "清运"}
    before = snapshot(report)
    for changes, why in [
        ({"departments": [district.other_district_department.pk]}, "Select a valid choice."),
        ({"departments": []}, "This field is required."),
        ({"deadline": day(-1).isoformat()}, "The deadline has passed."),
        ({"deadline": "9999-12-31"}, f"Enter a date between {day(0).isoformat()} and {a_year_ahead().isoformat()}."),
        ({"note": ""}, "This field is required."),
    ]:
        response = client.post(url, {**good, **changes})
        assert response.status_code == 400 and why in response.content.decode(), why
        assert snapshot(report) == before


def test_no_district_no_whistle(client_as, people, actors, report):
    Community.objects.filter(pk=actors.community.pk).update(district=None)
    client = client_as(people["committee"])
    page = client.get(reverse("report_manage", args=[report.pk])).content.decode()
    assert "This community does not belong to a district yet" in page
    before = snapshot(report)
    response = client.post(
        reverse("report_manage_whistle", args=[report.pk]), {"deadline": day(5).isoformat(), "note": "x"}, follow=True
    )
    assert "This community does not belong to a district yet" in response.content.decode()
    assert snapshot(report) == before


# --- Joint meeting -----------------------------------------------------------------------------------------------


def test_the_joint_meeting_offers_only_the_departments_summoned(client_as, people, report, district):
    committee = people["committee"]
    whistle_blow(reports=[report], departments=[district.chengguan], deadline=day(3), note="清运", by=committee)
    page = client_as(committee).get(reverse("report_manage", args=[report.pk])).content.decode()
    meeting = page[page.index('id="meeting"') :]
    meeting = meeting[: meeting.index("</section>")]
    assert "城管" in meeting and "住建" not in meeting


def test_record_a_joint_meeting(client_as, people, actors, report, district):
    other = new_report(actors, "同一处下水道堵了")
    committee = people["committee"]
    whistle = whistle_blow(
        reports=[report, other],
        departments=[district.chengguan, district.zhujian],
        deadline=day(5),
        note="清运",
        by=committee,
    )
    client = client_as(committee)
    assert (
        reverse("report_manage_meeting", args=[report.pk])
        in client.get(reverse("report_manage", args=[report.pk])).content.decode()
    )
    response = client.post(
        reverse("report_manage_meeting", args=[report.pk]),
        {
            "whistle": whistle.pk,
            "held_on": day(0).isoformat(),
            "place": "小区东门",
            "departments": [district.chengguan.pk, district.zhujian.pk],
            "decisions": "城管三日内清运，住建修复化粪池",
        },
    )
    assert response.status_code == 302
    meeting = JointMeeting.objects.get()
    assert meeting.whistle == whistle and set(meeting.departments.all()) == {district.chengguan, district.zhujian}
    for r in (report, other):
        assert r.events.filter(kind=ReportEvent.Kind.MEETING).count() == 1
    assert "城管三日内清运" in client.get(reverse("report_manage", args=[other.pk])).content.decode()


def test_joint_meeting_refusals(client_as, people, actors, report, district):
    committee = people["committee"]
    whistle = whistle_blow(
        reports=[report], departments=[district.chengguan], deadline=day(5), note="清运", by=committee
    )
    unrelated = new_report(actors, "别的事")
    client = client_as(committee)
    url = reverse("report_manage_meeting", args=[report.pk])
    good = {
        "whistle": whistle.pk,
        "held_on": day(0).isoformat(),
        "place": "东门",
        "departments": [district.chengguan.pk],
        "decisions": "清运",
    }
    before = snapshot(report)
    for changes, why in [
        ({"held_on": day(1).isoformat()}, "Record a meeting once it has been held."),
        ({"held_on": "0001-01-01"}, f"Enter a date between 2000-01-01 and {day(0).isoformat()}."),
        ({"held_on": "1999-12-31"}, "Enter a date between 2000-01-01"),
        ({"departments": [district.other_district_department.pk]}, "Select a valid choice."),
        ({"decisions": ""}, "This field is required."),
    ]:
        response = client.post(url, {**good, **changes})
        assert response.status_code == 400 and why in response.content.decode(), why
        assert snapshot(report) == before
    # A whistle that is not about this report is not offered, and is refused.
    response = client.post(reverse("report_manage_meeting", args=[unrelated.pk]), good)
    assert response.status_code == 400 and "Select a valid choice." in response.content.decode()


def test_the_queue_costs_the_same_queries_for_more_reports(client_as, people, actors):
    client = client_as(people["committee"])
    url = reverse("triage_queue", args=[actors.community.slug])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    for i in range(2):
        report_assign(
            report=new_report(actors, f"第{i}件", entrance=actors.household_obj.entrance),
            to=people["property"],
            due_on=day(1),
            by=people["committee"],
        )
    few = queries()
    for i in range(5):
        report_assign(
            report=new_report(actors, f"又{i}件", entrance=actors.household_obj.entrance),
            to=people["property"],
            due_on=day(1),
            by=people["committee"],
        )
    assert queries() == few


def test_the_dashboard_links_the_queue_and_the_ledger(client, actors):
    from django.urls import reverse

    client.force_login(actors.users["committee"])
    page = client.get(reverse("community_dashboard", args=[actors.community.slug])).content.decode()
    assert reverse("triage_queue", args=[actors.community.slug]) in page
    assert reverse("reports_ledger", args=[actors.community.slug]) in page


def test_every_form_on_the_manage_page_has_ids_of_its_own(client_as, people, actors, report, district):
    """The assignment's note and the whistle's note (and every other field two forms share) are two ids, each label
    pointing at its own field: a label clicked or read aloud never leads to another form's field."""
    from html.parser import HTMLParser

    class Ids(HTMLParser):
        def __init__(self):
            super().__init__()
            self.ids, self.label_for = [], []

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if "id" in attrs:
                self.ids.append(attrs["id"])
            if tag == "label" and "for" in attrs:
                self.label_for.append(attrs["for"])

    def ids_on_the_page() -> set[str]:
        parser = Ids()
        parser.feed(client_as(people["committee"]).get(reverse("report_manage", args=[report.pk])).content.decode())
        assert len(parser.ids) == len(set(parser.ids)), sorted(i for i in parser.ids if parser.ids.count(i) > 1)
        assert set(parser.label_for) <= set(parser.ids)
        return set(parser.ids)

    assert {"id_assign_note", "id_whistle_note", "id_merge_number"} <= ids_on_the_page()  # a new report
    committee = people["committee"]
    whistle_blow(reports=[report], departments=[district.chengguan], deadline=day(3), note="清运", by=committee)
    assert {"id_whistle_note", "id_done_text", "id_meeting_place"} <= ids_on_the_page()  # whistled
