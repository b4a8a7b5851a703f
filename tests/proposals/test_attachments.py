"""Attachments: images and PDF judged by content, a size limit, served only to those who may see the proposal."""

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from proposals.models import Attachment, State
from proposals.services import attachment_add
from tests.proposals.conftest import EXE, PDF, PNG, make_proposal, upload

ATTACHMENT_MAX_BYTES = settings.ATTACHMENT_MAX_BYTES

pytestmark = pytest.mark.django_db


def post_file(client, proposal, name, content, title=""):
    url = reverse("attachment_upload", args=[proposal.pk])
    return client.post(url, {"title": title, "file": upload(name, content)})


def levels(response) -> list[str]:
    return [message.level_tag for message in get_messages(response.wsgi_request)]


@pytest.mark.parametrize(
    ("name", "content", "content_type", "kind"),
    [("door.png", PNG, "image/png", "image"), ("报价单.pdf", PDF, "application/pdf", "pdf")],
)
def test_png_and_pdf_are_accepted_and_served_inline(actors, client_as, name, content, content_type, kind):
    committee = actors.users["committee"]
    proposal = make_proposal(actors.community, committee, state=State.CONSULTATION)
    client = client_as(committee)
    response = post_file(client, proposal, name, content, title="报价")
    assert response["Location"] == reverse("proposal_detail", args=[proposal.pk])
    assert levels(response) == ["success"]
    attachment = Attachment.objects.get()
    assert (attachment.kind, attachment.title, attachment.uploaded_by) == (kind, "报价", committee)

    # A household of the community reads it; the file comes from the view, with its type fixed by content.
    response = client_as(actors.users["household"]).get(reverse("attachment_file", args=[proposal.pk, attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == content


def test_an_exe_renamed_png_is_refused(actors, client_as):
    committee = actors.users["committee"]
    proposal = make_proposal(actors.community, committee)
    response = post_file(client_as(committee), proposal, "photo.png", EXE)
    assert response.status_code == 302
    assert levels(response) == ["error"]
    assert not Attachment.objects.exists()


def test_an_oversize_file_is_refused(actors, client_as):
    committee = actors.users["committee"]
    proposal = make_proposal(actors.community, committee)
    big = PNG + b"\x00" * (ATTACHMENT_MAX_BYTES + 1 - len(PNG))
    response = post_file(client_as(committee), proposal, "big.png", big)
    assert levels(response) == ["error"]
    assert not Attachment.objects.exists()


def test_a_file_exactly_at_the_limit_is_accepted(actors):
    committee = actors.users["committee"]
    proposal = make_proposal(actors.community, committee)
    exact = PNG + b"\x00" * (ATTACHMENT_MAX_BYTES - len(PNG))
    attachment_add(proposal=proposal, by=committee, upload=upload("ok.png", exact))
    assert Attachment.objects.get().size == ATTACHMENT_MAX_BYTES


def test_an_upload_without_a_file_is_refused(actors, client_as):
    committee = actors.users["committee"]
    proposal = make_proposal(actors.community, committee)
    response = client_as(committee).post(reverse("attachment_upload", args=[proposal.pk]), {"title": "x"})
    assert levels(response) == ["error"]
    assert not Attachment.objects.exists()


@pytest.mark.parametrize("state", [State.VOTING, State.CLOSED, State.PUBLISHED, State.WITHDRAWN])
def test_no_attachments_once_voting_opens(actors, client_as, state):
    committee = actors.users["committee"]
    proposal = make_proposal(actors.community, committee, state=state)
    response = post_file(client_as(committee), proposal, "door.png", PNG)
    assert levels(response) == ["error"]
    assert not Attachment.objects.exists()
    # The service refuses too, whoever calls it.
    with pytest.raises(ValidationError):
        attachment_add(proposal=proposal, by=committee, upload=upload("door.png", PNG))


@pytest.mark.parametrize("actor", ["other_household", "other_committee"])
def test_a_non_member_cannot_download(actors, client_as, with_png, actor):
    proposal = make_proposal(actors.community, actors.users["committee"], state=State.CONSULTATION)
    attachment = with_png(proposal, actors.users["committee"])
    response = client_as(actors.users[actor]).get(reverse("attachment_file", args=[proposal.pk, attachment.pk]))
    assert response.status_code == 403


def test_files_are_not_under_a_guessable_name(actors, with_png):
    proposal = make_proposal(actors.community, actors.users["committee"])
    attachment = with_png(proposal, actors.users["committee"], title="报价单")
    assert attachment.file.name == f"proposals/{proposal.pk}/{attachment.token}.png"
    assert len(attachment.token) == 32


def test_a_missing_file_is_404(actors, client_as, with_png):
    committee = actors.users["committee"]
    proposal = make_proposal(actors.community, committee)
    attachment = with_png(proposal, committee)
    attachment.file.delete(save=False)
    response = client_as(committee).get(reverse("attachment_file", args=[proposal.pk, attachment.pk]))
    assert response.status_code == 404
