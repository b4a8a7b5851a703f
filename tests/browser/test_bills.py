"""Bills a committee can run with, in a real browser against a real server: the committee on a laptop (owners in the
table, the XLSX export, payment instructions with a QR code, a printable payment notice) and a household on a phone
(how to pay on its bill; on a garage share: the price of one e-bike, whole numbers only, withdrawing confirmed)."""

import io
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from accounts.models import User
from community.models import Household, HouseholdBinding, Role
from costs.models import Beneficiary, Bill, BillStatus, CostMethod, PaymentInstructions, Sharers
from costs.services import beneficiary_sign_up, bill_pay, payment_instructions_save
from proposals.models import Scope
from tests.browser.conftest import (
    _password_hash,
    expect_message,
    log_in,
    pdf_first_page_png,
    shoot,
    staff,
    tiny_png,
)
from tests.costs.conftest import add_plan, consulting, open_voting, pass_it
from tests.factories import build_community

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def resident(household, username: str, phone: str) -> User:
    """A household's member who logs in with PASSWORD (hashed as the server hashes it)."""
    user = User.objects.create(
        username=username, display_name=username, phone=phone, phone_verified=True, password=_password_hash()
    )
    HouseholdBinding.objects.create(user=user, household=household, relation=HouseholdBinding.Relation.OWNER)
    return user


def no_sideways_scroll(page) -> None:
    """Nothing wider than the screen, at the phone's normal text size and at 200 % (a larger-text setting)."""
    for size in ("", "200%"):
        page.evaluate("size => { document.documentElement.style.fontSize = size; }", size)
        width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"at text size {size or 'normal'} the page is {width[0]} px wide on {width[1]} px"
    page.evaluate("() => { document.documentElement.style.fontSize = ''; }")


def _billed(community, committee):
    proposal = consulting(community, committee, title="更换单元门禁", summary="更换1号楼1单元门禁系统")
    add_plan(proposal, committee, method=CostMethod.AREA, items=(("门禁系统", "12000.00"),), subsidies=())
    open_voting(proposal, committee)
    return pass_it(proposal, committee)


def test_the_committee_runs_the_bills_on_a_laptop(server, laptop, tmp_path):
    from playwright.sync_api import expect

    community = build_community(buildings=1, entrances=1, floors=4, rooms_per_floor=2, slug="taoyuan")
    committee = staff(community, Role.Kind.COMMITTEE, "li-zhuren", "李主任", "13600000021")
    proposal = _billed(community, committee)
    bills = list(Bill.objects.filter(proposal=proposal).select_related("household__owner").order_by("position"))
    owner = bills[1].household.owner
    owner.name, owner.phone = "王阿姨", "13812345678"
    owner.save()
    bill_pay(bill=bills[0], by=committee, amount=bills[0].amount, note="收据001")

    page = laptop()
    log_in(page, server, "li-zhuren")
    page.goto(server.url(f"/proposals/{proposal.pk}/bills/"))
    table = page.locator("table.bills tbody")
    # Every bill by default, the paid one too, and the page says what it shows.
    expect(table.locator("tr")).to_have_count(len(bills))
    expect(page.locator(".status-tabs a.current")).to_contain_text("全部")
    expect(page.locator(".showing")).to_contain_text("全部账单")
    expect(table.locator("tr").first).to_contain_text("已缴")
    expect(table).to_contain_text("王阿姨")
    expect(table).to_contain_text("138****5678")
    expect(table).not_to_contain_text("13812345678")
    # No payment instructions yet: the page says so.
    expect(page.locator(".msg.warning")).to_contain_text("住户还不知道如何缴费")
    shoot(page, "laptop-bills")

    # The filter is one tap and says what it hides.
    page.locator(".status-tabs a").filter(has_text="未缴").first.click()
    expect(table.locator("tr")).to_have_count(len(bills) - 1)
    expect(page.locator(".showing")).to_contain_text("显示全部账单")
    page.locator(".showing a").click()
    expect(table.locator("tr")).to_have_count(len(bills))

    # The export downloads a workbook that opens and lists the owners.
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel（.xlsx）").click()
    path = tmp_path / "bills.xlsx"
    download.value.save_as(path)
    rows = list(load_workbook(path).worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("户", "业主", "电话")
    assert [row[1] for row in rows[1:-1]] == [bill.household.owner.name for bill in bills]
    assert "138****5678" in [row[2] for row in rows[1:-1]]

    # Payment instructions, once for the community, with a QR code.
    page.get_by_role("link", name="缴费方式").first.click()
    page.get_by_label("户名").fill("桃园小区业主委员会")
    page.get_by_label("开户行及账号").fill("中国工商银行 桃园支行 6222 0000 1111 2222")
    page.get_by_label("现场缴费地点").fill("1号楼一层业委会办公室")
    page.get_by_label("办公时间").fill("每周六 9:00–11:30")
    page.get_by_label("收款码（照片或截图）").set_input_files(
        {"name": "qr.png", "mimeType": "image/png", "buffer": tiny_png(120, 120)}
    )
    page.get_by_role("button", name="保存缴费方式").click()
    expect_message(page, "缴费方式已保存")
    expect(page.locator(".pay-how")).to_contain_text("6222 0000 1111 2222")
    expect(page.locator(".pay-how img")).to_be_visible()
    # The image is served (to the committee here) and decodes: the re-encoded PNG, as wide as the one uploaded.
    page.wait_for_function("() => { const img = document.querySelector('.pay-how img'); return img && img.complete; }")
    assert page.locator(".pay-how img").evaluate("img => img.naturalWidth") == 120
    assert PaymentInstructions.objects.get(community=community).qr

    # A printable notice for one household, and for all still to pay.
    page.goto(server.url(f"/proposals/{proposal.pk}/bills/"))
    href = page.locator("a.notice-link").first.get_attribute("href")
    response = page.request.get(server.url(href))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf_first_page_png(response.body(), "payment-notice", tmp_path)
    text = PdfReader(io.BytesIO(response.body())).pages[0].extract_text().replace(" ", "")
    assert "缴费通知" in text and "王阿姨" in text and "6222000011112222" in text
    href = page.get_by_role("link", name=re.compile("打印全部未缴住户的缴费通知")).get_attribute("href")
    response = page.request.get(server.url(href))
    assert len(PdfReader(io.BytesIO(response.body())).pages) == len(bills) - 1


def test_a_household_sees_how_to_pay_and_the_price_of_an_e_bike_on_a_phone(server, phone):
    from playwright.sync_api import expect

    community = build_community(buildings=1, entrances=1, floors=4, rooms_per_floor=2, slug="liuyuan")
    committee = staff(community, Role.Kind.COMMITTEE, "zhao-zhuren", "赵主任", "13600000031")
    proposal = _billed(community, committee)
    payment_instructions_save(
        community=community,
        by=committee,
        payee="柳园小区业主委员会",
        account="中国建设银行 柳园支行 6217 0000 3333 4444",
        hours="每周日 14:00–17:00",
        place="2号楼架空层",
    )
    household = Household.objects.get(entrance__building__community=community, room="302")
    resident(household, "chen-ayi", "13700000031")
    garage = consulting(
        community,
        committee,
        title="电动车车棚",
        summary="建设电动车充电车棚",
        scope=Scope.ENTRANCES,
        entrances=[household.entrance],
    )
    add_plan(
        garage,
        committee,
        method=CostMethod.WEIGHT,
        sharers=Sharers.BENEFICIARIES,
        items=(("车棚及充电桩", "18000.00"),),
        subsidies=(),
        weight_label="辆电动车",
    )
    neighbour = Household.objects.get(entrance=household.entrance, room="101")
    beneficiary_sign_up(proposal=garage, household=neighbour, by=committee, weight=5)

    page = phone()
    log_in(page, server, "chen-ayi")
    # The bill says how to pay, not only "as announced".
    page.goto(server.url(f"/proposals/{proposal.pk}/my-bill/"))
    how = page.locator(".pay-how")
    expect(how).to_contain_text("如何缴费")
    expect(how).to_contain_text("柳园小区业主委员会")
    expect(how).to_contain_text("6217 0000 3333 4444")
    expect(how).to_contain_text("每周日 14:00–17:00")
    expect(page.locator(".bill .amount")).to_contain_text("¥")
    no_sideways_scroll(page)
    shoot(page, "phone-bill-how-to-pay", top=page.locator(".bill"))

    # The garage: whole e-bikes only, refused by the browser and again by the server.
    page.goto(server.url(f"/proposals/{garage.pk}/"))
    share = page.locator("#my-share")
    expect(share.locator(".per-unit")).to_contain_text("每辆电动车 ¥3,600.00")  # 18,000 over 5 e-bikes so far
    number = share.get_by_label("我家有")
    number.fill("1.5")
    share.get_by_role("button", name="报名分摊").click()
    assert number.evaluate("input => !input.checkValidity()")
    assert not Beneficiary.objects.filter(household=household).exists()
    number.evaluate("input => { input.step = 'any'; }")  # as the page allowed before: the server refuses it too
    share.get_by_role("button", name="报名分摊").click()
    expect_message(page, "数量必须是整数")
    assert not Beneficiary.objects.filter(household=household).exists()

    share = page.locator("#my-share")
    share.get_by_label("我家有").fill("1")
    share.get_by_role("button", name="报名分摊").click()
    expect_message(page, "您家已报名")
    assert Beneficiary.objects.get(household=household).weight == 1
    share = page.locator("#my-share")
    expect(share.locator(".per-unit")).to_contain_text("每辆电动车 ¥3,000.00")  # now 6 e-bikes
    expect(share.get_by_role("button", name="修改数量")).to_be_visible()
    # Withdrawing is its own step: nothing to press beside "修改数量" until the question is opened.
    confirm = share.get_by_role("button", name="确认退出")
    expect(confirm).to_be_hidden()
    share.locator("details.withdraw summary").tap()
    expect(confirm).to_be_visible()
    no_sideways_scroll(page)
    shoot(page, "phone-garage-share", top=share)
    confirm.tap()
    expect_message(page, "您家已退出")
    assert Beneficiary.objects.get(household=household).withdrawn_at is not None
    assert Bill.objects.filter(proposal=proposal, status=BillStatus.UNPAID).exists()
