"""python manage.py verify_ballots PROPOSAL_ID [--head SEQ:MAC]: recompute the ballot chain under the server's key,
check the frozen electorate and the tally, and — with the head printed on the resolution or a result notice — that
the log still holds that entry; exit 1 on any problem."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from proposals.models import Proposal
from voting.audit import ballots_verify
from voting.chain import parse_head


class Command(BaseCommand):
    help = "Verify a proposal's ballots against their MAC-chained log (and a head read off paper) and recount."

    def add_arguments(self, parser):
        parser.add_argument("proposal_id", type=int)
        parser.add_argument("--head", help="the ballot log head printed on paper, SEQ:MAC")

    def handle(self, *args, proposal_id, head=None, **options):
        translation.activate("zh-hans")
        try:
            printed = parse_head(head) if head else None
        except ValueError as error:
            raise CommandError(f"--head: {error}") from None
        proposal = Proposal.objects.filter(pk=proposal_id).first() if 0 < proposal_id < 2**63 else None
        if proposal is None:
            raise CommandError(f"No proposal {proposal_id}.")
        problems = ballots_verify(proposal, head=printed)
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in the ballots of proposal {proposal_id}.")
        against = f", the printed head {printed[0]}:{printed[1][:12]}… is in the log" if printed else ""
        self.stdout.write(
            f"OK: proposal {proposal_id}, {proposal.ballot_seq} log entries, ballots and tally consistent{against}."
        )
