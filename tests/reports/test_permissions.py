"""Who may open each page of the residents' reports, as one matrix: every route of reports/urls.py × residents, the
community's roles, the district's staff and the departments' members (the volunteers' pages have their own matrix in
tests/community/test_volunteers.py). The report is the household's, private, whistled to 城管 (the state in which
the most people have a part). A refused POST changes nothing (the pages' own tests prove each refusal's reason)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from community.models import Role
from reports import urls as report_urls
from reports.models import ReportEvent, Summons
from reports.services import whistle_blow
from tests.factories import RoleFactory, UserFactory

pytestmark = pytest.mark.django_db

PEOPLE = (
    "anonymous",
    "household",  # the reporter
    "other_household",  # a neighbour of another community
    "canvasser",
    "secretary",
    "committee",
    "property",
    "party",
    "other_committee",
    "district_staff",
    "chengguan",  # summoned
    "zhujian",  # of the district, not summoned
    "far_department",  # of another district
)
LOGIN = "login"
HANDLERS = {"secretary", "committee", "property", "party"}


def row(*allowed: str, ok: int = 200, refused: int = 403) -> dict[str, object]:
    return {p: LOGIN if p == "anonymous" else ok if p in allowed else refused for p in PEOPLE}


COMMUNITY_MEMBERS = ("household", "canvasser", *HANDLERS)
# The report's page and photos: its reporter, the community's handlers, the summoned department and the district.
SEES_THE_REPORT = ("household", *HANDLERS, "chengguan", "district_staff")
DEPARTMENT_MEMBERS = ("chengguan", "zhujian", "far_department")

GET_PAGES = {
    "triage_queue": row(*HANDLERS),
    "report_manage": row(*HANDLERS),
    "department_inbox": row(*DEPARTMENT_MEMBERS),
    "district_page": row("district_staff"),
    "department_inbox_one": row("chengguan"),
    "summons_photo": row("chengguan", refused=404),  # a part of another department is not there for them
    "report_new": row(*COMMUNITY_MEMBERS),
    "my_reports": row(*COMMUNITY_MEMBERS),
    "report_detail": row(*SEES_THE_REPORT),
    "report_photo": row(*SEES_THE_REPORT),
    "reports_ledger": row(*HANDLERS),
    "reports_ledger_xlsx": row(*HANDLERS),
}
# POSTs, each sent by everybody; what a permitted person gets (a redirect) is in `ok`.
POSTS = {
    "summons_acknowledge": row("chengguan", ok=302, refused=404),
    "summons_act": row("chengguan", ok=302, refused=404),
    "summons_complete": row("chengguan", ok=302, refused=404),
    **{f"report_manage_{action}": row(*HANDLERS, ok=302) for action in ("merge", "assign", "done", "proposal")},
    "report_manage_whistle": row(*HANDLERS, ok=302),
    "report_manage_meeting": row(*HANDLERS, ok=302),
    # Whistled, not done: nobody confirms yet (tests/reports/test_resident_pages.py: the reporter may once it is done).
    "report_confirm": row(),
}


@pytest.fixture
def world(actors, district):
    people = {
        **actors.users,
        "property": RoleFactory(community=actors.community, kind=Role.Kind.PROPERTY).user,
        "party": RoleFactory(community=actors.community, kind=Role.Kind.PARTY).user,
        "district_staff": district.people.staff,
        "chengguan": district.people.chengguan,
        "zhujian": district.people.zhujian,
        "far_department": UserFactory(),
    }
    district.other_district_department.members.create(user=people["far_department"])
    return people


@pytest.fixture
def whistled(report, district, actors):
    whistle_blow(
        reports=[report],
        departments=[district.chengguan],
        deadline=timezone.localdate(),
        note="清运",
        by=actors.users["committee"],
    )
    return report


def args_of(name: str, report, district) -> list:
    summons = Summons.objects.get(whistle__reports=report, department=district.chengguan)
    photo = report.photos.get()
    return {
        "triage_queue": ["here"],
        "report_new": ["here"],
        "my_reports": ["here"],
        "reports_ledger": ["here"],
        "reports_ledger_xlsx": ["here"],
        "district_page": [district.district.slug],
        "department_inbox": [],
        "department_inbox_one": [district.district.slug, district.chengguan.pk],
        "summons_photo": [summons.pk, photo.pk],
        "summons_acknowledge": [summons.pk],
        "summons_act": [summons.pk],
        "summons_complete": [summons.pk],
        "report_photo": [report.pk, photo.pk],
    }.get(name, [report.pk])


def outcome(response) -> object:
    if response.status_code == 302 and "/accounts/login/" in response["Location"]:
        return LOGIN
    return response.status_code


def test_the_matrix_names_every_route():
    names = {pattern.name for pattern in report_urls.urlpatterns}
    assert names == set(GET_PAGES) | set(POSTS)


@pytest.mark.parametrize("name", sorted(GET_PAGES))
def test_who_may_open_each_page(world, whistled, district, client_as, name):
    url = reverse(name, args=args_of(name, whistled, district))
    got = {person: outcome(client_as(world.get(person)).get(url)) for person in PEOPLE}
    assert got == GET_PAGES[name]


@pytest.mark.parametrize("name", sorted(POSTS))
@pytest.mark.parametrize("person", PEOPLE)
def test_who_may_post(world, whistled, district, client_as, name, person):
    url = reverse(name, args=args_of(name, whistled, district))
    before = ReportEvent.objects.count()
    got = outcome(client_as(world.get(person)).post(url, {}))
    expected = POSTS[name][person]
    if expected in (LOGIN, 403, 404):
        assert got == expected
        assert ReportEvent.objects.count() == before
    else:  # allowed: an empty form is refused with its reason (400) or the step taken (302), never a 403
        assert got in (302, 400)
