"""Helpers of the household page tests."""

import html
import re


def page_text(response) -> str:
    """The page's text as a reader sees it: no tags, entities decoded, runs of white space as one space."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))
