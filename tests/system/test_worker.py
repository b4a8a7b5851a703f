"""The task queue's real worker (`manage.py run_huey`) on the configured storage — Redis when REDIS_URL is set (CI),
else a SQLite file of the test's own: its scheduler closes a proposal whose voting window has ended with no request
at all, and it makes the document a request queued on a real daphne."""

from datetime import timedelta

import pytest
from django.utils import timezone

from community.models import Role
from documents.models import DocumentJob
from proposals.models import Proposal, State, Transition
from tests.factories import RoleFactory
from tests.system.client import Client, sessions_for
from tests.system.processes import wait_until
from tests.system.scenario import open_vote

pytestmark = pytest.mark.django_db(transaction=True)
NEEDS_REDIS = False  # the queue runs on a SQLite file without it; the database must still be shared: PostgreSQL


def ended_window(proposal: Proposal, *, ago: timedelta) -> None:
    closes = timezone.now() - ago
    Proposal.objects.filter(pk=proposal.pk).update(voting_opens_at=closes - timedelta(days=7), voting_closes_at=closes)


def test_the_worker_closes_a_proposal_whose_window_has_ended_on_its_own(worker):
    due, _voters = open_vote(buildings=1, entrances=1, floors=1, rooms_per_floor=2)
    ended_window(due, ago=timedelta(seconds=1))
    not_due, _voters = open_vote(buildings=1, entrances=1, floors=1, rooms_per_floor=2)

    process = worker()  # the scheduler checks its periodic tasks when it starts, then every minute

    wait_until(
        lambda: Proposal.objects.get(pk=due.pk).state == State.CLOSED,
        60,
        "the worker to close the due proposal",
        interval=0.25,
    )
    closing = Transition.objects.get(proposal=due, to_state=State.CLOSED)
    assert closing.by is None and closing.note == "closed at the end of the voting window"
    assert Proposal.objects.get(pk=not_due.pk).state == State.VOTING
    # The task logs once its transaction has committed, a moment after the test sees the row closed.
    log = wait_until(lambda: "closed 1 proposal(s)" in process.log_text() and process.log_text(), 10, "the log")
    assert "Executing lifecycle.tasks.proposals_close_due_task" in log, log


def test_a_document_job_queued_by_a_request_is_made_by_the_worker(worker, daphnes, queue_env):
    proposal, _voters = open_vote(buildings=1, entrances=1, floors=2, rooms_per_floor=2)
    community = proposal.community
    secretary = RoleFactory(community=community, kind=Role.Kind.SECRETARY).user
    session = sessions_for([secretary])[secretary.pk]
    [server] = daphnes(["A"], env=queue_env)
    process = worker()

    # A whole community's join slips are always a background job.
    client = Client(session)
    response = client.request(
        server.port,
        "POST",
        f"/c/{community.slug}/documents/slips.pdf?all=1",
        {"csrfmiddlewaretoken": client.ensure_csrf()},
    )
    job = DocumentJob.objects.get()
    assert response.status == 302 and response.headers["Location"] == f"/documents/jobs/{job.pk}/", response.text
    assert job.kind == "slips"

    def finished():
        status = client.get(server.port, f"/documents/jobs/{job.pk}/progress.json").json()
        return status if status["state"] in ("done", "failed") else None

    status = wait_until(finished, 120, f"the worker to make the document:\n{process.log_text()}", interval=0.5)
    assert (status["state"], status["percent"], status["pages_done"]) == ("done", 100, 1), status
    download = client.get(server.port, status["download_url"])
    assert download.status == 200 and download.headers["Content-Type"] == "application/pdf"
    assert download.body.startswith(b"%PDF-")
    job.refresh_from_db()
    assert job.file.name.startswith("documents/") and job.size == len(download.body)
    assert "documents.tasks.document_job_task" in process.log_text()
