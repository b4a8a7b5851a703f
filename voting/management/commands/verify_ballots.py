"""python manage.py verify_ballots PROPOSAL_ID: recompute the ballot chain and the tally; exit 1 on any problem."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from proposals.models import Proposal
from voting.audit import ballots_verify


class Command(BaseCommand):
    help = "Verify a proposal's ballots against their hash-chained log and recount the tally."

    def add_arguments(self, parser):
        parser.add_argument("proposal_id", type=int)

    def handle(self, *args, proposal_id, **options):
        translation.activate("zh-hans")
        proposal = Proposal.objects.filter(pk=proposal_id).first()
        if proposal is None:
            raise CommandError(f"No proposal {proposal_id}.")
        problems = ballots_verify(proposal)
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in the ballots of proposal {proposal_id}.")
        self.stdout.write(
            f"OK: proposal {proposal_id}, {proposal.ballot_seq} log entries, ballots and tally consistent."
        )
