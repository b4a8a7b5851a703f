"""Fixtures for the committee's proposal pages: files kept in a temporary media folder, proposals in any state."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from proposals.models import Category, State
from proposals.services import attachment_add
from tests.factories import proposal_in_state

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def make_proposal(community, by, state: str = State.DRAFT, **kwargs):
    """A proposal of `community` moved through the services to `state` (the scope must hold a household)."""
    fields = {"title": "更换单元门", "summary": "更换3号楼5单元的单元门", "category": Category.OTHER} | kwargs
    return proposal_in_state(community, by, state, **fields)


@pytest.fixture
def committee(actors):
    return actors.users["committee"]


@pytest.fixture
def with_png():
    """with_png(proposal, by) → an attachment added through the service."""

    def add(proposal, by, title="报价单"):
        return attachment_add(proposal=proposal, by=by, upload=upload("quote.png", PNG, "image/png"), title=title)

    return add
