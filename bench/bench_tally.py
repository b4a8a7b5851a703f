"""Tally at 50,000 households: voting.selectors.tally_json against one bare SQL aggregate over the ballots.

Run: .venv/bin/python bench/bench_tally.py [--households 50000] [--voted 0.6] [--rounds 30] [--quick]
Target: ≤ 2× the bare aggregate, and a constant number of queries (counted at 14 households and at the full size).
The tally is cached by (proposal, ballot_seq, state): both a cache hit and a miss (after a ballot) are measured.
"""

import argparse
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
    args = parser.parse_args()
    if args.quick:
        args.households, args.rounds = 10000, 10

    with _util.bench_database(args.database) as url:
        _util.django_setup(url, redis=False)
        run(args)


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


if __name__ == "__main__":
    main()
