"""A Content-Security-Policy on every HTML page, and templates that need no inline code under it; proposal texts
show images only from the proposal's own attachments (an image from elsewhere is a tracking pixel)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from proposals.models import State
from proposals.selectors import proposal_body_html
from proposals.services import attachment_add
from tests.proposals.conftest import PNG, make_proposal, upload

POLICY = {
    "default-src 'self'",
    "img-src 'self' data:",
    "script-src 'self'",
    "style-src 'self'",
    "connect-src 'self' ws: wss:",
    "frame-ancestors 'none'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
}
PIXEL = "https://tracker.example/pixel.gif?who=me"
# Rendered by WeasyPrint into PDFs, never served to a browser.
PDF_TEMPLATES = {
    "walk_sheet.html",
    "notice_pdf.html",
    "resolution_pdf.html",
    "_resolution_pdf_signers.html",
    "payment_notice.html",
    "meeting_notice.html",
    "contact_cards.html",
    "ledger_pdf.html",
}


def policy_of(response) -> set[str]:
    return {part.strip() for part in response["Content-Security-Policy"].split(";") if part.strip()}


@pytest.mark.django_db
def test_html_pages_carry_the_policy(actors, client_as):
    committee = actors.users["committee"]
    proposal = make_proposal(actors.community, committee, state=State.CONSULTATION)
    anonymous = client_as(None)
    assert policy_of(anonymous.get(reverse("account_login"))) == POLICY
    client = client_as(committee)
    for url in (reverse("home"), reverse("proposal_detail", args=[proposal.pk])):
        response = client.get(url)
        assert response.status_code == 200 and policy_of(response) == POLICY, url


def _served_templates():
    for folder in [settings.BASE_DIR / "templates", *settings.BASE_DIR.glob("*/templates")]:
        for path in Path(folder).rglob("*.html"):
            if path.name not in PDF_TEMPLATES:
                yield path


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event handler attribute"),
    (re.compile(r"javascript:", re.I), "javascript: address"),
]


def test_no_served_template_needs_inline_code():
    found = [
        f"{path.relative_to(settings.BASE_DIR)}: {what}"
        for path in _served_templates()
        for pattern, what in INLINE
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert not found


def test_no_static_script_writes_inline_styles():
    for path in (settings.BASE_DIR / "static" / "js").glob("*.js"):
        assert not re.search(r"style=['\"]", path.read_text(encoding="utf-8")), path.name


@pytest.mark.django_db
def test_a_tracking_pixel_is_gone_and_the_own_attachment_image_stays(actors, client_as, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    committee = actors.users["committee"]
    proposal = make_proposal(actors.community, committee, state=State.CONSULTATION)
    attachment = attachment_add(proposal=proposal, by=committee, title="门的样子", upload=upload("door.png", PNG))
    own = reverse("attachment_file", args=[proposal.pk, attachment.pk])
    other = make_proposal(actors.community, committee, state=State.CONSULTATION, title="别的议题")
    foreign = attachment_add(proposal=other, by=committee, title="别的", upload=upload("x.png", PNG))
    foreign_src = reverse("attachment_file", args=[other.pk, foreign.pk])
    proposal.body = f'![门]({own})\n\n![像素]({PIXEL})\n\n<img src="{PIXEL}" alt="x">\n\n![别的]({foreign_src})'
    proposal.save()

    page = client_as(committee).get(reverse("proposal_detail", args=[proposal.pk])).content.decode()
    assert f'src="{own}"' in page
    assert "tracker.example" not in page

    html = proposal_body_html(proposal)
    assert f'src="{own}"' in html and "tracker.example" not in html and foreign_src not in html
    edit_page = client_as(committee).get(reverse("proposal_edit", args=[proposal.pk])).content.decode()
    preview = edit_page.split('<div class="markdown">', 1)[1].split("</section>", 1)[0]
    assert f'src="{own}"' in preview and "tracker.example" not in preview and foreign_src not in preview
