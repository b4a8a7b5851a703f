"""Canvassing links for the proposal page and the committee panel, which include them with only `proposal`; the
canvasser's task card on the home page."""

from django import template

from consult.selectors import CANVASS_STATES, ELECTORATE_STATES, household_canvassers, visit_task_count

register = template.Library()


@register.inclusion_tag("consult/canvass_links.html", takes_context=True)
def canvass_links(context, proposal):
    """What this user may open of the canvassing of `proposal` (two queries at most, roles are cached per user), or
    else who canvasses their own entrance (one query more)."""
    user = context.get("user") or getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    manage = user.has_perm("consult.manage_canvassing", proposal)
    assigned = user.has_perm("consult.canvass", proposal)
    staff = user.has_perm("consult.view_demands", proposal)
    # A household sees who canvasses its entrance, to call them (one query, only while canvassing); the people who
    # run the canvassing know already.
    helpers = [] if manage or assigned or staff else household_canvassers(proposal, user)
    return {
        "show": manage or assigned or staff,
        "helpers": helpers,
        "proposal": proposal,
        "manage": manage,
        "assigned": assigned,
        "staff": staff,
        "canvassing": proposal.state in CANVASS_STATES,
        "outcome": proposal.state in ELECTORATE_STATES,
    }


@register.inclusion_tag("consult/my_visit_tasks.html")
def my_visit_tasks(user):
    """The home page's card "我的走访任务：N 户待走访 → 查看", for users with an assignment being canvassed.
    One query for everybody else; a few per proposal (consult.selectors.visit_tasks), never per household."""
    return {"count": visit_task_count(user)}
