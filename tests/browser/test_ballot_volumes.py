"""A large batch of printed ballots on the secretary's laptop, against a real server: the job's page, opened while the
batch is being made, follows its progress and then offers the ZIP of volumes (下载 ZIP 压缩包（共N册）), not a PDF."""

import io
import zipfile

import pytest

from community.models import Role
from documents import meetings as meeting_documents
from documents.jobs import document_job_run
from documents.models import DocumentJob
from tests.browser.conftest import log_in, staff
from tests.meetings.conftest import voting_meeting  # noqa: F401  (the meeting open for voting)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_the_job_page_offers_the_zip_of_volumes_once_made(server, laptop, voting_meeting, settings):  # noqa: F811
    from playwright.sync_api import expect

    vm = voting_meeting
    secretary = staff(vm.community, Role.Kind.SECRETARY, "li-mishu", "李秘书", "13600000041")
    settings.MEETING_BALLOTS_PER_VOLUME = 3  # the job runs here, in the test's process: 8 ballots make 3 volumes
    job = DocumentJob.objects.create(
        kind="meeting_ballots",
        community=vm.community,
        requested_by=secretary,
        title=meeting_documents.ballots_title(vm.meeting),
        filename=meeting_documents.ballots_filename(vm.meeting),
        params={"meeting": vm.meeting.pk, "base_url": server.url("").rstrip("/"), "lang": "zh-hans"},
    )
    page = laptop()
    log_in(page, server, "li-mishu")
    page.goto(server.url(f"/documents/jobs/{job.pk}/"))
    expect(page.locator("#job-download")).to_be_hidden()

    assert document_job_run(job_id=job.pk).state == "done"

    link = page.get_by_role("link", name="下载 ZIP 压缩包（共3册）")
    expect(link).to_be_visible(timeout=10_000)
    expect(page.locator("#job-note")).to_contain_text("内含3册 PDF")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".zip")
    archive = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    assert [name[:9] for name in archive.namelist()] == ["表决票-第01册-", "表决票-第02册-", "表决票-第03册-"]
