"""Canvassing links for the proposal page and the committee panel, which include them with only `proposal`."""

from django import template

from consult.selectors import CANVASS_STATES, ELECTORATE_STATES

register = template.Library()


@register.inclusion_tag("consult/canvass_links.html", takes_context=True)
def canvass_links(context, proposal):
    """What this user may open of the canvassing of `proposal`; two queries at most (roles are cached per user)."""
    user = context.get("user") or getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    manage = user.has_perm("consult.manage_canvassing", proposal)
    assigned = user.has_perm("consult.canvass", proposal)
    staff = user.has_perm("consult.view_demands", proposal)
    return {
        "show": manage or assigned or staff,
        "proposal": proposal,
        "manage": manage,
        "assigned": assigned,
        "staff": staff,
        "canvassing": proposal.state in CANVASS_STATES,
        "outcome": proposal.state in ELECTORATE_STATES,
    }
