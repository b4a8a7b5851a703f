"""Bills a committee can run with (issue 14): owners in the table and its XLSX, payment notices, payment
instructions with a checked QR code, who shares waived amounts (exact to the fen, property-tested), whole numbers
of e-bikes and the price of one."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from PIL import Image, PngImagePlugin
from pypdf import PdfReader

from costs.models import Beneficiary, Bill, BillStatus, CostPlan, PaymentInstructions, ResplitAmong
from costs.selectors import collection
from costs.services import (
    beneficiary_sign_up,
    bill_pay,
    bill_waive,
    bills_resplit,
    payment_instructions_save,
    resplit_added,
)
from tests.costs.test_cost_pages import my_share

pytestmark = pytest.mark.django_db


def _bills(proposal):
    return list(Bill.objects.filter(proposal=proposal).select_related("household__owner").order_by("position"))


def _png(size=(120, 120), *, comment: str = "") -> bytes:
    image = Image.new("RGB", size, "white")
    for x in range(10, 50):
        for y in range(10, 50):
            image.putpixel((x, y), (0, 0, 0))
    info = PngImagePlugin.PngInfo()
    if comment:
        info.add_text("Comment", comment)
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


# --- The table: owners, masked phones, every bill by default, the export -----------------------------------------


def test_the_table_names_each_owner_with_a_masked_phone(billed, actors, client_as):
    bills = _bills(billed)
    owner = bills[0].household.owner
    owner.name, owner.phone = "王阿姨", "13812345678"
    owner.save()
    html = client_as(actors.users["secretary"]).get(reverse("bill_collection", args=[billed.pk])).content.decode()
    assert "王阿姨" in html and "138****5678" in html and "13812345678" not in html
    assert all(bill.household.owner.name in html for bill in bills)


def test_a_filtered_table_says_so_and_offers_every_bill(billed, actors, client_as):
    client = client_as(actors.users["secretary"])
    bill = _bills(billed)[0]
    bill_pay(bill=bill, by=actors.users["secretary"], amount=bill.amount)
    html = client.get(reverse("bill_collection", args=[billed.pk]), {"status": "unpaid"}).content.decode()
    assert bill.label not in html.split("<tbody>")[1]
    assert "显示全部账单" in html  # the way back to every bill, beside what the filter shows
    html = client.get(reverse("bill_collection", args=[billed.pk])).content.decode()
    assert bill.label in html.split("<tbody>")[1] and "全部账单，含已缴和已减免" in html


def test_the_export_lists_every_bill_with_its_owner_and_adds_up(billed, actors, client_as):
    bills = _bills(billed)
    owner = bills[1].household.owner
    owner.phone = "13912345678"
    owner.save()
    bill_pay(bill=bills[0], by=actors.users["committee"], amount=bills[0].amount, note="收据001")
    response = client_as(actors.users["secretary"]).get(reverse("bill_collection_xlsx", args=[billed.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("户", "业主", "电话")
    body, total = rows[1:-1], rows[-1]
    assert [row[0] for row in body] == [bill.label for bill in bills]
    assert [row[1] for row in body] == [bill.household.owner.name for bill in bills]
    assert body[1][2] == "139****5678" and "13912345678" not in str(rows)
    assert body[0][7] == "已缴" and body[0][9] == "收据001"
    plan = CostPlan.objects.get(proposal=billed)
    assert sum(Decimal(str(row[4])) for row in body) == plan.to_share == Decimal(str(total[4]))
    assert Decimal(str(total[5])) + Decimal(str(total[6])) == plan.to_share
    # The export follows the page's filter.
    response = client_as(actors.users["secretary"]).get(
        reverse("bill_collection_xlsx", args=[billed.pk]), {"status": "unpaid"}
    )
    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert [row[0] for row in rows[1:-1]] == [bill.label for bill in bills[1:]]


# --- Payment notices (PDF) -----------------------------------------------------------------------------------------


def _pdf(response) -> PdfReader:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.content))


def test_one_notice_per_household_still_to_pay(billed, actors, client_as):
    bills = _bills(billed)
    bill_pay(bill=bills[0], by=actors.users["committee"], amount=bills[0].amount)
    payment_instructions_save(
        community=actors.community,
        by=actors.users["committee"],
        payee="某某小区业主委员会",
        account="中国工商银行 6222 0000 1111 2222",
        hours="周六 9:00–11:30",
        qr=SimpleUploadedFile("qr.png", _png(), content_type="image/png"),
    )
    client = client_as(actors.users["secretary"])
    url = reverse("document_payment_notices", args=[billed.pk])
    batch = _pdf(client.get(url))
    assert len(batch.pages) == len(bills) - 1  # the paid household gets none
    single = _pdf(client.get(url, {"bill": bills[1].pk}))
    assert len(single.pages) == 1
    text = single.pages[0].extract_text().replace(" ", "")  # the title is letter-spaced
    assert "缴费通知" in text and f"{bills[1].amount:,.2f}" in text and "6222000011112222" in text
    assert bills[1].household.owner.name in text
    assert single.pages[0].images  # the QR code is printed


@pytest.mark.parametrize("bill", ["999999", "99999999999999999999999", "x"])
def test_notices_of_no_bill_of_this_proposal_are_not_found(billed, actors, client_as, bill):
    response = client_as(actors.users["secretary"]).get(
        reverse("document_payment_notices", args=[billed.pk]), {"bill": bill}
    )
    assert response.status_code == 404


def test_too_many_notices_at_once_ask_for_a_building(billed, actors, client_as, monkeypatch):
    monkeypatch.setattr("documents.notices.INLINE_NOTICES", 2)
    response = client_as(actors.users["secretary"]).get(
        reverse("document_payment_notices", args=[billed.pk]), follow=True
    )
    assert "一次最多打印 2 份缴费通知" in response.content.decode()
    building = _bills(billed)[0].household.entrance.building.name
    response = client_as(actors.users["secretary"]).get(
        reverse("document_payment_notices", args=[billed.pk]),
        {"building": building, "entrance": "nowhere"},
        follow=True,
    )
    assert "这里没有未缴的账单" in response.content.decode()


# --- Payment instructions -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "household", "secretary", "other_committee", "committee"])
def test_only_the_committee_writes_the_payment_instructions(actors, client_as, who):
    url = reverse("payment_instructions", args=[actors.community.slug])
    client = client_as(actors.users[who])
    response = client.post(url, {"payee": "业委会", "account": "6222 0000"})
    if who == "committee":
        assert response.status_code == 302
        assert PaymentInstructions.objects.get(community=actors.community).account == "6222 0000"
    else:
        assert response.status_code in (302, 403) and not PaymentInstructions.objects.exists()
        if who == "anonymous":
            assert "/accounts/login/" in response["Location"]


def test_the_household_s_bill_shows_how_to_pay(billed, actors, client_as):
    page = client_as(actors.users["household"]).get(reverse("my_bill", args=[billed.pk])).content.decode()
    assert "请按公告向业委会或其秘书缴费" in page  # until the committee writes them
    client_as(actors.users["committee"]).post(
        reverse("payment_instructions", args=[actors.community.slug]),
        {
            "payee": "某某小区业主委员会",
            "account": "中国工商银行 6222 0000 1111 2222",
            "place": "1号楼一层业委会办公室",
            "hours": "周六 9:00–11:30",
            "qr": SimpleUploadedFile("qr.png", _png(), content_type="image/png"),
        },
    )
    page = client_as(actors.users["household"]).get(reverse("my_bill", args=[billed.pk])).content.decode()
    for text in ("如何缴费", "某某小区业主委员会", "6222 0000 1111 2222", "1号楼一层业委会办公室", "周六 9:00–11:30"):
        assert text in page
    assert reverse("payment_qr", args=[actors.community.slug]) in page


def test_the_qr_image_is_checked_and_re_encoded(actors, client_as):
    committee = actors.users["committee"]
    original = _png((2000, 1500), comment="tracking 123")
    saved = payment_instructions_save(
        community=actors.community, by=committee, payee="业委会", qr=SimpleUploadedFile("x.jpg", original)
    )
    with saved.qr.open("rb") as file:
        stored = file.read()
    assert stored != original and stored.startswith(b"\x89PNG")
    image = Image.open(io.BytesIO(stored))
    assert max(image.size) <= 800 and "Comment" not in image.info  # scaled down, metadata gone
    # Served to the community's households and committee only.
    url = reverse("payment_qr", args=[actors.community.slug])
    response = client_as(actors.users["household"]).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert (response["Cache-Control"], response["X-Content-Type-Options"]) == ("private, max-age=300", "nosniff")
    assert b"".join(response.streaming_content) == stored
    assert client_as(actors.users["other_household"]).get(url).status_code == 403
    assert "/accounts/login/" in client_as(None).get(url)["Location"]


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.4 not an image",
        b"\x89PNG\r\n\x1a\n" + b"garbage that is not a PNG" * 10,
        b"<svg xmlns='http://www.w3.org/2000/svg'></svg>",
    ],
)
def test_anything_but_a_real_image_is_refused_and_nothing_changes(actors, client_as, content):
    response = client_as(actors.users["committee"]).post(
        reverse("payment_instructions", args=[actors.community.slug]),
        {"payee": "业委会", "qr": SimpleUploadedFile("qr.png", content, content_type="image/png")},
    )
    assert response.status_code == 400
    assert "只能上传收款码的照片或截图" in response.content.decode()
    assert not PaymentInstructions.objects.exists()


def test_a_too_large_qr_image_is_refused(actors):
    big = SimpleUploadedFile("qr.png", b"\x89PNG\r\n\x1a\n" + b"0" * (5 * 1024 * 1024 + 1))
    with pytest.raises(ValidationError, match="too large"):
        payment_instructions_save(community=actors.community, by=actors.users["committee"], qr=big)
    assert not PaymentInstructions.objects.exists()


def test_empty_instructions_are_refused(actors):
    with pytest.raises(ValidationError, match="at least one way to pay"):
        payment_instructions_save(community=actors.community, by=actors.users["committee"], payee="  ")


# --- Who shares the waived amounts ---------------------------------------------------------------------------------


def test_sharing_among_all_asks_the_prompt_payers_for_the_difference(billed, actors):
    committee = actors.users["committee"]
    paid, waived, *unpaid = _bills(billed)
    bill_pay(bill=paid, by=committee, amount=paid.amount)
    bill_waive(bill=waived, by=committee, reason="低保户")
    record = bills_resplit(proposal=billed, by=committee, reason="大家分担", among=ResplitAmong.ALL)
    assert record.among == ResplitAmong.ALL and record.unpaid_bills == 1 + len(unpaid)
    paid.refresh_from_db()
    assert paid.status == BillStatus.UNPAID and paid.paid_amount == paid.original_amount
    assert paid.to_pay == paid.amount - paid.original_amount > 0
    # The rest of the bill is paid as usual: exactly what is still to pay.
    with pytest.raises(ValidationError):
        bill_pay(bill=paid, by=committee, amount=paid.amount)
    bill_pay(bill=paid, by=committee, amount=paid.to_pay)
    paid.refresh_from_db()
    assert paid.status == BillStatus.PAID and paid.paid_amount == paid.amount
    progress = collection(billed)
    assert progress.sums[BillStatus.PAID] + progress.sums[BillStatus.UNPAID] == Decimal("2000.00")


def test_sharing_among_the_unpaid_leaves_the_paid_alone(billed, actors):
    committee = actors.users["committee"]
    paid, waived, *_unpaid = _bills(billed)
    bill_pay(bill=paid, by=committee, amount=paid.amount)
    bill_waive(bill=waived, by=committee, reason="低保户")
    bills_resplit(proposal=billed, by=committee, reason="未缴户分担", among=ResplitAmong.UNPAID)
    paid.refresh_from_db()
    assert paid.status == BillStatus.PAID and paid.amount == paid.original_amount


def test_a_household_that_paid_its_share_cannot_be_waived_for_the_rest(billed, actors):
    committee = actors.users["committee"]
    paid, waived, *_rest = _bills(billed)
    bill_pay(bill=paid, by=committee, amount=paid.amount)
    bill_waive(bill=waived, by=committee, reason="低保户")
    bills_resplit(proposal=billed, by=committee, reason="大家分担", among=ResplitAmong.ALL)
    with pytest.raises(ValidationError, match="already paid its own share"):
        bill_waive(bill=paid, by=committee, reason="再减免")


def test_the_choice_is_required_on_the_page(billed, actors, client_as):
    committee = actors.users["committee"]
    bill_waive(bill=_bills(billed)[0], by=committee, reason="低保户")
    before = [bill.amount for bill in _bills(billed)]
    response = client_as(committee).post(
        reverse("bill_resplit", args=[billed.pk]), {"reason": "分担", "confirm": "on"}, follow=True
    )
    assert "请选择由哪些住户分担减免的金额" in response.content.decode()
    assert [bill.amount for bill in _bills(billed)] == before


money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)


@given(amount=money, originals=st.lists(money, min_size=1, max_size=40))
def test_the_added_parts_add_up_to_the_waived_amount_exactly(amount, originals):
    bills = [Bill(pk=index + 1, original_amount=original) for index, original in enumerate(originals)]
    added = resplit_added(amount, bills)
    assert sum(added.values()) == amount
    whole = sum(originals)
    for bill in bills:
        exact = amount * bill.original_amount / whole
        assert added[bill.pk] >= 0 and abs(added[bill.pk] - exact) < Decimal("0.01")
        assert added[bill.pk] == added[bill.pk].quantize(Decimal("0.01"))


@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    statuses=st.lists(st.sampled_from(["paid", "unpaid", "waived"]), min_size=4, max_size=4),
    among=st.sampled_from(ResplitAmong.values),
)
def test_whoever_shares_the_waived_amounts_the_bills_always_add_up(billed, actors, statuses, among):
    committee = actors.users["committee"]
    plan = CostPlan.objects.get(proposal=billed)
    with transaction.atomic():
        bills = _bills(billed)
        for bill, status in zip(bills, statuses, strict=True):
            if status == "paid":
                bill_pay(bill=bill, by=committee, amount=bill.amount)
            elif status == "waived":
                bill_waive(bill=bill, by=committee, reason="减免")
        waived = sum(
            (bill.amount for bill, status in zip(bills, statuses, strict=True) if status == "waived"), Decimal(0)
        )
        takers = [status for status in statuses if status == "unpaid" or (status == "paid" and among == "all")]
        if not waived or not takers:
            with pytest.raises(ValidationError):
                bills_resplit(proposal=billed, by=committee, reason="分担", among=among)
        else:
            bills_resplit(proposal=billed, by=committee, reason="分担", among=among)
            after = {bill.pk: bill for bill in _bills(billed)}
            kept = [after[bill.pk] for bill, status in zip(bills, statuses, strict=True) if status != "waived"]
            # Nothing is lost or made up: what the other households owe is the whole amount to share.
            assert sum(bill.amount for bill in kept) == plan.to_share
            progress = collection(billed)
            assert progress.sums[BillStatus.PAID] + progress.sums[BillStatus.UNPAID] == plan.to_share
            for bill, status in zip(bills, statuses, strict=True):
                now = after[bill.pk]
                assert now.amount >= now.original_amount
                if status == "paid" and among == "unpaid":
                    assert now.amount == bill.amount and now.status == BillStatus.PAID
        transaction.set_rollback(True)


# --- Whole numbers and the price of one ----------------------------------------------------------------------------


@pytest.mark.parametrize("weight", ["1.5", "0.5", "2.01"])
def test_a_part_of_an_e_bike_is_refused(garage, stairwell, residents, weight):
    with pytest.raises(ValidationError, match="whole number"):
        beneficiary_sign_up(proposal=garage, household=stairwell[0], by=residents[0], weight=weight)
    assert not Beneficiary.objects.exists()


def test_a_whole_number_written_with_a_point_is_fine(garage, stairwell, residents):
    beneficiary = beneficiary_sign_up(proposal=garage, household=stairwell[0], by=residents[0], weight="2.0")
    beneficiary.refresh_from_db()
    assert beneficiary.weight == 2


def test_the_page_refuses_one_and_a_half_e_bikes_with_a_message(garage, stairwell, residents, client_as):
    response = client_as(residents[0]).post(
        reverse("cost_sign_up", args=[garage.pk]),
        {"household": stairwell[0].pk, "action": "sign_up", "weight": "1.5"},
        follow=True,
    )
    assert "数量必须是整数" in response.content.decode()
    assert not Beneficiary.objects.exists()


def test_the_share_shows_the_price_of_one_e_bike(garage, stairwell, residents):
    beneficiary_sign_up(proposal=garage, household=stairwell[0], by=residents[0], weight=3)
    beneficiary_sign_up(proposal=garage, household=stairwell[1], by=residents[1], weight=4)
    # ¥20,000 to share over 7 e-bikes.
    for user in (residents[0], residents[2]):  # signed up, and deciding whether to
        assert "每辆电动车 ¥2,857.14" in my_share(garage, user)
    html = my_share(garage, residents[0])
    assert 'step="1"' in html and 'min="1"' in html
    # Withdrawing is its own step: a disclosure, then a separate confirm button, never beside "修改数量".
    save_form, withdraw = html.split('<details class="withdraw">')
    assert "修改数量" in save_form and 'value="withdraw"' not in save_form
    assert "退出分摊" in withdraw and 'value="withdraw"' in withdraw and "确认退出" in withdraw
