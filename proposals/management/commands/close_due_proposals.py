"""python manage.py close_due_proposals: close every proposal whose voting window has ended, now (the worker does
it every minute: proposals.tasks)."""

from django.core.management.base import BaseCommand

from proposals.services import proposals_close_due


class Command(BaseCommand):
    help = "Close proposals whose voting window has ended. Safe to run as often as you like."

    def handle(self, *args, **options):
        self.stdout.write(f"Closed {proposals_close_due()} proposal(s).")
