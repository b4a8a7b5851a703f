"""The signed resolution's PDF is rendered once and served again from the store; a new signature, another address
or another language makes a new file; a draft is never stored."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from documents import render, store
from resolutions import documents as resolution_documents
from resolutions.services import resolution_sign
from tests.resolutions.conftest import PASSWORD, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def renders(monkeypatch):
    """How many times WeasyPrint was asked for a PDF (the real renderer still runs)."""
    calls = []
    real = render.render_pdf

    def counting(html, **kwargs):
        calls.append(html)
        return real(html, **kwargs)

    monkeypatch.setattr(store, "render_pdf", counting)
    monkeypatch.setattr(render, "render_pdf", counting)
    monkeypatch.setattr(resolution_documents, "render_pdf", counting)
    return calls


def stored_files() -> list[str]:
    if not default_storage.exists(store.FOLDER):
        return []
    return sorted(default_storage.listdir(store.FOLDER)[1])


def get_pdf(client, proposal, host="testserver") -> bytes:
    response = client.get(f"/proposals/{proposal.pk}/resolution.pdf", HTTP_HOST=host)
    assert response.status_code == 200, response.content[:300]
    return response.content


def test_a_signed_resolution_is_rendered_once_and_served_again(client_as, closed, committee_user, residents, renders):
    resolution_sign(proposal=closed, user=committee_user, password=PASSWORD)
    client = client_as(residents[0])  # a household: the resolution without the annex
    first = get_pdf(client, closed)
    assert len(renders) == 1 and len(stored_files()) == 1
    again = get_pdf(client, closed)
    assert again == first
    assert len(renders) == 1, "the second request rendered the resolution again"
    assert len(stored_files()) == 1


def test_a_new_signature_makes_a_new_pdf(client_as, closed, committee_user, second_member, residents, renders):
    resolution_sign(proposal=closed, user=committee_user, password=PASSWORD)
    client = client_as(residents[0])
    before = get_pdf(client, closed)
    assert "李委员" not in pdf_text(before)
    resolution_sign(proposal=closed, user=second_member, password=PASSWORD)
    after = get_pdf(client, closed)
    assert "李委员" in pdf_text(after)
    assert len(renders) == 2 and len(stored_files()) == 2


def test_another_address_is_another_pdf(client_as, closed, committee_user, residents, settings, renders):
    settings.ALLOWED_HOSTS = ["testserver", "gongyi.example.cn"]
    resolution_sign(proposal=closed, user=committee_user, password=PASSWORD)
    client = client_as(residents[0])
    here = "".join(pdf_text(get_pdf(client, closed)).split())
    there = "".join(pdf_text(get_pdf(client, closed, host="gongyi.example.cn")).split())
    assert "testserver/verify/" in here and "gongyi.example.cn/verify/" in there
    assert len(renders) == 2


def test_a_draft_is_rendered_every_time_and_never_stored(client_as, closed, residents, renders):
    client = client_as(residents[0])
    get_pdf(client, closed)
    get_pdf(client, closed)
    assert len(renders) == 2
    assert stored_files() == []


def test_a_stored_file_is_served_as_it_is(renders):
    """What is in the store is what is served: the key is the HTML, so the file is read, not re-rendered."""
    html = "<p>决议</p>"
    name = store.stored_name(html, kind="resolution")
    default_storage.save(name, ContentFile(b"%PDF-1.7 kept"))
    assert store.pdf_stored(html, kind="resolution") == b"%PDF-1.7 kept"
    assert renders == []
