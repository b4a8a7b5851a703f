"""The resolution's content computed from the database: what it holds, the same bytes on every regeneration, a new
fingerprint whenever a counted ballot changes."""

import pytest

from lifecycle.services import proposal_publish
from resolutions import canonical as resolution
from resolutions.selectors import resolution_canonical, resolution_content
from tests.resolutions.conftest import cast, tamper
from voting.models import Ballot, Channel, Choice

pytestmark = pytest.mark.django_db


def fingerprint_of(proposal) -> str:
    return resolution.fingerprint(resolution_canonical(proposal))


def test_the_content_holds_the_result(closed):
    content = resolution.load(resolution_canonical(closed))
    assert content["proposal"]["title"] == "更换单元门"
    assert content["proposal"]["number"] == closed.number
    assert content["electorate"] == {"households": 12, "heads": 12, "area": "1200.00"}
    assert content["tally"]["participated"] == {"households": 11, "heads": 11, "area": "1100.00"}
    assert content["tally"]["agree"] == {"households": 9, "heads": 9, "area": "900.00"}
    assert content["tally"]["disagree"]["households"] == 1
    assert content["tally"]["abstain"]["households"] == 1
    assert content["tally"]["passed"] is True
    assert [check["value"] for check in content["tally"]["checks"]] == ["11/12", "11/12", "9/11", "9/11"]
    assert content["rule"]["code"] == "civil_code_ordinary"
    assert [c["ratio"] for c in content["rule"]["conditions"]] == ["2/3", "2/3", "1/2", "1/2"]
    assert content["channels"] == {"online": 9, "paper": 1, "proxy": 1}
    costs = content["costs"]
    assert (costs["total"], costs["subsidy_total"], costs["to_share"], costs["method"]) == (
        "12000.00",
        "2000.00",
        "10000.00",
        "area",
    )
    assert len(costs["shares"]) == 12 and costs["shares"]["3-5-101"] == "833.34"
    assert sum(int(amount.replace(".", "")) for amount in costs["shares"].values()) == 1_000_000  # fen
    assert [(p["name"], p["position"]) for p in content["positions"]] == [
        ("某居委会", "conditional"),
        ("某物业公司", "support"),
    ]
    assert content["ballots"] == {"seq": closed.ballot_seq, "hash": closed.ballot_hash}
    assert content["voting"]["closes_at"].endswith("Z")


def test_regenerating_gives_the_same_bytes(closed):
    first = resolution_canonical(closed)
    closed.refresh_from_db()
    assert resolution_canonical(closed) == first
    assert resolution.canonical(resolution.load(first)) == first  # loading and writing again changes nothing


def test_publishing_the_result_does_not_change_the_fingerprint(closed, committee_user):
    before = fingerprint_of(closed)
    proposal_publish(proposal=closed, by=committee_user)
    assert fingerprint_of(closed) == before


def test_every_counted_ballot_change_changes_the_fingerprint(voting, stairwell, committee_user):
    seen = {fingerprint_of(voting)}
    cast(voting, stairwell[11], Choice.AGREE, by=committee_user)  # a new ballot
    seen.add(fingerprint_of(voting))
    cast(voting, stairwell[11], Choice.DISAGREE, Channel.PAPER, by=committee_user)  # a changed ballot
    seen.add(fingerprint_of(voting))
    cast(voting, stairwell[11], Choice.DISAGREE, Channel.PAPER, by=committee_user)  # the same choice again, logged
    seen.add(fingerprint_of(voting))
    assert len(seen) == 4


def test_a_ballot_changed_behind_the_platform_changes_the_tally_section(closed):
    before = resolution.load(resolution_canonical(closed))
    tamper(Ballot.objects.get(proposal=closed, choice=Choice.DISAGREE), Choice.AGREE)
    after = resolution.load(resolution_canonical(closed))
    assert resolution.differences(before, after) == [
        "tally.agree.area",
        "tally.agree.heads",
        "tally.agree.households",
        "tally.checks",
        "tally.disagree.area",
        "tally.disagree.heads",
        "tally.disagree.households",
    ]


def test_a_proposal_without_plan_or_meetings(stairwell, community, committee_user):
    from tests.resolutions.conftest import open_proposal

    proposal = open_proposal(community, committee_user)
    content = resolution_content(proposal)
    assert content["costs"] is None and content["positions"] == []
    assert content["tally"]["participated"]["households"] == 0


def _queries(proposal) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        resolution_canonical(proposal)
    return len(context)


def test_constant_queries_whatever_the_electorate(voting, community, committee_user):
    from tests.factories import EntranceFactory, HouseholdFactory
    from tests.resolutions.conftest import with_plan_and_meeting

    small = _queries(voting)
    entrance = EntranceFactory(building__community=community, building__name="9", name="1")
    HouseholdFactory.create_batch(40, entrance=entrance)
    bigger = with_plan_and_meeting(community, committee_user, title="更换全部单元门")
    for household in bigger.electors.select_related("household")[:30]:
        cast(bigger, household.household, Choice.AGREE, by=committee_user)
    assert bigger.electorate_households == 52
    assert _queries(bigger) == small <= 12
