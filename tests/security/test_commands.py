"""The community commands refuse what the web and the database cannot hold with a clear CommandError: a slug no
address reaches, values longer than their column (a traceback on PostgreSQL), an unbounded --households."""

import pytest
from django.core.management import CommandError, call_command

from community.models import Community
from tests.community.test_import import write
from tests.fixtures.rosters import ROWS

pytestmark = pytest.mark.django_db

BAD_SLUGS = ["x" * 61, "小区", "a b", "a/b", "a.b", ""]


@pytest.mark.parametrize("slug", BAD_SLUGS)
def test_import_roster_refuses_a_slug_the_web_cannot_reach(tmp_path, slug):
    with pytest.raises(CommandError, match="简称"):
        call_command("import_roster", write(tmp_path, ROWS), "--community", slug, "--name", "橡胶园小区")
    assert not Community.objects.exists()


def test_import_roster_refuses_an_over_long_name(tmp_path):
    with pytest.raises(CommandError, match="最多 100 个"):
        call_command("import_roster", write(tmp_path, ROWS), "--community", "xjy", "--name", "橡" * 101)
    assert not Community.objects.exists()


@pytest.mark.parametrize("slug", BAD_SLUGS)
def test_generate_community_refuses_a_slug_the_web_cannot_reach(slug):
    with pytest.raises(CommandError):
        call_command("generate_community", "--slug", slug, "--households", "10")
    assert not Community.objects.exists()


@pytest.mark.parametrize(
    "option", [["--name", "世" * 101], ["--address", "路" * 201], ["--name", "  "]], ids=["name", "address", "blank"]
)
def test_generate_community_refuses_over_long_texts(option):
    with pytest.raises(CommandError):
        call_command("generate_community", "--slug", "big", "--households", "10", *option)
    assert not Community.objects.exists()


@pytest.mark.parametrize("households", ["0", "100001", str(10**12)])
def test_generate_community_households_are_bounded(households):
    with pytest.raises(CommandError, match="100,000"):
        call_command("generate_community", "--slug", "big", "--households", households)
    assert not Community.objects.exists()


def test_generate_community_still_generates(capsys):
    call_command("generate_community", "--slug", "small-1", "--households", "40")
    assert Community.objects.get(slug="small-1").name == "世纪城西区"
