"""Reads behind the resolution: its content computed from the database, the signed record, the result notices,
and the per-household annex rows. A constant number of queries whatever the size of the electorate.

A resolution's subject is a proposal or an owners' meeting (Subject): every read below takes either, so that the
signing, the check behind the verification page and the notices are one implementation for both."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Role, natural_sort_key
from consult.meetings import party_positions
from costs.models import Share
from costs.selectors import plan_for, shares_compute
from documents.selectors import annex_rows as register_rows
from meetings.audit import election_verify
from meetings.models import AgendaItem, Meeting, MeetingState
from meetings.selectors import election_outcome
from proposals.models import Proposal, Scope, State
from resolutions import canonical as resolution
from resolutions.models import SIGNER_ROLE_OF_OFFICE, NoticeStage, Resolution, ResultNotice, Signature
from voting import engine
from voting.audit import ballots_verify
from voting.models import Ballot, Channel
from voting.selectors import tally_outcome

RESULT_STATES = (State.CLOSED, State.PUBLISHED)
CONVENER = "owners_committee"

# What a resolution is about: one proposal, or one owners' meeting with all its matters and elections.
Subject = Proposal | Meeting


def has_result(subject: Subject) -> bool:
    """Whether voting is over, so that there is a result to sign, print and publish: a proposal closed or published,
    a meeting closed (every matter then closed with it, the elections' ballots no longer change)."""
    if isinstance(subject, Meeting):
        return subject.state == MeetingState.CLOSED
    return subject.state in RESULT_STATES


def _subject_filter(subject: Subject) -> dict:
    """The lookup of the records (Resolution, ResultNotice) of `subject`."""
    return {"meeting_id": subject.pk} if isinstance(subject, Meeting) else {"proposal_id": subject.pk}


def subject_of(record: Resolution | ResultNotice) -> Subject:
    return record.meeting if record.meeting_id else record.proposal


# --- The content: what the fingerprint covers --------------------------------------------------------------------


def _scope(proposal: Proposal) -> dict:
    """The kind of scope and the names of what it lists (in natural order); a set of households by its size only."""
    if proposal.scope == Scope.BUILDINGS:
        items = [str(building) for building in proposal.scope_buildings.all()]
    elif proposal.scope == Scope.ENTRANCES:
        items = [str(entrance) for entrance in proposal.scope_entrances.select_related("building")]
    elif proposal.scope == Scope.HOUSEHOLDS:
        return {"kind": proposal.scope, "households": proposal.scope_households.count()}
    else:
        return {"kind": proposal.scope}
    return {"kind": proposal.scope, "items": sorted(items, key=natural_sort_key)}


def _channels(proposal: Proposal) -> dict:
    """Households per voting channel (one query)."""
    found = dict(
        Ballot.objects.filter(proposal_id=proposal.pk)
        .order_by()
        .values("channel")
        .annotate(n=Count("pk"))
        .values_list("channel", "n")
    )
    return {channel: found.get(channel, 0) for channel in Channel.values}


def _costs(proposal: Proposal) -> dict | None:
    plan = plan_for(proposal)
    if plan is None:
        return None
    shares = shares_compute(proposal, plan=plan)
    return {
        "method": plan.method,
        "sharers": plan.sharers,
        "weight_label": plan.weight_label,
        "total": plan.total,
        "subsidy_total": plan.subsidy_total,
        "to_share": plan.to_share,
        "items": [
            {"description": item.description, "supplier": item.supplier, "amount": item.amount}
            for item in plan.line_items.all()
        ],
        "subsidies": [
            {"source": subsidy.source, "name": subsidy.name, "amount": subsidy.amount}
            for subsidy in plan.subsidies.all()
        ],
        "shares": {row.code: row.amount for row in shares.rows} if shares and not shares.error else {},
    }


def _positions(proposal: Proposal) -> list[dict]:

    return [
        {
            "kind": party.kind,
            "name": party.name,
            "position": party.position,
            "conditions": party.conditions,
            "held_at": party.held_at,
        }
        for party in party_positions(proposal)
    ]


def resolution_content(proposal: Proposal) -> dict:
    """The result of `proposal` as it stands in the database now, in the shape resolutions.canonical serialises.

    Everything is read afresh (the proposal row too), so two calls without a change in between give the same
    canonical bytes. The ballot chain's head is included: any counted ballot that changes through the platform
    changes the fingerprint, and one changed behind its back changes the tally.
    """
    proposal = Proposal.objects.select_related("community").get(pk=proposal.pk)
    rule = engine.RULES[proposal.rule]
    outcome = tally_outcome(proposal, cached=False)  # the ballots as they are, not a tally cached by version
    passed = proposal.passed if proposal.state in RESULT_STATES else outcome.passed
    community = proposal.community
    return {
        "format": resolution.FORMAT,
        "proposal": {
            "id": proposal.pk,
            "number": proposal.number,
            "title": proposal.title,
            "summary": proposal.summary,
            "body": proposal.body,
            "category": proposal.category,
        },
        "community": {"id": community.pk, "name": community.name, "address": community.address},
        "convener": CONVENER,
        "scope": _scope(proposal),
        "rule": resolution.rule_section(rule),
        "voting": {"opens_at": proposal.voting_opens_at, "closes_at": proposal.voting_closes_at},
        "electorate": {
            "households": proposal.electorate_households,
            "heads": proposal.electorate_heads,
            "area": proposal.electorate_area,
        },
        "tally": resolution.outcome_section(outcome, passed=passed),
        "channels": _channels(proposal),
        "costs": _costs(proposal),
        "positions": _positions(proposal),
        "ballots": {"seq": proposal.ballot_seq, "hash": proposal.ballot_hash},
    }


# --- A meeting's content: every matter as its proposal's resolution says it, and every election ------------------


def _candidate(candidate) -> dict:
    """What the resolution prints of a candidate; party membership only with the candidate's consent."""
    return {
        "id": candidate.pk,
        "position": candidate.position,
        "name": candidate.name,
        "flat": str(candidate.household) if candidate.household_id else "",
        "party_member": candidate.party_shown,
    }


def _election(election) -> dict:
    result = election_outcome(election)
    candidates = election.candidates.select_related("household__entrance__building").order_by("position")
    return {
        "title": election.title,
        "rule": resolution.rule_section(engine.RULES[election.rule]),
        **resolution.election_section(
            result, candidates={str(c.pk): _candidate(c) for c in candidates}, alternates=election.alternates
        ),
        # The head of the election's ballot log, as a matter's content carries its proposal's.
        "ballots": {"seq": election.ballot_seq, "hash": election.ballot_hash},
    }


def meeting_resolution_content(meeting: Meeting) -> dict:
    """The result of the owners' meeting as it stands in the database now (read afresh): its agenda in order, each
    matter with the content its proposal's own resolution has (rule, figures, cost sharing, the head of its ballot
    log), each election with its seats, every candidate's figures, the elected, the alternates and the tied. A few
    queries per agenda item, none per household."""
    meeting = Meeting.objects.select_related("community", "building").get(pk=meeting.pk)
    community = meeting.community
    matters, elections = [], []
    items = AgendaItem.objects.filter(meeting=meeting).select_related("proposal", "election").order_by("position")
    for number, item in enumerate(items, start=1):
        if item.kind == AgendaItem.Kind.MATTER:
            matters.append({"number": number, "resolution": resolution_content(item.proposal)})
        else:
            elections.append({"number": number, **_election(item.election)})
    return {
        "format": resolution.MEETING_FORMAT,
        "meeting": {
            "id": meeting.pk,
            "title": meeting.title,
            "organiser": meeting.organiser,
            "building": str(meeting.building) if meeting.building_id else None,
            "blank_counts_as": meeting.blank_counts_as,
            "notice_published_at": meeting.notice_published_at,
        },
        "community": {"id": community.pk, "name": community.name, "address": community.address},
        "voting": {"opens_at": meeting.voting_opens_at, "closes_at": meeting.voting_closes_at},
        "electorate": {
            "households": meeting.electorate_households,
            "heads": meeting.electorate_heads,
            "area": meeting.electorate_area,
        },
        "matters": matters,
        "elections": elections,
    }


def resolution_canonical(subject: Subject) -> str:
    """The canonical text of the proposal's or the meeting's content, computed now."""
    if isinstance(subject, Meeting):
        return resolution.canonical(meeting_resolution_content(subject))
    return resolution.canonical(resolution_content(subject))


# --- The signed record ------------------------------------------------------------------------------------------


def resolution_of(subject: Subject) -> Resolution | None:
    return Resolution.objects.filter(**_subject_filter(subject)).first()


def signatures_of(record: Resolution | None) -> list[Signature]:
    if record is None:
        return []
    return list(Signature.objects.filter(resolution=record).order_by("signed_at", "pk"))


@dataclass
class ResolutionState:
    """What the resolution page and the panels show: the signed record (or None), its signatures, and whether
    this user has signed."""

    record: Resolution | None
    signatures: list[Signature] = field(default_factory=list)
    signed_by_me: bool = False

    @property
    def signed(self) -> bool:
        return self.record is not None


def signer_role(user, community) -> str | None:
    """The capacity (SignerRole) in which `user` signs a resolution of `community`: their office on its committee
    (chair, vice-chair or member). None when they are not on the committee there (they cannot sign). One query."""
    if not user or not user.is_authenticated or community is None:
        return None
    office = (
        Role.objects.filter(user=user, community=community, kind=Role.Kind.COMMITTEE)
        .values_list("office", flat=True)
        .first()
    )
    return None if office is None else SIGNER_ROLE_OF_OFFICE[office]


def resolution_state(subject: Subject, user) -> ResolutionState:
    """Two queries."""
    record = resolution_of(subject)
    signatures = signatures_of(record)
    mine = bool(user and user.is_authenticated and any(s.user_id == user.pk for s in signatures))
    return ResolutionState(record=record, signatures=signatures, signed_by_me=mine)


@dataclass(frozen=True)
class Check:
    """The verification of a signed resolution against the fingerprint printed on paper.

    `content_intact`: the record rebuilt from today's ballots hashes to the printed fingerprint.
    `signed_copy_intact`: the copy of the signed record kept on the server hashes to it too (else it was rewritten).
    `changed`: which parts of the record differ from the signed copy (only known while that copy is intact).
    """

    content_intact: bool
    signed_copy_intact: bool
    changed: list[str]
    audit_problems: list[str]

    @property
    def intact(self) -> bool:
        return self.content_intact and self.signed_copy_intact and not self.audit_problems


# A check is cached by the ballot log's head. The scheduled job (resolutions.tasks) checks every recent resolution
# again every CHECK_REFRESH_MINUTES, so the public page answers from the cache (a 50,000-household check takes
# seconds: bench/bench_verify.py); the lifetime bounds how long an edit behind the platform's back that leaves the
# head alone (an electorate row, the stored copy) can go unseen.
CHECK_REFRESH_MINUTES = 5
CHECK_CACHE_SECONDS = 3 * CHECK_REFRESH_MINUTES * 60
# Resolutions signed this recently are kept checked by the job; older ones are checked when someone asks.
CHECK_REFRESH_DAYS = 180


def _heads(subject: Subject) -> str:
    """The heads of every ballot log the subject's result is read from: the proposal's, or each matter's and each
    election's of the meeting (one query)."""
    if isinstance(subject, Proposal):
        return f"{subject.ballot_seq}:{subject.ballot_hash}"
    rows = (
        AgendaItem.objects.filter(meeting_id=subject.pk)
        .order_by("position")
        .values_list("proposal__ballot_seq", "proposal__ballot_hash", "election__ballot_seq", "election__ballot_hash")
    )
    heads = ",".join(f"{p_seq or e_seq or 0}:{p_hash or e_hash or ''}" for p_seq, p_hash, e_seq, e_hash in rows)
    return resolution.fingerprint(heads)


def _audit(subject: Subject) -> list[str]:
    """The ballot audit of the proposal (voting.audit), or of every matter and election of the meeting (and
    meetings.audit), each problem prefixed with its item."""
    if isinstance(subject, Proposal):
        return ballots_verify(subject)
    problems = []
    items = AgendaItem.objects.filter(meeting_id=subject.pk).select_related("proposal", "election__item")
    for item in items.order_by("position"):
        if item.kind == AgendaItem.Kind.MATTER:
            problems.extend(f"{item.proposal}: {problem}" for problem in ballots_verify(item.proposal))
        else:
            problems.extend(f"{item.election}: {problem}" for problem in election_verify(item.election))
    return problems


def _subject_read(record: Resolution) -> Subject:
    """The record's proposal or meeting, read afresh."""
    if record.meeting_id:
        return Meeting.objects.select_related("community").get(pk=record.meeting_id)
    return Proposal.objects.select_related("community").get(pk=record.proposal_id)


def resolution_check(record: Resolution, fingerprint: str, *, fresh: bool = False) -> Check:
    """Rebuild the record (a proposal's or a meeting's) from the database now and hash it: "intact" only when it
    hashes to `fingerprint` — the one printed on paper, from the address — whatever the stored copy says; then run
    the ballot audit chain. Cached per fingerprint and ballot-log head(s); `fresh` checks again whatever the cache
    holds."""
    subject = _subject_read(record)
    kind = "m" if record.meeting_id else "p"
    key = f"resolution-check:{fingerprint}:{kind}{subject.pk}:{_heads(subject)}"
    cached = None if fresh else cache.get(key)
    if cached is not None:
        return Check(**cached)
    problems = []
    try:
        current = resolution_canonical(subject)
    except ValueError:
        # The engine refuses ballots no platform write can produce (an owner's flats approving differently in an
        # election): the records were changed behind the platform's back, and no result can be rebuilt from them.
        current = None
        problems.append(_("The election ballots are inconsistent: one owner's flats no longer agree."))
    content_intact = current is not None and resolution.fingerprint(current) == fingerprint
    signed_copy_intact = resolution.fingerprint(record.content) == fingerprint and record.fingerprint == fingerprint
    changed = []
    if not content_intact:
        if signed_copy_intact and current is not None:
            changed = resolution.differences(resolution.load(record.content), resolution.load(current))
        changed = changed or ["(all)"]
    check = Check(
        content_intact=content_intact,
        signed_copy_intact=signed_copy_intact,
        changed=changed,
        audit_problems=problems + _audit(subject),
    )
    cache.set(key, dataclasses.asdict(check), timeout=CHECK_CACHE_SECONDS)
    return check


def resolution_checks_refresh() -> int:
    """Check every resolution signed in the last CHECK_REFRESH_DAYS again, into the cache; how many were checked."""
    since = timezone.now() - timedelta(days=CHECK_REFRESH_DAYS)
    records = Resolution.objects.filter(created_at__gte=since).order_by("pk")
    for record in records:
        resolution_check(record, record.fingerprint, fresh=True)
    return len(records)


def resolution_by_fingerprint(text: str) -> Resolution | None:
    """The resolution with exactly this fingerprint, or None (a malformed one is not looked up)."""
    text = (text or "").strip().lower()
    if not resolution.is_fingerprint(text):
        return None
    return (
        Resolution.objects.select_related("proposal__community", "meeting__community").filter(fingerprint=text).first()
    )


def resolution_by_text(text: str) -> Resolution | None:
    """The resolution whose signed content is `text` — the document's canonical text pasted by a reader — or None.
    The text is read as JSON and put in canonical form again, so line breaks and spaces added by copying do not
    matter; a text that is not the content of a signed resolution finds nothing."""
    try:
        content = resolution.load((text or "").strip())
        again = resolution.canonical(content)
    except (ValueError, TypeError):
        return None
    if not isinstance(content, dict):
        return None
    return resolution_by_fingerprint(resolution.fingerprint(again))


# --- Result notices ---------------------------------------------------------------------------------------------


def notices_of(subject: Subject) -> dict[str, ResultNotice]:
    """{stage: notice} of the proposal or meeting (one query)."""
    return {
        notice.stage: notice
        for notice in ResultNotice.objects.filter(**_subject_filter(subject)).select_related("by").order_by("pk")
    }


def preliminary_of(subject: Subject) -> ResultNotice | None:
    return ResultNotice.objects.filter(**_subject_filter(subject), stage=NoticeStage.PRELIMINARY).first()


# --- The per-household annex ------------------------------------------------------------------------------------


def annex_rows(proposal: Proposal, *, with_shares: bool):
    """The register annex rows (documents.annex.AnnexRow) of the frozen electorate, in roster order, with each
    household's share in the last column when the proposal has a cost plan (else the time of its ballot).
    Two queries (one for the shares), streamed."""
    if not with_shares:
        return register_rows(proposal)
    shares = dict(Share.objects.filter(plan__proposal_id=proposal.pk).values_list("household_id", "amount"))
    return register_rows(proposal, shares=shares)
