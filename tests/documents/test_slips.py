"""Join slips: 8 per A4 sheet with the flat, the join code and its QR code; missing codes are issued on a POST
only; a whole community becomes a background job."""

import pytest
from django.core.management import call_command

from community.models import JoinCode
from documents.models import DocumentJob
from tests.documents.conftest import pdf_lines, pdf_reader, pdf_text, response_bytes
from tests.factories import JoinCodeFactory

pytestmark = pytest.mark.django_db


def url(community, **query):
    from urllib.parse import urlencode

    return f"/c/{community.slug}/documents/slips.pdf" + (f"?{urlencode(query)}" if query else "")


def test_the_chooser_lists_buildings_and_entrances(client_as, community, stairwell, secretary_user):
    response = client_as(secretary_user).get(url(community))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"?entrance={stairwell[0].entrance_id}" in page
    assert f"?building={stairwell[0].entrance.building_id}" in page
    assert "?all=1" in page


def test_a_get_never_issues_codes_it_asks_first(client_as, community, stairwell, secretary_user):
    response = client_as(secretary_user).get(url(community, entrance=stairwell[0].entrance_id))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "12 户没有有效的加入码" in response.content.decode()
    assert not JoinCode.objects.exists()


def test_post_issues_the_missing_codes_and_prints_eight_slips_a_sheet(client_as, community, stairwell, secretary_user):
    kept = JoinCodeFactory(household=stairwell[9])  # 3号楼5单元502 keeps its usable code
    response = client_as(secretary_user).post(url(community, entrance=stairwell[0].entrance_id))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert JoinCode.objects.count() == 12
    assert JoinCode.objects.filter(household=stairwell[9]).get() == kept
    pdf = response.content
    assert len(pdf_reader(pdf).pages) == 2  # 12 slips, 8 a sheet
    lines = pdf_lines(pdf)
    text = "\n".join(lines)
    assert lines.count(community.name) == 12
    assert "3号楼5单元502" in lines
    assert lines[lines.index("3号楼5单元502") + 2] == kept.display
    for code in JoinCode.objects.all():
        assert code.display in lines
    assert "扫码或在 http://testserver/join/ 输入加入码，绑定您的房屋" in text.replace("\n", "")
    # Top floor first, as the roster lists them.
    assert lines.index("3号楼5单元601") < lines.index("3号楼5单元101")


def test_each_slip_carries_a_qr_code(client_as, community, stairwell, secretary_user):
    for household in stairwell:
        JoinCodeFactory(household=household)
    pdf = response_bytes(client_as(secretary_user).get(url(community, entrance=stairwell[0].entrance_id)))
    first = pdf_reader(pdf).pages[0].get_contents().get_data()
    # Each QR code is an inline SVG path, drawn as vector line segments (the dashed cut lines are rectangles):
    # a few hundred segments per code, 8 codes on a sheet.
    assert first.count(b" l\n") > 8 * 100


def test_once_every_household_has_a_code_a_get_prints_directly(client_as, community, stairwell, secretary_user):
    for household in stairwell:
        JoinCodeFactory(household=household)
    response = client_as(secretary_user).get(url(community, building=stairwell[0].entrance.building_id))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "inline" in response["Content-Disposition"]
    assert "3号楼5单元101" in pdf_text(response.content)


def test_another_communitys_entrance_is_not_found(client_as, community, stairwell, secretary_user, actors):
    other_entrance = actors.household_obj.entrance_id
    assert client_as(secretary_user).get(url(community, entrance=other_entrance)).status_code == 404
    assert client_as(secretary_user).get(url(community, entrance="x")).status_code == 404


def test_the_whole_community_is_a_job_with_progress_and_a_download(
    client_as, community, stairwell, secretary_user, django_capture_on_commit_callbacks
):
    client = client_as(secretary_user)
    page = client.get(url(community, all=1))
    assert "在后台生成" in page.content.decode()
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url(community, all=1))
    assert len(callbacks) == 1  # the task is queued once the job row is committed
    job = DocumentJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/documents/jobs/{job.pk}/"
    assert JoinCode.objects.count() == 12  # issued in the request, before the job
    assert (job.kind, job.state, job.params["place"]) == ("slips", "queued", community.name)

    call_command("run_document_job", job.pk)

    status = client.get(f"/documents/jobs/{job.pk}/progress.json").json()
    assert (status["state"], status["percent"], status["pages_done"], status["pages_total"]) == ("done", 100, 2, 2)
    pdf = response_bytes(client.get(status["download_url"]))
    assert len(pdf_reader(pdf).pages) == 2
    assert "3号楼5单元502" in pdf_text(pdf)
