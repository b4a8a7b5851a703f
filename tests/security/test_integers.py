"""Numbers too large for a database id (2**70, twenty nines) are refused cleanly wherever an address, a form or a
socket carries one: no 500, no 1011, no traceback."""

import pytest
from django.urls import reverse

from consult.models import Visit
from consult.services import CanvassError
from core.params import MAX_ID, int_param
from tests.consult.canvass.conftest import record, site  # noqa: F401 - fixture
from tests.consult.canvass.test_board import connect

HUGE = [str(2**70), "9" * 20, str(MAX_ID + 1)]


def test_int_param_takes_only_what_a_database_id_can_hold():
    assert int_param("42") == 42 and int_param(" 7 ") == 7 and int_param(str(MAX_ID)) == MAX_ID
    for value in [*HUGE, "", None, "-1", "1e3", "٣", "12a", "0x10", "1_000"]:
        assert int_param(value) is None, value


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("building", HUGE)
async def test_the_board_socket_refuses_a_huge_building_cleanly(site, building):  # noqa: F811
    communicator, connected, code = await connect(site.proposal, site.committee, f"?building={building}")
    try:
        assert not connected and code == 4400
    finally:
        await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_the_board_socket_still_serves_a_real_building(site):  # noqa: F811
    building_id = site.entrance_c.building_id
    communicator, connected, _ = await connect(site.proposal, site.committee, f"?building={building_id}")
    try:
        assert connected
        board = await communicator.receive_json_from(timeout=5)
        assert [b["label"] for b in board["buildings"]] == ["4号楼"]
    finally:
        await communicator.disconnect()


@pytest.mark.django_db
@pytest.mark.parametrize("huge", HUGE)
def test_pages_refuse_huge_numbers_in_their_addresses(site, client, huge):  # noqa: F811
    client.force_login(site.committee)
    pk = site.proposal.pk
    for url, expected in [
        (reverse("canvass_board", args=[pk]) + f"?building={huge}", {200}),
        (reverse("canvass_board_json", args=[pk]) + f"?building={huge}", {200}),
        (reverse("walk_list", args=[pk]) + f"?entrance={huge}&household={huge}", {200, 400}),
        (reverse("demands_summary", args=[pk]) + f"?building={huge}", {404}),
        (reverse("community_overview", args=[site.community.slug]) + f"?building={huge}", {404}),
    ]:
        assert client.get(url).status_code in expected, url
    for name, field in [("canvass_assignments", "assignment"), ("canvass_tags", "tag")]:
        response = client.post(reverse(name, args=[pk]), {"action": "remove", field: huge})
        assert response.status_code in (302, 404), name


@pytest.mark.django_db
@pytest.mark.parametrize("huge", [2**70, "9" * 20])
def test_a_visit_with_a_huge_tag_id_is_refused_with_a_message(site, huge):  # noqa: F811
    with pytest.raises(CanvassError):
        record(site.proposal, site.a[0], site.canvasser_a, tag_ids=[huge])
    assert not Visit.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("huge", HUGE)
def test_document_pages_refuse_huge_numbers(site, client, huge):  # noqa: F811
    client.force_login(site.committee)
    slips = reverse("document_slips", args=[site.community.slug])
    assert client.get(slips + f"?building={huge}").status_code == 404
    assert client.get(slips + f"?entrance={huge}").status_code == 404
    walk = reverse("document_walk_sheet", args=[site.proposal.pk])
    assert client.get(walk + f"?entrance={huge}").status_code == 404
