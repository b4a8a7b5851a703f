"""The committee's bar at the top of the proposal page: the state, the deadline and the next actions, each only
when the proposal's state allows it and the rules let this user take it. One query (the cost plan); the roles are
cached on the user by the page's own permission check."""

from django import template
from django.urls import reverse

from costs.selectors import plan_for
from proposals.forms import allowed_actions
from proposals.models import Proposal, State
from proposals.services import EDITABLE

register = template.Library()

# The moves the bar offers (withdrawing, rare and with a reason, stays in the manage panel further down).
BAR_MOVES = ("consultation", "open", "close", "publish")
# Moves that change what households may do and cannot be undone: the bar links to a page that asks first.
CONFIRMED_MOVES = {"open": "proposal_open_confirm", "close": "proposal_close_confirm"}
VOTED_STATES = {State.VOTING, State.CLOSED, State.PUBLISHED}


def _links(proposal: Proposal, user, plan) -> list[dict]:
    """(name, url) of the pages where the committee acts on this proposal, in the order of its lifecycle."""
    can = lambda perm: user.has_perm(perm, proposal)  # noqa: E731
    pk, state = proposal.pk, proposal.state
    links = []
    if state in EDITABLE and can("proposals.manage_proposal"):
        links.append(("edit", reverse("proposal_edit", args=[pk])))
    if can("costs.manage_plan") and (plan is not None or state in EDITABLE):
        links.append(("cost_plan", reverse("cost_plan", args=[pk])))
    elif plan is not None and can("costs.view_table"):
        links.append(("cost_plan", reverse("cost_shares", args=[pk])))
    if state in (State.CONSULTATION, State.VOTING):
        if can("consult.manage_canvassing"):
            links.append(("canvassing", reverse("canvass_assignments", args=[pk])))
        elif can("consult.view_board"):
            links.append(("canvassing", reverse("canvass_board", args=[pk])))
    if state in VOTED_STATES:
        if can("voting.view_register"):
            links.append(("register", reverse("register", args=[pk])))
        if state == State.VOTING and can("voting.record_paper"):
            links.append(("paper", reverse("paper_entry", args=[pk])))
        if can("voting.view_tally"):
            links.append(("big_screen", reverse("big_screen", args=[pk])))
    if plan is not None and plan.billed_at is not None and can("costs.record_payment"):
        links.append(("bills", reverse("bill_collection", args=[pk])))
    return [{"name": name, "url": url} for name, url in links]


def action_bar_context(proposal: Proposal, user) -> dict:
    """What the bar shows to `user`: nothing unless they are on the committee or its secretary."""
    if user is None or not user.has_perm("proposals.view_drafts", proposal):
        return {"show": False}
    moves = []
    if user.has_perm("proposals.manage_proposal", proposal):
        for action in allowed_actions(proposal.state):
            if action in BAR_MOVES:
                confirm = CONFIRMED_MOVES.get(action)
                moves.append({"action": action, "confirm_url": reverse(confirm, args=[proposal.pk]) if confirm else ""})
    plan = plan_for(proposal)
    return {
        "show": True,
        "proposal": proposal,
        "moves": moves,
        "links": _links(proposal, user, plan),
        "status": proposal.voting_status(),
    }


@register.inclusion_tag("lifecycle/_action_bar_body.html", takes_context=True)
def action_bar(context, proposal):
    user = context.get("user") or getattr(context.get("request"), "user", None)
    return {**action_bar_context(proposal, user), "csrf_token": context.get("csrf_token")}
