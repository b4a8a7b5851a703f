"""A resident reports rubbish blocking the public toilet from a cheap phone in WeChat (360 px, text at 200 %), with a
photo from the camera: she gets the report's number and what happens next. The community handles it (the test does
the property company's part through the services, against the same database), and she rates it 满意. Every page is
axe-clean, its taps at least 44 px, and nothing runs off the right edge."""

import io
import re

import pytest
from PIL import Image

from accounts.models import User
from community.models import Household, HouseholdBinding, Role
from reports.models import Rating, Report, ReportState
from reports.services import report_assign, report_done
from tests.browser.conftest import (
    AXE_FAILING_IMPACTS,
    SMALL_PHONE,
    _password_hash,
    axe_violations,
    describe_violations,
    expect_message,
    large_text,
    log_in,
    shoot,
    staff,
)
from tests.browser.test_accessibility import OVERFLOW, SMALL_TARGETS
from tests.factories import build_community

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def jpeg() -> bytes:
    """A small photo as a phone's camera gives it (a JPEG)."""
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (120, 110, 90)).save(out, format="JPEG", quality=80)
    return out.getvalue()


def check_page(page, name: str) -> None:
    failing = [v for v in axe_violations(page) if v["impact"] in AXE_FAILING_IMPACTS]
    assert not failing, f"{name}: axe-core finds:\n{describe_violations(failing)}"
    small = page.evaluate(SMALL_TARGETS)
    assert not small, f"{name}: tap targets under 44 px: {small}"
    found = page.evaluate(OVERFLOW)
    assert found["rootFont"] == "32px", f"{name}: the text setting is ignored"
    assert found["scrollWidth"] <= SMALL_PHONE["width"], f"{name}: wider than the screen: {found['wide']}"


def test_a_resident_reports_rubbish_at_the_toilet_from_her_phone_and_rates_it(server, small_phone):
    from datetime import timedelta

    from django.utils import timezone
    from playwright.sync_api import expect

    community = build_community(buildings=1, entrances=2, floors=2, rooms_per_floor=1, slug="majiebeilu")
    community.name = "马街北路社区"
    community.save()
    committee = staff(community, Role.Kind.COMMITTEE, "wang-jianguo", "王建国", "13600000051")
    fixer = staff(community, Role.Kind.PROPERTY, "li-shifu", "李师傅", "13600000052")
    resident = User.objects.create(
        username="zhao-ayi", display_name="赵阿姨", phone="13700000053", phone_verified=True, password=_password_hash()
    )
    household = Household.objects.of(community).order_by("pk").first()
    HouseholdBinding.objects.create(user=resident, household=household, relation=HouseholdBinding.Relation.OWNER)

    page = small_phone()
    large_text(page)
    log_in(page, server, "zhao-ayi")
    page.goto(server.url("/"))
    page.get_by_role("link", name="报事", exact=True).click()

    # The form: a big choice of the kind of problem, what is wrong, a photo from the camera, where.
    expect(page.get_by_role("heading", name="报事", exact=True)).to_be_visible()
    check_page(page, "the report form")
    page.get_by_label("环境卫生").check()
    page.get_by_label("具体情况").fill("公厕门口堆满垃圾，进不去")
    page.get_by_label("照片（最多三张）").set_input_files(
        files=[{"name": "toilet.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}]
    )
    page.get_by_label("或者说明在哪里").fill("北门旁的公厕")
    shoot(page, "report-phone-form", top=page.locator("fieldset.categories"))
    send = page.get_by_role("button", name="提交报事")
    assert send.bounding_box()["height"] >= 44
    send.click()

    # The number and what happens next.
    expect(page).to_have_url(re.compile(r"/reports/\d+/$"))
    expect_message(page, "您的报事编号：#1")
    expect(page.locator("#report-number")).to_have_text("您的报事编号：#1")
    expect(page.locator("#what-next")).to_contain_text("处理完后，会请您确认是否满意")
    photo = page.get_by_role("img", name="问题照片1")
    expect(photo).to_be_visible()
    photo.scroll_into_view_if_needed()  # loaded lazily, through the view that checks who may see it
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=photo.element_handle())
    check_page(page, "the report's page")
    shoot(page, "report-phone-number", top=page.locator("#report-number"))
    report = Report.objects.get()
    assert (report.community, report.reporter, report.location) == (community, resident, "北门旁的公厕")
    assert report.photos.count() == 1 and not report.public

    # The community's part: the committee assigns it to the property company, who cleans up.
    report_assign(report=report, to=fixer, due_on=timezone.localdate() + timedelta(days=1), by=committee)
    report_done(report=report, by=fixer, text="垃圾已清运，公厕已打扫")

    page.reload()
    history = page.locator("#history")
    expect(history).to_contain_text("业委会委员 王建国 已派人处理。")
    expect(history).to_contain_text("物业公司 李师傅 已处理完毕。")
    expect(history).to_contain_text("垃圾已清运，公厕已打扫")
    confirm = page.locator("#confirm")
    expect(confirm).to_contain_text("选“不满意”可重新处理一次")
    check_page(page, "the confirmation")
    shoot(page, "report-phone-confirm", top=confirm)
    satisfied = confirm.get_by_role("button", name="满意", exact=True)
    assert satisfied.bounding_box()["height"] >= 44
    satisfied.click()

    expect_message(page, "谢谢！您的评价已记录，报事已办结。")
    expect(history).to_contain_text("您 确认：满意。已办结。")
    expect(page.locator("#confirm")).to_have_count(0)
    report.refresh_from_db()
    assert report.state == ReportState.CLOSED and report.rating == Rating.SATISFIED
    check_page(page, "the closed report")

    # Her reports, with the state of each.
    page.get_by_role("link", name=re.compile("报事 · 马街北路社区")).click()
    expect(page.get_by_role("heading", name="我的报事")).to_be_visible()
    expect(page.locator("#my-reports")).to_contain_text("公厕门口堆满垃圾")
    expect(page.locator("#my-reports")).to_contain_text("已办结")  # the state of a closed report
    check_page(page, "my reports")
