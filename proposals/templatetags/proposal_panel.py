"""Template tags for the committee's manage panel, which other pages include with only `proposal` in context."""

from django import template

from proposals.forms import DATETIME_LOCAL_FORMAT, allowed_actions, default_closes_at
from proposals.services import EDITABLE

register = template.Library()


@register.simple_tag
def proposal_actions(proposal) -> list[str]:
    """The lifecycle moves possible from the proposal's state (action names posted to proposal_move)."""
    return allowed_actions(proposal.state)


@register.simple_tag
def proposal_editable(proposal) -> bool:
    return proposal.state in EDITABLE


@register.simple_tag
def proposal_history(proposal) -> list:
    """Every move with who made it, in one query."""
    return list(proposal.transitions.select_related("by"))


@register.simple_tag
def proposal_attachment_list(proposal) -> list:
    return list(proposal.attachments.all())


@register.simple_tag
def proposed_closes_at() -> str:
    """The datetime-local value offered for the end of voting: seven days from now at 20:00."""
    return default_closes_at().strftime(DATETIME_LOCAL_FORMAT)
