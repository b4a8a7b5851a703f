"""The secretary keeps the register of residents' representatives (居民代表) on a small phone, against a real server:
from the community's page to the register, a flat that does not exist refused with what was typed kept, a
representative registered and removed; nothing runs off the screen and every control is a finger's size."""

import re

import pytest

from community.models import Representative, Role
from tests.browser.conftest import expect_message, log_in, shoot, staff
from tests.browser.test_accessibility import OVERFLOW, SMALL_TARGETS
from tests.factories import build_community

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_the_secretary_registers_and_removes_representatives_on_a_phone(server, small_phone):
    from playwright.sync_api import expect

    community = build_community(buildings=2, entrances=1, floors=3, rooms_per_floor=2, slug="xiangjiaoyuan")
    community.name = "橡胶园小区"
    community.save()
    staff(community, Role.Kind.SECRETARY, "wang-mishu", "王秘书", "13600000031")

    page = small_phone()
    log_in(page, server, "wang-mishu")
    page.goto(server.url("/c/xiangjiaoyuan/"))
    page.get_by_role("link", name="居民代表").click()
    expect(page).to_have_url(re.compile(r"/c/xiangjiaoyuan/representatives/$"))
    expect(page.locator("#representatives")).to_contain_text("尚未登记居民代表")

    form = page.locator("#add-representative")
    form.get_by_label("代表姓名").fill("林秀英")
    form.get_by_label("住户（楼栋-单元-房号）").fill("9-1-101")
    form.get_by_label("手机号码（选填）").fill("139 0000 0001")
    form.get_by_role("button", name="登记该居民代表").click()
    # Refused: the reason beside the form, what was typed still there, nothing saved.
    expect(form.get_by_role("alert")).to_contain_text("本小区没有这一户")
    expect(form.get_by_label("代表姓名")).to_have_value("林秀英")
    assert not Representative.objects.exists()

    form.get_by_label("住户（楼栋-单元-房号）").fill("1号楼1单元201")
    form.get_by_role("button", name="登记该居民代表").click()
    expect_message(page, "林秀英已登记为1-1-201的居民代表")
    row = page.locator("#representatives tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("林秀英")
    expect(row).to_contain_text("1号楼1单元")
    expect(row).to_contain_text("139****0001")  # the secretary sees the number masked

    width = page.viewport_size["width"]
    found = page.evaluate(OVERFLOW)
    assert found["scrollWidth"] <= width, found["wide"]
    assert page.evaluate(SMALL_TARGETS) == []
    shoot(page, "phone-representatives")

    row.get_by_role("button", name="移除").click()
    expect_message(page, "林秀英已不再是居民代表")
    expect(page.locator("#representatives")).to_contain_text("尚未登记居民代表")
    assert Representative.objects.get().active is False
