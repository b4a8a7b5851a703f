"""Two daphne servers sharing PostgreSQL and Redis: pushes cross servers, and a server killed mid-burst loses
no acknowledged ballot."""

import json
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

import pytest

from proposals.models import Proposal
from tests.system.client import CONNECTION_ERRORS, RECEIPT, Client
from tests.system.scenario import open_vote
from tests.system.wsclient import WebSocket
from voting.audit import ballots_verify
from voting.models import Ballot
from voting.selectors import tally_json

pytestmark = pytest.mark.django_db(transaction=True)


def db_tally(proposal_id: int) -> dict:
    """tally_json as it travels: through JSON, like the socket's text."""
    return json.loads(json.dumps(tally_json(Proposal.objects.get(pk=proposal_id))))


def ws_path(proposal_id: int) -> str:
    return f"/ws/proposals/{proposal_id}/tally/"


def test_a_ballot_posted_to_one_server_is_pushed_to_a_socket_on_the_other(daphnes):
    proposal, voters = open_vote(buildings=1, entrances=1, floors=3, rooms_per_floor=2)
    a, b = daphnes(["A", "B"])
    on_b = WebSocket(b.port, ws_path(proposal.pk), cookie=f"sessionid={voters[0].session_key}")
    on_a = WebSocket(a.port, ws_path(proposal.pk), cookie=f"sessionid={voters[1].session_key}")
    try:
        assert on_b.first()["version"] == 0 and on_a.first()["version"] == 0

        response = Client(voters[0].session_key).vote(a.port, proposal.pk, voters[0].household_id, "agree")
        assert response.status == 302, response.text[:500]
        messages = on_b.wait_for(lambda m: m[-1]["version"] == 1, 20, "the ballot posted to A on B's socket")
        assert messages[-1]["agree"]["households"] == 1 and messages[-1]["participated"]["households"] == 1
        assert messages[-1] == db_tally(proposal.pk)

        # And the other way round.
        response = Client(voters[1].session_key).vote(b.port, proposal.pk, voters[1].household_id, "disagree")
        assert response.status == 302
        messages = on_a.wait_for(lambda m: m[-1]["version"] == 2, 20, "the ballot posted to B on A's socket")
        assert messages[-1]["disagree"]["households"] == 1 and messages[-1] == db_tally(proposal.pk)
        # tally.json from either server says the same.
        assert Client(voters[2].session_key).get(a.port, f"/proposals/{proposal.pk}/tally.json").json() == messages[-1]
    finally:
        on_a.close()
        on_b.close()


BURST_WORKERS = 8
KILL_AFTER = 100  # of the 300 posts, about a third
CHOICES = ("agree", "agree", "disagree", "abstain")


@dataclass
class Outcome:
    household_id: int
    choice: str
    server: str = ""  # the server whose answer counted
    status: int = 0
    flashed: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # (server, error) of the attempts that got no answer

    @property
    def receipt(self) -> str | None:
        """The receipt code of the success message, or None: a 302 with an error message is no success."""
        found = [RECEIPT.search(text) for text in self.flashed]
        found = [match for match in found if match]
        return found[0].group(2) if self.status == 302 and found else None


def test_a_burst_over_two_servers_while_one_is_killed(daphnes):
    proposal, voters = open_vote(buildings=3, entrances=2, floors=10, rooms_per_floor=5)
    assert len(voters) == 300
    # No resync: the final tally must come through the coalesced pushes alone.
    a, b = daphnes(["A", "B"], env={"TALLY_RESYNC_INTERVAL": "0"})
    watcher_cookie = f"sessionid={voters[0].session_key}"
    on_b = WebSocket(b.port, ws_path(proposal.pk), cookie=watcher_cookie)
    on_a = WebSocket(a.port, ws_path(proposal.pk), cookie=watcher_cookie)
    moved = None

    def cast(i: int, voter) -> Outcome:
        """A phone posts its vote to its server; if that server gives no answer, the vote is sent again to B."""
        outcome = Outcome(voter.household_id, CHOICES[i % len(CHOICES)])
        client = Client(voter.session_key, timeout=30)
        for server in (a, b) if i % 2 == 0 else (b,):
            try:
                response = client.vote(server.port, proposal.pk, voter.household_id, outcome.choice)
            except CONNECTION_ERRORS as error:
                outcome.errors.append((server.name, repr(error)))
                continue
            outcome.server, outcome.status, outcome.flashed = server.name, response.status, client.flashed()
            break
        return outcome

    try:
        assert on_a.first()["version"] == 0 and on_b.first()["version"] == 0
        started = time.monotonic()
        outcomes = []
        with ThreadPoolExecutor(BURST_WORKERS) as pool:
            futures = [pool.submit(cast, i, voter) for i, voter in enumerate(voters)]
            for future in as_completed(futures, timeout=180):
                outcomes.append(future.result())
                if len(outcomes) == KILL_AFTER:
                    a.kill()
                    on_a.wait_closed(10)
                    # The client that was on A reconnects to B and catches up at once.
                    moved = WebSocket(b.port, ws_path(proposal.pk), cookie=watcher_cookie)
                    caught_up = moved.first()
                    assert caught_up["version"] >= on_a.messages[-1]["version"]
        burst_seconds = time.monotonic() - started

        # Every post got an answer that says it was recorded, with a receipt: from A before it died, else from B.
        failed = [o for o in outcomes if o.receipt is None]
        assert not failed, failed[:5]
        served = Counter(o.server for o in outcomes)
        retried = [o for o in outcomes if o.errors]
        assert served["A"] > 0 and retried, (served, len(retried))  # A answered some, then died mid-burst
        assert all(name == "A" for o in retried for name, _error in o.errors)

        # Each acknowledged ballot is in the database exactly once, with the choice and receipt it was answered with.
        ballots = {ballot.household_id: ballot for ballot in Ballot.objects.filter(proposal=proposal)}
        assert len(ballots) == len(voters)
        per_household = Counter(Ballot.objects.filter(proposal=proposal).values_list("household_id", flat=True))
        assert set(per_household.values()) == {1}
        for o in outcomes:
            assert (ballots[o.household_id].choice, ballots[o.household_id].receipt) == (o.choice, o.receipt)
        proposal.refresh_from_db()
        assert ballots_verify(proposal) == []

        final = db_tally(proposal.pk)
        assert final["participated"]["households"] == len(voters)
        assert final["agree"]["households"] == len(voters) // 2
        # The watcher on B and the one that moved from A end on the exact final tally (and no later version).
        for socket in (on_b, moved):
            messages = socket.wait_for(lambda m: m[-1] == final, 30, "the final tally")
            assert max(m["version"] for m in messages) == final["version"]
        # Coalesced: far fewer pushes than ballots.
        assert len(on_b.messages) < len(voters) / 2
        # A client connecting now starts from the same tally.
        late = WebSocket(b.port, ws_path(proposal.pk), cookie=watcher_cookie)
        try:
            assert late.first() == final
        finally:
            late.close()
        print(f"burst: {len(outcomes)} ballots in {burst_seconds:.1f}s, served {dict(served)}, {len(retried)} retried")
    finally:
        for socket in (on_a, on_b, moved):
            if socket is not None:
                socket.close()
