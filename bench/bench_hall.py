"""Meeting-hall burst: 1,000 households each confirming a vote within 60 s on ONE daphne (PostgreSQL + Redis,
production's database pool, bench/settings.py), while 200 sockets watch the proposal's live tally.

Each household is its own signed-in user (a session cookie, as the login leaves it) on a keep-alive connection of
its own, and does what a phone does, through the real pages:
  1. GET the proposal page           (the vote form, the CSRF cookie)
  2. GET its choice                  (the confirm page, never cached: "You chose … — submit?")
  3. POST the confirmation with CSRF (the vote: ballot, audit entry, live push; a 302 back to the page)
  4. GET the page again              (the receipt code)
Households arrive at random moments over the window (uniform: a Poisson process conditioned on N arrivals; or
evenly spaced with --arrivals even), each pausing --think seconds before steps 2 and 3, and arrivals end early
enough that every confirmation is due inside the window. At most --max-open households are on the server at once
(the rest wait for a slot, counted). The watching sockets are held by a client subprocess (the phones and the
hall's screen are not on the server), each signed in as one of the voters.

Before the burst, --calibrate other households vote one request at a time on the otherwise idle server: each step's
response time and daphne's CPU time per request (tally pushes included), i.e. what one visit costs the server and
how many households per second one daphne can serve at that cost.

Checked afterwards: every 302 is a ballot in the database with the choice its household sent; tally_json() agrees
with a plain aggregate over the ballots (households, heads, area per choice); every socket is still open and its
last message is exactly that tally, at the final version.

Run: .venv/bin/python bench/bench_hall.py [--households 1000 --seconds 60 --watchers 200] [--quick] [--profile]
Needs PostgreSQL and Redis on 127.0.0.1 (bench/README.md); creates and drops the database gongyi_bench_hall, stops
its daphne and client subprocess, ends its sessions; about 2.5 minutes on 2 cores (--quick: about 1 minute).
Targets: p95 of the vote POST (step 3) < 1 s; no error; the final tally exact on every socket.
"""

import argparse
import asyncio
import collections
import dataclasses
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _util

CHOICES = ("agree", "disagree", "abstain")
STEPS = {
    "page": "1. GET proposal page",
    "choose": "2. GET choice → confirm page",
    "vote": "3. POST confirm (the vote) → 302",
    "receipt": "4. GET page with the receipt",
}
VISIT = "whole visit, arrival → receipt, less think time"
VERSION = re.compile(r'"version":\s*(\d+)')
FORM = re.compile(r"<form\b.*?</form>", re.S | re.I)
CHANNEL_PREFIX = "gongyi-bench-hall"


# --- The watching sockets: a client subprocess -----------------------------------------------------------------------


async def watch_main(port: int, path: str) -> None:
    """Stdin: a JSON list of cookies (one socket each), then commands: status, final, quit. One line per answer."""
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue = asyncio.Queue()

    def read_stdin() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(lines.put_nowait, line)
        loop.call_soon_threadsafe(lines.put_nowait, "quit")  # the driver went away: stop too

    threading.Thread(target=read_stdin, daemon=True).start()

    def say(text: str) -> None:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    cookies = json.loads(await lines.get())
    last, versions, counts, closed = (
        [""] * len(cookies),
        [-1] * len(cookies),
        [0] * len(cookies),
        [False] * len(cookies),
    )

    async def read(index: int, ws) -> None:
        while (text := await ws.recv()) is not None:
            last[index], counts[index], versions[index] = text, counts[index] + 1, version_of(text)
        closed[index] = True

    gate = asyncio.Semaphore(40)

    async def connect(cookie: str):
        async with gate:
            return await asyncio.wait_for(_util.WebSocket.connect(port, path, cookie=cookie), 60)

    started = time.monotonic()
    try:
        sockets = await asyncio.gather(*(connect(c) for c in cookies))
    except Exception as error:  # reported to the driver, which stops
        say(f"error {type(error).__name__}: {error}")
        return
    tasks = [asyncio.ensure_future(read(i, ws)) for i, ws in enumerate(sockets)]
    say(f"ok {time.monotonic() - started:.2f}")
    while True:
        command = (await lines.get()).strip()
        if command == "status":
            say(json.dumps({"versions": versions, "closed": sum(closed)}))
        elif command == "final":
            say(
                json.dumps(
                    [{"open": not c, "count": n, "text": t} for c, n, t in zip(closed, counts, last, strict=True)]
                )
            )
        elif command == "quit":
            for ws in sockets:
                await ws.close()
            for task in tasks:
                task.cancel()
            say("bye")
            return


class Watchers:
    def __init__(self, port: int, path: str, cookies: list[str]):
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--watch", str(port), path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self.connect_seconds = float(self._answer(json.dumps(cookies), "ok"))

    def _answer(self, line: str, expect: str = "") -> str:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline().strip()
        if not answer or (expect and not answer.startswith(expect)):
            raise RuntimeError(f"the watching sockets' process answered {answer!r} (to {line[:40]!r})")
        return answer.partition(" ")[2] if expect else answer

    def status(self) -> dict:
        return json.loads(self._answer("status"))

    def final(self) -> list[dict]:
        return json.loads(self._answer("final"))

    def close(self) -> None:
        try:
            self._answer("quit")
            self.process.wait(timeout=30)
        except Exception:  # stop it whatever state it is in
            self.process.kill()
            self.process.wait()


# --- Pages: the forms a phone would submit ----------------------------------------------------------------------------


@dataclasses.dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str]
    buttons: list[tuple[str, str]]


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.form: Form | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.form = Form(attrs.get("action", ""), attrs.get("method", "get").lower(), {}, [])
        elif self.form is not None and attrs.get("name"):
            if tag == "button" or (tag == "input" and attrs.get("type") == "submit"):
                self.form.buttons.append((attrs["name"], attrs.get("value", "")))
            elif tag == "input" and attrs.get("type", "text") not in ("checkbox", "radio", "file"):
                self.form.fields[attrs["name"]] = attrs.get("value", "")


def forms(html: str) -> list[Form]:
    """The page's forms (only the <form> elements are parsed: cheap on a whole page)."""
    found = []
    for match in FORM.finditer(html):
        parser = _FormParser()
        parser.feed(match.group(0))
        if parser.form is not None:
            found.append(parser.form)
    return found


def vote_form(html: str, choice: str) -> Form | None:
    """The form sending `choice` (the page's agree / disagree / abstain buttons: a GET of the confirm page)."""
    return next((f for f in forms(html) if ("choice", choice) in f.buttons), None)


def confirm_form(html: str) -> Form | None:
    return next((f for f in forms(html) if f.method == "post" and "confirm" in f.fields), None)


# --- The burst -------------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Voter:
    session: str
    household: int
    choice: str


class Refused(Exception):
    pass


class Phone:
    """One household's phone: its keep-alive connection, its cookies, and the form it is on."""

    def __init__(self, voter: Voter, port: int):
        self.voter, self.conn, self.jar = voter, _util.HttpConnection(port), {"sessionid": voter.session}
        self.form: Form | None = None
        self.at = ""  # the address of the page it is on


class Burst:
    """1,000 phones in one event loop: each its own connection and cookies."""

    def __init__(self, port: int, page: str, args):
        self.port, self.page, self.args = port, page, args
        self.origin = f"http://{_util.HOST}:{port}"
        self.times: dict[str, list[float]] = {step: [] for step in STEPS}
        self.errors: collections.Counter = collections.Counter()  # (step, reason) -> count
        self.sent: dict[int, str] = {}  # household -> choice, for every vote answered 302
        self.vote_done_at: list[float] = []  # seconds since the window opened, per 302
        self.requests = 0
        self.first_request = self.last_response = None
        self.open = self.max_open = self.waited = 0
        self.slot_waits: list[float] = []
        self.visits: list[float] = []  # per household that got its receipt: arrival → receipt, less think time
        self.last_vote = 0.0  # monotonic time of the last 302
        self.gate = asyncio.Semaphore(args.max_open)

    async def request(self, step, conn, jar, method, path, *, fields=None, referer="", expect=200):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()), "User-Agent": "gongyi-bench-hall"}
        body = b""
        if method == "POST":
            body = urlencode(fields).encode()
            headers.update({
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": self.origin,
                "Referer": self.origin + referer,
            })  # fmt: skip
        t0 = time.monotonic()
        self.first_request = self.first_request or t0
        try:
            async with asyncio.timeout(self.args.timeout):
                response = await conn.request(method, path, headers=headers, body=body)
        except TimeoutError:
            raise Refused(f"no answer in {self.args.timeout:g} s") from None
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as error:
            raise Refused(f"connection: {type(error).__name__}") from None
        finally:
            # Every request's time counts, failed ones too (a timeout as the timeout): what the phone waited.
            self.last_response = time.monotonic()
            self.times[step].append(self.last_response - t0)
        self.requests += 1
        for name, value in response.headers:
            if name == "set-cookie":
                cookie, _, attributes = value.partition(";")
                key, _, val = cookie.strip().partition("=")
                if not val or "max-age=0" in attributes.lower().replace(" ", ""):
                    jar.pop(key, None)
                else:
                    jar[key] = val
        if response.status != expect:
            raise Refused(f"HTTP {response.status}")
        return response

    async def step(self, phone: "Phone", step: str) -> None:
        """One step of a household's visit (STEPS), on its own connection, with its cookies."""
        voter, conn, jar = phone.voter, phone.conn, phone.jar
        if step == "page":
            page = await self.request(step, conn, jar, "GET", self.page)
            phone.form, phone.at = vote_form(page.text, voter.choice), self.page
            if phone.form is None:
                raise Refused("no vote form on the page")
        elif step == "choose":
            action = urlsplit(urljoin(phone.at, phone.form.action)).path
            fields = {**phone.form.fields, "choice": voter.choice}
            if phone.form.method == "get":  # the confirm page is a page (never cached), as the form says
                action = f"{action}?{urlencode(fields)}"
                confirm = await self.request(step, conn, jar, "GET", action, referer=phone.at)
            else:
                confirm = await self.request(step, conn, jar, "POST", action, fields=fields, referer=phone.at)
            phone.form, phone.at = confirm_form(confirm.text), action
            if phone.form is None or phone.form.fields.get("choice") != voter.choice:
                raise Refused("no confirm form for the choice")
        elif step == "vote":
            action = urlsplit(urljoin(phone.at, phone.form.action)).path
            fields = phone.form.fields
            answer = await self.request(step, conn, jar, "POST", action, fields=fields, referer=phone.at, expect=302)
            self.sent[voter.household] = voter.choice
            self.last_vote = max(self.last_vote, self.last_response)
            phone.at = urlsplit(urljoin(action, answer.header("location"))).path
        elif step == "receipt":
            await self.request(step, conn, jar, "GET", phone.at)

    async def attempt(self, phone: "Phone", step: str) -> bool:
        """The step; False (the error counted) when it failed."""
        try:
            await self.step(phone, step)
            return True
        except Refused as error:
            self.errors[step, str(error)] += 1
        except Exception as error:  # counted, never lost in a task nobody awaits
            self.errors[step, f"{type(error).__name__}: {error}"[:80]] += 1
        return False

    async def journey(self, voter: Voter, due: float, window_opens: float) -> None:
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        arrived = time.monotonic()
        async with self.gate:
            if (wait := time.monotonic() - arrived) > 0.005:
                self.waited += 1
                self.slot_waits.append(wait)
            self.open += 1
            self.max_open = max(self.max_open, self.open)
            phone = Phone(voter, self.port)
            try:
                for step in STEPS:
                    if step in ("choose", "vote"):
                        await asyncio.sleep(self.args.think)  # reading the page, then the confirm page
                    if not await self.attempt(phone, step):
                        return
                    if step == "vote":
                        self.vote_done_at.append(self.last_response - window_opens)
                # The whole visit as the household felt it, from arriving (a slot wait included), less its pauses.
                self.visits.append(time.monotonic() - arrived - 2 * self.args.think)
            finally:
                await phone.conn.close()
                self.open -= 1

    async def run(self, voters: list[Voter]) -> None:
        """All journeys, arriving over the window."""
        args = self.args
        rng = random.Random(args.seed)
        # Arrivals end early enough that the last household's confirmation is due inside the window.
        span = self.arrival_span = max(0.0, args.seconds - 2 * args.think - 1.0)
        if args.arrivals == "even":
            offsets = [span * i / len(voters) for i in range(len(voters))]
        else:
            offsets = sorted(rng.uniform(0, span) for _ in voters)
        window_opens = time.monotonic() + 0.5
        tasks = [
            asyncio.ensure_future(self.journey(v, window_opens + o, window_opens))
            for v, o in zip(voters, offsets, strict=True)
        ]
        # Bounded: every request has its timeout; this bounds the slot waits too.
        _done, pending = await asyncio.wait(tasks, timeout=args.seconds + 8 * args.timeout + 60)
        for task in pending:
            task.cancel()
        if pending:
            self.errors["-", "journey unfinished at the bench's deadline"] += len(pending)
            await asyncio.wait(pending)


# --- Driver ----------------------------------------------------------------------------------------------------------


def main() -> None:
    class Help(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
        pass

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=Help)
    parser.add_argument("--households", type=int, default=1000, help="households voting, each its own user")
    parser.add_argument("--seconds", type=float, default=60.0, help="the window every confirmation is due in")
    parser.add_argument("--watchers", type=int, default=200, help="sockets watching the live tally")
    parser.add_argument("--arrivals", choices=("random", "even"), default="random", help="how arrivals are spread")
    parser.add_argument("--think", type=float, default=1.0, help="seconds a household pauses before steps 2 and 3")
    parser.add_argument("--max-open", type=int, default=200, help="households on the server at once, at most")
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="seconds a request may take before it counts as an error"
    )
    parser.add_argument("--community", type=int, default=0, help="households in the community (default 1.25 × voting)")
    parser.add_argument(
        "--calibrate",
        type=int,
        default=20,
        help="households (besides --households) that first vote one request at a time, to measure each step's "
        "cost on the idle server; 0 to skip",
    )
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--quick", action="store_true", help="200 households in 15 s, 50 sockets")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="cProfile the requests inside daphne (bench/profiling.py) and print where the time goes; slower, so "
        "such a run's figures are not the hall's",
    )
    parser.add_argument("--watch", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.watch:
        asyncio.run(watch_main(int(args.watch[0]), args.watch[1]))
        return
    if args.quick:
        args.households, args.seconds, args.watchers = 200, 15.0, 50
    if args.seconds <= 2 * args.think + 1:
        parser.error("--seconds must leave room for the two think pauses")
    args.community = args.community or int((args.households + args.calibrate) * 1.25) + 20
    load_start = os.getloadavg()
    with _util.bench_database("hall") as url:
        _util.django_setup(url)
        run(args, url, load_start)


def setup(args) -> tuple:
    """The proposal and the voters (--calibrate first, then --households): households whose owner holds one flat
    (one household = one head = one ballot, so every figure is checkable), each bound to a user of its own with a
    session; choices 6:3:1."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import User
    from community.models import HouseholdBinding
    from voting.models import Elector

    community, committee = _util.community_with_committee(slug="hall", households=args.community)
    proposal = _util.open_for_voting(community, committee)
    electors = list(Elector.objects.filter(proposal=proposal).order_by("pk"))
    flats = collections.Counter(e.head for e in electors)
    single = [e for e in electors if flats[e.head] == 1]
    wanted = args.households + args.calibrate
    if len(single) < wanted:
        raise SystemExit(f"only {len(single)} single-flat households of {args.community}; raise --community")
    rng = random.Random(args.seed)
    chosen = rng.sample(single, wanted)
    password = make_password(None)
    users = User.objects.bulk_create([User(username=f"hall{i}", password=password) for i in range(len(chosen))])
    HouseholdBinding.objects.bulk_create(
        [HouseholdBinding(user=u, household_id=e.household_id) for u, e in zip(users, chosen, strict=True)]
    )
    choices = rng.choices(CHOICES, weights=(6, 3, 1), k=len(chosen))
    voters = [Voter(_util.session_cookie(u), e.household_id, c) for u, e, c in zip(users, chosen, choices, strict=True)]
    return proposal, voters


def version_of(text: str) -> int:
    match = VERSION.search(text or "")
    return int(match.group(1)) if match else -1


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_tally(proposal) -> dict:
    """The counts straight from the ballots (households, distinct heads, area), per choice and in all."""
    from django.db.models import Count, Max, Sum

    from voting.models import Ballot

    ballots = Ballot.objects.filter(proposal=proposal)
    figures = {"version": ballots.aggregate(v=Max("seq"))["v"] or 0}
    rows = {
        r["choice"]: r
        for r in ballots.values("choice").annotate(n=Count("id"), h=Count("head", distinct=True), a=Sum("area"))
    }
    total = ballots.aggregate(n=Count("id"), h=Count("head", distinct=True), a=Sum("area"))
    for key, row in [*((c, rows.get(c)) for c in CHOICES), ("participated", total)]:
        row = row or {"n": 0, "h": 0, "a": 0}
        figures[key] = {"households": row["n"] or 0, "heads": row["h"] or 0, "area": f"{row['a'] or 0:.2f}"}
    return figures


def run(args, url, load_start) -> None:
    started = time.monotonic()
    proposal, voters = setup(args)
    print(f"Set up {args.community:,} households, {len(voters):,} voters ({args.calibrate} of them to calibrate) "
          f"with their sessions in {time.monotonic() - started:.0f} s.")  # fmt: skip
    try:
        measure(args, url, load_start, proposal, voters)
    finally:
        end_sessions(voters)


def measure(args, url, load_start, proposal, voters: list[Voter]) -> None:
    from django.urls import reverse

    from proposals.models import Proposal
    from voting.models import Ballot, BallotEvent
    from voting.selectors import tally_json

    first, voters = voters[: args.calibrate], voters[args.calibrate :]
    page = reverse("proposal_detail", args=[proposal.pk])
    socket_path = f"/ws/proposals/{proposal.pk}/tally/"
    cookies = [f"sessionid={voters[i % len(voters)].session}" for i in range(args.watchers)]

    profile = tempfile.mktemp(prefix="gongyi-bench-hall-") if args.profile else ""
    env = _util.server_env(url, BENCH_CHANNEL_PREFIX=CHANNEL_PREFIX, **({"BENCH_PROFILE": profile} if profile else {}))
    with _util.daphne(env) as port:
        pid = _util.DAPHNE_PIDS[port]
        watchers = Watchers(port, socket_path, cookies)
        try:
            print(f"{args.watchers} sockets watching the tally ({watchers.connect_seconds:.1f} s to connect).")
            warm_up(port, page, voters[: min(10, len(voters))], args)
            calibration, step_cpu = calibrate(port, page, first, args, pid)
            load_before = os.getloadavg()
            cpu_before, client_before = cpu_seconds(pid), cpu_seconds(os.getpid())
            burst = Burst(port, page, args)
            print(f"Burst: {len(voters):,} households over {args.seconds:g} s …", flush=True)
            asyncio.run(burst.run(voters))
            cpu_burst, client_cpu = cpu_seconds(pid) - cpu_before, cpu_seconds(os.getpid()) - client_before
            load_after = os.getloadavg()
            # The trailing push comes at most one coalescing interval after the last vote; wait for every socket.
            proposal = Proposal.objects.get(pk=proposal.pk)
            expected = json.loads(json.dumps(tally_json(proposal)))
            deadline = time.monotonic() + 30
            while True:
                status = watchers.status()
                if all(v >= expected["version"] for v in status["versions"]) or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            # An upper bound: the sockets are asked after the burst.
            settled = time.monotonic() - burst.last_vote if burst.last_vote else float("nan")
            time.sleep(1.0)  # anything still coming would show up as a newer last message
            finals = watchers.final()
        finally:
            watchers.close()

    # --- The checks -------------------------------------------------------------------------------------------------
    recorded = dict(Ballot.objects.filter(proposal=proposal).values_list("household_id", "choice"))
    sent = {**calibration.sent, **burst.sent}
    not_recorded = sum(1 for household, choice in sent.items() if recorded.get(household) != choice)
    unanswered = len(set(recorded) - set(sent))  # written, but the phone never saw the 302
    audit = BallotEvent.objects.filter(proposal=proposal).count()
    database = database_tally(proposal)
    tally_agrees = database["version"] == expected["version"] and all(
        expected[key] == database[key] for key in (*CHOICES, "participated")
    )
    exact = sum(1 for f in finals if f["open"] and f["text"] and json.loads(f["text"]) == expected)
    at_final = sum(1 for f in finals if version_of(f["text"]) == expected["version"])
    errors = sum(burst.errors.values()) + sum(calibration.errors.values()) + not_recorded

    # --- The report -------------------------------------------------------------------------------------------------
    if first:
        rows = [
            [STEPS[step], f"{_util.median(calibration.times[step]) * 1000:.0f}", f"{step_cpu[step] * 1000:.1f}"]
            for step in STEPS
        ]
        visit_ms = sum(_util.median(calibration.times[step]) for step in STEPS) * 1000
        visit_cpu = sum(step_cpu.values()) * 1000
        rows.append(["a household's visit (the 4 requests)", f"{visit_ms:.0f}", f"{visit_cpu:.1f}"])
        _util.print_table(
            f"First, one request at a time ({len(first)} households: every household's step 1, then step 2, …; "
            "the server otherwise idle, the sockets watching): what each step costs",
            ["request", "median ms", "daphne CPU ms per request (pushes included)"],
            rows,
        )
        rate = len(voters) / burst.arrival_span
        print(f"One daphne at a full core serves at most {1000 / visit_cpu:.1f} households/s at this cost; the hall "
              f"below brings {rate:.1f}/s, {rate * visit_cpu / 1000:.0%} of a core.")  # fmt: skip
    span = (burst.last_response or 0) - (burst.first_request or 0)
    rows = []
    every = [t for step in STEPS for t in burst.times[step]]
    for step, label in [*STEPS.items(), ("all", "all requests"), ("visit", VISIT)]:
        times = {"all": every, "visit": burst.visits}.get(step) or burst.times.get(step, [])
        failed = sum(n for (s, _), n in burst.errors.items() if step in ("all", "visit", s))
        ms = [f"{_util.percentile(times, p) * 1000:.0f}" for p in (50, 95, 99, 100)]
        rows.append([label, len(times), *ms, failed])
    arrivals = "uniform random" if args.arrivals == "random" else "evenly spaced"
    _util.print_table(
        f"Meeting-hall burst: {len(voters):,} households ({arrivals} arrivals, {args.think:g} s think time per step) "
        f"confirming within {args.seconds:g} s on ONE daphne, PostgreSQL + Redis, {args.watchers} sockets watching",
        ["request", "count", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors"],
        rows,
    )
    vote_p95 = _util.percentile(burst.times["vote"], 95)
    last_vote = max(burst.vote_done_at, default=float("nan"))
    lines = [
        "Times include failed requests (a request without an answer counts as --timeout); the visit row is what a "
        "household waited in all, a wait for a free slot (--max-open) included.",
        f"Throughput: {burst.requests / span:.1f} requests/s, {len(burst.sent) / span:.1f} votes/s over {span:.1f} s "
        f"(first request → last answer); the last vote answered {last_vote:.1f} s into the {args.seconds:g} s window.",
        f"Households on the server at once: at most {burst.max_open} (limit {args.max_open}); {burst.waited} waited "
        f"for a slot" + (f" (up to {max(burst.slot_waits):.1f} s)" if burst.slot_waits else "") + ".",
        f"daphne CPU during the burst: {cpu_burst:.1f} s ({cpu_burst / span:.0%} of one core, "
        f"{cpu_burst / max(1, burst.requests) * 1000:.0f} ms per request, pushes included); the phones (this "
        f"process): {client_cpu:.1f} s. Load average {load_start[0]:.2f} at the start, {load_before[0]:.2f} before "
        f"the burst, {load_after[0]:.2f} after.",
        f"Errors: {_errors(burst.errors)}"
        + (f"; calibration: {_errors(calibration.errors)}" if calibration.errors else "")
        + (f"; {not_recorded} votes answered 302 but not recorded as sent" if not_recorded else "")
        + (f"; {unanswered} ballots written for households that saw no 302" if unanswered else "")
        + ".",
        f"Database: {len(recorded)} ballots, {audit} audit entries, version {database['version']}; tally_json "
        f"{'agrees' if tally_agrees else 'DISAGREES'} with the ballots (participated {expected['participated']}).",
        f"Sockets: {exact}/{len(finals)} hold exactly the final tally, {at_final}/{len(finals)} at the final version "
        f"{expected['version']}, {sum(f['open'] for f in finals)} still open, all of them at most "
        f"{settled:.1f} s after the last vote; {_util.median([f['count'] for f in finals]):.0f} messages per socket "
        "(median; pushes are coalesced).",
    ]
    print("\n" + "\n".join(lines))
    exact_ok = exact == len(finals) == args.watchers and tally_agrees
    print(f"Target p95 of the vote POST < 1 s: {vote_p95 * 1000:.0f} ms — {_util.verdict(vote_p95 < 1.0)}.")
    print(f"Target no error: {errors} — {_util.verdict(errors == 0)}.")
    print(f"Target final tally exact on every socket: {exact}/{len(finals)} — {_util.verdict(exact_ok)}.")
    print(f"Machine: {_util.machine_note()}")
    if profile:
        print_profiles(profile)


def print_profiles(prefix: str) -> None:
    """Where daphne's request thread spent its time: the vote view (steps 2 and 3) and the rest (the pages)."""
    import pstats

    for kind, what in (("vote", "POST …/vote/ (steps 2 and 3)"), ("other", "the other requests (the pages)")):
        path = Path(f"{prefix}.{kind}.prof")
        if not path.exists():
            continue
        print(f"\nProfile of {what} inside daphne, top 25 by cumulative time ({path})")
        stats = pstats.Stats(str(path))
        stats.sort_stats("cumulative").print_stats(25)
        print(f"{kind}: top 15 by own time")
        stats.sort_stats("tottime").print_stats(15)


def end_sessions(voters: list[Voter]) -> None:
    """Delete the voters' sessions through the session engine: nothing left in a cache (Redis) once the database
    is dropped, whichever engine the settings name."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    for voter in voters:
        store(voter.session).delete()


def warm_up(port: int, page: str, voters: list[Voter], args) -> None:
    """A few households open the page and the confirm page (nothing is written): the server's first requests
    (imports, URL resolver, template loading) are not the hall's. Stops the bench if the pages are not as expected."""

    generous = argparse.Namespace(**{**vars(args), "timeout": max(args.timeout, 60.0)})

    async def one(voter: Voter) -> None:
        phone, burst = Phone(voter, port), Burst(port, page, generous)
        try:
            for step in ("page", "choose"):
                try:
                    await burst.step(phone, step)
                except Refused as error:
                    raise SystemExit(f"warm-up, {STEPS[step]}: {error} (did the pages change?)") from None
        finally:
            await phone.conn.close()

    async def all_of_them() -> None:
        for voter in voters:
            await one(voter)

    asyncio.run(all_of_them())


def calibrate(port: int, page: str, voters: list[Voter], args, pid: int) -> tuple[Burst, dict[str, float]]:
    """One request at a time on the otherwise idle server (every household's step 1, then every household's step
    2, …): each step's own response time and daphne's CPU time per request, tally pushes included — what one
    household's visit costs the server. These households vote too (before the burst)."""
    calibration, cpu = Burst(port, page, args), {}

    async def go() -> None:
        phones = [Phone(v, port) for v in voters]
        going = list(phones)
        try:
            for step in STEPS:
                before, done = cpu_seconds(pid), 0
                for phone in list(going):
                    if await calibration.attempt(phone, step):
                        done += 1
                    else:
                        going.remove(phone)
                await asyncio.sleep(0.5)  # the trailing tally push of the votes belongs to the vote step
                cpu[step] = (cpu_seconds(pid) - before) / max(1, done)
        finally:
            for phone in phones:
                await phone.conn.close()

    asyncio.run(go())
    return calibration, cpu


def _errors(errors: collections.Counter) -> str:
    return ", ".join(f"{n} × {reason} at step {step}" for (step, reason), n in sorted(errors.items())) or "none"


if __name__ == "__main__":
    main()
