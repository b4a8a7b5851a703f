"""Shared helpers of the benchmarks: a throwaway PostgreSQL database, Django set up on it, daphne servers as
subprocesses, a minimal WebSocket client, medians and tables. Everything talks to 127.0.0.1 only."""

from __future__ import annotations

import asyncio
import atexit
import base64
import contextlib
import dataclasses
import datetime
import functools
import gzip
import os
import platform
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
DAPHNE = ROOT / ".venv" / "bin" / "daphne"
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_BASE_URL = PG_ADMIN_URL.rsplit("/", 1)[0]
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
HOST = "127.0.0.1"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# --- The database -------------------------------------------------------------------------------------------------


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


@contextlib.contextmanager
def bench_database(name: str):
    """A fresh PostgreSQL database gongyi_bench_<name> (or `name` itself when it starts with gongyi_), dropped
    afterwards (also after a failure or Ctrl-C)."""
    db = name if name.startswith("gongyi_") else f"gongyi_bench_{name}"
    _admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{db}"')
    try:
        yield f"{PG_BASE_URL}/{db}"
    finally:
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        _admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


@functools.cache
def scratch_media() -> str:
    """One scratch MEDIA_ROOT per bench run (removed at exit), shared with the servers it starts: the demo's ballot
    scans and uploads never land in the checkout's media/."""
    folder = tempfile.mkdtemp(prefix="gongyi-bench-media-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def server_env(database_url: str, *, redis: bool = True, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DEBUG", "GONGYI_ENV")}
    env.update(DJANGO_SETTINGS_MODULE="bench.settings", DATABASE_URL=database_url, PYTHONPATH=str(ROOT))
    env.setdefault("MEDIA_ROOT", scratch_media())
    env["LOG_LEVEL"] = "WARNING"
    if redis:
        env["REDIS_URL"] = REDIS_URL
    env.update(extra)
    return env


def django_setup(database_url: str, *, redis: bool = True, migrate: bool = True) -> None:
    """Point this process at the bench database (bench settings), set Django up and migrate it."""
    os.environ.update(server_env(database_url, redis=redis))
    if not redis:
        os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command
        from django.db import connection

        from bench.floor.models import FloorRow

        call_command("migrate", verbosity=0)
        with connection.schema_editor() as editor:
            editor.create_model(FloorRow)


def session_cookie(user) -> str:
    """A logged-in session for `user`, as the login view would leave it; returns the session key."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.backends import ModelBackend
    from django.utils.module_loading import import_string

    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")()
    store[SESSION_KEY] = str(user.pk)
    # The first configured backend that is (or extends) Django's ModelBackend, as the password login records it.
    store[BACKEND_SESSION_KEY] = next(
        path for path in settings.AUTHENTICATION_BACKENDS if issubclass(import_string(path), ModelBackend)
    )
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


# --- Servers ------------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


DAPHNE_PIDS: dict[int, int] = {}  # port -> pid of the daphne serving it (for its CPU time, /proc/<pid>/stat)


@contextlib.contextmanager
def daphne(env: dict[str, str], *, app: str = "bench.asgi:application"):
    """One daphne process on a free port of 127.0.0.1; yields the port (its pid: DAPHNE_PIDS[port]). Stopped (its
    own pid) on exit."""
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="gongyi-bench-daphne-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [str(DAPHNE), "-b", HOST, "-p", str(port), "--ping-interval", "300", app],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"daphne exited early; see {log.name}:\n{Path(log.name).read_text()[-3000:]}")
            with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.5):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"daphne did not start in 60 s; see {log.name}")
            time.sleep(0.1)
        DAPHNE_PIDS[port] = process.pid
        yield port
    finally:
        DAPHNE_PIDS.pop(port, None)
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        if process.returncode not in (0, -15, 1):
            print(f"(daphne log: {log.name})")
        else:
            os.unlink(log.name)


# --- A minimal WebSocket client (RFC 6455: text frames, ping/pong, close) -----------------------------------------
# Written here rather than depending on a client library: the benches need only this, and 1,000 of them cheaply.


class WebSocket:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer

    @classmethod
    async def connect(cls, port: int, path: str, *, cookie: str = "") -> WebSocket:
        reader, writer = await asyncio.open_connection(HOST, port)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: {HOST}:{port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
            f"Origin: http://{HOST}:{port}",
        ]
        if cookie:
            lines.append(f"Cookie: {cookie}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = await reader.readuntil(b"\r\n\r\n")
        status = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status:
            writer.close()
            raise ConnectionError(f"WebSocket refused: {status!r}")
        return cls(reader, writer)

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        length = len(payload)
        if length < 126:
            head = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
        elif length < 65536:
            head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.writer.write(head + mask + masked)

    async def recv(self) -> str | None:
        """The next text message; None when the server closes."""
        parts: list[bytes] = []
        read = self.reader.readexactly
        while True:
            try:
                first, second = await read(2)
            except (asyncio.IncompleteReadError, ConnectionError):
                return None
            opcode, length = first & 0x0F, second & 0x7F
            if length == 126:
                (length,) = struct.unpack("!H", await read(2))
            elif length == 127:
                (length,) = struct.unpack("!Q", await read(8))
            mask = await read(4) if second & 0x80 else None
            data = await read(length)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            if opcode == 0x9:  # ping
                self._send_frame(0xA, data)
                continue
            if opcode == 0x8:
                return None
            if opcode in (0x0, 0x1, 0x2):
                parts.append(data)
                if first & 0x80:
                    return b"".join(parts).decode()

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            self._send_frame(0x8, struct.pack("!H", 1000))
            await self.writer.drain()
        self.writer.close()


# --- A minimal HTTP/1.1 client for asyncio (one keep-alive connection, cookies kept by the caller) ---------------
# As for the WebSocket client: the benches need only this, for many concurrent "phones" in one event loop.


@dataclasses.dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]  # lower-cased names, in order (Set-Cookie may repeat)
    body: bytes

    def header(self, name: str, default: str = "") -> str:
        return next((v for k, v in reversed(self.headers) if k == name), default)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class HttpConnection:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1:<port>, opened on the first request (and again if the server
    closed it). Bodies by Content-Length, chunked or until close; gzip decoded."""

    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, *, headers: dict[str, str] | None = None, body: bytes = b""):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{self.port}", "Accept-Encoding: gzip"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if body or method not in ("GET", "HEAD"):
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        status_line, *header_lines = head.rstrip("\r\n").split("\r\n")
        status = int(status_line.split()[1])
        pairs = [(name.strip().lower(), value.strip()) for name, _, value in (h.partition(":") for h in header_lines)]
        response = HttpResponse(status, pairs, b"")
        keep = response.header("connection").lower() != "close"
        if method == "HEAD" or status in (204, 304) or status < 200:
            data = b""
        elif response.header("transfer-encoding").lower() == "chunked":
            chunks = []
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            while await self.reader.readuntil(b"\r\n") != b"\r\n":  # trailers
                pass
            data = b"".join(chunks)
        elif length := response.header("content-length"):
            data = await self.reader.readexactly(int(length))
        else:
            data, keep = await self.reader.read(), False
        if response.header("content-encoding") == "gzip":
            data = gzip.decompress(data)
        response.body = data
        if not keep:
            await self.close()
        return response

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()
        self.reader = self.writer = None


# --- Figures ------------------------------------------------------------------------------------------------------


def median(values) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values, p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def print_table(title: str, headers: list[str], rows: list[list]) -> None:
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    print(f"\n{title}")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


def machine_note() -> str:
    cpu = platform.processor() or "cpu"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    pg = ""
    with contextlib.suppress(Exception):
        import psycopg

        with psycopg.connect(PG_ADMIN_URL) as conn:
            pg = "PostgreSQL " + conn.execute("SHOW server_version").fetchone()[0].split()[0]
    today = datetime.date.today().isoformat()
    return f"{today}, {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {pg}".rstrip(", ")


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


# --- Data (Django set up first) -----------------------------------------------------------------------------------


def community_with_committee(*, slug: str, households: int):
    """A generated community (generate_community's generator) and a committee member of it."""
    from accounts.models import User
    from community.demo import community_generate
    from community.models import Role

    community, _written = community_generate(slug=slug, name=f"基准{slug}", households=households)
    user = User.objects.create_user(username=f"committee-{slug}", password=None, display_name="业委会")
    Role.objects.create(user=user, community=community, kind=Role.Kind.COMMITTEE)
    return community, user


def open_for_voting(community, by):
    """A proposal of the whole community, open for voting for a week (the electorate frozen)."""
    from lifecycle.services import proposal_open_voting
    from proposals.models import Category
    from proposals.services import proposal_create, proposal_start_consultation

    proposal = proposal_create(community=community, by=by, title="基准表决", summary="基准", category=Category.OTHER)
    proposal_start_consultation(proposal=proposal, by=by)
    closes = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=7)
    return proposal_open_voting(proposal=proposal, by=by, closes_at=closes)


def ballots_bulk(proposal, *, share: float, by, seed: int = 8) -> int:
    """Ballots for `share` of the electorate (agree/disagree/abstain 6:3:1), written in bulk: the tally's input,
    not a measure of casting. Advances the proposal's seq like casting would. Returns the count."""
    import random

    from voting.models import Ballot, Channel, Elector

    rng = random.Random(seed)
    by_head: dict[str, list] = {}
    for elector in Elector.objects.filter(proposal=proposal).order_by("pk"):
        by_head.setdefault(elector.head, []).append(elector)
    heads = list(by_head)
    rng.shuffle(heads)
    target, ballots = int(sum(map(len, by_head.values())) * share), []
    now = datetime.datetime.now(datetime.UTC)
    for head in heads:
        if len(ballots) >= target:
            break
        # One choice for all flats of one head, as ballot_cast records it.
        choice = rng.choices(("agree", "disagree", "abstain"), (6, 3, 1))[0]
        for e in by_head[head]:
            ballots.append(
                Ballot(
                    proposal=proposal,
                    household_id=e.household_id,
                    elector=e,
                    head=e.head,
                    shared_head=len(by_head[head]) > 1,
                    area=e.area,
                    choice=choice,
                    channel=Channel.ONLINE,
                    recorded_by=by,
                    receipt=f"B{len(ballots):07d}",
                    seq=proposal.ballot_seq + len(ballots) + 1,
                    cast_at=now,
                )
            )
    Ballot.objects.bulk_create(ballots, batch_size=5000)
    proposal.ballot_seq += len(ballots)
    proposal.save(update_fields=["ballot_seq"])
    return len(ballots)
