"""The resident's report pages: the form (as a resident, or a canvasser at the door for a household), the report's
page with its photos and history in plain words, the confirmation and rating, one's own reports and the neighbours'
public ones. Each route × each role; bad input answers with a clear message and creates nothing."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from community.models import Role
from reports.forms import ReportForm
from reports.models import Category, Rating, Report, ReportEvent, ReportPhoto, ReportState
from reports.selectors import own_household
from reports.services import (
    joint_meeting_record,
    report_assign,
    report_create,
    report_done,
    summons_acknowledge,
    summons_act,
    summons_complete,
    whistle_blow,
)
from tests.factories import EntranceFactory, HouseholdBindingFactory, HouseholdFactory, RoleFactory
from tests.reports.conftest import photo

ROLES = ("anonymous", "household", "other_household", "canvasser", "secretary", "committee", "other_committee")


def status_of(client_as, actors, url, method="get", data=None) -> dict[str, int]:
    answers = {}
    for name in ROLES:
        client = client_as(actors.users[name])
        response = client.post(url, data or {}) if method == "post" else client.get(url)
        answers[name] = (
            302
            if response.status_code == 302 and "/accounts/login/" in response["Location"]
            else (response.status_code)
        )
    return answers


def tomorrow():
    return timezone.localdate() + timedelta(days=1)


def form(**fields) -> dict:
    data = {"category": Category.ENVIRONMENT, "description": "公厕门口堆满垃圾，进不去", "location": "", "place": ""}
    data.update(fields)
    return data


@pytest.fixture
def neighbour(actors):
    return HouseholdBindingFactory(household=HouseholdFactory(entrance__building__community=actors.community)).user


# --- The form ------------------------------------------------------------------------------------------------------


def test_a_household_reports_a_problem_with_a_photo_and_gets_its_number(client_as, actors):
    client = client_as(actors.users["household"])
    entrance = actors.household_obj.entrance
    response = client.post(
        reverse("report_new", args=["here"]),
        form(place=f"e{entrance.pk}", location="北门公厕", public="on", photos=[photo()]),
    )
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("report_detail", args=[report.pk])
    assert (report.category, report.entrance, report.building, report.location) == (
        Category.ENVIRONMENT,
        entrance,
        entrance.building,
        "北门公厕",
    )
    assert report.public and report.reporter == actors.users["household"] and report.household == actors.household_obj
    assert report.photos.get().stage == ReportPhoto.Stage.REPORTED
    page = client.get(response["Location"]).content.decode()
    assert "Your report number: #1" in page
    assert "What happens next:" in page and "Every step will show below" in page
    assert reverse("report_photo", args=[report.pk, report.photos.get().pk]) in page
    assert "公厕门口堆满垃圾" in page


def test_the_form_shows_the_categories_and_this_communitys_entrances_only(client_as, actors):
    EntranceFactory(building__community=actors.other_community)
    page = client_as(actors.users["household"]).get(reverse("report_new", args=["here"])).content.decode()
    for _value, label in Category.choices:
        assert str(label) in page
    assert f'value="e{actors.household_obj.entrance.pk}"' in page
    assert len(re.findall(r'value="e\d+"', page)) == 1  # the other community's entrance is not offered
    assert 'accept="image/*" capture multiple' in page
    assert 'name="household"' not in page  # a resident reports as themself


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"description": "   "}, "Say what is wrong."),
        ({"category": ""}, "Choose what kind of problem it is."),
        ({"category": "aliens"}, "Select a valid choice."),
        (
            {"photos": [SimpleUploadedFile("toilet.jpg", b"not an image at all", content_type="image/jpeg")]},
            "A photo must be a JPEG, PNG or WebP image.",
        ),
        ({"photos": [photo(f"{n}.jpg") for n in range(4)]}, "At most three photos."),
        ({"place": "e999999"}, "Choose a building or entrance of this community."),
        ({"place": "garden"}, "Choose a building or entrance of this community."),
        ({"household": "1-1-101"}, "Only a canvasser, the committee or its secretary may report for a household."),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_is_created(client_as, actors, fields, message):
    response = client_as(actors.users["household"]).post(reverse("report_new", args=["here"]), form(**fields))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Report.objects.exists() and not ReportPhoto.objects.exists() and not ReportEvent.objects.exists()


def test_the_form_decides_whether_a_report_is_for_a_household(actors):
    """The form, not the view, turns "3-5-502" into the household, and refuses it to those the rule does not let."""
    code = actors.household_obj.code
    entrance = actors.household_obj.entrance
    allowed = ReportForm(form(household=code, place=f"e{entrance.pk}"), community=actors.community, for_household=True)
    assert allowed.is_valid(), allowed.errors
    assert allowed.cleaned_data["household"] == actors.household_obj
    assert allowed.cleaned_data["place"] == (None, entrance)
    as_themself = ReportForm(form(), community=actors.community, for_household=True)
    assert as_themself.is_valid() and as_themself.cleaned_data["household"] is None
    refused = ReportForm(form(household=code), community=actors.community, for_household=False)
    assert not refused.is_valid()
    assert refused.non_field_errors() == [
        "Only a canvasser, the committee or its secretary may report for a household."
    ]
    elsewhere = ReportForm(form(household="9-9-909"), community=actors.community, for_household=True)
    assert not elsewhere.is_valid() and "No household 9-9-909 in this community" in elsewhere.errors["household"][0]


def test_own_household_is_one_query_and_none_when_ambiguous(actors, django_assert_num_queries):
    user = actors.users["household"]
    with django_assert_num_queries(1):
        assert own_household(actors.community, user) == actors.household_obj
    assert own_household(actors.other_community, user) is None
    HouseholdBindingFactory(user=user, household=HouseholdFactory(entrance=actors.household_obj.entrance))
    assert own_household(actors.community, user) is None  # two households here: the report says which, not us


def test_an_entrance_or_building_of_another_community_is_refused(client_as, actors):
    elsewhere = EntranceFactory(building__community=actors.other_community)
    client = client_as(actors.users["household"])
    for place, message in (
        (f"e{elsewhere.pk}", "That entrance is not in this community."),
        (f"b{elsewhere.building.pk}", "That building is not in this community."),
    ):
        response = client.post(reverse("report_new", args=["here"]), form(place=place))
        assert response.status_code == 400 and message in response.content.decode()
    assert not Report.objects.exists()


def test_a_canvasser_at_the_door_reports_for_a_household(client_as, actors):
    client = client_as(actors.users["canvasser"])
    page = client.get(reverse("report_new", args=["here"])).content.decode()
    assert 'name="household"' in page
    code = actors.household_obj.code
    response = client.post(reverse("report_new", args=["here"]), form(household=code, phone="139 0000 2222"))
    report = Report.objects.get()
    assert response.status_code == 302
    assert report.reporter is None and report.recorded_by == actors.users["canvasser"]
    assert report.household == actors.household_obj and report.reporter_phone == "13900002222"
    # The canvasser follows it; the committee sees who it is for.
    page = client.get(reverse("report_detail", args=[report.pk])).content.decode()
    assert f"recorded the report for household {code}" in page
    page = client_as(actors.users["committee"]).get(reverse("report_detail", args=[report.pk])).content.decode()
    assert "13900002222" in page and code in page


def test_a_canvasser_naming_no_household_of_this_community_is_refused(client_as, actors):
    client = client_as(actors.users["canvasser"])
    for code in ("9-9-909", "3-5", "王"):
        response = client.post(reverse("report_new", args=["here"]), form(household=code))
        assert response.status_code == 400
        assert f"No household {code} in this community" in response.content.decode()
    response = client.post(reverse("report_new", args=["here"]), form(household="", phone="139 0000 2222"))
    assert response.status_code == 400 and "Say which household, e.g. 3-5-502." in response.content.decode()
    code = actors.household_obj.code
    response = client.post(reverse("report_new", args=["here"]), form(household=code, phone="12345"))
    assert response.status_code == 400 and "Enter a mainland mobile number" in response.content.decode()
    assert not Report.objects.exists()


# --- Who may open what -------------------------------------------------------------------------------------------


def test_who_may_open_the_form_and_the_list(client_as, actors):
    for name in ("report_new", "my_reports"):
        assert status_of(client_as, actors, reverse(name, args=["here"])) == {
            "anonymous": 302,
            "household": 200,
            "other_household": 403,
            "canvasser": 200,
            "secretary": 200,
            "committee": 200,
            "other_committee": 403,
        }
    assert client_as(actors.users["household"]).get(reverse("report_new", args=["nowhere"])).status_code == 404


def test_who_may_send_the_form(client_as, actors):
    answers = status_of(client_as, actors, reverse("report_new", args=["here"]), "post", form())
    assert answers == {
        "anonymous": 302,
        "household": 302,
        "other_household": 403,
        "canvasser": 302,
        "secretary": 302,
        "committee": 302,
        "other_committee": 403,
    }
    assert Report.objects.count() == 4


def test_who_may_see_a_private_report_and_its_photo(client_as, actors, report, district):
    photo_url = reverse("report_photo", args=[report.pk, report.photos.get().pk])
    expected = {
        "anonymous": 302,
        "household": 200,
        "other_household": 403,
        "canvasser": 403,
        "secretary": 200,
        "committee": 200,
        "other_committee": 403,
    }
    assert status_of(client_as, actors, reverse("report_detail", args=[report.pk])) == expected
    assert status_of(client_as, actors, photo_url) == expected
    for person in (district.people.staff, district.people.chengguan):  # not whistled: not theirs
        assert client_as(person).get(photo_url).status_code == 403
    response = client_as(actors.users["household"]).get(photo_url)
    assert response["Content-Type"] == "image/png" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, max-age=3600"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    # A photo of another report through this report's address: not found.
    other = report_create(
        community=actors.community, by=actors.users["committee"], category="other", description="x", photos=[photo()]
    )
    wrong = reverse("report_photo", args=[report.pk, other.photos.get().pk])
    assert client_as(actors.users["household"]).get(wrong).status_code == 404


def test_a_department_summoned_sees_the_report_and_its_photo(client_as, actors, report, district):
    whistle_blow(
        reports=[report],
        departments=[district.chengguan],
        deadline=tomorrow(),
        note="清理",
        by=actors.users["committee"],
    )
    photo_url = reverse("report_photo", args=[report.pk, report.photos.get().pk])
    assert client_as(district.people.chengguan).get(photo_url).status_code == 200
    assert client_as(district.people.zhujian).get(photo_url).status_code == 403
    assert client_as(district.people.staff).get(reverse("report_detail", args=[report.pk])).status_code == 200


# --- Neighbours -------------------------------------------------------------------------------------------------


def test_a_neighbour_sees_public_reports_only_and_never_the_phone_or_the_name(client_as, actors, report, neighbour):
    actors.users["household"].display_name = "王阿姨"
    actors.users["household"].save(update_fields=["display_name"])
    public = report_create(
        community=actors.community,
        by=actors.users["household"],
        category=Category.FACILITIES,
        description="路灯坏了三盏",
        public=True,
        reporter_phone="138 0000 1111",
        photos=[photo()],
    )
    client = client_as(neighbour)
    page = client.get(reverse("my_reports", args=["here"])).content.decode()
    assert "路灯坏了三盏" in page and "公厕门口堆满垃圾" not in page
    assert "13800001111" not in page and "王阿姨" not in page
    page = client.get(reverse("report_detail", args=[public.pk])).content.decode()
    assert "路灯坏了三盏" in page
    assert "13800001111" not in page and "王阿姨" not in page and actors.household_obj.code not in page
    assert "the resident reported the problem." in page
    assert client.get(reverse("report_photo", args=[public.pk, public.photos.get().pk])).status_code == 200
    assert client.get(reverse("report_detail", args=[report.pk])).status_code == 403
    # The reporter's own list; the committee sees the phone on the report.
    mine = client_as(actors.users["household"]).get(reverse("my_reports", args=["here"])).content.decode()
    assert "路灯坏了三盏" in mine and "公厕门口堆满垃圾" in mine
    committee_page = client_as(actors.users["committee"]).get(reverse("report_detail", args=[public.pk]))
    assert "13800001111" in committee_page.content.decode()


def test_the_neighbours_list_is_for_households_only(client_as, actors):
    report_create(
        community=actors.community, by=actors.users["household"], category="other", description="花坛", public=True
    )
    page = client_as(actors.users["canvasser"]).get(reverse("my_reports", args=["here"])).content.decode()
    assert "Neighbours' reports" not in page and "花坛" not in page


# --- Confirm and rate --------------------------------------------------------------------------------------------


def _done(report, actors):
    report_assign(report=report, to=actors.users["canvasser"], due_on=tomorrow(), by=actors.users["committee"])
    return report_done(report=report, by=actors.users["canvasser"], text="已清理干净", photos=[photo("after.jpg")])


def test_the_reporter_confirms_satisfied(client_as, actors, report):
    client = client_as(actors.users["household"])
    page = client.get(reverse("report_detail", args=[report.pk])).content.decode()
    assert 'name="satisfied"' not in page  # nothing to confirm yet
    _done(report, actors)
    page = client.get(reverse("report_detail", args=[report.pk])).content.decode()
    assert 'value="yes"' in page and 'value="no"' in page and "reopens it once" in page
    assert "Photos of what was done" in page
    response = client.post(reverse("report_confirm", args=[report.pk]), {"satisfied": "yes", "comment": "谢谢"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == ReportState.CLOSED and report.rating == Rating.SATISFIED
    page = client.get(reverse("report_detail", args=[report.pk])).content.decode()
    assert "you confirmed: satisfied. It is closed." in page and "谢谢" in page and 'value="yes"' not in page


def test_not_satisfied_reopens_once_then_closes(client_as, actors, report):
    client = client_as(actors.users["household"])
    _done(report, actors)
    client.post(reverse("report_confirm", args=[report.pk]), {"satisfied": "no", "comment": "还有垃圾"})
    report.refresh_from_db()
    assert report.state == ReportState.ASSIGNED and report.reopened == 1
    report_done(report=report, by=actors.users["canvasser"], text="再次清理")
    page = client.get(reverse("report_detail", args=[report.pk])).content.decode()
    assert "It was reopened once already" in page
    client.post(reverse("report_confirm", args=[report.pk]), {"satisfied": "no"})
    report.refresh_from_db()
    assert report.state == ReportState.CLOSED and report.rating == Rating.UNSATISFIED


def test_who_may_confirm_and_bad_answers(client_as, actors, report):
    url = reverse("report_confirm", args=[report.pk])
    # Not done yet: nobody may.
    assert set(status_of(client_as, actors, url, "post", {"satisfied": "yes"}).values()) <= {302, 403}
    report.refresh_from_db()
    assert report.state == ReportState.NEW
    _done(report, actors)
    answers = status_of(client_as, actors, url, "post", {"satisfied": "maybe"})
    assert answers == {
        "anonymous": 302,
        "household": 302,
        "other_household": 403,
        "canvasser": 403,
        "secretary": 403,
        "committee": 403,
        "other_committee": 403,
    }
    report.refresh_from_db()
    assert report.state == ReportState.DONE  # "maybe" changed nothing
    response = client_as(actors.users["household"]).post(url, {"satisfied": "maybe"}, follow=True)
    assert "Choose “satisfied” or “not satisfied”." in response.content.decode()
    assert client_as(actors.users["household"]).get(url).status_code == 405


def test_a_co_resident_of_the_household_is_the_reporter_on_the_page(client_as, actors, report):
    """Another account bound to the reporter's household follows and confirms the report as the reporter does."""
    report.household = actors.household_obj
    report.save(update_fields=["household"])
    report.public = True
    report.save(update_fields=["public"])
    co_resident = HouseholdBindingFactory(household=actors.household_obj).user
    client = client_as(co_resident)
    page = client.get(reverse("report_detail", args=[report.pk])).content.decode()
    assert f"Your report number: #{report.number}" in page and 'id="what-next"' in page
    # On their list of reports: among their own, not among the neighbours'.
    page = client.get(reverse("my_reports", args=["here"])).content.decode()
    mine, _, neighbours = page.partition('id="neighbours-reports"')
    assert report.description in mine and report.description not in neighbours
    _done(report, actors)
    page = client.get(reverse("report_detail", args=[report.pk])).content.decode()
    assert 'value="yes"' in page and 'id="what-next"' in page
    client.post(reverse("report_confirm", args=[report.pk]), {"satisfied": "yes"})
    report.refresh_from_db()
    assert report.state == ReportState.CLOSED and report.rating == Rating.SATISFIED


def test_the_committee_may_not_rate_a_report_it_recorded_and_handled(client_as, actors):
    """The committee records a report for a household, handles it itself and marks it done: the household rates it."""
    committee = actors.users["committee"]
    client = client_as(committee)
    client.post(reverse("report_new", args=["here"]), form(household=actors.household_obj.code))
    report = Report.objects.get()
    report_assign(report=report, to=committee, due_on=tomorrow(), by=committee)
    report_done(report=report, by=committee, text="已处理")
    page = client.get(reverse("report_detail", args=[report.pk])).content.decode()
    assert f"Your report number: #{report.number}" in page  # the number to give the household
    assert 'name="satisfied"' not in page and 'id="what-next"' not in page
    assert client.post(reverse("report_confirm", args=[report.pk]), {"satisfied": "yes"}).status_code == 403
    report.refresh_from_db()
    assert report.state == ReportState.DONE and report.rating == ""
    page = client_as(actors.users["household"]).get(reverse("report_detail", args=[report.pk])).content.decode()
    assert 'value="yes"' in page


def test_a_neighbour_never_reads_the_name_of_a_co_resident_who_answered(client_as, actors, neighbour):
    """The reporter's name is hidden from neighbours; so is that of another account of the household answering."""
    public = report_create(
        community=actors.community,
        by=actors.users["household"],
        category=Category.FACILITIES,
        description="路灯坏了三盏",
        household=actors.household_obj,
        public=True,
    )
    co_resident = HouseholdBindingFactory(household=actors.household_obj).user
    co_resident.display_name = "王秘密"
    co_resident.save(update_fields=["display_name"])
    _done(public, actors)
    client_as(co_resident).post(reverse("report_confirm", args=[public.pk]), {"satisfied": "no"})
    report_done(report=public, by=actors.users["canvasser"], text="再次修理")
    client_as(co_resident).post(reverse("report_confirm", args=[public.pk]), {"satisfied": "yes"})
    page = client_as(neighbour).get(reverse("report_detail", args=[public.pk])).content.decode()
    assert "王秘密" not in page
    assert "the resident was not satisfied: it is being handled again." in page
    assert "the resident confirmed: satisfied. It is closed." in page
    # The household sees its own people by name; the committee too.
    page = client_as(actors.users["household"]).get(reverse("report_detail", args=[public.pk])).content.decode()
    assert "王秘密 confirmed: satisfied." in page


def test_a_neighbour_never_reads_the_name_of_who_answered_a_report_recorded_at_the_door(client_as, actors, neighbour):
    household = actors.users["household"]
    household.display_name = "王秘密"
    household.save(update_fields=["display_name"])
    at_the_door = report_create(
        community=actors.community,
        by=actors.users["canvasser"],
        category=Category.FACILITIES,
        description="楼道灯坏了",
        household=actors.household_obj,
        on_behalf=True,
        public=True,
    )
    _done(at_the_door, actors)
    client_as(household).post(reverse("report_confirm", args=[at_the_door.pk]), {"satisfied": "yes"})
    page = client_as(neighbour).get(reverse("report_detail", args=[at_the_door.pk])).content.decode()
    assert "王秘密" not in page and "the resident confirmed: satisfied. It is closed." in page
    assert actors.household_obj.code not in page


# --- The history in plain words ----------------------------------------------------------------------------------


def test_the_history_in_plain_words(client_as, actors, report, district):
    committee = actors.users["committee"]
    committee.display_name = "王建国"
    committee.save(update_fields=["display_name"])
    property_man = RoleFactory(community=actors.community, kind=Role.Kind.PROPERTY).user
    property_man.display_name = "李师傅"
    property_man.save(update_fields=["display_name"])
    report_assign(report=report, to=property_man, due_on=tomorrow(), by=committee)
    whistle = whistle_blow(
        reports=[report], departments=[district.chengguan], deadline=tomorrow(), note="清理垃圾", by=committee
    )
    summons = whistle.summonses.get()
    summons_acknowledge(summons=summons, by=district.people.chengguan)
    joint_meeting_record(
        whistle=whistle,
        held_on=timezone.localdate(),
        place="公厕门口",
        departments=[district.chengguan],
        decisions="城管明天派车",
        by=committee,
    )
    summons_act(summons=summons, by=district.people.chengguan, text="派车清运")
    summons_complete(summons=summons, by=district.people.chengguan, text="清运完毕")
    report_done(report=report, by=property_man, text="已清理干净")

    page = client_as(actors.users["household"]).get(reverse("report_detail", args=[report.pk])).content.decode()
    assert reverse("report_manage", args=[report.pk]) not in page
    sentences = [
        "you reported the problem.",
        "committee member 王建国 assigned it to be handled.",
        "committee member 王建国 blew the whistle: sent to 城管.",
        "城管 reported for duty.",
        "committee member 王建国 recorded a joint meeting with the departments.",
        "城管明天派车",
        "城管 acted on it.",
        "派车清运",
        "城管 finished its part.",
        "清运完毕",
        "property company 李师傅 recorded it as done.",
        "已清理干净",
    ]
    positions = [page.index(sentence) for sentence in sentences]
    assert positions == sorted(positions)
    assert "13800001111" not in page  # the reporter is not shown their own number as a handler would be
    # The committee sees the reporter by name.
    household = actors.users["household"]
    page = client_as(committee).get(reverse("report_detail", args=[report.pk])).content.decode()
    assert f"{household.display_name} reported the problem." in page and "13800001111" in page
    assert reverse("report_manage", args=[report.pk]) in page  # the committee's way to the handlers' page


def test_the_home_page_links_to_reports_for_households(client_as, actors):
    page = client_as(actors.users["household"]).get(reverse("home")).content.decode()
    assert reverse("report_new", args=["here"]) in page and reverse("my_reports", args=["here"]) in page
    page = client_as(actors.users["committee"]).get(reverse("community_overview", args=["here"])).content.decode()
    assert reverse("report_new", args=["here"]) in page
