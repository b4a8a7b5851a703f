"""Live tallies: after a ballot commits, every server with watchers recomputes the tally and pushes it.

The committing request sends one small "changed" message to the proposal's group. Each server process
coalesces those per proposal (TallyHub): the first change is pushed at once, further changes within
TALLY_PUSH_INTERVAL wait and are pushed together, and a change that arrives while a push is being computed
triggers one more push — so the last push always carries the final tally.

A "changed" message lost on the way (Redis down or restarting, a subscription not yet restored) must not leave a
screen stale: every TALLY_RESYNC_INTERVAL, one query per server reads the version of each watched proposal and
pushes those that moved on without a message. It reads PostgreSQL only, so it works through a Redis outage.
"""

import asyncio
import contextlib
import json
import logging
import os
import time

from asgiref.sync import SyncToAsync, async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from proposals.models import Proposal
from voting.selectors import tally_json

logger = logging.getLogger("gongyi.live")
_last_failure_log = 0.0
# A healthy Redis answers in milliseconds. A frozen one (stopped, swapping, cut off) must not hold a ballot's
# response: each publish would wait for the socket's own timeout, one after another under the layer's lock.
SEND_TIMEOUT = 3.0
# Joining or leaving a group (the first watcher of a proposal on this server): bounded too, more generously.
SUBSCRIBE_TIMEOUT = 10.0


def group_name(proposal_id: int) -> str:
    return f"tally-{proposal_id}"


def tally_changed(proposal_id: int) -> None:
    """Tell watchers' servers the tally changed. Never raises: a ballot is stored whether or not the push works."""
    announce(
        group_name(proposal_id),
        {"type": "tally.changed", "proposal": proposal_id},
        failure="Live tally push failed; ballots are still stored, watchers catch up on reconnect",
    )


def announce(group: str, message: dict, *, failure: str) -> None:
    """Send a small "changed" message to a group; never raises (logs `failure` once a minute while it fails).

    In a request thread of a server (daphne), the message is handed to the server's event loop and the request
    goes on without waiting for Redis (~12 ms of each vote in bench/bench_vote.py's profile on this stack);
    elsewhere (commands, code without a server loop) it is sent before returning. consult.live uses it too.
    """
    loop = _server_loop()
    if loop is not None:
        loop.call_soon_threadsafe(_announce_soon, group, message, failure)
        return
    try:
        async_to_sync(_announce)(group, message)
    except Exception:
        _announce_failed(failure)


def _server_loop():
    """The running event loop of the server whose sync_to_async runs this thread, or None."""
    threadlocal = SyncToAsync.threadlocal
    if getattr(threadlocal, "main_event_loop_pid", None) != os.getpid():
        return None
    loop = getattr(threadlocal, "main_event_loop", None)
    return loop if loop is not None and loop.is_running() else None


_announcing: set = set()  # tasks on the server's loop, referenced until they finish


def _announce_soon(group: str, message: dict, failure: str) -> None:
    task = asyncio.get_running_loop().create_task(_announce_logged(group, message, failure))
    _announcing.add(task)
    task.add_done_callback(_announcing.discard)


async def _announce_logged(group: str, message: dict, failure: str) -> None:
    try:
        await _announce(group, message)
    except Exception:
        _announce_failed(failure)


def _announce_failed(failure: str) -> None:
    # Logged once a minute, not once per ballot or visit, while the channel layer (Redis) is down.
    global _last_failure_log
    now = time.monotonic()
    if now - _last_failure_log > 60:
        _last_failure_log = now
        logger.exception(failure)


async def _announce(group: str, message: dict) -> None:
    await asyncio.wait_for(get_channel_layer().group_send(group, message), SEND_TIMEOUT)


def load_tally(proposal_id: int) -> str:
    return load_tally_marked(proposal_id)[0]


def load_tally_marked(proposal_id: int) -> tuple[str, tuple]:
    """The tally's JSON text, and the marker (ballot sequence, state) of the proposal it was computed from."""
    proposal = Proposal.objects.get(pk=proposal_id)
    return json.dumps(tally_json(proposal), ensure_ascii=False), (proposal.ballot_seq, proposal.state)


def tally_markers(proposal_ids: list[int]) -> dict[int, tuple]:
    """The current marker of each proposal, in one query: what the resync compares with what was pushed."""
    rows = Proposal.objects.filter(pk__in=proposal_ids).values_list("pk", "ballot_seq", "state")
    return {pk: (seq, state) for pk, seq, state in rows}


class _Slot:
    __slots__ = ("dirty", "joining", "last_push", "running", "seen", "watchers")

    def __init__(self):
        self.watchers: set = set()
        self.joining = 0  # watchers waiting for the subscription: the slot must outlive them
        self.running = False
        self.dirty = False
        self.last_push = 0.0
        # The marker of the last tally every watcher got (pushed, or the first watcher's snapshot); None: unknown.
        self.seen: tuple | None = None

    @property
    def idle(self) -> bool:
        return not self.watchers and not self.joining and not self.running


class TallyHub:
    """Per server process: the sockets watching each proposal, and one coalesced push loop per proposal.

    Keyed by an id (a proposal's here): a subclass watching something else (a meeting: meetings.live.MeetingHub)
    names the id in the change messages (`key_field`), its groups, and how its JSON and markers are read (`load`,
    `markers`).

    The consumers do not join the channel layer's groups: the hub does, once per server. It takes a channel of
    its own (new_channel) and adds it to a proposal's groups when the first watcher of that proposal joins, and
    discards it when the last one leaves; one receive loop reads it. So a "changed" message wakes one task per
    server, not one consumer per socket, and the hub then sends the tally to every watcher.
    """

    def __init__(self):
        self.slots: dict[int, _Slot] = {}
        self._resync_task: asyncio.Task | None = None
        # The subscription, on one event loop (tests start new ones; the state of an old loop is dropped).
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock: asyncio.Lock | None = None
        self._channel: str | None = None
        self._listener: asyncio.Task | None = None
        self._subscribed: set[int] = set()  # proposals whose groups the channel is in
        self._tasks: set = set()  # unsubscriptions under way, referenced until they finish
        self._last_error = 0.0

    # The field of a change message that names what changed.
    key_field = "proposal"

    def groups(self, proposal_id: int) -> tuple[str, ...]:
        """The channel layer groups whose messages say this proposal's data changed."""
        return (group_name(proposal_id),)

    def load(self, proposal_id: int) -> tuple[str, tuple]:
        """The JSON text pushed to watchers and the marker it was read at (sync: run in a database thread)."""
        return load_tally_marked(proposal_id)

    def markers(self, proposal_ids: list[int]) -> dict[int, tuple]:
        """The current marker of each watched id, in one query (sync): what the resync compares."""
        return tally_markers(proposal_ids)

    async def join(self, proposal_id: int, consumer) -> None:
        """Add a watcher once the hub is subscribed to the proposal's groups: a change sent after this returns
        reaches the watcher. Raises if the channel layer cannot subscribe (Redis down): the socket is refused."""
        slot = self.slots.setdefault(proposal_id, _Slot())
        slot.joining += 1  # keeps the slot (and the subscription) while this waits
        try:
            await self._subscribe(proposal_id)
        except BaseException:
            slot.joining -= 1
            if slot.idle and self.slots.get(proposal_id) is slot:
                del self.slots[proposal_id]
            raise
        slot.joining -= 1
        slot.watchers.add(consumer)

    async def leave(self, proposal_id: int, consumer) -> None:
        slot = self.slots.get(proposal_id)
        if slot:
            slot.watchers.discard(consumer)
            if slot.idle:
                del self.slots[proposal_id]
                await self._unsubscribe(proposal_id)
        if not self.slots and self._resync_task is not None:
            self._resync_task.cancel()
            self._resync_task = None

    # --- The subscription: one channel per server, in the groups of every watched proposal ---------------------

    def _state(self) -> asyncio.Lock:
        """The lock serialising subscription changes on the running loop; a new loop starts afresh."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            old_channel, old_subscribed = self._channel, self._subscribed
            self._loop, self._lock = loop, asyncio.Lock()
            self._channel, self._listener, self._subscribed = None, None, set()
            if old_channel is not None:  # best effort: the in-memory layer would keep queueing for it
                task = loop.create_task(self._discard(old_channel, old_subscribed))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        return self._lock

    async def _discard(self, channel: str, proposal_ids) -> None:
        layer = get_channel_layer()
        for proposal_id in proposal_ids:
            for group in self.groups(proposal_id):
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(layer.group_discard(group, channel), SUBSCRIBE_TIMEOUT)

    def _listening(self) -> bool:
        return self._listener is not None and not self._listener.done() and self._loop is asyncio.get_running_loop()

    async def _subscribe(self, proposal_id: int) -> None:
        if proposal_id in self._subscribed and self._listening():
            return
        async with self._state():
            if not self._listening():
                await self._restart_listener()
            if proposal_id not in self._subscribed:
                layer = get_channel_layer()
                for group in self.groups(proposal_id):
                    await asyncio.wait_for(layer.group_add(group, self._channel), SUBSCRIBE_TIMEOUT)
                self._subscribed.add(proposal_id)

    async def _restart_listener(self) -> None:
        """A new channel and receive loop, in the groups of every proposal subscribed so far. Caller holds the lock.

        Run on the first subscription, and again if the receive loop died (the resync covers what it missed).
        """
        layer = get_channel_layer()
        if self._listener is not None:
            self._listener.cancel()
            self._listener = None
        if self._channel is not None:
            await self._discard(self._channel, self._subscribed)
            self._channel = None
        channel = await asyncio.wait_for(layer.new_channel(prefix="gongyi.hub."), SUBSCRIBE_TIMEOUT)
        # If this fails, no listener runs: the next watcher or the resync's revive() starts over.
        for proposal_id in self._subscribed:
            for group in self.groups(proposal_id):
                await asyncio.wait_for(layer.group_add(group, channel), SUBSCRIBE_TIMEOUT)
        self._channel = channel
        self._listener = asyncio.get_running_loop().create_task(self._listen(channel))

    async def _unsubscribe(self, proposal_id: int) -> None:
        if self._loop is not asyncio.get_running_loop():
            return
        async with self._state():
            if proposal_id in self.slots or proposal_id not in self._subscribed:
                return  # watched again meanwhile, or never subscribed
            self._subscribed.discard(proposal_id)
            layer = get_channel_layer()
            try:
                for group in self.groups(proposal_id):
                    await asyncio.wait_for(layer.group_discard(group, self._channel), SUBSCRIBE_TIMEOUT)
            except Exception:
                self._log_once("Leaving the live groups of proposal %s failed", proposal_id)
            if not self._subscribed and self._listener is not None:
                # Nothing watched on this server: the channel goes (Redis pub/sub unsubscribes it on cancel).
                self._listener.cancel()
                self._listener, self._channel = None, None

    def _forget(self, proposal_id: int) -> None:
        """Drop an idle slot, and the subscription after it (from a task: the push loop cannot wait for it)."""
        del self.slots[proposal_id]
        task = asyncio.get_running_loop().create_task(self._unsubscribe(proposal_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _listen(self, channel: str) -> None:
        """The receive loop: one wake-up per change message per server. Outlives errors (Redis down)."""
        layer = get_channel_layer()
        while True:
            try:
                message = await layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                self._log_once("Receiving live changes failed; the resync catches up")
                await asyncio.sleep(1)
                continue
            proposal_id = message.get(self.key_field)
            if proposal_id is None:  # a message without its proposal (an older server): every one may have moved
                for pid in list(self.slots):
                    self.changed(pid)
            else:
                self.changed(proposal_id)

    def _log_once(self, message: str, *args) -> None:
        if time.monotonic() - self._last_error > 60:
            self._last_error = time.monotonic()
            logger.exception(message, *args)

    async def revive(self) -> None:
        """Start the receive loop again if it died while proposals are watched (called by the resync)."""
        if self._subscribed and not self._listening():
            async with self._state():
                if self._subscribed and not self._listening():
                    await self._restart_listener()

    # --- Pushing ---------------------------------------------------------------------------------------------

    def seen(self, proposal_id: int, marker: tuple) -> None:
        """A watcher got the tally at `marker` on connecting; from now on lost messages are caught up."""
        slot = self.slots.get(proposal_id)
        if slot is not None and slot.seen is None:
            slot.seen = marker
        interval = settings.TALLY_RESYNC_INTERVAL
        loop = asyncio.get_running_loop()
        task = self._resync_task
        if interval > 0 and (task is None or task.done() or task.get_loop() is not loop):
            self._resync_task = loop.create_task(self._resync_loop(interval))

    def changed(self, proposal_id: int) -> None:
        slot = self.slots.get(proposal_id)
        if slot is None:
            return
        slot.dirty = True
        if not slot.running:
            slot.running = True
            asyncio.get_running_loop().create_task(self._push_loop(proposal_id, slot))

    async def _push_loop(self, proposal_id: int, slot: _Slot) -> None:
        interval = settings.TALLY_PUSH_INTERVAL
        loop = asyncio.get_running_loop()
        try:
            while slot.dirty and slot.watchers:
                wait = slot.last_push + interval - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                slot.dirty = False
                marker = await self.push(proposal_id, slot)
                slot.last_push = loop.time()
                if marker is not None:
                    slot.seen = marker
        except Exception:
            logger.exception("Pushing live data of proposal %s failed", proposal_id)
        finally:
            slot.running = False
            if slot.idle and self.slots.get(proposal_id) is slot:
                self._forget(proposal_id)

    async def push(self, proposal_id: int, slot: _Slot) -> tuple | None:
        """Compute the tally once, send it to every watcher; the marker it was computed at (for the resync)."""
        text, marker = await database_sync_to_async(self.load)(proposal_id)
        for consumer in list(slot.watchers):
            await self.send(slot, consumer, text)
        return marker

    @staticmethod
    async def send(slot: _Slot, consumer, text: str) -> None:
        try:
            await consumer.send(text_data=text)
        except Exception:  # a socket that went away mid-push
            slot.watchers.discard(consumer)

    async def _resync_loop(self, interval: float) -> None:
        """Push every watched proposal whose marker moved on since its watchers' last tally. Runs while watched."""
        last_error = 0.0
        while self.slots:
            await asyncio.sleep(interval)
            try:
                await self.revive()
            except Exception:
                self._log_once("Restarting the live receive loop failed; the resync goes on")
            seen = {pid: slot.seen for pid, slot in self.slots.items() if slot.seen is not None and slot.watchers}
            if not seen:
                continue
            try:
                markers = await database_sync_to_async(self.markers)(list(seen))
            except Exception:
                if time.monotonic() - last_error > 60:  # the database is down: once a minute, not every interval
                    last_error = time.monotonic()
                    logger.exception("Checking watched tallies for missed changes failed")
                continue
            for proposal_id, marker in markers.items():
                if marker != seen[proposal_id]:
                    self.changed(proposal_id)


hub = TallyHub()
