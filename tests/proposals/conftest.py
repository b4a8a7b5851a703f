"""Fixtures for the committee's proposal pages: files kept in a temporary media folder, proposals in any state."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from proposals.models import Category, State
from proposals.services import (
    attachment_add,
    proposal_close,
    proposal_create,
    proposal_open_voting,
    proposal_publish,
    proposal_start_consultation,
    proposal_withdraw,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Attachments are written to a folder of this test's own, never the project's media."""
    settings.MEDIA_ROOT = tmp_path / "media"


def make_proposal(community, by, state: str = State.DRAFT, **kwargs):
    """A proposal of `community` moved through the services to `state` (the scope must hold a household)."""
    fields = {"title": "更换单元门", "summary": "更换3号楼5单元的单元门", "category": Category.OTHER} | kwargs
    proposal = proposal_create(community=community, by=by, **fields)
    if state == State.WITHDRAWN:
        return proposal_withdraw(proposal=proposal, by=by, reason="重复")
    if state == State.DRAFT:
        return proposal
    proposal = proposal_start_consultation(proposal=proposal, by=by)
    if state == State.CONSULTATION:
        return proposal
    proposal = proposal_open_voting(proposal=proposal, by=by, closes_at=timezone.now() + timedelta(days=7))
    if state == State.VOTING:
        return proposal
    proposal = proposal_close(proposal=proposal, by=by)
    if state == State.CLOSED:
        return proposal
    return proposal_publish(proposal=proposal, by=by)


@pytest.fixture
def committee(actors):
    return actors.users["committee"]


@pytest.fixture
def with_png():
    """with_png(proposal, by) → an attachment added through the service."""

    def add(proposal, by, title="报价单"):
        return attachment_add(proposal=proposal, by=by, upload=upload("quote.png", PNG, "image/png"), title=title)

    return add
