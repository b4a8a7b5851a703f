"""The secretary's paper and proxy ballots: one at a time through ballot_cast, or a whole spreadsheet at once.

A spreadsheet is checked against the proposal's electorate (paper_import_plan), then written all or nothing in ONE
transaction under the proposal lock (paper_ballots_import). Between the check and the confirmation the files wait
in the cache (Redis in production), since the confirmation may reach another server process.
"""

import secrets
from collections import Counter
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from community.models import Household
from core.uploads import sniff_upload
from proposals.models import Proposal
from voting.models import Ballot, Channel, Elector
from voting.paper_import import HouseholdRef, ParsedBallots, Problem, location_key, match_rows, parse_ballots
from voting.services import (
    HeadChoice,
    VotingError,
    ballot_cast,
    ballot_lock,
    ballots_write,
    chunks,
    discard_file,
)

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
BATCH_EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
STASH_SECONDS = 3600


def paper_ballot_record(
    *, proposal: Proposal, household: Household, choice: str, channel: str, by, proxy_name: str = "", evidence=None
) -> list[Ballot]:
    """Record one paper or proxy ballot with its photo or scan (checked by paper_evidence_check). Caller holds
    voting.record_paper on the proposal."""
    if channel not in (Channel.PAPER, Channel.PROXY):
        raise VotingError(_("Choose paper ballot or proxy."))
    if evidence:
        paper_evidence_check(evidence)
    return ballot_cast(
        proposal=proposal,
        household=household,
        choice=choice,
        channel=channel,
        by=by,
        proxy_name=proxy_name,
        evidence=evidence,
    )


def paper_evidence_check(evidence) -> None:
    """Check one ballot's photo or scan by its content and size (VotingError), and name it at random: a phone names
    photos after the moment they were taken, and a scan may be named after the owner. Every paper entry calls it."""
    try:
        _kind, extension = sniff_upload(evidence, max_bytes=EVIDENCE_MAX_BYTES)
    except ValidationError as exc:
        raise VotingError(exc.messages[0]) from None
    evidence.name = f"{secrets.token_hex(12)}{extension}"


# --- The spreadsheet ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Replacement:
    """A household whose recorded ballot the file replaces."""

    row: int
    label: str
    old_choice: str
    old_channel: str
    new_choice: str
    new_channel: str


@dataclass(frozen=True)
class _Group:
    """One head's ballot, written once for all of the head's flats in the electorate."""

    head: str
    choice: str
    channel: str
    proxy_name: str


@dataclass
class ImportPlan:
    """What a ballot sheet would write, or its problems. Counts are households, the owners' other flats included."""

    problems: list[Problem] = field(default_factory=list)
    groups: list[_Group] = field(default_factory=list)
    rows: int = 0
    households: int = 0
    choices: Counter = field(default_factory=Counter)
    channels: Counter = field(default_factory=Counter)
    other_flats: int = 0  # flats not in the file that follow their owner's choice
    replacements: list[Replacement] = field(default_factory=list)
    changed_choices: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def agree(self) -> int:
        return self.choices["agree"]

    @property
    def disagree(self) -> int:
        return self.choices["disagree"]

    @property
    def abstain(self) -> int:
        return self.choices["abstain"]


class PaperImportInvalid(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def _household_refs(proposal: Proposal) -> tuple[dict[tuple[str, str, str], HouseholdRef], dict[str, list[tuple]]]:
    """Every household of the community by location key (head None outside the electorate), and the electorate's
    flats per head as (household id, label). Two queries."""
    electors = {
        household_id: (head, label)
        for household_id, head, label in Elector.objects.filter(proposal=proposal).values_list(
            "household_id", "head", "label"
        )
    }
    by_head: dict[str, list[tuple]] = {}
    for household_id, (head, label) in electors.items():
        by_head.setdefault(head, []).append((household_id, label))
    refs = {}
    rows = (
        Household.objects.of(proposal.community_id)
        .order_by()
        .values_list("pk", "entrance__building__name", "entrance__name", "room")
    )
    for pk, building, entrance, room in rows.iterator(chunk_size=5000):
        head, label = electors.get(pk, (None, f"{building}-{entrance}-{room}"))
        refs[location_key(building, entrance, room)] = HouseholdRef(id=pk, label=label, head=head)
    return refs, by_head


def paper_import_plan(*, proposal: Proposal, parsed: ParsedBallots) -> ImportPlan:
    """Check a parsed ballot sheet against the proposal's households and ballots, writing nothing. Three queries.

    The problems of the file and those found against the database are reported together, row by row.
    """
    if not parsed.rows:
        return ImportPlan(problems=parsed.problems)
    refs, by_head = _household_refs(proposal)
    matched, problems = match_rows(parsed.rows, refs)
    if parsed.problems or problems:
        return ImportPlan(problems=sorted([*parsed.problems, *problems], key=lambda problem: problem.row or 0))
    existing = {
        household_id: (choice, channel)
        for household_id, choice, channel in Ballot.objects.filter(proposal=proposal).values_list(
            "household_id", "choice", "channel"
        )
    }
    plan = ImportPlan(rows=len(matched))
    listed = {m.household.id for m in matched}
    row_of = {m.household.id: m.row.row for m in matched}
    seen_heads: set[str] = set()
    for m in matched:
        head = m.household.head
        if head in seen_heads:
            continue  # written with the owner's first listed flat; match_rows made sure the choice agrees
        seen_heads.add(head)
        row = m.row
        plan.groups.append(_Group(head, row.choice, row.channel, row.proxy_name))
        for household_id, label in by_head[head]:
            plan.households += 1
            plan.choices[row.choice] += 1
            plan.channels[row.channel] += 1
            if household_id not in listed:
                plan.other_flats += 1
            old = existing.get(household_id)
            if old is not None:
                plan.replacements.append(
                    Replacement(row_of.get(household_id, row.row), label, old[0], old[1], row.choice, row.channel)
                )
                plan.changed_choices += old[0] != row.choice
    plan.replacements.sort(key=lambda replacement: replacement.row)
    return plan


def paper_ballots_import(*, proposal: Proposal, parsed: ParsedBallots, by, evidence: ContentFile) -> ImportPlan:
    """Write every ballot of a checked sheet, or none, with one scan as the evidence of all of them.

    Caller holds voting.record_paper and has checked `evidence` is a PDF. Takes the proposal row lock and checks the
    sheet again under it, so nothing recorded since the preview is overwritten unseen by a stale check; the ballots
    go through the one writer, voting.services.ballots_write. Raises PaperImportInvalid (with the problems) or
    VotingError (voting not open).
    """
    field = Ballot._meta.get_field("evidence")
    stored = ""
    try:
        with transaction.atomic():
            locked, now = ballot_lock(proposal)
            plan = paper_import_plan(proposal=proposal, parsed=parsed)
            if plan.problems:
                raise PaperImportInvalid(plan.problems)
            # Stored once; every ballot of the batch names the same file.
            stored = field.storage.save(field.generate_filename(None, f"batch-{secrets.token_hex(12)}.pdf"), evidence)
            ballots_write(proposal=locked, heads=_head_choices(proposal, plan.groups), by=by, at=now, evidence=stored)
    except IntegrityError:
        # Only reachable where the row lock is not enforced (SQLite): a ballot was recorded at the same moment.
        discard_file(stored)
        raise VotingError(_("A ballot was being recorded at the same moment; please check the file again.")) from None
    except Exception:
        discard_file(stored)
        raise
    return plan


def _head_choices(proposal: Proposal, groups: list[_Group]) -> list[HeadChoice]:
    """Each listed head's flats in the electorate (by household id) with the sheet's choice for them."""
    flats: dict[str, list[Elector]] = {}
    for chunk in chunks([group.head for group in groups]):
        for elector in Elector.objects.filter(proposal=proposal, head__in=chunk).order_by("household_id"):
            flats.setdefault(elector.head, []).append(elector)
    return [HeadChoice(flats[g.head], g.choice, g.channel, g.proxy_name) for g in groups]


# --- Keeping the files between the check and the confirmation ----------------------------------------------------


@dataclass(frozen=True)
class PaperUpload:
    filename: str
    content: bytes
    evidence_name: str
    evidence: bytes


def _stash_key(proposal: Proposal, user, token: str) -> str:
    return f"voting:paper-import:{proposal.pk}:{user.pk}:{token}"


def paper_upload_stash(*, proposal: Proposal, user, upload: PaperUpload) -> str:
    """Keep an uploaded sheet and its scan for an hour; the token (random, and bound to user and proposal) finds
    them again."""
    token = secrets.token_urlsafe(18)
    cache.set(_stash_key(proposal, user, token), upload, STASH_SECONDS)
    return token


def paper_upload_claim(*, proposal: Proposal, user, token: str) -> PaperUpload | None:
    """Take the stashed upload out of the cache, so that a second click or a second tab cannot write it again.

    None when it has expired or was claimed already.
    """
    key = _stash_key(proposal, user, token)
    upload = cache.get(key)
    # delete() says whether this request removed it: of two racing confirmations, one gets True.
    if upload is None or not cache.delete(key):
        return None
    return upload


def paper_upload_parse(upload: PaperUpload) -> ParsedBallots:
    return parse_ballots(upload.filename, upload.content)
