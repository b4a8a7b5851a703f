"""Fixtures for the printed documents: the voting fixtures (a 12-household stairwell of 3号楼5单元, an open
proposal over it), jobs rendered in the test process (files go to the test's own MEDIA_ROOT: tests/conftest.py)."""

import pytest
from pypdf import PdfReader

from tests.voting.conftest import (  # noqa: F401 - fixtures and helpers shared with the voting tests
    committee_user,
    open_proposal,
    proposal,
    residents,
    scan,
    secretary_user,
    stairwell,
)


@pytest.fixture(autouse=True)
def _jobs_in_process(settings):
    settings.DOCUMENT_WORKERS = 1  # jobs render in the test process; the parallel path has its own test


def pdf_reader(content: bytes) -> PdfReader:
    import io

    assert content[:5] == b"%PDF-", content[:200]
    return PdfReader(io.BytesIO(content))


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in pdf_reader(content).pages)


def pdf_lines(content: bytes) -> list[str]:
    """Every non-empty text line, with runs of spaces (and ideographic spaces) made one space."""
    return [" ".join(line.split()) for line in pdf_text(content).splitlines() if line.strip()]


def response_bytes(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content
