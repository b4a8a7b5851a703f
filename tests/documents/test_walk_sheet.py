"""Walk sheets: one entrance, top floor first, owners with masked phones, the last visit, blank columns;
canvassers print only the entrances they are assigned."""

from datetime import timedelta

import pytest
from django.utils import timezone

from community.models import Role
from consult.models import Assignment, Visit
from tests.documents.conftest import pdf_lines, pdf_text
from tests.factories import EntranceFactory, HouseholdFactory, RoleFactory

pytestmark = pytest.mark.django_db


def url(proposal, entrance=None):
    return f"/proposals/{proposal.pk}/documents/walk-sheet.pdf" + (f"?entrance={entrance.pk}" if entrance else "")


def visit(proposal, household, by, *, outcome="met", stance="", days_ago=0, key=""):
    return Visit.objects.create(
        proposal=proposal,
        household=household,
        canvasser=by,
        outcome=outcome,
        stance=stance,
        visited_at=timezone.now() - timedelta(days=days_ago),
        idempotency_key=key or f"{household.pk}-{days_ago}-{outcome}",
    )


def test_the_sheet_lists_rooms_top_floor_first_with_masked_phones_and_the_last_visit(
    client_as, proposal, stairwell, committee_user
):
    entrance = stairwell[0].entrance
    visit(proposal, stairwell[9], committee_user, stance="oppose", days_ago=3)
    visit(proposal, stairwell[9], committee_user, stance="support", days_ago=1)  # the latest counts
    visit(proposal, stairwell[0], committee_user, outcome="nobody_home")
    response = client_as(committee_user).get(url(proposal, entrance))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    lines = pdf_lines(response.content)
    text = "\n".join(lines)
    assert "入户走访表 · 3号楼5单元" in text
    for heading in ("房号", "业主", "电话", "上次走访", "态度", "签名", "备注"):
        assert heading in text
    rooms = [line.split()[0] for line in lines if line.split()[0].isdigit() and len(line.split()[0]) == 3]
    assert rooms == [f"{floor}0{r}" for floor in range(6, 0, -1) for r in (1, 2)]
    row = next(line for line in lines if line.startswith("502 "))
    owner = stairwell[9].owner
    assert owner.name in row
    assert f"{owner.phone[:3]}****{owner.phone[7:]}" in row
    assert owner.phone not in text
    # The last stance (support, not the earlier oppose), then the boxes to tick (which name every stance).
    untouched = next(line for line in lines if line.startswith("602 "))
    assert row.count("支持") == untouched.count("支持") + 1
    assert row.count("反对") == untouched.count("反对")
    assert timezone.localtime(timezone.now() - timedelta(days=1)).strftime("%m-%d") in row
    row_101 = next(line for line in lines if line.startswith("101 "))
    assert "无人在家" in row_101 or "nobody" in row_101.lower()
    assert "共 12 户" in text
    assert "第 1 页 / 共" in text


def test_the_chooser_lists_the_entrances_in_scope(client_as, proposal, stairwell, committee_user):
    response = client_as(committee_user).get(url(proposal))
    assert response.status_code == 200
    assert f"?entrance={stairwell[0].entrance_id}" in response.content.decode()


def test_a_canvasser_prints_only_assigned_entrances(client_as, community, proposal, stairwell, committee_user):
    other_entrance = EntranceFactory(building=stairwell[0].entrance.building, name="6")
    HouseholdFactory(entrance=other_entrance, room="101", floor=1)
    canvasser = RoleFactory(community=community, kind=Role.Kind.CANVASSER).user
    Assignment.objects.create(
        proposal=proposal, canvasser=canvasser, entrance=other_entrance, assigned_by=committee_user
    )
    client = client_as(canvasser)
    chooser = client.get(url(proposal)).content.decode()
    assert f"?entrance={other_entrance.pk}" in chooser
    assert f"?entrance={stairwell[0].entrance_id}" not in chooser
    assert client.get(url(proposal, stairwell[0].entrance)).status_code == 403
    response = client.get(url(proposal, other_entrance))
    assert response.status_code == 200
    assert "3号楼6单元" in pdf_text(response.content)


def test_a_building_assignment_covers_its_entrances(client_as, community, proposal, stairwell, committee_user):
    canvasser = RoleFactory(community=community, kind=Role.Kind.CANVASSER).user
    building = stairwell[0].entrance.building
    Assignment.objects.create(proposal=proposal, canvasser=canvasser, building=building, assigned_by=committee_user)
    assert client_as(canvasser).get(url(proposal, stairwell[0].entrance)).status_code == 200


def test_an_unknown_entrance_is_not_found(client_as, proposal, committee_user, actors):
    assert client_as(committee_user).get(url(proposal, actors.household_obj.entrance)).status_code == 404
