"""Fixtures for residents' reports: a community in a district with two departments and their members."""

import io
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from community.models import District
from reports.models import Category, Department, DepartmentMember, DistrictStaff
from reports.services import report_create
from tests.factories import UserFactory


def photo(name: str = "toilet.jpg", size=(800, 600)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (90, 140, 60)).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def district(actors):
    district = District.objects.create(slug="majie", name="马街街道")
    actors.community.district = district
    actors.community.save(update_fields=["district"])
    chengguan = Department.objects.create(district=district, name="城管")
    zhujian = Department.objects.create(district=district, name="住建")
    other = Department.objects.create(district=District.objects.create(slug="far", name="别的街道"), name="城管")
    people = SimpleNamespace(
        staff=UserFactory(),
        chengguan=UserFactory(),
        zhujian=UserFactory(),
    )
    DistrictStaff.objects.create(user=people.staff, district=district)
    DepartmentMember.objects.create(user=people.chengguan, department=chengguan)
    DepartmentMember.objects.create(user=people.zhujian, department=zhujian)
    return SimpleNamespace(
        district=district, chengguan=chengguan, zhujian=zhujian, other_district_department=other, people=people
    )


@pytest.fixture
def report(actors):
    """The household's report: rubbish blocking the public toilet, with a photo."""
    return report_create(
        community=actors.community,
        by=actors.users["household"],
        category=Category.ENVIRONMENT,
        description="公厕门口堆满垃圾，进不去",
        photos=[photo()],
        entrance=actors.household_obj.entrance,
        reporter_phone="138 0000 1111",
    )
