"""Attacks on the public verification page by someone with write access to the database and a copy of the code, but
not the server's secrets: every forgery must end in "the record has been altered", never in "record intact"."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from community.models import Household
from proposals.models import Proposal
from resolutions import tasks
from resolutions.canonical import fingerprint as sha
from resolutions.models import Resolution
from resolutions.selectors import resolution_canonical
from resolutions.services import resolution_sign
from resolutions.views import VERIFY_PER_CLIENT
from tests.resolutions.conftest import PASSWORD, pdf_text
from voting.audit import ballots_verify
from voting.chain import electorate_mac, event_mac, parse_head
from voting.models import Ballot, BallotEvent, Choice, Elector

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(closed, committee_user, second_member):
    resolution_sign(proposal=closed, user=committee_user, password=PASSWORD)
    resolution_sign(proposal=closed, user=second_member, password=PASSWORD)
    return closed.resolution


# The attacker has the code and the database, not the server's environment: their best guess at the key.
GUESSED_KEY = b"dev-only-insecure-key-do-not-use-in-production-9f3b:ballot-chain"


def rewrite_chain(proposal: Proposal, key: bytes = GUESSED_KEY) -> None:
    """What an attacker with the code does after editing ballots, log entries or the electorate: recompute the chain
    with the code's own functions under the key they can guess, and move the proposal's chain head."""
    electors = proposal.electors.values_list("household_id", "head", "area")
    prev = electorate_mac(key=key, proposal_id=proposal.pk, electors=electors)
    for event in BallotEvent.objects.filter(proposal=proposal).order_by("seq"):
        event.prev_hash = prev
        event.hash = event_mac(
            key=key,
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


# --- The ballot log against someone who can write to the database but lacks the key ---------------------------------


def test_a_chain_rewritten_without_the_key_is_caught(signed):
    flip_a_disagreeing_ballot(signed.proposal)
    problems = ballots_verify(Proposal.objects.get(pk=signed.proposal_id))
    # Every rewritten entry fails its MAC (today's main, with an unkeyed chain, found nothing to say here).
    assert any("已被篡改" in p for p in problems), problems


def test_a_truncated_log_is_caught_against_the_printed_head(signed):
    proposal = Proposal.objects.get(pk=signed.proposal_id)
    printed = f"{proposal.ballot_seq}:{proposal.ballot_hash}"
    # The last vote erased: its log entry and its ballot deleted, the head moved back to the entry before.
    last = BallotEvent.objects.filter(proposal=proposal).order_by("-seq").first()
    before = BallotEvent.objects.get(proposal=proposal, seq=last.seq - 1)
    BallotEvent.objects.filter(pk=last.pk).delete()
    if last.old_choice:
        Ballot.objects.filter(proposal=proposal, household_id=last.household_id).update(
            choice=last.old_choice,
            seq=BallotEvent.objects.filter(proposal=proposal, household_id=last.household_id)
            .order_by("-seq")
            .values("seq")[:1],
        )
    else:
        Ballot.objects.filter(proposal=proposal, household_id=last.household_id).delete()
    Proposal.objects.filter(pk=proposal.pk).update(ballot_seq=before.seq, ballot_hash=before.hash)

    with pytest.raises(CommandError):
        call_command("verify_ballots", str(proposal.pk), "--head", printed, stderr=StringIO(), stdout=StringIO())
    problems = ballots_verify(Proposal.objects.get(pk=proposal.pk), head=parse_head(printed))
    assert any(f"第{last.seq}条" in p for p in problems), problems


def test_the_printed_head_of_an_intact_log_verifies(signed):
    proposal = Proposal.objects.get(pk=signed.proposal_id)
    out = StringIO()
    call_command(
        "verify_ballots", str(proposal.pk), "--head", f"{proposal.ballot_seq}:{proposal.ballot_hash}", stdout=out
    )
    assert out.getvalue().startswith("OK:")


def test_a_consistent_edit_of_the_frozen_electorate_is_caught(signed):
    proposal = Proposal.objects.get(pk=signed.proposal_id)
    elector = proposal.electors.first()
    # A flat's area ×10 everywhere it is written: the roster, the electorate, its ballot and the proposal's totals.
    Household.objects.filter(pk=elector.household_id).update(area=F("area") * 10)
    Elector.objects.filter(pk=elector.pk).update(area=F("area") * 10)
    Ballot.objects.filter(proposal=proposal, household_id=elector.household_id).update(area=F("area") * 10)
    Proposal.objects.filter(pk=proposal.pk).update(electorate_area=F("electorate_area") + elector.area * 9)
    problems = ballots_verify(Proposal.objects.get(pk=proposal.pk))
    assert any("表决人名单" in p for p in problems), problems


def test_the_resolution_pdf_prints_the_chain_head(client_as, signed, committee_user):
    proposal = Proposal.objects.get(pk=signed.proposal_id)
    response = client_as(committee_user).get(f"/proposals/{proposal.pk}/resolution.pdf")
    text = "".join(pdf_text(response.content).split())
    assert f"{proposal.ballot_seq}:{proposal.ballot_hash}" in text


def test_the_scheduled_check_catches_an_edit_that_left_the_log_head_alone(client, signed):
    """The page answers from a check cached by the log's head; an edit behind the platform's back that does not move
    the head is caught by the job that checks recent resolutions again every few minutes."""
    assert verdict(client, signed.fingerprint) == "intact"  # now cached
    ballot = Ballot.objects.filter(proposal=signed.proposal, choice=Choice.DISAGREE).first()
    Ballot.objects.filter(pk=ballot.pk).update(choice=Choice.AGREE)
    tasks.resolution_checks_refresh_task.call_local()
    assert verdict(client, signed.fingerprint) == "altered"
