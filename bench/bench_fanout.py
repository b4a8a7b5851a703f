"""Live fan-out: 100 / 500 / 1,000 sockets watching one proposal on one daphne while ballots are cast; the time
from a ballot's commit to the LAST socket holding the new tally, against a bare Channels group_send of a message of
the same size to the same number of sockets (the bench-only FloorConsumer on the same daphne).

Two cases, both reported: an isolated ballot (the hub is idle, so it pushes at once: the leading edge), and the
last ballot of a burst (the hub coalesces a burst into one push per TALLY_PUSH_INTERVAL: the trailing push, which
waits by design). The bare broadcast of a burst sends every message. After the bursts, every socket's last tally is
compared with tally_json() computed afresh.

The sockets live in a client subprocess (its own core); ballots are cast and the floor is broadcast from this
process's event loop, as daphne would (one Redis connection, ballot_cast in a worker thread).

Run: .venv/bin/python bench/bench_fanout.py [--sizes 100,500,1000] [--samples 15] [--bursts 2] [--burst 10] [--quick]
Target: p95 within 1.3× the bare broadcast; the final tally exact on every socket.
"""

import argparse
import asyncio
import collections
import json
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _util

VERSION = re.compile(r'"version": (\d+)')


# --- The client subprocess: N sockets per kind, arrival times ------------------------------------------------------


class Clients:
    def __init__(self, port: int, paths: dict[str, str], cookie: str):
        self.port, self.paths, self.cookie = port, paths, cookie
        self.sockets: dict[str, list] = {kind: [] for kind in paths}
        self.latest: dict[str, list] = {kind: [] for kind in paths}  # per socket: (version, text)
        self.history: dict[str, list] = {kind: [] for kind in paths}  # per socket: recent (version, arrival)
        self.tasks: list = []
        self.waiting: dict[str, tuple] = {}  # kind -> (version, arrivals dict, future)

    async def _read(self, kind: str, index: int, ws) -> None:
        while (text := await ws.recv()) is not None:
            now = time.monotonic()
            match = VERSION.search(text)
            version = int(match.group(1)) if match else -1
            self.latest[kind][index] = (version, text)
            self.history[kind][index].append((version, now))
            expectation = self.waiting.get(kind)
            if expectation and version >= expectation[0] and index not in expectation[1]:
                expectation[1][index] = now
                if len(expectation[1]) == len(self.sockets[kind]) and not expectation[2].done():
                    expectation[2].set_result(None)

    async def connect(self, kind: str, total: int) -> float:
        started = time.monotonic()
        gate = asyncio.Semaphore(40)

        async def one():
            async with gate:
                return await _util.WebSocket.connect(self.port, self.paths[kind], cookie=self.cookie)

        new = await asyncio.gather(*(one() for _ in range(total - len(self.sockets[kind]))))
        for ws in new:
            index = len(self.sockets[kind])
            self.sockets[kind].append(ws)
            self.latest[kind].append((-1, ""))
            self.history[kind].append(collections.deque(maxlen=500))
            self.tasks.append(asyncio.ensure_future(self._read(kind, index, ws)))
        return time.monotonic() - started

    def arm(self, kind: str, version: int) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        self.waiting[kind] = (version, {}, future)
        # A push that arrived before this command counts from when it arrived.
        for index, history in enumerate(self.history[kind]):
            arrived = next((at for seen, at in history if seen >= version), None)
            if arrived is not None:
                self.waiting[kind][1][index] = arrived
        if len(self.waiting[kind][1]) == len(self.sockets[kind]):
            future.set_result(None)
        return future


async def client_main(port: int, real_path: str, cookie: str) -> None:
    clients = Clients(port, {"real": real_path, "floor": "/ws/bench/floor/"}, cookie)
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue = asyncio.Queue()
    threading.Thread(
        target=lambda: [loop.call_soon_threadsafe(lines.put_nowait, line) for line in sys.stdin], daemon=True
    ).start()
    pending: asyncio.Future | None = None

    def say(text: str) -> None:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    while True:
        command, *rest = (await lines.get()).split()
        if command == "connect":
            seconds = await clients.connect(rest[0], int(rest[1]))
            say(f"ok {seconds:.2f}")
        elif command == "arm":
            kind, version = rest[0], int(rest[1])
            pending = clients.arm(kind, version)
            say("armed")
        elif command == "wait":
            kind = rest[0]
            try:
                await asyncio.wait_for(asyncio.shield(pending), timeout=float(rest[1]))
                times = clients.waiting[kind][1].values()
                say(f"done {min(times):.6f} {max(times):.6f}")
            except TimeoutError:
                say(f"timeout {len(clients.waiting[kind][1])}")
        elif command == "final":
            texts: dict[str, int] = {}
            for _version, text in clients.latest[rest[0]]:
                texts[text] = texts.get(text, 0) + 1
            say(json.dumps(texts, ensure_ascii=False))
        elif command == "quit":
            for sockets in clients.sockets.values():
                for ws in sockets:
                    await ws.close()
            say("bye")
            return


# --- The driver -----------------------------------------------------------------------------------------------------


class ClientProcess:
    def __init__(self, port: int, real_path: str, cookie: str):
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--client", str(port), real_path, cookie],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )

    def ask(self, line: str) -> str:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline().strip()
        if not answer:
            raise RuntimeError(f"the client process stopped (after {line!r})")
        return answer

    def close(self) -> None:
        try:
            self.ask("quit")
            self.process.wait(timeout=30)
        except Exception:
            self.process.kill()
            self.process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,500,1000", help="numbers of sockets, comma-separated")
    parser.add_argument("--samples", type=int, default=15, help="isolated ballots (and bare broadcasts) per size")
    parser.add_argument("--bursts", type=int, default=2, help="bursts (and bare bursts) per size")
    parser.add_argument("--burst", type=int, default=10, help="ballots in one burst")
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--quick", action="store_true", help="100 and 500 sockets, 8 samples, 2 bursts")
    parser.add_argument("--client", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        port, path, cookie = args.client
        asyncio.run(client_main(int(port), path, cookie))
        return
    if args.quick:
        args.sizes, args.samples, args.bursts = "100,500", 8, 2
    with _util.bench_database("fanout") as url:
        _util.django_setup(url)
        asyncio.run(run(args, url))


async def run(args, url) -> None:
    from channels.db import database_sync_to_async
    from channels.layers import get_channel_layer
    from django.conf import settings
    from django.db import transaction

    from bench.floor.views import FLOOR_GROUP
    from voting.models import Channel, Elector
    from voting.selectors import tally_json
    from voting.services import ballot_cast

    def prepare():
        community, committee = _util.community_with_committee(slug="fanout", households=args.households)
        proposal = _util.open_for_voting(community, committee)
        households = list(
            Elector.objects.filter(proposal=proposal).order_by("pk").select_related("household")[: args.households]
        )
        return proposal, committee, [e.household for e in households], _util.session_cookie(committee)

    started = time.monotonic()
    proposal, committee, households, session = await database_sync_to_async(prepare)()
    print(f"Set up {args.households:,} households in {time.monotonic() - started:.0f} s.")
    layer = get_channel_layer()
    interval = settings.TALLY_PUSH_INTERVAL
    next_household = iter(range(10**9))

    def cast() -> tuple[float, int]:
        """One ballot; returns (the moment it committed, the tally version it makes)."""
        n = next(next_household)
        committed = []
        with transaction.atomic():
            # Registered first, so it runs right after COMMIT and before the service's own push.
            transaction.on_commit(lambda: committed.append(time.monotonic()))
            ballots = ballot_cast(
                proposal=proposal,
                household=households[n % len(households)],
                choice=("agree", "disagree", "abstain")[n % 3],
                channel=Channel.ONLINE,
                by=committee,
            )
        return committed[0], max(b.seq for b in ballots)

    payload = json.loads(json.dumps(await database_sync_to_async(tally_json)(proposal)))
    floor_version = iter(range(1, 10**9))

    async def broadcast() -> tuple[float, int]:
        version = next(floor_version)
        text = json.dumps({**payload, "version": version}, ensure_ascii=False)  # the size of a tally push
        t0 = time.monotonic()
        await layer.group_send(FLOOR_GROUP, {"type": "floor.message", "text": text})
        return t0, version

    results: dict[int, dict[str, list[float]]] = {}
    exact: dict[int, str] = {}
    with _util.daphne(_util.server_env(url)) as port:
        client = ClientProcess(port, f"/ws/proposals/{proposal.pk}/tally/", f"sessionid={session}")
        try:
            for size in [int(s) for s in args.sizes.split(",")]:
                took = [client.ask(f"connect {kind} {size}") for kind in ("real", "floor")]
                print(f"{size} sockets per kind connected ({', '.join(t.split()[1] + ' s' for t in took)}).")
                figures = results[size] = {"real": [], "floor": [], "real_burst": [], "floor_burst": []}

                async def measure(kind: str, trigger, count: int = 1, size: int = size) -> float:
                    """Arm the client for the version the trigger(s) make, fire, return commit → last socket."""
                    # The version is known only after the trigger; the client keeps arrival times, so arming after
                    # the trigger still measures from the first message at or past that version.
                    loop = asyncio.get_running_loop()
                    marks = []
                    for _ in range(count):
                        marks.append(await trigger())
                    t0, version = marks[-1]
                    client.ask(f"arm {kind} {version}")
                    answer = await loop.run_in_executor(None, client.ask, f"wait {kind} 180")
                    if not answer.startswith("done"):
                        raise RuntimeError(f"{kind}: {answer} sockets of {size} got version {version}")
                    return float(answer.split()[2]) - t0

                for _ in range(args.samples):
                    await asyncio.sleep(interval + 0.1)  # the hub is idle: an isolated ballot
                    figures["real"].append(await measure("real", database_sync_to_async(cast)))
                    figures["floor"].append(await measure("floor", broadcast))
                for _ in range(args.bursts):
                    await asyncio.sleep(interval + 0.1)
                    figures["real_burst"].append(await measure("real", database_sync_to_async(cast), args.burst))
                    figures["floor_burst"].append(await measure("floor", broadcast, args.burst))
                await asyncio.sleep(interval + 1.0)
                expected = json.dumps(await database_sync_to_async(tally_json)(proposal), ensure_ascii=False)
                finals = json.loads(client.ask("final real"))
                ok = set(finals) == {expected} and sum(finals.values()) == size
                exact[size] = f"{finals.get(expected, 0)}/{size}" + ("" if ok else " (MISMATCH)")
        finally:
            client.close()

    report(args, results, exact, interval)


def report(args, results, exact, interval) -> None:
    rows, verdicts = [], []
    for size, f in results.items():
        ms = {k: (_util.median(v) * 1000, _util.percentile(v, 95) * 1000) for k, v in f.items()}
        ratio = ms["real"][1] / ms["floor"][1]
        verdicts.append((size, ratio, exact[size]))
        rows.append([
            size, f"{ms['real'][0]:.1f}", f"{ms['real'][1]:.1f}", f"{ms['floor'][0]:.1f}", f"{ms['floor'][1]:.1f}",
            f"{ratio:.2f}×", f"{ms['real_burst'][0]:.0f}", f"{ms['floor_burst'][0]:.0f}", exact[size],
        ])  # fmt: skip
    _util.print_table(
        f"Fan-out on one daphne (Redis pub/sub layer), commit → last socket; isolated: {args.samples} ballots vs "
        f"{args.samples} bare group_sends; burst: last of {args.burst} back-to-back, {args.bursts} times; "
        f"TALLY_PUSH_INTERVAL {interval:g} s",
        ["sockets", "ballot p50 ms", "ballot p95 ms", "bare p50 ms", "bare p95 ms", "p95 × bare",
         "burst: last ballot → last socket, ms", "bare burst, ms", "final tally exact"],
        rows,
    )  # fmt: skip
    print(
        "\nBurst figures are medians. A burst's last tally waits for the coalescing interval by design (at most "
        "one push per interval per server); the bare burst sends every message to every socket."
    )
    for size, ratio, ok in verdicts:
        print(f"Target p95 ≤ 1.3× bare, {size} sockets: {ratio:.2f}× — {_util.verdict(ratio <= 1.3)}; exact: {ok}.")
    print(f"Machine: {_util.machine_note()}")


if __name__ == "__main__":
    main()
