"""python manage.py close_due_proposals: close every proposal whose voting window has ended (run periodically)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from proposals.models import Proposal, State
from proposals.services import proposal_close_if_due


class Command(BaseCommand):
    help = "Close proposals whose voting window has ended. Safe to run as often as you like."

    def handle(self, *args, **options):
        due = Proposal.objects.filter(state=State.VOTING, voting_closes_at__lte=timezone.now())
        closed = 0
        for proposal in due:
            if proposal_close_if_due(proposal=proposal).state == State.CLOSED:
                closed += 1
        self.stdout.write(f"Closed {closed} proposal(s).")
