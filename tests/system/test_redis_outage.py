"""Redis stops during voting: ballots are still stored and acknowledged, live pushes resume when it is back, and
the failure is logged once rather than per request. The test runs its own redis-server, never the suite's."""

import contextlib
import json
import re
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from proposals.models import Proposal
from tests.system.client import RECEIPT, Client
from tests.system.processes import wait_until
from tests.system.scenario import open_vote
from tests.system.wsclient import HandshakeRefused, WebSocket
from voting.audit import ballots_verify
from voting.live import SEND_TIMEOUT
from voting.models import Ballot
from voting.selectors import tally_json

pytestmark = pytest.mark.django_db(transaction=True)

CHOICE_LABELS = {"agree": "同意", "disagree": "不同意", "abstain": "弃权"}
LOG_LINE = re.compile(r"^\S+ \S+ (ERROR|WARNING|CRITICAL) (\S+): (.*)$", re.MULTILINE)
# A ballot's answer may wait for the channel layer at most SEND_TIMEOUT; the rest is the request itself.
ANSWER_WITHIN = SEND_TIMEOUT + 5


def db_tally(proposal_id: int) -> dict:
    return json.loads(json.dumps(tally_json(Proposal.objects.get(pk=proposal_id))))


def ws_path(proposal_id: int) -> str:
    return f"/ws/proposals/{proposal_id}/tally/"


def vote_on_the_page(client: Client, port: int, proposal_id: int, household_id: int, choice: str) -> tuple[str, float]:
    """What a phone does: open the proposal page, confirm the choice, land back on the page and read the receipt.

    Returns the receipt code shown and the seconds the vote itself took to answer.
    """
    page = client.get(port, f"/proposals/{proposal_id}/")
    assert page.status == 200, page.status
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    data = {"household": household_id, "choice": choice, "confirm": "1", "csrfmiddlewaretoken": token}
    started = time.monotonic()
    response = client.request(port, "POST", f"/proposals/{proposal_id}/vote/", data)
    seconds = time.monotonic() - started
    assert response.status == 302, (response.status, response.text[:500])
    assert response.headers["Location"] == f"/proposals/{proposal_id}/"
    shown = client.get(port, response.headers["Location"])
    assert shown.status == 200
    match = RECEIPT.search(shown.page_text)
    assert match, shown.page_text[:800]
    assert match.group(1) == CHOICE_LABELS[choice]
    return match.group(2), seconds


def check_receipt(client: Client, port: int, proposal_id: int, receipt: str, choice: str) -> None:
    """The receipt check page (its attempt counters live in the cache, i.e. in Redis) confirms the ballot."""
    page = client.get(port, f"/proposals/{proposal_id}/receipt/")
    assert page.status == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = client.request(
        port, "POST", f"/proposals/{proposal_id}/receipt/", {"code": receipt, "csrfmiddlewaretoken": token}
    )
    assert answer.status == 200, answer.status
    assert "receipt-found" in answer.text and CHOICE_LABELS[choice] in answer.page_text


def connect_when_possible(port: int, proposal_id: int, cookie: str, timeout: float) -> WebSocket:
    """Reconnect as tally.js does: try again until the server accepts the socket."""

    def attempt():
        try:
            return WebSocket(port, ws_path(proposal_id), cookie=cookie)
        except (HandshakeRefused, OSError):
            return None

    return wait_until(attempt, timeout, "a socket accepted again", interval=0.5)


def error_lines(server) -> Counter:
    """(logger, message) of each ERROR/WARNING line in a server's log, counted."""
    return Counter((name, message[:60]) for _level, name, message in LOG_LINE.findall(server.log_text()))


def test_ballots_are_stored_through_a_redis_outage_and_live_pushes_resume(private_redis, daphnes):
    proposal, voters = open_vote(buildings=1, entrances=1, floors=6, rooms_per_floor=2)
    # A catches missed changes up from the database every second; B does not, so a push to B's sockets can
    # only have come through Redis.
    a, b = daphnes(
        ["A", "B"],
        redis_url=private_redis.url,
        env_of={"A": {"TALLY_RESYNC_INTERVAL": "1"}, "B": {"TALLY_RESYNC_INTERVAL": "0"}},
    )
    cookie = f"sessionid={voters[-1].session_key}"
    through = WebSocket(a.port, ws_path(proposal.pk), cookie=cookie)  # stays connected through the outage
    fresh = None
    try:
        assert through.first()["version"] == 0
        # Before: a ballot on B reaches A's socket through Redis.
        receipt, _ = vote_on_the_page(
            Client(voters[0].session_key), b.port, proposal.pk, voters[0].household_id, "agree"
        )
        through.wait_for(lambda m: m[-1]["version"] == 1, 20, "the ballot before the outage")

        private_redis.stop()
        during = voters[1:7]
        for i, voter in enumerate(during):
            server = (a, b)[i % 2]
            choice = ("agree", "disagree", "abstain")[i % 3]
            client = Client(voter.session_key)
            receipt, seconds = vote_on_the_page(client, server.port, proposal.pk, voter.household_id, choice)
            assert seconds < ANSWER_WITHIN
            ballot = Ballot.objects.get(proposal=proposal, household_id=voter.household_id)
            assert (ballot.choice, ballot.receipt) == (choice, receipt)
            check_receipt(client, server.port, proposal.pk, receipt, choice)
        # Watchers' pages poll tally.json meanwhile: it answers from the database.
        tally_now = db_tally(proposal.pk)
        assert tally_now["version"] == 7 and tally_now["participated"]["households"] == 7
        for server in (a, b):
            assert Client(voters[0].session_key).get(server.port, f"/proposals/{proposal.pk}/tally.json").json() == (
                tally_now
            )
        # Tries to open sockets while the channel layer is down (tally.js retries): none may crash the server.
        for _ in range(3):
            with contextlib.suppress(HandshakeRefused, OSError):
                WebSocket(b.port, ws_path(proposal.pk), cookie=cookie).close()
        # The socket open through the outage catches up from the database, without Redis.
        through.wait_for(lambda m: m[-1] == tally_now, 20, "the ballots of the outage on the open socket")

        private_redis.start()
        # After: a client reconnecting to B starts from the current tally ...
        fresh = connect_when_possible(b.port, proposal.pk, cookie, 30)
        assert fresh.first() == tally_now
        # ... and a new ballot on A is pushed to it through Redis (B has no resync), and to the open socket.
        voter = voters[7]
        vote_on_the_page(Client(voter.session_key), a.port, proposal.pk, voter.household_id, "agree")
        final = db_tally(proposal.pk)
        assert final["version"] == 8
        fresh.wait_for(lambda m: m[-1] == final, 20, "the ballot after Redis came back, pushed to B")
        through.wait_for(lambda m: m[-1] == final, 20, "the ballot after Redis came back, on A")

        proposal.refresh_from_db()
        assert Ballot.objects.filter(proposal=proposal).count() == 8
        assert ballots_verify(proposal) == []
    finally:
        for socket in (through, fresh):
            if socket is not None:
                socket.close()

    # Logged once, not once per request: each server handled outage ballots and logged the failed push once.
    for server in (a, b):
        log = server.log_text()
        assert log.count("Live tally push failed") == 1, server.log_tail()
        assert log.count("Redis cache unavailable") <= 1, server.log_tail()
        repeated = {key: n for key, n in error_lines(server).items() if n > 1}
        assert not repeated, repeated
        assert not re.search(r'"(GET|POST) [^"]*" 5\d\d ', log), server.log_tail()


def test_a_frozen_redis_delays_ballots_by_seconds_not_minutes(private_redis, daphnes):
    """A Redis that accepts connections but never answers: each publish would wait for its socket's timeout,
    one after another under the channel layer's lock, so concurrent ballots would queue for minutes."""
    proposal, voters = open_vote(buildings=1, entrances=1, floors=4, rooms_per_floor=2)
    (a,) = daphnes(["A"], redis_url=private_redis.url, env={"TALLY_RESYNC_INTERVAL": "1"})
    watcher = WebSocket(a.port, ws_path(proposal.pk), cookie=f"sessionid={voters[-1].session_key}")
    burst = voters[:6]
    try:
        assert watcher.first()["version"] == 0
        clients = [Client(voter.session_key) for voter in burst]
        for client in clients:
            client.ensure_csrf()
        private_redis.freeze()
        try:
            with ThreadPoolExecutor(len(burst)) as pool:

                def cast(index: int):
                    started = time.monotonic()
                    try:
                        response = clients[index].vote(a.port, proposal.pk, burst[index].household_id, "agree")
                    except TimeoutError:  # no answer within the client's 30 s
                        return 0, [], time.monotonic() - started
                    return response.status, clients[index].flashed(), time.monotonic() - started

                answers = list(pool.map(cast, range(len(burst))))
            # Whether a server waits for its announcement or hands it to its event loop, the send gives up after
            # SEND_TIMEOUT and says so, while Redis is still frozen.
            wait_until(lambda: "Live tally push failed" in a.log_text(), SEND_TIMEOUT + 20, "the failed push logged")
        finally:
            private_redis.thaw()
        assert max(seconds for _status, _flashed, seconds in answers) < ANSWER_WITHIN, answers
        for status, flashed, _seconds in answers:
            assert status == 302 and any(RECEIPT.search(text) for text in flashed), (status, flashed)
        final = db_tally(proposal.pk)
        assert final["agree"]["households"] == len(burst)
        watcher.wait_for(lambda m: m[-1] == final, 30, "the ballots cast while Redis was frozen")
    finally:
        watcher.close()
    assert a.log_text().count("Live tally push failed") == 1, a.log_tail()
