"""Checking a proposal's ballots against their MAC-chained log (voting/chain.py): what was altered, deleted or
inserted, whether the frozen electorate is the one the chain started from, and — against a head read off paper —
whether the log was cut short."""

import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from proposals.models import Proposal
from voting import engine
from voting.chain import electorate_mac, event_mac
from voting.keys import chain_keys
from voting.models import Ballot, BallotEvent
from voting.selectors import tally_outcome


def verified_under(keys: list[bytes], expected: str, mac) -> bytes | None:
    """The first of `keys` under which `mac(key)` gives `expected` (the key that matched last goes first)."""
    for key in keys:
        if hmac.compare_digest(mac(key), expected):
            keys.remove(key)
            keys.insert(0, key)
            return key
    return None


@dataclass(frozen=True)
class Entry:
    """One entry of a hash-chained ballot log as chain_replay reads it: `old` and `new` the household's ballot
    before and after it, as the log writes ballots; `mac(key)` the MAC its content should have under `key`."""

    seq: int
    household_id: int
    old: str
    new: str
    prev_hash: str
    hash: str
    mac: Callable[[bytes], str]


def chain_replay(
    entries: Iterable[Entry],
    *,
    genesis: str,
    keys: list[bytes],
    labels: dict[int, str],
    recorded: tuple[int, str],
    head: tuple[int, str] | None,
    problems: list[str],
    nothing: str = "",
) -> dict[int, tuple[str, int]]:
    """Replay a ballot log (a proposal's or an election's) from its genesis MAC: every entry follows the one before,
    none is missing, each MAC verifies, each starts from what the log last recorded for its household (`nothing`
    before its first entry), the log ends at the `recorded` head (sequence number, MAC) and holds the `head` printed
    on paper. Appends what is wrong to `problems`; returns each household's last ballot in the log, with its
    sequence number."""
    prev_hash, expected_seq = genesis, 1
    printed_mac = genesis if head and head[0] == 0 else None  # the log's MAC at the printed sequence number
    replayed: dict[int, tuple[str, int]] = {}
    for entry in entries:
        seq, where = entry.seq, labels.get(entry.household_id, f"#{entry.household_id}")
        if seq != expected_seq:
            problems.append(
                _("Log entries %(first)s–%(last)s are missing (deleted).") % {"first": expected_seq, "last": seq - 1}
            )
        if entry.prev_hash != prev_hash:
            problems.append(_("Log entry %(seq)s does not follow the entry before it.") % {"seq": seq})
        if verified_under(keys, entry.hash, entry.mac) is None:
            problems.append(_("Log entry %(seq)s (%(where)s) was altered.") % {"seq": seq, "where": where})
        if entry.old != replayed.get(entry.household_id, (nothing, 0))[0]:
            problems.append(
                _("Log entry %(seq)s (%(where)s) starts from a choice the log never recorded.")
                % {"seq": seq, "where": where}
            )
        replayed[entry.household_id] = (entry.new, seq)
        if head and seq == head[0]:
            printed_mac = entry.hash
        prev_hash, expected_seq = entry.hash, seq + 1
    if expected_seq - 1 != recorded[0] or prev_hash != recorded[1]:
        problems.append(
            _("The log ends at entry %(found)s but %(expected)s entries were recorded.")
            % {"found": expected_seq - 1, "expected": recorded[0]}
        )
    if head is not None and printed_mac is None:
        problems.append(
            _("The printed head is entry %(printed)s but the log ends at entry %(found)s: entries were cut off.")
            % {"printed": head[0], "found": expected_seq - 1}
        )
    elif head is not None and not hmac.compare_digest(printed_mac, head[1]):
        problems.append(
            _("Entry %(printed)s of the log is not the one printed on paper: the log was rewritten.")
            % {"printed": head[0]}
        )
    return replayed


def ballots_match_log(
    ballots: dict[int, tuple[str, int]],
    replayed: dict[int, tuple[str, int]],
    *,
    labels: dict[int, str],
    problems: list[str],
    nothing: str = "",
) -> dict[int, tuple[str, int]]:
    """Compare the ballots table (household → (ballot as the log writes it, sequence number)) with the log's last
    word for each household (chain_replay): inserted, altered and deleted ballots are appended to `problems`.
    Returns the households the log leaves with a ballot (`nothing`: the log's word for no ballot)."""
    for household_id, ballot in ballots.items():
        where = labels.get(household_id, f"#{household_id}")
        if household_id not in replayed:
            problems.append(_("The ballot of %(where)s is not in the log (inserted).") % {"where": where})
        elif ballot != replayed[household_id]:
            problems.append(_("The ballot of %(where)s differs from the log (altered).") % {"where": where})
    with_ballot = {household_id: last for household_id, last in replayed.items() if last[0] != nothing}
    for household_id in with_ballot.keys() - ballots.keys():
        where = labels.get(household_id, f"#{household_id}")
        problems.append(_("The ballot of %(where)s is in the log but missing (deleted).") % {"where": where})
    return with_ballot


def ballots_verify(proposal: Proposal, *, head: tuple[int, str] | None = None) -> list[str]:
    """Every inconsistency between the ballot log, the electorate, the ballots table and the tally; empty when
    intact. `head`: (sequence number, MAC) read off a printed resolution or notice, which the log must contain."""
    problems: list[str] = []
    keys = chain_keys()
    electors = list(proposal.electors.values_list("household_id", "head", "area", "label"))
    labels = {household_id: label for household_id, _head, _area, label in electors}
    events = BallotEvent.objects.filter(proposal=proposal).order_by("seq")
    first = events.values_list("prev_hash", flat=True).first()
    genesis = proposal.ballot_hash if first is None else first
    frozen = [(household_id, head_key, area) for household_id, head_key, area, _label in electors]
    if verified_under(keys, genesis, lambda k: electorate_mac(key=k, proposal_id=proposal.pk, electors=frozen)) is None:
        problems.append(
            _("The frozen electorate (a household, its owner or its area) was altered after voting opened.")
        )
    # Plain rows, not model instances: a 50,000-entry log is replayed on the public verification page.
    rows = events.values_list(
        "seq",
        "household_id",
        "old_choice",
        "new_choice",
        "channel",
        "by_id",
        "proxy_name",
        "at",
        "prev_hash",
        "hash",
        "undoes",
    )

    def entries():
        for seq, household_id, old, new, channel, by_id, proxy_name, at, prev, mac, undoes in rows.iterator(
            chunk_size=5000
        ):
            fields = {
                "proposal_id": proposal.pk,
                "seq": seq,
                "household_id": household_id,
                "old_choice": old,
                "new_choice": new,
                "channel": channel,
                "by_id": by_id,
                "proxy_name": proxy_name,
                "at": at,
                "prev_hash": prev,
                "undoes": undoes,
            }
            yield Entry(seq, household_id, old, new, prev, mac, lambda k, fields=fields: event_mac(key=k, **fields))

    replayed = chain_replay(
        entries(),
        genesis=genesis,
        keys=keys,
        labels=labels,
        recorded=(proposal.ballot_seq, proposal.ballot_hash),
        head=head,
        problems=problems,
    )

    ballots = {
        household_id: (choice, seq)
        for household_id, choice, seq in Ballot.objects.filter(proposal=proposal).values_list(
            "household_id", "choice", "seq"
        )
    }
    replayed = ballots_match_log(ballots, replayed, labels=labels, problems=problems)

    voters = [engine.Voter(key=str(h), area=area, owner=head_key) for h, head_key, area, _label in electors]
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
