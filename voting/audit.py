"""Checking a proposal's ballots against their hash-chained log: what was altered, deleted or inserted."""

from django.utils.translation import gettext as _

from proposals.models import Proposal
from voting import engine
from voting.chain import event_hash
from voting.models import Ballot, BallotEvent
from voting.selectors import tally_outcome


def ballots_verify(proposal: Proposal) -> list[str]:
    """Every inconsistency between the ballot log, the ballots table and the tally; empty when intact."""
    problems: list[str] = []
    labels = dict(proposal.electors.values_list("household_id", "label"))
    prev_hash, expected_seq = "", 1
    replayed: dict[int, tuple[str, int]] = {}
    for event in BallotEvent.objects.filter(proposal=proposal).order_by("seq").iterator(chunk_size=5000):
        where = labels.get(event.household_id, f"#{event.household_id}")
        if event.seq != expected_seq:
            problems.append(
                _("Log entries %(first)s–%(last)s are missing (deleted).")
                % {"first": expected_seq, "last": event.seq - 1}
            )
        if event.prev_hash != prev_hash:
            problems.append(_("Log entry %(seq)s does not follow the entry before it.") % {"seq": event.seq})
        digest = event_hash(
            proposal_id=event.proposal_id,
            seq=event.seq,
            household_id=event.household_id,
            old_choice=event.old_choice,
            new_choice=event.new_choice,
            channel=event.channel,
            by_id=event.by_id,
            proxy_name=event.proxy_name,
            at=event.at,
            prev_hash=event.prev_hash,
        )
        if digest != event.hash:
            problems.append(_("Log entry %(seq)s (%(where)s) was altered.") % {"seq": event.seq, "where": where})
        previous = replayed.get(event.household_id, ("", 0))[0]
        if event.old_choice != previous:
            problems.append(
                _("Log entry %(seq)s (%(where)s) starts from a choice the log never recorded.")
                % {"seq": event.seq, "where": where}
            )
        replayed[event.household_id] = (event.new_choice, event.seq)
        prev_hash, expected_seq = event.hash, event.seq + 1
    if expected_seq - 1 != proposal.ballot_seq or prev_hash != proposal.ballot_hash:
        problems.append(
            _("The log ends at entry %(found)s but the proposal recorded %(expected)s entries.")
            % {"found": expected_seq - 1, "expected": proposal.ballot_seq}
        )

    ballots = {
        b.household_id: b for b in Ballot.objects.filter(proposal=proposal).only("household_id", "choice", "seq")
    }
    for household_id, ballot in ballots.items():
        where = labels.get(household_id, f"#{household_id}")
        if household_id not in replayed:
            problems.append(_("The ballot of %(where)s is not in the log (inserted).") % {"where": where})
        elif (ballot.choice, ballot.seq) != replayed[household_id]:
            problems.append(_("The ballot of %(where)s differs from the log (altered).") % {"where": where})
    for household_id in replayed.keys() - ballots.keys():
        where = labels.get(household_id, f"#{household_id}")
        problems.append(_("The ballot of %(where)s is in the log but missing (deleted).") % {"where": where})

    electors = list(proposal.electors.values_list("household_id", "area", "head"))
    voters = [engine.Voter(key=str(h), area=area, owner=head) for h, area, head in electors]
    try:
        from_log = engine.evaluate(
            engine.RULES[proposal.rule], voters, {str(h): choice for h, (choice, _seq) in replayed.items()}
        )
    except ValueError as error:
        problems.append(_("The log cannot be counted: %(error)s") % {"error": error})
    else:
        if from_log != tally_outcome(proposal, cached=False):
            problems.append(_("The tally differs from a recount of the log."))
    return problems
