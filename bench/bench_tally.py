"""Tally at 50,000 households: voting.selectors.tally_json against one bare SQL aggregate over the ballots; and a
meeting's whole tally (meetings.tally: 10 matters and an election of 9 candidates, everyone voting) against a bare
GROUP BY over the same ballot rows.

Run: .venv/bin/python bench/bench_tally.py [--households 50000] [--voted 0.6] [--rounds 30] [--quick]
     [--meeting-only | --no-meeting] [--database NAME]
Target: ≤ 2× the bare aggregate, and a constant number of queries (counted at 14 households and at the full size).
The tally is cached by (proposal, ballot_seq, state): both a cache hit and a miss (after a ballot) are measured.
The meeting's counts are one query (two with the agenda read before it), cached by the sum of its chain heads.
"""

import argparse
import datetime
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _util

FLOOR_SQL = "SELECT choice, COUNT(*), SUM(area) FROM voting_ballot WHERE proposal_id = %s GROUP BY choice"


def explain_variants(proposal) -> dict[str, tuple[str, str]]:
    """The tally's own SQL, and variants of it that show where its time goes."""

    from voting.selectors import _tally_counts

    with CaptureQueries() as captured:
        _tally_counts(proposal, cached=False)  # the aggregate itself, not the version read before a cache hit
    tally_sql = captured.sql[-1]
    distinct = 'COUNT(DISTINCT "voting_ballot"."head" COLLATE "C")'
    return {
        "sql_now": ("tally SQL as it is (shared_head flag; distinct only over multi-flat heads)", tally_sql),
        "sql_locale": ("tally SQL, locale comparisons (before 895c7ad)", tally_sql.replace(' COLLATE "C"', "")),
        "sql_no_heads": ("tally SQL without the four distinct-head counts", _without_heads(tally_sql, distinct)),
    }


def _without_heads(sql: str, distinct: str) -> str:
    return sql.replace(distinct, 'COUNT("voting_ballot"."head")')


class CaptureQueries:
    def __enter__(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.context = CaptureQueriesContext(connection)
        self.context.__enter__()
        return self

    def __exit__(self, *exc):
        self.context.__exit__(*exc)
        self.sql = [query["sql"] for query in self.context.captured_queries]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=50000)
    parser.add_argument("--voted", type=float, default=0.6, help="share of the electorate that has voted")
    parser.add_argument("--rounds", type=int, default=30, help="interleaved floor/tally pairs")
    parser.add_argument("--quick", action="store_true", help="10,000 households, 10 rounds")
    parser.add_argument("--database", default="tally", help="bench database: gongyi_bench_NAME, or NAME if gongyi_*")
    parser.add_argument("--matters", type=int, default=10, help="the meeting's matters")
    parser.add_argument("--candidates", type=int, default=9, help="the meeting's election: candidates (7 seats)")
    parser.add_argument("--meeting-only", action="store_true", help="only the meeting's tally")
    parser.add_argument("--no-meeting", action="store_true", help="only the proposal's tally")
    args = parser.parse_args()
    if args.quick:
        args.households, args.rounds = 10000, 10

    with _util.bench_database(args.database) as url:
        _util.django_setup(url, redis=False)
        if not args.meeting_only:
            run(args)
        if not args.no_meeting:
            run_meeting(args)


def run(args) -> None:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from proposals.models import Proposal
    from voting.live import load_tally
    from voting.selectors import tally_json

    started = time.monotonic()
    big, committee = _util.community_with_committee(slug="big", households=args.households)
    proposal = _util.open_for_voting(big, committee)
    voted = _util.ballots_bulk(proposal, share=args.voted, by=committee)
    small, small_committee = _util.community_with_committee(slug="small", households=14)
    small_proposal = _util.open_for_voting(small, small_committee)
    _util.ballots_bulk(small_proposal, share=args.voted, by=small_committee)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"Set up {args.households:,} households, {voted:,} ballots in {time.monotonic() - started:.0f} s.")

    proposal = Proposal.objects.get(pk=proposal.pk)
    small_proposal = Proposal.objects.get(pk=small_proposal.pk)
    queries = {}
    for label, p in (("14 households", small_proposal), (f"{args.households:,} households", proposal)):
        with CaptureQueriesContext(connection) as tally_queries:
            tally_json(p)
        with CaptureQueriesContext(connection) as push_queries:
            load_tally(p.pk)
        queries[label] = (len(tally_queries), len(push_queries))

    def floor() -> None:
        with connection.cursor() as cursor:
            cursor.execute(FLOOR_SQL, [proposal.pk])
            cursor.fetchall()

    def tally() -> None:
        tally_json(proposal)  # cached by (id, ballot_seq, state): one primary-key read and a cache hit

    def tally_miss() -> None:
        cache.clear()  # as after every ballot: the version moved, so the aggregate runs
        tally_json(proposal)

    def push() -> None:
        load_tally(proposal.pk)  # what the live hub does per push: fetch the proposal, tally, serialise

    variants = explain_variants(proposal)

    def sql(text):
        def run_sql() -> None:
            with connection.cursor() as cursor:
                cursor.execute(text)
                cursor.fetchall()

        return run_sql

    fns = {"floor": floor, "tally": tally, "tally_miss": tally_miss, "push": push}
    fns.update({name: sql(text) for name, (_label, text) in variants.items()})
    timings: dict[str, list[float]] = {name: [] for name in fns}
    for fn in fns.values():  # warm caches and the plans
        fn()
    for _ in range(args.rounds):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            timings[name].append(time.perf_counter() - t0)

    floor_ms = _util.median(timings["floor"]) * 1000
    rows = []
    for name, label in (
        ("floor", "floor: bare SQL COUNT/SUM … GROUP BY choice"),
        ("tally", "tally_json(proposal), cached by version (hit)"),
        ("tally_miss", "tally_json(proposal) after a ballot (cache miss)"),
        ("push", "live push: load_tally(id) (get + tally + JSON)"),
    ):
        ms = _util.median(timings[name]) * 1000
        p95 = _util.percentile(timings[name], 95) * 1000
        rows.append([label, f"{ms:.1f}", f"{p95:.1f}", f"{ms / floor_ms:.2f}×"])
    rows.append(["— where the time goes (the tally's SQL alone, variants) —", "", "", ""])
    for name, (label, _text) in variants.items():
        ms = _util.median(timings[name]) * 1000
        p95 = _util.percentile(timings[name], 95) * 1000
        rows.append([label, f"{ms:.1f}", f"{p95:.1f}", f"{ms / floor_ms:.2f}×"])
    _util.print_table(
        f"Tally: {args.households:,} households, {voted:,} ballots ({args.voted:.0%}), {args.rounds} rounds",
        ["what", "median ms", "p95 ms", "× floor"],
        rows,
    )
    _util.print_table(
        "Queries (constant whatever the size)",
        ["community", "tally_json", "load_tally"],
        [[label, t, p] for label, (t, p) in queries.items()],
    )
    ratio = _util.median(timings["tally"]) * 1000 / floor_ms
    miss = _util.median(timings["tally_miss"]) * 1000 / floor_ms
    constant = len(set(queries.values())) == 1
    print(f"\nTarget ≤ 2× the floor: {ratio:.2f}× (cache hit) — {_util.verdict(ratio <= 2)}; after a ballot (miss) "
          f"{miss:.2f}× — {_util.verdict(miss <= 2)}.")  # fmt: skip
    print(f"Constant number of queries: {_util.verdict(constant)}.")
    print(f"Machine: {_util.machine_note()}")


# --- A meeting's whole tally -------------------------------------------------------------------------------------

# The bare GROUP BY over the same rows the meeting tally reads: every matter's ballots by (proposal, choice), the
# election's ballots, every candidate's approvals — counts and areas only, no heads, no names, no versions.
MEETING_FLOOR_SQL = """
SELECT proposal_id, choice, COUNT(*), SUM(area) FROM voting_ballot WHERE proposal_id = ANY(%(matters)s)
GROUP BY proposal_id, choice
UNION ALL
SELECT election_id, '', COUNT(*), SUM(area) FROM meetings_electionballot WHERE election_id = ANY(%(elections)s)
GROUP BY election_id
UNION ALL
SELECT candidate_id, '', COUNT(*), SUM(area) FROM meetings_approval WHERE candidate_id = ANY(%(candidates)s)
GROUP BY candidate_id
"""


def meeting_with_everyone_voting(community, committee, *, matters: int, candidates: int, seed: int = 15):
    """A meeting of the whole community opened by the services (10 matters, an election of 7 seats and 2
    alternates), then every household's ballot written in bulk, one choice and one approval set per head as
    meeting_ballot_cast records them (a few paper ballots naming too many: invalid). Returns (meeting, ballots)."""
    import random

    from django.utils import timezone

    from lifecycle.services import meeting_open_voting
    from meetings.models import Approval, Election, ElectionBallot, Meeting, MeetingElector, Organiser
    from meetings.services import (
        agenda_election_add,
        agenda_matter_add,
        candidate_add,
        meeting_create,
        meeting_publish_notice,
    )
    from proposals.models import Category
    from proposals.services import proposal_create, proposal_start_consultation
    from voting.models import Channel

    opens = timezone.now() + datetime.timedelta(days=30)
    meeting = meeting_create(
        community=community,
        by=committee,
        title="基准业主大会",
        organiser=Organiser.COMMITTEE,
        voting_opens_at=opens,
        voting_closes_at=opens + datetime.timedelta(days=3),
    )
    for n in range(matters):
        proposal = proposal_create(
            community=community, by=committee, title=f"事项{n + 1}", summary="基准", category=Category.OTHER
        )
        proposal_start_consultation(proposal=proposal, by=committee)
        agenda_matter_add(meeting=meeting, by=committee, proposal=proposal)
    election = agenda_election_add(meeting=meeting, by=committee, title="业主委员会", seats=7, alternates=2)
    names = [candidate_add(election=election, by=committee, name=f"候选人{n + 1}").pk for n in range(candidates)]
    meeting_publish_notice(meeting=meeting, by=committee)
    now = timezone.now()
    Meeting.objects.filter(pk=meeting.pk).update(
        voting_opens_at=now - datetime.timedelta(minutes=1), voting_closes_at=now + datetime.timedelta(days=3)
    )
    meeting.refresh_from_db()
    meeting_open_voting(meeting=meeting)
    written = 0
    for item in meeting.items.filter(proposal__isnull=False).select_related("proposal"):
        written += _util.ballots_bulk(item.proposal, share=1.0, by=committee, seed=seed + item.position)

    rng = random.Random(seed)
    by_head: dict[str, list] = {}
    for elector in MeetingElector.objects.filter(meeting=meeting).order_by("pk"):
        by_head.setdefault(elector.head, []).append(elector)
    ballots, approvals = [], []
    for head, flats in by_head.items():
        invalid = rng.random() < 0.02
        # Favourites: the first candidates on the paper are agreed with more often, so the ranking is not flat.
        chosen = [] if invalid else [c for i, c in enumerate(names) if rng.random() < 0.85 - 0.07 * i][:7]
        for elector in flats:
            ballots.append(
                ElectionBallot(
                    election=election,
                    household_id=elector.household_id,
                    elector=elector,
                    head=head,
                    shared_head=len(flats) > 1,
                    area=elector.area,
                    invalid=invalid,
                    channel=Channel.PAPER if invalid else Channel.ONLINE,
                    recorded_by=committee,
                    receipt=f"E{len(ballots):07d}",
                    seq=len(ballots) + 1,
                    cast_at=now,
                )
            )
            approvals.append(chosen)
    ElectionBallot.objects.bulk_create(ballots, batch_size=5000)
    Approval.objects.bulk_create(
        (
            Approval(ballot=ballot, candidate_id=c, head=ballot.head, shared_head=ballot.shared_head, area=ballot.area)
            for ballot, chosen in zip(ballots, approvals, strict=True)
            for c in chosen
        ),
        batch_size=5000,
    )
    Election.objects.filter(pk=election.pk).update(ballot_seq=len(ballots))
    return meeting, written + len(ballots)


def run_meeting(args) -> None:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from meetings.live import load_meeting_tally
    from meetings.models import AgendaItem, Candidate
    from meetings.tally import counts_query, meeting_tally_json

    started = time.monotonic()
    community, committee = _util.community_with_committee(slug="hall", households=args.households)
    meeting, written = meeting_with_everyone_voting(
        community, committee, matters=args.matters, candidates=args.candidates
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"\nSet up a meeting of {args.households:,} households, {args.matters} matters and an election of "
        f"{args.candidates} candidates: {written:,} ballots in {time.monotonic() - started:.0f} s."
    )
    items = AgendaItem.objects.filter(meeting=meeting)
    params = {
        "matters": list(items.filter(proposal__isnull=False).values_list("proposal_id", flat=True)),
        "elections": list(items.filter(election__isnull=False).values_list("election__pk", flat=True)),
    }
    params["candidates"] = list(
        Candidate.objects.filter(election_id__in=params["elections"]).values_list("pk", flat=True)
    )

    cache.clear()
    with CaptureQueriesContext(connection) as miss_queries:
        data = meeting_tally_json(meeting)
    with CaptureQueriesContext(connection) as hit_queries:
        meeting_tally_json(meeting)
    cache.clear()
    with CaptureQueriesContext(connection) as push_queries:
        load_meeting_tally(meeting.pk)
    counting = [q for q in miss_queries.captured_queries if "voting_ballot" in q["sql"]]
    election = data["elections"][0]
    print(
        f"Everyone voted: {data['matters'][0]['participated']['households']:,} households on each matter, "
        f"{election['participated']['households']:,} in the election; elected {len(election['elected'])}, "
        f"version {data['version']:,}."
    )

    def floor() -> None:
        with connection.cursor() as cursor:
            cursor.execute(MEETING_FLOOR_SQL, params)
            cursor.fetchall()

    def tally_miss() -> None:
        cache.clear()  # as after every ballot: the version moved, so the counts run
        meeting_tally_json(meeting)

    def tally_hit() -> None:
        meeting_tally_json(meeting)

    def push() -> None:
        cache.clear()
        load_meeting_tally(meeting.pk)  # what the live hub does per push after a ballot: agenda, counts, JSON

    def counts_alone() -> None:
        list(counts_query(params["matters"], params["elections"]))

    fns = {"floor": floor, "miss": tally_miss, "hit": tally_hit, "push": push, "counts": counts_alone}
    timings: dict[str, list[float]] = {name: [] for name in fns}
    for fn in fns.values():
        fn()
    for _ in range(args.rounds):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            timings[name].append(time.perf_counter() - t0)
    floor_ms = _util.median(timings["floor"]) * 1000
    labels = {
        "floor": "floor: bare SQL COUNT/SUM … GROUP BY over the same rows (one UNION ALL)",
        "counts": "the meeting's counts query alone (one UNION ALL, heads and names)",
        "miss": "meeting_tally_json after a ballot (cache miss: agenda + counts + engine)",
        "hit": "meeting_tally_json, cached by version (hit: agenda only)",
        "push": "live push after a ballot: load_meeting_tally(id) (miss + JSON text)",
    }
    rows = []
    for name, label in labels.items():
        ms = _util.median(timings[name]) * 1000
        p95 = _util.percentile(timings[name], 95) * 1000
        rows.append([label, f"{ms:.1f}", f"{p95:.1f}", f"{ms / floor_ms:.2f}×"])
    _util.print_table(
        f"Meeting tally: {args.households:,} households, {args.matters} matters + an election of "
        f"{args.candidates}, everyone voting, {args.rounds} rounds",
        ["what", "median ms", "p95 ms", "× floor"],
        rows,
    )
    _util.print_table(
        "Queries",
        ["tally (miss)", "of which counting", "tally (hit)", "push (miss)"],
        [[len(miss_queries), len(counting), len(hit_queries), len(push_queries)]],
    )
    miss = _util.median(timings["miss"]) * 1000 / floor_ms
    alone = _util.median(timings["counts"]) * 1000 / floor_ms
    print(f"\nTarget ≤ 2× the floor: meeting tally after a ballot {miss:.2f}× — {_util.verdict(miss <= 2)}; "
          f"its counts query alone {alone:.2f}×.")  # fmt: skip
    print(f"One query for the counts: {_util.verdict(len(counting) == 1 and len(miss_queries) == 2)}.")
    print(f"Machine: {_util.machine_note()}")


if __name__ == "__main__":
    main()
