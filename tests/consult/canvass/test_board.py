"""The building board: its JSON (what each watcher may see, statuses, coverage, revisits, voted marks), and the live
socket through the real ASGI stack — snapshot on connect, pushes after visits and ballots, refusals, coalescing."""

import json
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config.asgi import application
from consult.selectors import BoardView, board_json, board_view_for
from consult.services import assignment_create
from proposals.models import State
from tests.consult.canvass.conftest import make_proposal, record
from voting.models import Channel
from voting.services import ballot_cast


def cells(board, building_label=None):
    """{"3-5-601": [status, voted?], ...} from a board."""
    out = {}
    for building in board["buildings"]:
        if building_label and building["label"] != building_label:
            continue
        for entrance in building["entrances"]:
            for _floor, rooms in entrance["floors"]:
                for cell in rooms:
                    key = f"{building['label'].removesuffix('号楼')}-{entrance['label'].removesuffix('单元')}-{cell[0]}"
                    out[key] = cell[1:]
    return out


# --- The JSON -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_board_shows_each_household_by_its_latest_status(site):
    record(site.proposal, site.a[0], site.canvasser_a, stance="support")
    record(site.proposal, site.a[1], site.canvasser_a, stance="oppose")
    record(site.proposal, site.a[1], site.canvasser_a, outcome="nobody_home")  # the stance still stands
    record(site.proposal, site.a[2], site.canvasser_a, stance="undecided")
    record(site.proposal, site.a[3], site.canvasser_a, stance="conditional")
    record(site.proposal, site.a[4], site.canvasser_a, outcome="nobody_home")
    record(site.proposal, site.a[5], site.canvasser_a, outcome="refused")
    due = timezone.localdate()
    record(site.proposal, site.a[6], site.canvasser_a, stance="undecided", follow_up_on=due)
    record(site.proposal, site.a[7], site.canvasser_a, stance="undecided", follow_up_on=due + timedelta(days=2))
    record(site.proposal, site.c[0], site.canvasser_b, stance="support")

    board = board_json(site.proposal)
    grid = cells(board)
    assert grid["3-5-601"] == ["s"] and grid["3-5-602"] == ["o"] and grid["3-5-501"] == ["u"]
    assert grid["3-5-502"] == ["c"] and grid["3-5-401"] == ["n"] and grid["3-5-402"] == ["r"]
    assert grid["3-5-101"] == [""] and grid["3-6-101"] == [""] and grid["4-1-201"] == ["s"]
    assert [b["label"] for b in board["buildings"]] == ["3号楼", "4号楼"]
    stairwell = board["buildings"][0]["entrances"][0]
    assert (stairwell["label"], stairwell["visited"], stairwell["total"]) == ("5单元", 8, 12)
    assert [floor for floor, _rooms in stairwell["floors"]] == [6, 5, 4, 3, 2, 1]
    assert board["counts"] == {
        "total": 18, "visited": 9, "voted": 0, "s": 2, "c": 1, "u": 3, "o": 1, "r": 1, "n": 1, "-": 9,
    }  # fmt: skip
    # Nobody home (never met), or a follow-up date that has come; not a stance heard, not a date still ahead.
    assert board["revisit"] == [["3-5-401", None], ["3-5-301", due.isoformat()]]
    assert board["revisit_total"] == 2
    gao = next(c for c in board["canvassers"] if c["name"] == "高桂兰")
    assert (gao["visits"], gao["households"], gao["reached"], gao["areas"]) == (9, 8, 6, ["3号楼5单元"])
    wang = next(c for c in board["canvassers"] if c["name"] == "网格员王")
    assert (wang["visits"], wang["reached"], wang["areas"]) == (1, 1, ["4号楼"])
    # Compact and anonymous: no owners, no phones, no household ids.
    text = json.dumps(board, ensure_ascii=False)
    for household in site.a + site.b + site.c:
        assert household.owner.name not in text and household.owner.phone not in text
    for building in board["buildings"]:
        for entrance in building["entrances"]:
            for _floor, rooms in entrance["floors"]:
                assert all(len(cell) == 2 and set(cell[1]) <= set("socunr") for cell in rooms)


@pytest.mark.django_db
def test_the_version_grows_with_every_visit(site):
    versions = [board_json(site.proposal)["version"]]
    for household in site.a[:3]:
        record(site.proposal, household, site.canvasser_a)
        versions.append(board_json(site.proposal)["version"])
    assert versions == sorted(versions) and len(set(versions)) == 4


@pytest.mark.django_db
def test_a_canvasser_sees_only_the_entrances_assigned_to_them(site):
    record(site.proposal, site.c[0], site.canvasser_b)
    mine = board_json(site.proposal, board_view_for(site.proposal, site.canvasser_a))
    assert [(b["label"], [e["label"] for e in b["entrances"]]) for b in mine["buildings"]] == [("3号楼", ["5单元"])]
    assert mine["counts"]["total"] == 12
    # Their colleague's work elsewhere is not on their board.
    assert [c["name"] for c in mine["canvassers"]] == ["高桂兰"]
    wang = board_json(site.proposal, board_view_for(site.proposal, site.canvasser_b))
    assert [b["label"] for b in wang["buildings"]] == ["4号楼"] and wang["counts"]["visited"] == 1
    everything = board_json(site.proposal, board_view_for(site.proposal, site.secretary))
    assert everything["counts"]["total"] == 18
    one = board_json(site.proposal, BoardView(None, site.entrance_c.building_id))
    assert [b["label"] for b in one["buildings"]] == ["4号楼"]


@pytest.mark.django_db
def test_board_json_over_http_follows_the_same_views(site, client_as):
    url = reverse("canvass_board_json", args=[site.proposal.pk])
    mine = client_as(site.canvasser_a).get(url).json()
    assert mine["counts"]["total"] == 12
    assert client_as(site.committee).get(url).json()["counts"]["total"] == 18
    assert client_as(site.committee).get(url, {"building": site.entrance_c.building_id}).json()["counts"]["total"] == 2
    # A canvasser asking for another building gets nothing of it.
    assert (
        client_as(site.canvasser_a).get(url, {"building": site.entrance_c.building_id}).json()["counts"]["total"] == 0
    )
    assert client_as(site.committee).get(url)["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_during_voting_households_that_voted_are_marked_and_need_no_revisit(site):
    proposal = make_proposal(site.community, site.committee, state=State.VOTING)
    assignment_create(proposal=proposal, canvasser=site.canvasser_a, entrance=site.entrance_a, by=site.committee)
    record(proposal, site.a[0], site.canvasser_a, outcome="nobody_home")
    record(proposal, site.a[1], site.canvasser_a, outcome="nobody_home")
    before = board_json(proposal)
    ballot_cast(proposal=proposal, household=site.a[0], choice="disagree", channel=Channel.ONLINE, by=site.committee)
    board = board_json(proposal)
    grid = cells(board)
    assert grid["3-5-601"] == ["n", 1] and grid["3-5-602"] == ["n"]
    assert board["counts"]["voted"] == 1 and board["voting"] is True
    assert [code for code, _date in board["revisit"]] == ["3-5-602"]
    assert board["version"] > before["version"]
    assert "disagree" not in json.dumps(board)


# --- The socket -----------------------------------------------------------------------------------------------


def session_headers(user) -> list[tuple[bytes, bytes]]:
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if user is not None:
        client = Client()
        client.force_login(user)
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    return headers


async def connect(proposal, user, query: str = ""):
    communicator = WebsocketCommunicator(
        application,
        f"/ws/proposals/{proposal.pk}/board/{query}",
        headers=await database_sync_to_async(session_headers)(user),
    )
    connected, code = await communicator.connect(timeout=5)
    return communicator, connected, code


async def visit(proposal, household, canvasser, **kwargs):
    return await database_sync_to_async(record)(proposal, household, canvasser, **kwargs)


@pytest.mark.django_db(transaction=True)
async def test_snapshot_on_connect_then_a_push_after_each_visit(site):
    communicator, connected, _ = await connect(site.proposal, site.committee)
    try:
        assert connected
        snapshot = await communicator.receive_json_from(timeout=5)
        assert snapshot == await database_sync_to_async(board_json)(site.proposal)
        assert snapshot["counts"]["visited"] == 0
        await visit(site.proposal, site.a[0], site.canvasser_a, stance="conditional")
        pushed = await communicator.receive_json_from(timeout=5)
        assert cells(pushed)["3-5-601"] == ["c"]
        assert pushed["version"] > snapshot["version"]
        await visit(site.proposal, site.c[1], site.canvasser_b, outcome="refused")
        pushed = await communicator.receive_json_from(timeout=5)
        assert cells(pushed)["4-1-101"] == ["r"] and pushed["counts"]["visited"] == 2
    finally:
        await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_ballot_marks_the_household_live(site):
    proposal = await database_sync_to_async(make_proposal)(site.community, site.committee, state=State.VOTING)
    communicator, connected, _ = await connect(proposal, site.secretary)
    try:
        assert connected
        await communicator.receive_json_from(timeout=5)
        await database_sync_to_async(ballot_cast)(
            proposal=proposal, household=site.a[0], choice="agree", channel=Channel.ONLINE, by=site.committee
        )
        pushed = await communicator.receive_json_from(timeout=5)
        assert cells(pushed)["3-5-601"] == ["", 1]
        assert "agree" not in json.dumps(pushed)
    finally:
        await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_canvasser_watches_only_their_entrances(site):
    communicator, connected, _ = await connect(site.proposal, site.canvasser_a)
    try:
        assert connected
        snapshot = await communicator.receive_json_from(timeout=5)
        assert set(cells(snapshot)) == {f"3-5-{h.room}" for h in site.a}
        # A visit elsewhere may trigger a push, but it never carries the other building.
        await visit(site.proposal, site.c[0], site.canvasser_b)
        await visit(site.proposal, site.a[0], site.canvasser_a, outcome="nobody_home")
        while True:
            pushed = await communicator.receive_json_from(timeout=5)
            assert set(cells(pushed)) == {f"3-5-{h.room}" for h in site.a}
            if cells(pushed)["3-5-601"] == ["n"]:
                break
    finally:
        await communicator.disconnect()


@pytest.mark.parametrize("who", ["anonymous", "household", "other_household", "canvasser", "other_committee"])
@pytest.mark.django_db(transaction=True)
async def test_outsiders_are_refused(actors, who):
    proposal = await database_sync_to_async(make_proposal)(actors.community, actors.users["committee"])
    # The actors' canvasser holds the role but no assignment on this proposal.
    communicator, connected, code = await connect(proposal, actors.users[who])
    try:
        assert not connected
        assert code == 4403
    finally:
        await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_burst_of_visits_is_coalesced_and_the_last_push_is_the_final_board(site, settings):
    settings.TALLY_PUSH_INTERVAL = 0.3
    communicator, connected, _ = await connect(site.proposal, site.committee)
    try:
        assert connected
        await communicator.receive_json_from(timeout=5)
        for household in site.a:
            await visit(site.proposal, household, site.canvasser_a, stance="support")
        pushes = []
        # receive_nothing waits without cancelling the consumer (a timed-out receive would).
        while not await communicator.receive_nothing(timeout=1.5):
            pushes.append(await communicator.receive_json_from(timeout=1))
        final = await database_sync_to_async(board_json)(site.proposal)
        assert pushes, "no push arrived"
        assert len(pushes) < len(site.a), f"{len(pushes)} pushes for {len(site.a)} visits"
        assert pushes[-1] == final and final["counts"]["s"] == 12
        versions = [p["version"] for p in pushes]
        assert versions == sorted(versions)
    finally:
        await communicator.disconnect()
