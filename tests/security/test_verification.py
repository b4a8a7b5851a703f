"""Attacks on the public verification page by someone with write access to the database and a copy of the code, but
not the server's secrets: every forgery must end in "the record has been altered", never in "record intact"."""

import pytest

from proposals.models import Proposal
from resolutions.canonical import fingerprint as sha
from resolutions.models import Resolution
from resolutions.selectors import resolution_canonical
from resolutions.services import resolution_sign
from resolutions.views import VERIFY_PER_CLIENT
from tests.resolutions.conftest import PASSWORD
from voting.chain import event_hash
from voting.models import Ballot, BallotEvent, Choice

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(closed, committee_user, second_member):
    resolution_sign(proposal=closed, user=committee_user, password=PASSWORD, role="chair")
    resolution_sign(proposal=closed, user=second_member, password=PASSWORD)
    return closed.resolution


def rewrite_chain(proposal: Proposal) -> None:
    """What an attacker with the code does after editing ballots and log entries: recompute every entry's hash with
    the code's own function (they have no server secret to give it) and move the proposal's chain head."""
    prev = ""
    for event in BallotEvent.objects.filter(proposal=proposal).order_by("seq"):
        event.prev_hash = prev
        event.hash = event_hash(
            proposal_id=event.proposal_id,
            seq=event.seq,
            household_id=event.household_id,
            old_choice=event.old_choice,
            new_choice=event.new_choice,
            channel=event.channel,
            by_id=event.by_id,
            proxy_name=event.proxy_name,
            at=event.at,
            prev_hash=prev,
        )
        BallotEvent.objects.filter(pk=event.pk).update(prev_hash=event.prev_hash, hash=event.hash)
        prev = event.hash
    Proposal.objects.filter(pk=proposal.pk).update(ballot_hash=prev)


def flip_a_disagreeing_ballot(proposal: Proposal) -> None:
    ballot = Ballot.objects.get(proposal=proposal, choice=Choice.DISAGREE)
    Ballot.objects.filter(pk=ballot.pk).update(choice=Choice.AGREE)
    BallotEvent.objects.filter(proposal=proposal, household_id=ballot.household_id, new_choice=Choice.DISAGREE).update(
        new_choice=Choice.AGREE
    )
    rewrite_chain(proposal)


def verdict(client, fingerprint: str) -> str:
    html = client.get(f"/verify/{fingerprint}").content.decode()
    if "记录完好" in html:
        return "intact"
    if "记录已被改动" in html:
        return "altered"
    return "not found"


def test_a_consistent_forgery_of_ballots_log_and_stored_record_is_caught(client, signed):
    fingerprint = signed.fingerprint
    flip_a_disagreeing_ballot(signed.proposal)
    # The stored signed copy rewritten to match the forged ballots; the printed fingerprint kept so the QR still works.
    forged = resolution_canonical(Proposal.objects.get(pk=signed.proposal_id))
    Resolution.objects.filter(pk=signed.pk).update(content=forged)

    assert verdict(client, fingerprint) == "altered"
    html = client.get(f"/verify/{fingerprint}").content.decode()
    assert "不可采信" in html  # the page says the table shown is what the records say now, not what was signed


def test_replacing_the_stored_fingerprint_too_leaves_the_printed_one_unknown(client, signed):
    printed = signed.fingerprint
    flip_a_disagreeing_ballot(signed.proposal)
    forged = resolution_canonical(Proposal.objects.get(pk=signed.proposal_id))
    Resolution.objects.filter(pk=signed.pk).update(content=forged, fingerprint=sha(forged))
    assert verdict(client, printed) == "not found"  # what the paper points at no longer exists: not "intact"


def test_an_untouched_record_is_intact_and_the_check_is_cached_by_the_log_head(
    client, signed, django_assert_max_num_queries
):
    assert verdict(client, signed.fingerprint) == "intact"
    # Again: the check comes from the cache, so the page does not rebuild the record or replay the log.
    with django_assert_max_num_queries(8):
        assert verdict(client, signed.fingerprint) == "intact"


def test_the_public_check_is_throttled_per_client(client, signed, settings):
    for _ in range(VERIFY_PER_CLIENT.max_hits):
        assert client.get(f"/verify/{signed.fingerprint}").status_code == 200
    assert client.get(f"/verify/{signed.fingerprint}").status_code == 429
