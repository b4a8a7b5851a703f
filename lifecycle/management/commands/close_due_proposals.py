"""python manage.py close_due_proposals: close every proposal whose voting window has ended now (the scheduled job
does the same every minute; this is for an operator)."""

from django.core.management.base import BaseCommand

from lifecycle.services import proposals_close_due


class Command(BaseCommand):
    help = "Close proposals whose voting window has ended. Safe to run as often as you like."

    def handle(self, *args, **options):
        self.stdout.write(f"Closed {proposals_close_due()} proposal(s).")
