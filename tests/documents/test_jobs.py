"""Document jobs: started by a POST, made by `run_document_job` (here synchronously; the worker's task in
production, proven in tests/system/test_worker.py), progress to 100 %, the file kept and served to the people
allowed; failures and dead jobs are shown with a message."""

import os
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from documents import jobs, render, services, tasks, views
from documents.models import DocumentJob
from tests.documents.conftest import pdf_lines, response_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def large_threshold(monkeypatch):
    """Make the 12-household register count as large."""
    monkeypatch.setattr(views, "INLINE_REGISTER_ROWS", 5)


def start_register_job(client, proposal):
    response = client.post(f"/proposals/{proposal.pk}/documents/register.pdf")
    job = DocumentJob.objects.order_by("-pk").first()
    assert response.status_code == 302 and response["Location"] == f"/documents/jobs/{job.pk}/"
    return job


def test_a_large_register_asks_before_starting_a_job(client_as, proposal, secretary_user, large_threshold):
    response = client_as(secretary_user).get(f"/proposals/{proposal.pk}/documents/register.pdf")
    assert response.status_code == 200
    page = response.content.decode()
    assert "登记簿共 12 户" in page and '<form method="post">' in page
    assert not DocumentJob.objects.exists()


def test_the_job_flow_from_request_to_download(
    client_as, proposal, stairwell, secretary_user, committee_user, actors, large_threshold, settings
):
    client = client_as(secretary_user)
    job = start_register_job(client, proposal)
    assert (job.state, job.kind, job.requested_by, job.proposal) == ("queued", "register", secretary_user, proposal)
    assert job.params["lang"] == "zh-hans"
    queued = client.get(f"/documents/jobs/{job.pk}/progress.json").json()
    assert (queued["state"], queued["percent"], queued["download_url"]) == ("queued", 0, None)
    assert client.get(f"/documents/jobs/{job.pk}/download/").status_code == 404

    call_command("run_document_job", job.pk)

    job.refresh_from_db()
    assert job.state == "done" and job.finished_at and job.size > 1000
    assert job.file.name.startswith("documents/") and job.file.path.startswith(str(settings.MEDIA_ROOT))
    status = client.get(f"/documents/jobs/{job.pk}/progress.json").json()
    assert (status["state"], status["percent"], status["pages_done"], status["pages_total"]) == ("done", 100, 1, 1)
    page = client.get(f"/documents/jobs/{job.pk}/").content.decode()
    assert "下载 PDF" in page and status["download_url"] in page
    download = client.get(status["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "private" in download["Cache-Control"]
    lines = pdf_lines(response_bytes(download))
    assert sum("号楼" in line for line in lines) == 12
    assert "3号楼5单元502" in "\n".join(lines)
    # The committee may download it too; a household and another community's committee may not.
    assert client_as(committee_user).get(status["download_url"]).status_code == 200
    assert client_as(actors.users["household"]).get(status["download_url"]).status_code == 403
    assert client_as(actors.users["other_committee"]).get(f"/documents/jobs/{job.pk}/").status_code == 403
    assert client_as(None).get(status["download_url"]).status_code == 302


def test_progress_is_written_while_the_pages_are_made(proposal, secretary_user, monkeypatch):
    seen = []
    real = jobs.document_job_run

    def builder(job, progress):
        for done in range(4):
            progress(done, 3)
            seen.append(DocumentJob.objects.get(pk=job.pk).percent)
        return b"%PDF-1.7 tiny"

    monkeypatch.setitem(jobs.KINDS, "test", jobs.Kind("tests.documents.test_jobs.BUILDER", "voting.view_register"))
    monkeypatch.setattr("tests.documents.test_jobs.BUILDER", builder, raising=False)
    job = services.document_job_start(
        kind="test", community=proposal.community, proposal=proposal, by=secretary_user, title="t", filename="t.pdf"
    )
    job = real(job_id=job.pk)
    assert seen == [0, 33, 66, 99]
    assert (job.state, job.percent) == ("done", 100)


def test_a_second_request_while_the_first_runs_returns_the_same_job(
    client_as, proposal, secretary_user, large_threshold
):
    client = client_as(secretary_user)
    first = start_register_job(client, proposal)
    second = start_register_job(client, proposal)
    assert first == second and DocumentJob.objects.count() == 1


def test_a_missing_font_fails_the_job_with_the_reason(
    client_as, proposal, secretary_user, large_threshold, monkeypatch
):
    client = client_as(secretary_user)
    job = start_register_job(client, proposal)
    monkeypatch.setattr(render, "_state", {})
    monkeypatch.setattr(render, "CJK_FONT_FAMILY", "Gongyi Missing Hei")
    with pytest.raises(CommandError, match="fonts-wqy-microhei"):
        call_command("run_document_job", job.pk)
    status = client.get(f"/documents/jobs/{job.pk}/progress.json").json()
    assert status["state"] == "failed" and "Gongyi Missing Hei" in status["message"]
    page = client.get(f"/documents/jobs/{job.pk}/").content.decode()
    assert "Gongyi Missing Hei" in page
    assert client.get(f"/documents/jobs/{job.pk}/download/").status_code == 404


def test_an_unexpected_error_is_recorded_in_words(proposal, secretary_user, monkeypatch):
    def broken(job, progress):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setitem(jobs.KINDS, "broken", jobs.Kind("tests.documents.test_jobs.BROKEN", "voting.view_register"))
    monkeypatch.setattr("tests.documents.test_jobs.BROKEN", broken, raising=False)
    job = services.document_job_start(
        kind="broken", community=proposal.community, proposal=proposal, by=secretary_user, title="t", filename="t"
    )
    job = jobs.document_job_run(job_id=job.pk)
    assert job.state == "failed"
    assert "文件生成失败" in job.message and "ZeroDivisionError" in job.message


def test_a_job_silent_for_too_long_is_shown_as_failed(client_as, proposal, secretary_user, large_threshold):
    client = client_as(secretary_user)
    job = start_register_job(client, proposal)
    DocumentJob.objects.filter(pk=job.pk).update(state="running", updated_at=timezone.now() - timedelta(minutes=11))
    status = client.get(f"/documents/jobs/{job.pk}/progress.json").json()
    assert status["state"] == "failed" and "中断" in status["message"]
    # ... and asking again starts a new job instead of waiting on the dead one.
    assert start_register_job(client, proposal) != job


def test_a_job_already_claimed_is_left_alone(proposal, secretary_user):
    job = services.document_job_start(
        kind="register", community=proposal.community, proposal=proposal, by=secretary_user, title="t", filename="t"
    )
    DocumentJob.objects.filter(pk=job.pk).update(state="running")
    assert jobs.document_job_run(job_id=job.pk).state == "running"


def test_the_command_refuses_an_unknown_job(db):
    with pytest.raises(CommandError, match="no document job"):
        call_command("run_document_job", 999999)


def test_old_jobs_and_their_files_are_deleted(proposal, secretary_user):
    old = services.document_job_start(
        kind="register", community=proposal.community, proposal=proposal, by=secretary_user, title="t", filename="t"
    )
    jobs.document_job_run(job_id=old.pk)
    old.refresh_from_db()
    path = old.file.path
    DocumentJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=jobs.KEEP_DAYS + 1))
    recent = services.document_job_start(
        kind="slips", community=proposal.community, by=secretary_user, title="t", filename="t", params={"place": "x"}
    )
    tasks.document_jobs_delete_old_task.call_local()  # the daily task, run here
    assert not DocumentJob.objects.filter(pk=old.pk).exists()
    assert not os.path.exists(path)
    assert DocumentJob.objects.filter(pk=recent.pk).exists()


def test_the_job_is_queued_once_the_row_is_committed(proposal, secretary_user, django_capture_on_commit_callbacks):
    """The task runs in this process here (HUEY_IMMEDIATE under tests); the real worker in tests/system."""
    with django_capture_on_commit_callbacks() as callbacks:
        job = services.document_job_start(
            kind="register", community=proposal.community, proposal=proposal, by=secretary_user, title="t", filename="t"
        )
        assert DocumentJob.objects.get(pk=job.pk).state == "queued"
    assert len(callbacks) == 1
    callbacks[0]()
    job.refresh_from_db()
    assert job.state == "done" and job.size > 1000


def test_a_job_waiting_so_long_it_is_shown_as_failed_is_not_made_late(proposal, secretary_user):
    job = services.document_job_start(
        kind="register", community=proposal.community, proposal=proposal, by=secretary_user, title="t", filename="t"
    )
    DocumentJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(minutes=11))
    tasks.document_job_task.call_local(job.pk)
    job.refresh_from_db()
    assert job.state == "queued" and job.is_stale and not job.file


def test_the_task_of_a_deleted_job_does_nothing(db):
    tasks.document_job_task.call_local(999999)
