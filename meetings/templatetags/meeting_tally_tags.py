"""{% meeting_tally meeting %}: the live tally card of the meeting page, once voting has opened."""

from django import template

from meetings.live_views import shows_tally, tally_context

register = template.Library()


@register.inclusion_tag("meetings/_tally_card.html")
def meeting_tally(meeting):
    """The page has checked meetings.view_meeting. Three queries while there is a tally, none before."""
    if not shows_tally(meeting):
        return {"show": False}
    return {"show": True, "meeting": meeting, **tally_context(meeting)}
