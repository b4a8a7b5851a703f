"""A meeting's live tally: every matter's and every election's counts in ONE aggregate query, decided by the engine.

The counts are one UNION of grouped aggregates over the meeting's rows — each matter's ballots by (proposal, choice),
each election's ballots (those taking part), each candidate's approvals — with the chain heads (ballot_seq) of the
matters and elections read in the same statement, so the counts and their version come from one snapshot. Heads are
counted as voting's tally counts them (voting.selectors.head_count). The agenda, with the meeting's state and the
version, is read first (one query): the counts are cached under that version, like a proposal's tally.
"""

from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, DecimalField, F, IntegerField, Sum, Value

from meetings.models import AgendaItem, Candidate, Election, ElectionBallot, Meeting, MeetingState
from meetings.selectors import meeting_status
from proposals.models import Proposal
from voting import engine
from voting.models import Ballot
from voting.selectors import (
    NOBODY,
    TALLY_CACHE_SECONDS,
    count_json,
    exact_area,
    head_count,
    tally_dict,
    tally_groups,
)

# The kind of each row of the counts query.
MATTER, TAKING_PART, CANDIDATE, MATTER_SEQ, ELECTION_SEQ = "m", "p", "c", "s", "e"
_COLUMNS = ("row_kind", "row_item", "row_key", "row_order", "row_label", "row_households", "row_heads", "row_area")


def _row(queryset, kind: str):
    """One part of the UNION: its columns completed with constants, in _COLUMNS order."""
    constants = {
        "row_kind": Value(kind),
        "row_key": Value(0, output_field=IntegerField()),
        "row_order": Value(0, output_field=IntegerField()),
        "row_label": Value(""),
        "row_households": Value(0, output_field=IntegerField()),
        "row_heads": Value(0, output_field=IntegerField()),
        "row_area": Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2)),
    }
    missing = {name: value for name, value in constants.items() if name not in queryset.query.annotations}
    return queryset.order_by().annotate(**missing).values_list(*_COLUMNS)


def counts_query(matter_ids: list[int], election_ids: list[int]):
    """The meeting's counts as one SQL statement (a UNION ALL of five parts); what the bench times."""
    matters = (
        Ballot.objects.filter(proposal_id__in=matter_ids)
        .values(row_item=F("proposal_id"), row_label=F("choice"))
        .annotate(row_households=Count("id"), row_heads=head_count(), row_area=Sum("area"))
        .order_by()
    )
    taking_part = (
        ElectionBallot.objects.filter(election_id__in=election_ids)
        .values(row_item=F("election_id"))
        .annotate(row_households=Count("id"), row_heads=head_count(), row_area=Sum("area"))
        .order_by()
    )
    # Candidates nobody agrees with are rows too (LEFT JOIN): their names and order come with the counts.
    candidates = (
        Candidate.objects.filter(election_id__in=election_ids)
        .values(row_item=F("election_id"), row_key=F("pk"), row_order=F("position"), row_label=F("name"))
        .annotate(
            row_households=Count("approvals__id"), row_heads=head_count("approvals__"), row_area=Sum("approvals__area")
        )
        .order_by()
    )
    matter_seq = Proposal.objects.filter(pk__in=matter_ids).values(row_item=F("pk"), row_households=F("ballot_seq"))
    election_seq = Election.objects.filter(pk__in=election_ids).values(row_item=F("pk"), row_households=F("ballot_seq"))
    parts = [
        _row(matters, MATTER),
        _row(taking_part, TAKING_PART),
        _row(candidates, CANDIDATE),
        _row(matter_seq, MATTER_SEQ),
        _row(election_seq, ELECTION_SEQ),
    ]
    return parts[0].union(*parts[1:], all=True)


def _counts(matter_ids: list[int], election_ids: list[int]) -> list[tuple]:
    return [
        (kind, item, key, position, label, households, heads, exact_area(area))
        for kind, item, key, position, label, households, heads, area in counts_query(matter_ids, election_ids)
    ]


def _agenda(meeting_id: int) -> tuple[Meeting, list[AgendaItem]]:
    """The meeting (as the database has it now) and its agenda with each matter's proposal and each election. One
    query (two for a meeting without an agenda)."""
    items = list(
        AgendaItem.objects.filter(meeting_id=meeting_id)
        .select_related("meeting", "proposal", "election")
        .order_by("position")
    )
    meeting = items[0].meeting if items else Meeting.objects.get(pk=meeting_id)
    return meeting, items


def _version(items: list[AgendaItem]) -> int:
    """The sum of the matters' and the elections' chain heads: every ballot written moves one of them on."""
    return sum(item.proposal.ballot_seq if item.proposal_id else item.election.ballot_seq for item in items)


def meeting_markers(meeting_ids: list[int]) -> dict[int, tuple]:
    """The (version, state) of each meeting in one query: what the live resync compares with what was pushed."""
    rows = (
        Meeting.objects.filter(pk__in=meeting_ids)
        .annotate(matter_seq=Sum("items__proposal__ballot_seq"), election_seq=Sum("items__election__ballot_seq"))
        .values_list("pk", "matter_seq", "election_seq", "state")
    )
    return {pk: ((matter_seq or 0) + (election_seq or 0), state) for pk, matter_seq, election_seq, state in rows}


def meeting_tally_marked(meeting_id: int) -> tuple[dict, tuple]:
    """The meeting's tally (meeting_tally_json) and the marker (version, state) it was read at. Two queries: the
    agenda, and the counts unless they are cached under this version (once the notice is published)."""
    meeting, items = _agenda(meeting_id)
    matter_ids = [item.proposal_id for item in items if item.proposal_id]
    election_ids = [item.election.pk for item in items if not item.proposal_id]
    marker = (_version(items), meeting.state)
    # The rows hold the candidates' names too: a draft's may still change without a ballot, so it is not cached.
    cached = meeting.state != MeetingState.DRAFT
    key = f"meetings:tally:{meeting.pk}:{marker[0]}:{meeting.state}"
    rows = cache.get(key) if cached else None
    if rows is None:
        rows = _counts(matter_ids, election_ids)
        if cached:
            cache.set(key, rows, TALLY_CACHE_SECONDS)
    return _json(meeting, items, rows), marker


def meeting_tally_json(meeting: Meeting) -> dict:
    """The meeting's tally as tally.json and the socket serve it: totals only, never who voted how.

    {"meeting", "state", "open", "closes_at", "version", "matters": [voting.selectors.tally_json's dict of each
    matter, in agenda order], "elections": [{"election", "title", "seats", "alternates", "rule", "electorate",
    "participated", "candidates": [{"candidate", "name", "agree", "qualified", "rank"}], "elected", "tied",
    "next"}]}: an election as engine.elect_counts decides it from these counts, projected while voting is open.
    """
    return meeting_tally_marked(meeting.pk)[0]


def _json(meeting: Meeting, items: list[AgendaItem], rows: list[tuple]) -> dict:
    choices: dict[int, dict[str, engine.Count]] = {}
    taking_part: dict[int, engine.Count] = {}
    candidates: dict[int, list[tuple]] = {}
    seqs: dict[tuple[str, int], int] = {}
    for kind, item, key, position, label, households, heads, area in rows:
        count = engine.Count(households, heads, area)
        if kind == MATTER:
            choices.setdefault(item, {})[label] = count
        elif kind == TAKING_PART:
            taking_part[item] = count
        elif kind == CANDIDATE:
            candidates.setdefault(item, []).append((position, key, label, count))
        else:
            seqs[(kind, item)] = households
    status = meeting_status(meeting)
    matters, elections = [], []
    for item in items:
        if item.proposal_id:
            proposal = item.proposal
            version = seqs.get((MATTER_SEQ, proposal.pk), proposal.ballot_seq)
            matters.append(tally_dict(proposal, version, tally_groups(proposal, choices.get(proposal.pk, {}))))
        else:
            elections.append(_election_json(meeting, item.election, taking_part, candidates))
    version = sum(seqs.values()) if seqs else _version(items)
    return {
        "meeting": meeting.pk,
        # Once the window has ended no ballot can change the result: it reads as closed before the scheduled job
        # has closed the meeting (as a proposal's tally does).
        "state": "closed" if status == Proposal.ENDED else meeting.state,
        "open": status == Proposal.OPEN,
        "closes_at": meeting.voting_closes_at.isoformat(),
        "version": version,
        "matters": matters,
        "elections": elections,
    }


def _election_json(meeting: Meeting, election, taking_part: dict, candidates: dict) -> dict:
    electorate = engine.Count(
        meeting.electorate_households, meeting.electorate_heads, Decimal(meeting.electorate_area or 0)
    )
    participated = taking_part.get(election.pk, NOBODY)
    listed = sorted(candidates.get(election.pk, []))
    keys = [str(pk) for _position, pk, _name, _count in listed]
    agree = {str(pk): count for _position, pk, _name, count in listed}
    result = engine.elect_counts(election.engine_rule, electorate, participated, agree, keys, election.seats)
    rank = {key: number for number, key in enumerate(result.ranking, start=1)}
    return {
        "election": election.pk,
        "title": election.title,
        "seats": election.seats,
        "alternates": election.alternates,
        "rule": election.rule,
        "electorate": count_json(electorate),
        "participated": count_json(participated),
        "candidates": [
            {
                "candidate": pk,
                "name": name,
                "agree": count_json(count),
                "qualified": result.results[str(pk)].passed,
                "rank": rank.get(str(pk)),
            }
            for _position, pk, name, count in listed
        ],
        "elected": [int(key) for key in result.elected],
        "tied": [int(key) for key in result.tied],
        # The alternates (候补) the meeting provides for, in rank order.
        "next": [int(key) for key in result.alternates[: election.alternates]],
    }
