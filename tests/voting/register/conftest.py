"""Fixtures for the register, paper entry and paper import tests: a proposal open for voting in the `actors`
community, a PDF scan (stored in the test's own MEDIA_ROOT, as tests/conftest.py gives every test)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from community.models import Role
from tests.factories import RoleFactory
from tests.voting.conftest import open_proposal

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def pdf(name: str = "ballots.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def actors_proposal(actors):
    """A proposal open for voting over the whole `actors` community (its one household, room 502)."""
    committee = actors.users["committee"]
    return open_proposal(actors.community, committee)


@pytest.fixture
def other_secretary(community):
    return RoleFactory(kind=Role.Kind.SECRETARY).user
