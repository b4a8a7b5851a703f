"""Checking an election's ballots against their MAC-chained log (meetings.models.ElectionEvent), as voting.audit does
for a proposal's: the frozen electorate the chain started from, every entry, the table of ballots and approvals, and
— against a head read off paper — whether the log was cut short."""

from django.utils.translation import gettext as _

from meetings.ballots import NO_BALLOT, election_ballot_text
from meetings.models import Election, ElectionBallot, ElectionEvent, MeetingElector
from voting.audit import Entry, ballots_match_log, chain_replay, verified_under
from voting.chain import election_event_mac, electorate_mac
from voting.keys import chain_keys


def election_verify(election: Election, *, head: tuple[int, str] | None = None) -> list[str]:
    """Every inconsistency between the election's log, the meeting's frozen electorate and its ballots; empty when
    intact. `head`: (sequence number, MAC) printed on the meeting's resolution, which the log must contain."""
    problems: list[str] = []
    keys = chain_keys()
    electors = list(
        MeetingElector.objects.filter(meeting_id=election.item.meeting_id).values_list(
            "household_id", "head", "area", "label"
        )
    )
    labels = {household_id: label for household_id, _head, _area, label in electors}
    events = ElectionEvent.objects.filter(election=election).order_by("seq")
    first = events.values_list("prev_hash", flat=True).first()
    genesis = election.ballot_hash if first is None else first
    frozen = [(household_id, head_key, area) for household_id, head_key, area, _label in electors]
    if (
        verified_under(
            keys, genesis, lambda k: electorate_mac(key=k, proposal_id=election.pk, electors=frozen, kind="election")
        )
        is None
    ):
        problems.append(
            _("The frozen electorate (a household, its owner or its area) was altered after voting opened.")
        )
    rows = events.values_list(
        "seq", "household_id", "old", "new", "channel", "by_id", "proxy_name", "at", "prev_hash", "hash"
    )

    def entries():
        for seq, household_id, old, new, channel, by_id, proxy_name, at, prev, mac in rows.iterator(chunk_size=5000):
            fields = {
                "election_id": election.pk,
                "seq": seq,
                "household_id": household_id,
                "old": old,
                "new": new,
                "channel": channel,
                "by_id": by_id,
                "proxy_name": proxy_name,
                "at": at,
                "prev_hash": prev,
            }
            yield Entry(
                seq, household_id, old, new, prev, mac, lambda k, fields=fields: election_event_mac(key=k, **fields)
            )

    replayed = chain_replay(
        entries(),
        genesis=genesis,
        keys=keys,
        labels=labels,
        recorded=(election.ballot_seq, election.ballot_hash),
        head=head,
        problems=problems,
        nothing=NO_BALLOT,
    )
    ballots = {
        ballot.household_id: (election_ballot_text(ballot), ballot.seq)
        for ballot in ElectionBallot.objects.filter(election=election).prefetch_related("approvals")
    }
    ballots_match_log(ballots, replayed, labels=labels, problems=problems, nothing=NO_BALLOT)
    return problems
