"""The home page's way to a district post: `{% include "reports/_home_posts.html" %}` shows a department member their
inbox and district staff their district's page, found with `{% user_posts user as posts %}` in one query."""

from django import template

from reports import selectors

register = template.Library()


@register.simple_tag
def user_posts(user) -> dict:
    return selectors.user_posts(user)
