"""Queuing reminders for 30,000 households: messaging.services.batch_create (the selection of the households that
have not voted, one message row per phone, within the budget) against a bare `Message.objects.bulk_create` of the
same rows; and the committee's batch page, in queries and time, at 30,000 messages.

Run: .venv/bin/python bench/bench_sms.py [--households 30000] [--voted 0.4] [--rounds 5] [--quick]
     [--database NAME]
Target: ≤ 2× the bare bulk_create (median of the rounds, interleaved); the batch page in a constant number of
queries (counted at 14 households and at the full size).
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _util


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=30000)
    parser.add_argument("--voted", type=float, default=0.4, help="share of the electorate that has voted")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved floor/batch pairs")
    parser.add_argument("--quick", action="store_true", help="5,000 households, 3 rounds")
    parser.add_argument("--database", default="sms", help="bench database: gongyi_bench_NAME, or NAME if gongyi_*")
    args = parser.parse_args()
    if args.quick:
        args.households, args.rounds = 5000, 3

    # The batch's "send now" goes to a task queue of this run's own, which nothing consumes: only queuing is timed.
    queue = tempfile.mkdtemp(prefix="gongyi-bench-huey-")
    os.environ.update(HUEY_IMMEDIATE="0", HUEY_SQLITE_PATH=str(Path(queue) / "huey.sqlite3"))
    with _util.bench_database(args.database) as url:
        _util.django_setup(url, redis=False)
        run(args)


def vacuum() -> None:
    """Deleted rows of the previous round out of the way, so every round writes into the same table."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE messaging_message")


def run(args) -> None:
    from decimal import Decimal

    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from messaging.models import Batch, Message, Policy
    from messaging.selectors import Audience, allowed_from, price_per_part, recipients
    from messaging.services import batch_create, batch_plan
    from proposals.models import Proposal

    started = time.monotonic()
    big, committee = _util.community_with_committee(slug="big", households=args.households)
    proposal = _util.open_for_voting(big, committee)
    voted = _util.ballots_bulk(proposal, share=args.voted, by=committee)
    small, small_committee = _util.community_with_committee(slug="small", households=14)
    small_proposal = _util.open_for_voting(small, small_committee)
    _util.ballots_bulk(small_proposal, share=args.voted, by=small_committee)
    for community in (big, small):  # the default ¥300 a month covers about 3,000 texts
        Policy.objects.create(community=community, monthly_budget=Decimal("100000"))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"Set up {args.households:,} households, {voted:,} ballots in {time.monotonic() - started:.0f} s.")

    proposal = Proposal.objects.select_related("community").get(pk=proposal.pk)
    audience = Audience(not_voted=True)
    plan = batch_plan(subject=proposal, kind=Batch.Kind.REMINDER, audience=audience)
    now = timezone.now()
    send_after, price = allowed_from(now), price_per_part()
    # The rows the batch writes, as plain values: the floor makes its Message objects from them and writes them.
    rows = [
        {
            "household_id": recipient.household_id,
            "phone": recipient.phone,
            "params": params,
            "parts": n,
            "cost": n * price,
            "queued_at": now,
            "send_after": send_after,
        }
        for recipient, params, n in zip(plan.chosen.recipients, plan.params, plan.parts, strict=True)
    ]
    holder = Batch.objects.create(
        community=big, proposal=proposal, kind=Batch.Kind.REMINDER, template="reminder", key="floor"
    )

    def floor() -> None:
        with transaction.atomic():
            Message.objects.bulk_create([Message(batch=holder, **row) for row in rows], batch_size=2000)

    def floor_clean() -> None:
        Message.objects.filter(batch=holder).delete()

    made: list[Batch] = []

    def batch() -> None:
        made.append(
            batch_create(
                subject=proposal,
                kind=Batch.Kind.REMINDER,
                audience=audience,
                by=committee,
                key=f"bench:{len(made)}",
            )[0]
        )

    def batch_clean() -> None:
        for done in made[-1:]:
            assert done.messages.count() == len(rows), "the batch wrote another number of rows than the floor"
            Message.objects.filter(batch=done).delete()
            done.delete()

    def selection() -> None:
        recipients(proposal, audience)

    def planning() -> None:
        batch_plan(subject=proposal, kind=Batch.Kind.REMINDER, audience=audience)

    timings: dict[str, list[float]] = {"floor": [], "batch": [], "selection": [], "plan": []}
    steps = (("floor", floor, floor_clean), ("batch", batch, batch_clean))
    for _name, fn, clean in steps:  # warm the caches and the plans
        fn()
        clean()
        vacuum()
    for _ in range(args.rounds):
        for name, fn, clean in steps:
            t0 = time.perf_counter()
            fn()
            timings[name].append(time.perf_counter() - t0)
            clean()
            vacuum()
        for name, fn in (("selection", selection), ("plan", planning)):
            t0 = time.perf_counter()
            fn()
            timings[name].append(time.perf_counter() - t0)

    # The batch page at the full size and at 14 households: queries counted, time measured.
    last, _ = batch_create(subject=proposal, kind=Batch.Kind.REMINDER, audience=audience, by=committee, key="page")
    small_batch, _ = batch_create(
        subject=small_proposal, kind=Batch.Kind.REMINDER, audience=audience, by=small_committee, key="page-small"
    )
    page_queries, page_ms = {}, []
    for label, shown, user in (
        (f"14 households ({small_batch.messages.count()} messages)", small_batch, small_committee),
        (f"{args.households:,} households ({last.messages.count():,} messages)", last, committee),
    ):
        client = Client()
        client.force_login(user)
        url = reverse("sms_batch", args=[shown.pk])
        assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        page_queries[label] = len(captured)
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        client.get(url)
        page_ms.append((time.perf_counter() - t0) * 1000)

    floor_ms = _util.median(timings["floor"]) * 1000
    table = []
    for name, label in (
        ("floor", "floor: Message.objects.bulk_create of the same rows"),
        ("batch", "batch_create: select the households that have not voted, queue one row per phone"),
        ("selection", "  of which the selection alone (recipients: one query)"),
        ("plan", "  of which the plan (selection, texts, parts, cost)"),
    ):
        ms = _util.median(timings[name]) * 1000
        table.append([label, f"{ms:.0f}", f"{min(timings[name]) * 1000:.0f}", f"{ms / floor_ms:.2f}×"])
    _util.print_table(
        f"Queuing a reminder: {args.households:,} households, {voted:,} voted ({args.voted:.0%}), {len(rows):,} "
        f"messages (one per phone), median of {args.rounds} interleaved rounds",
        ["what", "median ms", "min ms", "× floor"],
        table,
    )
    _util.print_table(
        "The batch page (sms_batch): queries, constant whatever the size",
        ["batch", "queries"],
        [[label, n] for label, n in page_queries.items()],
    )
    print(f"The batch page at the full size: median {_util.median(page_ms):.0f} ms over {args.rounds} loads.")
    ratio = _util.median(timings["batch"]) * 1000 / floor_ms
    constant = len(set(page_queries.values())) == 1
    print(f"\nTarget ≤ 2× the bare bulk_create: {ratio:.2f}× — {_util.verdict(ratio <= 2)}.")
    print(f"Constant number of queries on the batch page: {_util.verdict(constant)}.")
    print(f"Machine: {_util.machine_note()}")


if __name__ == "__main__":
    main()
