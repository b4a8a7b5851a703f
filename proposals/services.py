"""Every write to a proposal itself: creating and editing it, its attachments, and the moves of its state machine
(opening, closing and publishing, which involve the electorate, costs and tallies, are in lifecycle.services)."""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from community.models import Community
from core.uploads import sniff_upload
from proposals.models import (
    MAJOR_CATEGORIES,
    Attachment,
    Electorate,
    Proposal,
    RuleCode,
    Scope,
    State,
    Transition,
    rules_for,
)

# The lifecycle: draft → consultation → voting → closed → published; withdrawn from any state before closed.
MOVES = {
    State.DRAFT: {State.CONSULTATION, State.WITHDRAWN},
    State.CONSULTATION: {State.VOTING, State.WITHDRAWN},
    State.VOTING: {State.CLOSED, State.WITHDRAWN},
    State.CLOSED: {State.PUBLISHED},
    State.PUBLISHED: set(),
    State.WITHDRAWN: set(),
}
EDITABLE = {State.DRAFT, State.CONSULTATION}


def rule_for(*, category: str, unanimous: bool = False, elevator: bool = False) -> str:
    """Items 6–8 of 第278条 need the major rule, the rest the ordinary one, unless the committee asks for more."""
    if unanimous:
        return RuleCode.UNANIMOUS
    if elevator:
        return RuleCode.ELEVATOR
    return RuleCode.CIVIL_CODE_MAJOR if category in MAJOR_CATEGORIES else RuleCode.CIVIL_CODE_ORDINARY


def _check_scope(community, scope, buildings, entrances, households) -> None:
    items = {Scope.BUILDINGS: buildings, Scope.ENTRANCES: entrances, Scope.HOUSEHOLDS: households}.get(scope)
    if scope != Scope.COMMUNITY and not items:
        raise ValidationError(_("Choose at least one building, entrance or household for the scope."))
    for item in items or ():
        item_community_id = getattr(item, "community_id", None)
        if item_community_id is None:
            item_community_id = (
                item.building.community_id if hasattr(item, "building") else item.entrance.building.community_id
            )
        if item_community_id != community.pk:
            raise ValidationError(_("The scope may only contain this community's buildings and households."))


@transaction.atomic
def proposal_create(
    *,
    community,
    by,
    title: str,
    summary: str,
    body: str = "",
    category: str,
    rule: str | None = None,
    scope: str = Scope.COMMUNITY,
    buildings=(),
    entrances=(),
    households=(),
) -> Proposal:
    """Create a draft. Caller holds proposals.add_proposal for the community."""
    _check_scope(community, scope, buildings, entrances, households)
    if rule and rule not in dict(rules_for(Electorate.OWNERS)):
        # The assembly's rule counts representatives: a proposal gets it by becoming a representatives' matter.
        raise ValidationError(_("Choose a rule by which the owners decide."))
    # Lock the community row: FOR UPDATE cannot lock an aggregate, and two drafts must not both get number n.
    Community.objects.select_for_update().only("pk").get(pk=community.pk)
    last = Proposal.objects.filter(community=community).aggregate(n=Max("number"))["n"]
    proposal = Proposal.objects.create(
        community=community,
        number=(last or 0) + 1,
        title=title,
        summary=summary,
        body=body,
        category=category,
        rule=rule or rule_for(category=category),
        scope=scope,
        created_by=by,
    )
    proposal.scope_buildings.set(buildings if scope == Scope.BUILDINGS else [])
    proposal.scope_entrances.set(entrances if scope == Scope.ENTRANCES else [])
    proposal.scope_households.set(households if scope == Scope.HOUSEHOLDS else [])
    Transition.objects.create(proposal=proposal, from_state="", to_state=State.DRAFT, by=by)
    return proposal


@transaction.atomic
def proposal_update(*, proposal: Proposal, by, **fields) -> Proposal:
    """Edit a draft or a proposal in consultation. Caller holds proposals.manage_proposal."""
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.state not in EDITABLE:
        raise ValidationError(_("Only a draft or a proposal in consultation can be edited."))
    scope_items = {key: fields.pop(key) for key in ("buildings", "entrances", "households") if key in fields}
    if "scope" in fields or scope_items:
        scope = fields.get("scope", proposal.scope)
        _check_scope(
            proposal.community,
            scope,
            scope_items.get("buildings", ()),
            scope_items.get("entrances", ()),
            scope_items.get("households", ()),
        )
        proposal.scope_buildings.set(scope_items.get("buildings", ()) if scope == Scope.BUILDINGS else [])
        proposal.scope_entrances.set(scope_items.get("entrances", ()) if scope == Scope.ENTRANCES else [])
        proposal.scope_households.set(scope_items.get("households", ()) if scope == Scope.HOUSEHOLDS else [])
    if proposal.electorate != Electorate.OWNERS:
        # A representatives' matter is decided by the assembly's rule, set by its meeting (meetings.services); the
        # proposal form, which offers the owners' rules, changes everything else.
        fields.pop("rule", None)
    for name, value in fields.items():
        if name not in {"title", "summary", "body", "category", "rule", "scope"}:
            raise TypeError(f"proposal_update cannot change {name}")
        setattr(proposal, name, value)
    proposal.save()
    return proposal


def proposal_transition(proposal: Proposal, to_state: str, by, note: str = "") -> Proposal:
    """Record the move of `proposal` to `to_state` (unsaved state field). Caller holds the proposal row lock."""
    if to_state not in MOVES[proposal.state]:
        raise ValidationError(
            _("A proposal that is %(state)s cannot be moved to “%(target)s”.")
            % {"state": proposal.get_state_display(), "target": State(to_state).label}
        )
    Transition.objects.create(proposal=proposal, from_state=proposal.state, to_state=to_state, by=by, note=note)
    proposal.state = to_state
    return proposal


def proposal_lock(proposal: Proposal) -> Proposal:
    """The proposal re-read under its row lock. Caller is inside a transaction."""
    return Proposal.objects.select_for_update().get(pk=proposal.pk)


@transaction.atomic
def proposal_start_consultation(*, proposal: Proposal, by) -> Proposal:
    proposal = proposal_transition(proposal_lock(proposal), State.CONSULTATION, by)
    proposal.save(update_fields=["state", "updated_at"])
    return proposal


@transaction.atomic
def proposal_withdraw(*, proposal: Proposal, by, reason: str = "") -> Proposal:
    proposal = proposal_lock(proposal)
    if proposal.on_meeting_ballot:
        raise ValidationError(
            _("This proposal is a matter of an owners' meeting whose notice is published: the meeting decides it.")
        )
    proposal = proposal_transition(proposal, State.WITHDRAWN, by, note=reason[:200])
    proposal.save(update_fields=["state", "updated_at"])
    return proposal


@transaction.atomic
def attachment_add(*, proposal: Proposal, by, upload, title: str = "") -> Attachment:
    """Attach a checked image or PDF while the text may still change. Caller holds proposals.manage_proposal."""
    # Once voting opens the material households decide on is fixed, like the text (proposal_update).
    if proposal.state not in EDITABLE:
        raise ValidationError(_("Files can only be attached to a draft or a proposal in consultation."))
    kind, extension = sniff_upload(upload)
    attachment = Attachment(
        proposal=proposal,
        kind=kind,
        title=(title or upload.name)[:120],
        token=secrets.token_hex(16),
        extension=extension,
        size=upload.size,
        uploaded_by=by,
    )
    attachment.file.save(f"{attachment.token}{extension}", upload, save=False)
    attachment.save()
    return attachment
