"""Markdown to safe HTML for proposal texts: no scripts, no event handlers, no javascript: links. No Django."""

import markdown
import nh3

_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s", "del", "blockquote",
    "code", "pre", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "img", "sup", "sub",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"}}


def render_markdown(text: str) -> str:
    """Render Markdown, then keep only a safe list of tags, attributes and URL schemes (http, https, mailto)."""
    html = markdown.markdown(text or "", extensions=["extra", "sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
