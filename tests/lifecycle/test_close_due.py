"""Closing on a schedule: proposals_close_due closes exactly the proposals whose voting window has ended, for the
worker's periodic task (every minute) and the close_due_proposals command alike. The real worker closing one on
its own: tests/system/test_worker.py."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from lifecycle import tasks
from lifecycle.services import proposals_close_due
from proposals.models import Proposal, State, Transition
from tests.proposals.conftest import make_proposal

pytestmark = pytest.mark.django_db


def voting_until(actors, closes_at):
    proposal = make_proposal(actors.community, actors.users["committee"], state=State.VOTING)
    Proposal.objects.filter(pk=proposal.pk).update(
        voting_opens_at=closes_at - timedelta(days=7), voting_closes_at=closes_at
    )
    return proposal


def state_of(proposal) -> str:
    return Proposal.objects.get(pk=proposal.pk).state


def test_only_the_proposals_whose_window_has_ended_are_closed(actors):
    now = timezone.now()
    ended = voting_until(actors, now - timedelta(seconds=1))
    ended_long_ago = voting_until(actors, now - timedelta(days=3))
    still_open = voting_until(actors, now + timedelta(minutes=1))
    consultation = make_proposal(actors.community, actors.users["committee"], state=State.CONSULTATION)

    assert proposals_close_due() == 2

    assert (state_of(ended), state_of(ended_long_ago)) == (State.CLOSED, State.CLOSED)
    assert (state_of(still_open), state_of(consultation)) == (State.VOTING, State.CONSULTATION)
    closing = Transition.objects.get(proposal=ended, to_state=State.CLOSED)
    assert closing.by is None and closing.note == "closed at the end of the voting window"
    assert proposals_close_due() == 0  # running again changes nothing


def test_now_bounds_which_are_closed(actors):
    now = timezone.now()
    earlier = voting_until(actors, now - timedelta(hours=2))
    later = voting_until(actors, now - timedelta(minutes=5))
    assert proposals_close_due(now=now - timedelta(hours=1)) == 1
    assert (state_of(earlier), state_of(later)) == (State.CLOSED, State.VOTING)


def test_the_command_closes_the_due_ones(actors, capsys):
    ended = voting_until(actors, timezone.now() - timedelta(seconds=1))
    call_command("close_due_proposals")
    assert capsys.readouterr().out.strip() == "Closed 1 proposal(s)."
    assert state_of(ended) == State.CLOSED


def test_the_worker_runs_the_closing_every_minute(actors):
    task = tasks.proposals_close_due_task.task_class()
    minutes = [datetime(2026, 3, 1, 0, 0, tzinfo=UTC) + timedelta(minutes=m) for m in (0, 1, 59, 61, 600)]
    assert all(task.validate_datetime(minute.replace(tzinfo=None)) for minute in minutes)
    ended = voting_until(actors, timezone.now() - timedelta(seconds=1))
    tasks.proposals_close_due_task.call_local()
    assert state_of(ended) == State.CLOSED
