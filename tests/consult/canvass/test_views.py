"""Canvassing pages: who may open what (a matrix over the `actors`), what the walk list shows, and visits posted
as a plain form or as JSON from the phone's offline queue."""

import json
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from consult.models import Assignment, DemandTag, Visit
from consult.services import assignment_create
from proposals.models import State
from tests.consult.canvass.conftest import make_proposal, record
from voting.models import Channel
from voting.services import ballot_cast

pytestmark = pytest.mark.django_db

PAGES = [
    "walk_list",
    "canvass_board",
    "canvass_board_json",
    "canvass_assignments",
    "canvass_tags",
    "demands_summary",
    "canvass_outcome",
]
ALLOWED = {
    "anonymous": set(),
    "household": set(),
    "other_household": set(),
    "other_committee": set(),
    "canvasser": {"walk_list", "canvass_board", "canvass_board_json"},
    "secretary": {"canvass_board", "canvass_board_json", "demands_summary", "canvass_outcome"},
    "committee": set(PAGES),
}


@pytest.fixture
def matrix(actors):
    """A proposal in voting over `actors.community`; the actors' canvasser is assigned to the household's entrance."""
    committee = actors.users["committee"]
    proposal = make_proposal(actors.community, committee, state=State.VOTING)
    assignment_create(
        proposal=proposal, canvasser=actors.users["canvasser"], entrance=actors.household_obj.entrance, by=committee
    )
    return proposal


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("who", list(ALLOWED))
def test_who_may_open_each_page(actors, matrix, client_as, who, page):
    response = client_as(actors.users[who]).get(reverse(page, args=[matrix.pk]))
    if who == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif page in ALLOWED[who]:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("who", list(ALLOWED))
def test_who_may_record_a_visit(actors, matrix, client_as, who):
    response = client_as(actors.users[who]).post(
        reverse("visit_record", args=[matrix.pk]),
        {"household": actors.household_obj.pk, "result": "support", "idempotency_key": uuid.uuid4().hex},
    )
    if who == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif who == "canvasser":
        assert response.status_code == 302 and f"#h-{actors.household_obj.pk}" in response["Location"]
    else:
        assert response.status_code == 403
    assert Visit.objects.count() == (1 if who == "canvasser" else 0)


@pytest.mark.parametrize("who", list(ALLOWED))
def test_who_may_assign_canvassers(actors, matrix, client_as, who):
    volunteer = actors.users["secretary"]
    response = client_as(actors.users[who]).post(
        reverse("canvass_assignments", args=[matrix.pk]),
        {"action": "add", "canvasser": volunteer.pk, "target": f"e-{actors.household_obj.entrance_id}"},
    )
    assert response.status_code == (302 if who in ("committee", "anonymous") else 403)
    assert Assignment.objects.filter(canvasser=volunteer).exists() == (who == "committee")


def test_a_canvasser_without_an_assignment_sees_no_walk_list(site, client_as):
    unassigned = site.party
    assert client_as(unassigned).get(reverse("walk_list", args=[site.proposal.pk])).status_code == 403
    assert client_as(unassigned).get(reverse("canvass_board", args=[site.proposal.pk])).status_code == 403


# --- The walk list --------------------------------------------------------------------------------------------


def test_the_walk_list_shows_only_the_assigned_entrance_with_masked_phones(site, client_as):
    record(site.proposal, site.a[0], site.canvasser_a, stance="conditional")
    response = client_as(site.canvasser_a).get(reverse("walk_list", args=[site.proposal.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    for household in site.a:
        assert f'id="h-{household.pk}"' in html
        assert household.owner.name in html
    for household in site.b + site.c:
        assert f'id="h-{household.pk}"' not in html
    assert "138****6001" in html and "13800006001" not in html
    # Floors top to bottom.
    assert html.index(f'id="h-{site.a[0].pk}"') < html.index(f'id="h-{site.a[-1].pk}"')
    assert 'class="room st-c' in html and "高桂兰" in html
    assert 'name="idempotency_key"' in html and 'id="walk-config"' in html


def test_a_canvasser_of_entrance_a_cannot_open_entrance_b(site, client_as):
    url = reverse("walk_list", args=[site.proposal.pk])
    assert client_as(site.canvasser_a).get(url, {"entrance": site.entrance_b.pk}).status_code == 403
    assert client_as(site.canvasser_a).get(url, {"entrance": site.entrance_a.pk}).status_code == 200


def test_the_committee_chooses_any_entrance_and_looks_without_recording(site, client_as):
    url = reverse("walk_list", args=[site.proposal.pk])
    response = client_as(site.committee).get(url, {"entrance": site.entrance_b.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert all(f'<option value="{e.pk}"' in html for e in (site.entrance_a, site.entrance_b, site.entrance_c))
    assert f'id="h-{site.b[0].pk}"' in html
    assert 'class="room readonly' in html and 'id="visit-form"' not in html


def test_the_no_js_record_form_opens_for_one_room(site, client_as):
    url = reverse("walk_list", args=[site.proposal.pk])
    html = client_as(site.canvasser_a).get(url, {"household": site.a[2].pk}).content.decode()
    assert f'name="household" value="{site.a[2].pk}"' in html
    assert "3-5-501" in html
    assert 'id="record" class="card record-sheet" hidden' not in html


def test_during_voting_households_that_voted_are_marked_without_their_choice(site, client_as):
    proposal = make_proposal(site.community, site.committee, state=State.VOTING)
    assignment_create(proposal=proposal, canvasser=site.canvasser_a, entrance=site.entrance_a, by=site.committee)
    ballot_cast(proposal=proposal, household=site.a[0], choice="disagree", channel=Channel.ONLINE, by=site.committee)
    html = client_as(site.canvasser_a).get(reverse("walk_list", args=[proposal.pk])).content.decode()
    start = html.index(f'id="h-{site.a[0].pk}"')
    tile = html[html.rindex("<div", 0, start) : html.index("</div>", start)]
    assert "room voted" in tile and "已投票" in tile
    assert "href" not in tile  # no visit needed: nothing to tap
    for word in ("disagree", "反对", "不同意"):
        assert word not in tile
    assert f'href="?entrance={site.entrance_a.pk}&amp;household={site.a[1].pk}#record"' in html


# --- Recording visits -----------------------------------------------------------------------------------------


def post_json(client, proposal, payload):
    return client.post(
        reverse("visit_record", args=[proposal.pk]), data=json.dumps(payload), content_type="application/json"
    )


def payload(household, **kwargs):
    return {
        "household": household.pk,
        "outcome": "met",
        "stance": "support",
        "demands": "",
        "tags": [],
        "follow_up_on": None,
        "visited_at": None,
        "idempotency_key": str(uuid.uuid4()),
    } | kwargs


def test_a_queued_visit_sent_twice_is_recorded_once(site, client_as):
    client = client_as(site.canvasser_a)
    tag = DemandTag.objects.create(community=site.community, name="费用")
    item = payload(site.a[0], tags=[tag.pk], demands="希望少收点", visited_at="2099-01-01T00:00:00Z")
    item["visited_at"] = None
    first = post_json(client, site.proposal, item)
    again = post_json(client, site.proposal, item)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["created"] is True and again.json()["created"] is False
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["status"] == "s" and first.json()["badge"] == "支持" and "高桂兰" in first.json()["last"]
    assert Visit.objects.count() == 1
    assert list(Visit.objects.get().tags.all()) == [tag]


def test_the_answer_describes_the_rooms_latest_visit_not_a_late_older_one(site, client_as):
    client = client_as(site.canvasser_a)
    assert post_json(client, site.proposal, payload(site.a[0], stance="oppose")).status_code == 201
    # Recorded earlier on an offline phone, arriving now: the room still shows the newer visit.
    late = post_json(
        client,
        site.proposal,
        payload(site.a[0], outcome="refused", stance="", visited_at=site.proposal.created_at.isoformat()),
    )
    assert late.status_code == 201
    assert (late.json()["status"], late.json()["badge"]) == ("o", "反对")
    later = post_json(client, site.proposal, payload(site.a[0], outcome="nobody_home", stance=""))
    assert (later.json()["status"], later.json()["badge"]) == ("o", "反对")
    assert later.json()["last"].startswith("无人在家 · ")


def test_a_queued_visit_keeps_the_time_it_was_made(site, client_as):
    made = site.proposal.created_at.isoformat()
    response = post_json(client_as(site.canvasser_a), site.proposal, payload(site.a[0], visited_at=made))
    assert response.status_code == 201
    assert Visit.objects.get().visited_at == site.proposal.created_at


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[1, 2]",
        json.dumps({"household": "x", "outcome": "met", "stance": "support", "idempotency_key": "k" * 20}),
        json.dumps({"outcome": "met", "stance": "support", "idempotency_key": "k" * 20}),
        json.dumps({"household": 1, "outcome": 3, "idempotency_key": "k" * 20}),
        json.dumps({"household": 1, "outcome": "met", "stance": "support", "tags": "1", "idempotency_key": "k" * 20}),
        json.dumps({"household": 1, "outcome": "met", "stance": "support", "idempotency_key": None}),
        json.dumps(
            {
                "household": 1,
                "outcome": "met",
                "stance": "support",
                "follow_up_on": "tomorrow",
                "idempotency_key": "k" * 20,
            }
        ),
        json.dumps(
            {
                "household": 1,
                "outcome": "met",
                "stance": "support",
                "visited_at": "yesterday",
                "idempotency_key": "k" * 20,
            }
        ),
        json.dumps(
            {
                "household": 1,
                "outcome": "met",
                "stance": "support",
                "visited_at": "2026-13-45T99:00:00",
                "idempotency_key": "k" * 20,
            }
        ),
        json.dumps({"household": 999999, "outcome": "met", "stance": "support", "idempotency_key": "k" * 20}),
    ],
)
def test_unreadable_json_is_refused_with_a_message(site, client_as, body):
    response = client_as(site.canvasser_a).post(
        reverse("visit_record", args=[site.proposal.pk]), data=body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["ok"] is False and response.json()["error"]
    assert not Visit.objects.exists()


def test_json_refusals_have_their_own_codes(site, client_as, client):
    client = client_as(site.canvasser_a)
    future = payload(site.a[0], visited_at="2099-01-01T00:00:00+08:00")
    assert post_json(client, site.proposal, future).status_code == 400
    assert post_json(client, site.proposal, payload(site.b[0])).status_code == 403
    key = str(uuid.uuid4())
    assert post_json(client, site.proposal, payload(site.a[0], idempotency_key=key)).status_code == 201
    conflict = post_json(client, site.proposal, payload(site.a[1], idempotency_key=key))
    assert conflict.status_code == 409 and conflict.json()["error"]
    assert Visit.objects.count() == 1
    client.logout()
    # A phone whose session ended keeps its queue: 401, not a redirect to an HTML login page.
    assert post_json(client, site.proposal, payload(site.a[2])).status_code == 401
    assert client.get(reverse("visit_record", args=[site.proposal.pk])).status_code == 405


def test_a_form_post_for_another_entrance_is_refused(site, client_as):
    response = client_as(site.canvasser_a).post(
        reverse("visit_record", args=[site.proposal.pk]),
        {"household": site.b[0].pk, "result": "support", "idempotency_key": uuid.uuid4().hex},
    )
    assert response.status_code == 403
    assert not Visit.objects.exists()


def test_json_from_someone_not_canvassing_is_refused(site, client_as):
    response = post_json(client_as(site.secretary), site.proposal, payload(site.a[0]))
    assert response.status_code == 403 and response.json()["error"]
    assert not Visit.objects.exists()


def test_the_plain_form_records_and_goes_back_to_the_room(site, client_as):
    tag = DemandTag.objects.create(community=site.community, name="安全")
    response = client_as(site.canvasser_a).post(
        reverse("visit_record", args=[site.proposal.pk]),
        {
            "household": site.a[3].pk,
            "entrance": site.entrance_a.pk,
            "result": "nobody_home",
            "demands": "",
            "tags": [tag.pk],
            "follow_up_on": "",
            "idempotency_key": uuid.uuid4().hex,
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"?entrance={site.entrance_a.pk}#h-{site.a[3].pk}")
    visit = Visit.objects.get()
    assert (visit.outcome, visit.stance, visit.household) == ("nobody_home", "", site.a[3])


def test_a_bad_plain_form_shows_the_form_again_and_writes_nothing(site, client_as):
    response = client_as(site.canvasser_a).post(
        reverse("visit_record", args=[site.proposal.pk]),
        {
            "household": site.a[3].pk,
            "entrance": site.entrance_a.pk,
            "result": "support",
            "demands": "楼下太吵",
            "follow_up_on": "2000-01-01",
            "idempotency_key": "key-of-this-form-1234",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "楼下太吵" in html and 'value="key-of-this-form-1234"' in html
    assert 'class="msg error"' in html
    assert not Visit.objects.exists()


def test_a_form_post_without_the_csrf_token_is_refused(site):
    client = Client(enforce_csrf_checks=True)
    client.force_login(site.canvasser_a)
    response = client.post(
        reverse("visit_record", args=[site.proposal.pk]),
        {"household": site.a[0].pk, "result": "support", "idempotency_key": uuid.uuid4().hex},
    )
    assert response.status_code == 403
    assert not Visit.objects.exists()


# --- Assignments and tags pages -------------------------------------------------------------------------------


def test_the_committee_assigns_and_takes_back(site, client_as):
    client = client_as(site.committee)
    url = reverse("canvass_assignments", args=[site.proposal.pk])
    page = client.get(url).content.decode()
    assert (
        "党员张" in page
        and f'value="e-{site.entrance_b.pk}"' in page
        and f'value="b-{site.entrance_c.building_id}"' in page
    )
    response = client.post(url, {"action": "add", "canvasser": site.party.pk, "target": f"e-{site.entrance_b.pk}"})
    assert response.status_code == 302
    assignment = Assignment.objects.get(canvasser=site.party)
    assert assignment.entrance == site.entrance_b
    client.post(url, {"action": "remove", "assignment": assignment.pk})
    assert not Assignment.objects.filter(canvasser=site.party).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"action": "add", "canvasser": "", "target": "e-1"},
        {"action": "add", "canvasser": "abc", "target": "e-1"},
        {"action": "add", "canvasser": "PARTY", "target": "x-1"},
        {"action": "add", "canvasser": "PARTY", "target": "e-999999"},
        {"action": "add", "canvasser": "PARTY", "target": "b-"},
    ],
)
def test_bad_assignment_input_gets_a_message(site, client_as, data):
    data = {k: (str(site.party.pk) if v == "PARTY" else v) for k, v in data.items()}
    before = Assignment.objects.count()
    response = client_as(site.committee).post(
        reverse("canvass_assignments", args=[site.proposal.pk]), data, follow=True
    )
    assert response.status_code == 200
    assert 'class="msg error"' in response.content.decode()
    assert Assignment.objects.count() == before


def test_an_assignment_of_another_proposal_cannot_be_removed_here(site, client_as):
    other = make_proposal(site.community, site.committee, title="停车")
    assignment = assignment_create(proposal=other, canvasser=site.party, entrance=site.entrance_a, by=site.committee)
    response = client_as(site.committee).post(
        reverse("canvass_assignments", args=[site.proposal.pk]), {"action": "remove", "assignment": assignment.pk}
    )
    assert response.status_code == 404
    assert Assignment.objects.filter(pk=assignment.pk).exists()


def test_the_committee_defines_tags_with_suggestions(site, client_as):
    client = client_as(site.committee)
    url = reverse("canvass_tags", args=[site.proposal.pk])
    page = client.get(url).content.decode()
    for suggestion in ("费用", "位置", "噪音", "安全", "充电", "停车"):
        assert f'value="{suggestion}"' in page
    client.post(url, {"action": "add", "name": "费用"})
    client.post(url, {"action": "add", "name": "费用"})
    assert list(DemandTag.objects.values_list("name", flat=True)) == ["费用"]
    page = client.get(url).content.decode()
    assert 'value="费用"' not in page  # a suggestion taken is no longer offered
    tag = DemandTag.objects.get()
    client.post(url, {"action": "remove", "tag": tag.pk})
    assert not DemandTag.objects.exists()


def test_the_links_partial_offers_what_each_person_may_open(site, django_assert_max_num_queries):
    from django.template import Context, Template

    from accounts.models import User
    from community.models import Role as RoleModel

    template = Template("{% load canvass_tags %}{% canvass_links proposal %}")
    html = {}
    for name, user, queries in [
        ("canvasser", site.canvasser_a, 2),
        ("committee", site.committee, 2),
        ("party", site.party, 3),  # and whether they live in a canvassed entrance (nothing to show: they do not)
    ]:
        fresh = User.objects.get(pk=user.pk)  # no role cache from earlier checks
        with django_assert_max_num_queries(queries):
            html[name] = template.render(Context({"proposal": site.proposal, "user": fresh}))
    walk = reverse("walk_list", args=[site.proposal.pk])
    assign = reverse("canvass_assignments", args=[site.proposal.pk])
    assert walk in html["canvasser"] and assign not in html["canvasser"]
    assert walk in html["committee"] and assign in html["committee"]
    assert html["party"].strip() == ""
    assert RoleModel.objects.filter(user=site.party).exists()
