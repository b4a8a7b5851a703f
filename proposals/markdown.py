"""Markdown to safe HTML for proposal texts: no scripts, no event handlers, no javascript: links, no images but the
proposal's own attachments. No Django."""

import re
from collections.abc import Collection

import markdown
import nh3

_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s", "del", "blockquote",
    "code", "pre", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "img", "sup", "sub",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"}}


# The address of an attachment (proposals/urls.py "attachment_file"); its view serves a file only under its own
# proposal and only to those who may see that proposal.
ATTACHMENT_SRC = re.compile(r"/proposals/[0-9]+/attachments/[0-9]+/")


def render_markdown(text: str, *, images: Collection[str] | None = None) -> str:
    """Render Markdown, then keep only a safe list of tags, attributes and URL schemes (http, https, mailto).

    An image keeps its src only if it is one of `images` (the proposal's attachment addresses) or, when the caller
    does not know the proposal, an attachment address of this site: an image from anywhere else is a tracking
    pixel (it tells its owner who read the proposal, and when) and loses its src.
    """

    def keep(element: str, attribute: str, value: str) -> str | None:
        if element == "img" and attribute == "src":
            allowed = value in images if images is not None else ATTACHMENT_SRC.fullmatch(value)
            return value if allowed else None
        return value

    html = markdown.markdown(text or "", extensions=["extra", "sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        attribute_filter=keep,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
