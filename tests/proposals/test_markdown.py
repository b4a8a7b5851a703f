"""The proposal text is Markdown rendered safely: no script, no event handlers, no javascript: links."""

import pytest
from django.urls import reverse

from proposals.markdown import render_markdown
from tests.proposals.conftest import make_proposal

pytestmark = pytest.mark.django_db

HOSTILE = """# 更换单元门

<script>alert('x')</script>

<img src="x.png" onerror="alert(1)">

[点我](javascript:alert(1)) and <a href="JaVaScRiPt:alert(2)">这里</a>

<div onclick="alert(3)">div</div> <iframe src="https://evil.example"></iframe>

**报价** [见附件](https://example.com/quote.pdf)
"""


def assert_safe(html: str):
    lowered = html.lower()
    assert "<script" not in lowered
    assert "onerror" not in lowered and "onclick" not in lowered
    assert "javascript:" not in lowered
    assert "<iframe" not in lowered


def test_render_markdown_keeps_formatting_and_drops_what_runs():
    html = render_markdown(HOSTILE)
    assert_safe(html)
    assert "<h1>更换单元门</h1>" in html
    assert "<strong>报价</strong>" in html
    assert 'href="https://example.com/quote.pdf"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_the_edit_page_preview_is_safe(actors, client_as):
    committee = actors.users["committee"]
    proposal = make_proposal(actors.community, committee, body=HOSTILE)
    response = client_as(committee).get(reverse("proposal_edit", args=[proposal.pk]))
    preview = response.content.decode().split('<div class="markdown">', 1)[1].split("</section>", 1)[0]
    assert_safe(preview)
    assert "<strong>报价</strong>" in preview
