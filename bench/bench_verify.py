"""The public verification page at 50,000 households: /verify/<fingerprint> cold (the record rebuilt from the
ballots and the whole MAC chain replayed) and warm (the check cached by the ballot log's head), through Django's
full request path.

Run: .venv/bin/python bench/bench_verify.py [--households 50000] [--voted 0.6] [--rounds 5] [--quick]
Target (issue 13): well under a second for the page a printed QR code opens. The ballots are written by the real
writer (voting.services.ballots_write, in sheets of 1,000 heads, as a paper import does), so the chain is real.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _util

PASSWORD = "bench-verify-password"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=50000)
    parser.add_argument("--voted", type=float, default=0.6, help="share of the electorate that has voted")
    parser.add_argument("--rounds", type=int, default=5, help="cold and warm requests each")
    parser.add_argument("--quick", action="store_true", help="10,000 households, 3 rounds")
    parser.add_argument("--profile", action="store_true", help="print where one cold check spends its time")
    parser.add_argument("--database", default="verify", help="bench database: gongyi_bench_NAME, or NAME if gongyi_*")
    args = parser.parse_args()
    if args.quick:
        args.households, args.rounds = 10000, 3
    with _util.bench_database(args.database) as url:
        _util.django_setup(url, redis=False)
        run(args)


def cast_in_sheets(proposal, *, share: float, by) -> int:
    """Ballots for `share` of the heads through the one writer, 1,000 heads a transaction."""
    import random

    from django.db import transaction

    from voting.models import Channel, Elector
    from voting.services import HeadChoice, ballot_lock, ballots_write

    rng = random.Random(8)
    by_head: dict[str, list] = {}
    for elector in Elector.objects.filter(proposal=proposal).order_by("household_id"):
        by_head.setdefault(elector.head, []).append(elector)
    heads = list(by_head)
    rng.shuffle(heads)
    heads = heads[: int(len(heads) * share)]
    for start in range(0, len(heads), 1000):
        sheet = [
            HeadChoice(by_head[h], rng.choices(("agree", "disagree", "abstain"), (6, 3, 1))[0], Channel.ONLINE)
            for h in heads[start : start + 1000]
        ]
        with transaction.atomic():
            locked, at = ballot_lock(proposal)
            ballots_write(proposal=locked, heads=sheet, by=by, at=at)
    return sum(len(by_head[h]) for h in heads)


def run(args) -> None:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from lifecycle.services import proposal_close
    from proposals.models import Proposal
    from resolutions.services import resolution_sign

    started = time.monotonic()
    community, committee = _util.community_with_committee(slug="verify", households=args.households)
    committee.set_password(PASSWORD)
    committee.save()
    proposal = _util.open_for_voting(community, committee)
    voted = cast_in_sheets(proposal, share=args.voted, by=committee)
    proposal = proposal_close(proposal=Proposal.objects.get(pk=proposal.pk), by=committee)
    resolution_sign(proposal=proposal, user=committee, password=PASSWORD)
    fingerprint = Proposal.objects.get(pk=proposal.pk).resolution.fingerprint
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"Set up {args.households:,} households, {voted:,} ballots in {time.monotonic() - started:.0f} s.")

    client = Client()

    def page() -> tuple[float, str]:
        t0 = time.perf_counter()
        response = client.get(f"/verify/{fingerprint}")
        elapsed = time.perf_counter() - t0
        assert response.status_code == 200, response.status_code
        return elapsed, "intact" if "记录完好" in response.content.decode() else "ALTERED"

    if args.profile:
        import cProfile
        import pstats

        cache.clear()
        profiler = cProfile.Profile()
        profiler.runcall(page)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)

    cold, warm, verdicts = [], [], set()
    for _ in range(args.rounds):
        cache.clear()  # the throttle's counters too: a person scanning, not a script
        elapsed, verdict = page()
        cold.append(elapsed)
        verdicts.add(verdict)
        elapsed, verdict = page()
        warm.append(elapsed)
        verdicts.add(verdict)
    rows = [
        [
            "/verify/ cold: record rebuilt, chain replayed",
            f"{_util.median(cold) * 1000:.0f}",
            f"{max(cold) * 1000:.0f}",
        ],
        [
            "/verify/ warm: check cached by the log's head",
            f"{_util.median(warm) * 1000:.0f}",
            f"{max(warm) * 1000:.0f}",
        ],
    ]
    _util.print_table(
        f"Verification page, {args.households:,} households, {voted:,} ballots ({_util.machine_note()})",
        ["request", "median ms", "max ms"],
        rows,
    )
    print(f"Verdicts: {', '.join(sorted(verdicts))} (expected: intact)")
    print(
        f"Warm under a second: {_util.verdict(max(warm) < 1.0)}; cold under a second: {_util.verdict(max(cold) < 1.0)}"
    )


if __name__ == "__main__":
    main()
