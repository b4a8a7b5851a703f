"""One report from a resident's phone to a department's closure and the resident's rating, every step through the
pages of a real server, as the people concerned do it:

1. 赵阿姨, on a cheap phone in WeChat (360 px, text at 200 %), reports rubbish blocking the public toilet, with a photo
   from the camera, and gets the report's number;
2. the committee's 王建国, on a laptop, finds it in the community's queue and whistles it (吹哨) to 城管 with a
   deadline;
3. a member of 城管, on a phone with the text at 200 %, reports for duty (报到), records an action and completes (办结);
4. the district's staff see 城管's part completed on time;
5. 王建国 records what was done, which asks the reporter to confirm;
6. 赵阿姨 reads every step in plain words and rates it 满意: the report is closed, in her list as 已办结.

Every page is axe-clean; on the phones taps are at least 44 px and nothing runs off the right edge."""

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from accounts.models import User
from community.models import District, Household, HouseholdBinding, Role
from reports.models import Department, DepartmentMember, DistrictStaff, Rating, Report, ReportEvent, ReportState
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


def account(username: str, display_name: str, phone: str) -> User:
    return User.objects.create(
        username=username, display_name=display_name, phone=phone, phone_verified=True, password=_password_hash()
    )


def accessible(page, name: str) -> None:
    failing = [v for v in axe_violations(page) if v["impact"] in AXE_FAILING_IMPACTS]
    assert not failing, f"{name}: axe-core finds:\n{describe_violations(failing)}"


def fits_the_phone(page, name: str, *, width: int, root_font: str) -> None:
    accessible(page, name)
    small = page.evaluate(SMALL_TARGETS)
    assert not small, f"{name}: tap targets under 44 px: {small}"
    found = page.evaluate(OVERFLOW)
    assert found["rootFont"] == root_font, f"{name}: the text setting is ignored"
    assert found["scrollWidth"] <= width, f"{name}: wider than the screen: {found['wide']}"


def test_a_report_goes_from_a_residents_phone_to_a_department_and_back_to_her_rating(
    server, small_phone, phone, laptop
):
    district = District.objects.create(slug="majie", name="马街街道")
    community = build_community(buildings=1, entrances=2, floors=2, rooms_per_floor=1, slug="majiebeilu")
    community.name, community.district = "马街北路社区", district
    community.save()
    chengguan = Department.objects.create(district=district, name="城管")
    Department.objects.create(district=district, name="住建")
    DepartmentMember.objects.create(user=account("wang-chengguan", "王城管", "13600000061"), department=chengguan)
    DistrictStaff.objects.create(user=account("li-jiedao", "李街道", "13600000062"), district=district)
    staff(community, Role.Kind.COMMITTEE, "wang-jianguo", "王建国", "13600000051")
    resident = account("zhao-ayi", "赵阿姨", "13700000053")
    household = Household.objects.of(community).order_by("pk").first()
    HouseholdBinding.objects.create(user=resident, household=household, relation=HouseholdBinding.Relation.OWNER)
    deadline = timezone.localdate() + timedelta(days=3)

    # 1. 赵阿姨 reports from her phone: the kind of problem, what is wrong, a photo from the camera, where.
    her = small_phone()
    large_text(her)
    log_in(her, server, "zhao-ayi")
    her.goto(server.url("/"))
    her.get_by_role("link", name="报事", exact=True).click()
    expect(her.get_by_role("heading", name="报事", exact=True)).to_be_visible()
    fits_the_phone(her, "the report form", width=SMALL_PHONE["width"], root_font="32px")
    her.get_by_label("环境卫生").check()
    her.get_by_label("具体情况").fill("公厕门口堆满垃圾，进不去")
    her.get_by_label("照片（最多三张）").set_input_files(
        files=[{"name": "toilet.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}]
    )
    her.get_by_label("或者说明在哪里").fill("北门旁的公厕")
    shoot(her, "report-phone-form", top=her.locator("fieldset.categories"))
    her.get_by_role("button", name="提交报事").click()
    expect(her).to_have_url(re.compile(r"/reports/\d+/$"))
    expect_message(her, "您的报事编号：#1")
    expect(her.locator("#report-number")).to_have_text("您的报事编号：#1")
    expect(her.locator("#what-next")).to_contain_text("处理完后，会请您确认是否满意")
    photo = her.get_by_role("img", name="问题照片1")
    photo.scroll_into_view_if_needed()  # loaded lazily, through the view that checks who may see it
    her.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=photo.element_handle())
    fits_the_phone(her, "the report's page", width=SMALL_PHONE["width"], root_font="32px")
    shoot(her, "report-phone-number", top=her.locator("#report-number"))
    report = Report.objects.get()
    assert (report.community, report.reporter, report.location) == (community, resident, "北门旁的公厕")
    assert report.state == ReportState.NEW and report.photos.count() == 1 and not report.public

    # 2. The committee finds it in the queue, with her number to call, and whistles it to 城管 with a deadline.
    committee = laptop()
    log_in(committee, server, "wang-jianguo")
    committee.goto(server.url("/c/majiebeilu/dashboard/"))
    committee.get_by_role("link", name="居民报事").click()
    row = committee.locator("table.triage-queue tbody tr").filter(has_text="北门旁的公厕")
    expect(row.get_by_role("link", name="13700000053")).to_have_attribute("href", "tel:13700000053")
    accessible(committee, "the queue")
    row.get_by_role("link", name="办理").click()
    expect(committee.get_by_role("heading", name=re.compile("报事 #1"))).to_be_visible()
    whistle = committee.locator("#whistle")
    whistle.get_by_label("城管").check()
    whistle.get_by_label("期限").fill(deadline.isoformat())
    whistle.get_by_label("需要部门做什么").fill("请城管三天内清运公厕门口的垃圾")
    accessible(committee, "the report's handling page")
    whistle.get_by_role("button", name="吹哨", exact=True).click()
    expect_message(committee, "已向城管吹哨，请部门报到。")
    report.refresh_from_db()
    assert report.state == ReportState.ESCALATED
    summons = report.whistles.get().summonses.get()
    assert summons.department == chengguan and summons.whistle.deadline == deadline

    # 3. 城管's member, on a phone: the home page leads to the inbox; 报到, an action, 办结.
    member = phone()
    large_text(member)
    log_in(member, server, "wang-chengguan")
    member.goto(server.url("/"))
    member.locator("#district-posts").get_by_role("link", name=re.compile("马街街道 · 城管")).click()
    card = member.locator(f"#summons-{summons.pk}")
    expect(card).to_contain_text("请城管三天内清运公厕门口的垃圾")
    expect(card).to_contain_text("公厕门口堆满垃圾，进不去")
    expect(card.get_by_role("link", name="13700000053")).to_have_attribute("href", "tel:13700000053")
    image = card.locator(".report-photos img").first
    image.scroll_into_view_if_needed()
    member.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    fits_the_phone(member, "the department's inbox", width=390, root_font="32px")
    card.get_by_role("button", name="报到", exact=True).click()
    expect_message(member, "城管已报到。")
    card = member.locator(f"#summons-{summons.pk}")
    card.get_by_label("记录一次处置").fill("已派两名队员到场清运")
    card.get_by_role("button", name="记录处置").click()
    expect_message(member, "处置已记录。")
    card = member.locator(f"#summons-{summons.pk}")
    card.get_by_label("办结情况（填写后办结）").fill("垃圾已全部清运，并设置了提示牌")
    card.get_by_role("button", name="办结", exact=True).click()
    expect_message(member, "已办结，社区将向居民确认。")
    shoot(member, "whistle-inbox")

    # 4. The district's staff see 城管's part completed on time.
    district_page = laptop()
    log_in(district_page, server, "li-jiedao")
    district_page.goto(server.url("/"))
    district_page.locator("#district-posts").get_by_role("link", name=re.compile("马街街道")).click()
    summons.refresh_from_db()
    part = district_page.locator(f"#part-{summons.pk}")
    expect(part).to_contain_text("已办结")
    expect(part).to_contain_text(timezone.localtime(summons.completed_at).strftime("%Y-%m-%d %H:%M"))
    expect(district_page.locator(f"#whistle-{summons.whistle_id}")).to_contain_text("马街北路社区")
    expect(district_page.locator(f"#punctuality-{chengguan.pk} .on-time")).to_have_text("1 / 1")
    expect(district_page.locator("#count-overdue b")).to_have_text("0")
    shoot(district_page, "whistle-district")
    accessible(district_page, "the district's page")

    # 5. The committee records what was done, which asks 赵阿姨 to confirm.
    committee.reload()
    done = committee.locator("#done")
    done.get_by_label("处理结果").fill("城管已清运垃圾并设提示牌，公厕恢复使用")
    done.get_by_role("button", name="登记，请报事人确认").click()
    expect_message(committee, "已登记，请报事人确认。")
    report.refresh_from_db()
    assert report.state == ReportState.DONE

    # 6. 赵阿姨 reads every step in plain words and rates it.
    her.reload()
    history = her.locator("#history")
    expect(history).to_contain_text("已派给 城管")
    expect(history).to_contain_text("城管 已报到。")
    expect(history).to_contain_text("已派两名队员到场清运")
    expect(history).to_contain_text("城管 已完成。")
    expect(history).to_contain_text("城管已清运垃圾并设提示牌，公厕恢复使用")
    confirm = her.locator("#confirm")
    expect(confirm).to_contain_text("选“不满意”可重新处理一次")
    fits_the_phone(her, "the confirmation", width=SMALL_PHONE["width"], root_font="32px")
    shoot(her, "report-phone-confirm", top=confirm)
    confirm.get_by_role("button", name="满意", exact=True).click()
    expect_message(her, "谢谢！您的评价已记录，报事已办结。")
    expect(history).to_contain_text("您 确认：满意。已办结。")
    expect(her.locator("#confirm")).to_have_count(0)
    report.refresh_from_db()
    assert report.state == ReportState.CLOSED and report.rating == Rating.SATISFIED
    assert list(report.events.order_by("pk").values_list("kind", flat=True)) == [
        ReportEvent.Kind.REPORTED,
        ReportEvent.Kind.WHISTLED,
        ReportEvent.Kind.ACKNOWLEDGED,
        ReportEvent.Kind.ACTION,
        ReportEvent.Kind.COMPLETED,
        ReportEvent.Kind.DONE,
        ReportEvent.Kind.CONFIRMED,
    ]
    her.get_by_role("link", name=re.compile("报事 · 马街北路社区")).click()
    expect(her.get_by_role("heading", name="我的报事")).to_be_visible()
    expect(her.locator("#my-reports")).to_contain_text("公厕门口堆满垃圾")
    expect(her.locator("#my-reports")).to_contain_text("已办结")
    fits_the_phone(her, "my reports", width=SMALL_PHONE["width"], root_font="32px")
