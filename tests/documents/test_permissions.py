"""Who may print what: every endpoint against every role of the `actors` fixture."""

import pytest
from django.core.management import call_command

from community.models import JoinCode
from consult.models import Assignment
from documents import services
from tests.documents.conftest import open_proposal

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "household", "other_household", "canvasser", "secretary", "committee", "other_committee"]


def expected(allowed: set[str], role: str) -> int:
    if role in allowed:
        return 200
    return 302 if role == "anonymous" else 403


@pytest.fixture
def here(actors):
    """An open proposal over the actors' community and the canvasser assigned to the household's entrance."""
    committee = actors.users["committee"]
    proposal = open_proposal(actors.community, committee)
    entrance = actors.household_obj.entrance
    Assignment.objects.create(
        proposal=proposal, canvasser=actors.users["canvasser"], entrance=entrance, assigned_by=committee
    )
    return {"proposal": proposal, "entrance": entrance}


@pytest.fixture
def finished_job(actors, here):
    job = services.document_job_start(
        kind="register",
        community=actors.community,
        proposal=here["proposal"],
        by=actors.users["secretary"],
        title="登记簿",
        filename="register.pdf",
    )
    call_command("run_document_job", job.pk)
    return job


@pytest.mark.parametrize("role", ROLES)
def test_join_slips(client_as, actors, here, role):
    client = client_as(actors.users[role])
    allowed = {"secretary", "committee"}
    slug = actors.community.slug
    assert client.get(f"/c/{slug}/documents/slips.pdf").status_code == expected(allowed, role)
    before = JoinCode.objects.count()
    response = client.post(f"/c/{slug}/documents/slips.pdf?entrance={here['entrance'].pk}")
    assert response.status_code == expected(allowed, role)
    if role in allowed:
        assert response["Content-Type"] == "application/pdf"
    else:
        assert JoinCode.objects.count() == before  # a refused POST issues nothing


@pytest.mark.parametrize("role", ROLES)
def test_walk_sheet(client_as, actors, here, role):
    response = client_as(actors.users[role]).get(
        f"/proposals/{here['proposal'].pk}/documents/walk-sheet.pdf?entrance={here['entrance'].pk}"
    )
    assert response.status_code == expected({"committee", "canvasser"}, role)


@pytest.mark.parametrize("role", ROLES)
def test_register(client_as, actors, here, role):
    client = client_as(actors.users[role])
    response = client.get(f"/proposals/{here['proposal'].pk}/documents/register.pdf")
    assert response.status_code == expected({"secretary", "committee"}, role)
    if response.status_code == 200:
        assert response["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("role", ROLES)
def test_job_pages(client_as, actors, finished_job, role):
    client = client_as(actors.users[role])
    job = finished_job
    allowed = {"secretary", "committee"}
    for path in (f"/documents/jobs/{job.pk}/", f"/documents/jobs/{job.pk}/progress.json"):
        assert client.get(path).status_code == expected(allowed, role), path
    assert client.get(f"/documents/jobs/{job.pk}/download/").status_code == expected(allowed, role)


@pytest.mark.parametrize("role", ["household", "canvasser", "other_committee"])
def test_a_refused_post_starts_no_job(client_as, actors, here, role):
    from documents.models import DocumentJob

    response = client_as(actors.users[role]).post(f"/proposals/{here['proposal'].pk}/documents/register.pdf")
    assert response.status_code == 403
    assert not DocumentJob.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_the_partials_show_only_the_documents_one_may_print(rf, actors, here, role):
    from django.contrib.auth.models import AnonymousUser
    from django.template.loader import render_to_string

    user = actors.users[role] or AnonymousUser()
    request = rf.get("/")
    request.user = user
    proposal_html = render_to_string(
        "documents/_proposal_documents.html", {"proposal": here["proposal"], "user": user, "request": request}
    )
    community_html = render_to_string(
        "documents/_community_documents.html", {"community": actors.community, "user": user, "request": request}
    )
    assert ("/documents/register.pdf" in proposal_html) == (role in {"secretary", "committee"})
    assert ("/documents/walk-sheet.pdf" in proposal_html) == (role in {"committee", "canvasser"})
    assert ("/documents/slips.pdf" in community_html) == (role in {"secretary", "committee"})
