"""The whole story in a browser, on a real server: the committee imports the roster, writes a proposal with a cost
plan and opens voting; three households join with their codes and vote on a phone while the big screen follows live;
the secretary enters a paper ballot; the committee closes the vote, two members sign, the printed resolution says
the right numbers and the public verification page confirms it."""

import io
import re
from decimal import Decimal

import pytest
from openpyxl import Workbook
from pypdf import PdfReader

from community.models import Community, Household, Role
from community.services import join_code_issue
from proposals.models import Proposal, State
from tests.browser.conftest import PASSWORD, expect_message, log_in, pdf_first_page_png, shoot, staff, tiny_png
from voting.models import Ballot, Channel

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADINGS = ["楼栋", "单元", "房号", "楼层", "建筑面积", "业主", "手机号"]
# Two buildings × one entrance × three floors × two rooms; the proposal is put to building 1 (six households).
AREAS = {"01": Decimal("89.50"), "02": Decimal("76.30")}
# Who joins on a phone, how they vote, and the number they sign up with.
VOTERS = [("201", "agree", "13700000201"), ("202", "agree", "13700000202"), ("301", "disagree", "13700000301")]


def roster(*, mistake: bool) -> bytes:
    """The committee's spreadsheet; with `mistake`, the third household's area is "abc" (spreadsheet row 4)."""
    book = Workbook()
    sheet = book.active
    sheet.append(HEADINGS)
    n = 0
    for building in ("1", "2"):
        for floor in (1, 2, 3):
            for room in ("01", "02"):
                n += 1
                area = "abc" if mistake and n == 3 else str(AREAS[room])
                sheet.append(
                    [building, "1", f"{floor}{room}", floor, area, f"业主{building}{floor}{room}", f"1390000{n:04d}"]
                )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def squeeze(text: str) -> str:
    """Text without white space: a PDF table cell or sentence may wrap anywhere."""
    return "".join(text.split())


def test_from_the_roster_to_the_verified_resolution(server, phone, laptop, tmp_path):
    from playwright.sync_api import expect

    community = Community.objects.create(slug="xingfuli", name="幸福里小区")
    chair = staff(community, Role.Kind.COMMITTEE, "li-zhuren", "李主任", "13600000001")
    Role.objects.filter(user=chair).update(office=Role.Office.CHAIR)  # elected chair: signs as 主任
    member = staff(community, Role.Kind.COMMITTEE, "zhang-weiyuan", "张委员", "13600000002")
    staff(community, Role.Kind.SECRETARY, "wang-mishu", "王秘书", "13600000003")

    # 1. The committee imports the roster: a file with a mistake first, told by row and column, then the fixed one.
    committee = laptop()
    log_in(committee, server, "li-zhuren")
    committee.goto(server.url("/c/xingfuli/import/"))
    committee.locator("input[type=file][name=file]").set_input_files(
        files=[{"name": "名册.xlsx", "mimeType": XLSX, "buffer": roster(mistake=True)}]
    )
    committee.get_by_role("button", name="上传并检查").click()
    expect(committee.get_by_role("alert")).to_contain_text("发现 1 个问题，没有导入任何数据。")
    problem = committee.locator("table.problems tbody tr")
    expect(problem).to_have_count(1)
    expect(problem.locator("td")).to_have_text(["4", "建筑面积", re.compile("不是有效的面积")])
    shoot(committee, "committee-import-error")
    assert not Household.objects.exists()

    committee.locator("input[type=file][name=file]").set_input_files(
        files=[{"name": "名册.xlsx", "mimeType": XLSX, "buffer": roster(mistake=False)}]
    )
    committee.get_by_role("button", name="上传并检查").click()
    expect(committee.locator(".stats")).to_contain_text("12")
    committee.get_by_role("button", name="确认导入").click()
    expect_message(committee, "名册已导入：新增 12 户")
    assert Household.objects.filter(entrance__building__community=community).count() == 12

    # 2. A proposal for building 1, a cost plan by area, the consultation, then voting.
    committee.goto(server.url("/c/xingfuli/proposals/new/"))
    committee.get_by_label("标题").fill("更换1号楼单元门")
    committee.get_by_label("摘要").fill("1号楼单元门损坏，更换为防盗单元门，费用按建筑面积分摊。")
    committee.locator("#id_category").select_option("other_major")
    committee.locator("input[name=scope][value=buildings]").check()
    committee.locator(".scope-buildings label.check", has_text="1号楼").locator("input").check()
    committee.get_by_role("button", name="保存为草稿").click()
    expect(committee).to_have_url(re.compile(r"/proposals/\d+/$"))
    proposal = Proposal.objects.get(community=community)
    assert proposal.scope_buildings.get().name == "1"

    committee.get_by_role("link", name="设置费用分摊").click()
    committee.get_by_role("button", name="创建费用分摊方案").click()
    add_item = committee.locator("form.cost-form.add", has=committee.locator("[name=description]"))
    add_item.locator("[name=description]").fill("防盗单元门（含安装）")
    add_item.locator("[name=supplier]").fill("安居门业")
    add_item.locator("[name=amount]").fill("12000")
    add_item.get_by_role("button", name="添加项目").click()
    expect(committee.locator(".stats")).to_contain_text("12,000.00")
    committee.goto(server.url(f"/proposals/{proposal.pk}/"))

    committee.get_by_role("button", name="开始征求意见").click()
    expect_message(committee, "已开始征求意见")
    committee.get_by_role("link", name="开始表决…").click()  # the action bar: a page asks first
    committee.get_by_role("button", name="确认开始表决").click()
    expect_message(committee, "表决已开始")
    proposal.refresh_from_db()
    assert proposal.state == State.VOTING and proposal.electorate_households == 6
    shoot(committee, "committee-proposal-panel", top=committee.locator(".manage-panel"))

    # 4 (set up first). The secretary puts the big screen up in the meeting hall; it must follow without a reload.
    hall = laptop()
    log_in(hall, server, "wang-mishu")
    hall.goto(server.url(f"/proposals/{proposal.pk}/screen/"))
    expect(hall.locator(".tally-live.live")).to_be_visible()  # the socket is connected, not polling
    hall.evaluate("window.__sameDocument = true")
    agree, disagree = (
        hall.locator('[data-field="agree.households"]'),
        hall.locator('[data-field="disagree.households"]'),
    )
    expect(agree).to_have_text("0")

    # 3. Three households join with the code on their slip, sign up with their mobile number, and vote.
    expected = {"agree": 0, "disagree": 0}
    for n, (room, choice, mobile) in enumerate(VOTERS):
        household = Household.objects.get(entrance__building__name="1", room=room)
        slip = join_code_issue(household=household, by=chair)
        resident = phone()
        resident.goto(server.url("/join/"))
        resident.get_by_label("加入码").fill(slip.display)
        if n == 0:
            shoot(resident, "phone-join")
        resident.get_by_role("button", name="下一步").tap()
        # The sign-up page says which household the code is for.
        expect(resident.get_by_role("status").filter(has_text=f"幸福里小区 1号楼1单元{room}")).to_be_visible()
        resident.get_by_label("手机号").fill(mobile)
        resident.get_by_label("怎么称呼您？（选填）").fill(f"{room}业主")
        resident.locator("#id_password1").fill(PASSWORD)
        resident.get_by_role("button", name="注册", exact=True).tap()
        resident.get_by_label("验证码").fill(server.sms_code(mobile))
        resident.get_by_role("button", name="确认", exact=True).tap()
        expect_message(resident, f"已绑定 1号楼1单元{room}")

        resident.get_by_role("link", name="去表决").tap()
        my_vote = resident.locator("#my-vote")
        expect(my_vote.locator(".household-name")).to_contain_text(f"1号楼1单元{room}")
        if n == 0:
            shoot(resident, "phone-proposal", top=my_vote)
        my_vote.get_by_role("button", name="同意" if choice == "agree" else "不同意", exact=True).tap()
        expect(resident.locator(".confirm-line")).to_contain_text(f"1号楼1单元{room}")
        if n == 0:
            shoot(resident, "phone-confirm")
        resident.get_by_role("button", name="确认", exact=True).tap()
        receipt = re.compile(r"已记录：(同意|不同意)，回执码 ([0-9A-Z]{8})")
        flash = resident.locator("ul.messages li.msg").filter(has_text=receipt)
        expect(flash).to_be_visible()
        word, code = receipt.search(flash.inner_text()).groups()
        ballot = Ballot.objects.get(proposal=proposal, household=household)
        assert (ballot.choice, ballot.receipt, ballot.channel, word) == (
            choice,
            code,
            Channel.ONLINE,
            "同意" if choice == "agree" else "不同意",
        )
        expect(my_vote.locator(".receipt-code")).to_have_text(code)
        if n == 0:
            shoot(resident, "phone-receipt")
        resident.context.close()

        expected[choice] += 1
        expect(agree).to_have_text(str(expected["agree"]))
        expect(disagree).to_have_text(str(expected["disagree"]))

    # 5. The secretary enters a paper ballot with the photo of the signed slip.
    desk = hall.context.new_page()
    desk.goto(server.url(f"/proposals/{proposal.pk}/paper/"))
    desk.get_by_role("searchbox").fill("1-1-101")
    desk.get_by_role("button", name="查找").click()
    # An exact building-entrance-room goes straight to that household (a name would list the matches to choose).
    expect(desk.locator(".household-card .label")).to_have_text("1-1-101")
    paper = desk.locator("form.paper")
    paper.locator("#evidence").set_input_files(
        files=[{"name": "选票.png", "mimeType": "image/png", "buffer": tiny_png()}]
    )
    paper.get_by_role("button", name="同意", exact=True).click()
    expect_message(desk, "已录入 1-1-101：同意（纸质）")
    paper_ballot = Ballot.objects.get(proposal=proposal, household__room="101", household__entrance__building__name="1")
    assert (paper_ballot.choice, paper_ballot.channel) == ("agree", Channel.PAPER) and paper_ballot.evidence

    expect(agree).to_have_text("3")
    expect(hall.locator('[data-field="not_yet.households"]')).to_have_text("2")
    assert hall.evaluate("window.__sameDocument") is True  # every change arrived without a reload
    shoot(hall, "big-screen")

    committee.goto(server.url(f"/proposals/{proposal.pk}/register/"))
    expect(committee.get_by_role("row", name=re.compile("^1-1-101 "))).to_contain_text("纸质表决票")
    shoot(committee, "committee-register")

    # 6. The committee closes the vote after a confirmation step; the big screen shows the result.
    committee.goto(server.url(f"/proposals/{proposal.pk}/"))
    committee.get_by_role("link", name="结束表决…").click()
    committee.get_by_role("button", name="确认，现在结束表决").click()
    expect_message(committee, "表决已结束：议题通过。")
    expect(hall.locator('[data-part="verdict"]')).to_have_text("表决结果：通过")

    # Two committee members sign the resolution with their password.
    committee.get_by_role("link", name="决议与结果公示").click()
    expect(committee.locator(".res-signer-role")).to_contain_text("业主委员会主任")  # from the office, not chosen
    committee.get_by_label("您的密码").fill(PASSWORD)
    committee.get_by_role("button", name="签署", exact=True).click()
    expect_message(committee, "签署决议")
    second = laptop()
    log_in(second, server, "zhang-weiyuan")
    second.goto(server.url(f"/proposals/{proposal.pk}/resolution/"))
    second.get_by_label("您的密码").fill(PASSWORD)
    second.get_by_role("button", name="签署", exact=True).click()
    expect(second.locator(".res-badge.signed").first).to_contain_text("2")
    record = proposal.resolution
    assert list(record.signatures.order_by("signed_at").values_list("user", flat=True)) == [chair.pk, member.pk]

    # The printed resolution, downloaded with the committee's session, states the numbers of this vote.
    response = committee.request.get(server.url(f"/proposals/{proposal.pk}/resolution.pdf"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    text = squeeze("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))
    assert "幸福里小区" in text and "“更换1号楼单元门”·第1号议题" in text
    assert "网上表决3户，纸质表决票1户，委托代理0户" in text
    assert "共6户，业主6人，专有部分面积497.40平方米。" in text
    # Households, heads, area, each with its share: 4 of 6 took part (344.80 of 497.40 m²), 3 of them agreed.
    assert "参与表决466.67%466.67%344.8069.32%" in text
    assert "同意375.00%375.00%255.3074.04%" in text
    assert "不同意125.00%125.00%89.5025.96%" in text
    assert "表决结果：通过" in text
    assert "李主任" in text and "张委员" in text and record.fingerprint in text
    pdf_first_page_png(pdf, "resolution-pdf", tmp_path)

    # 7. Anyone holding the printed resolution checks it on a phone: the records still match.
    verify_path = committee.get_by_role("link", name="核验本决议").get_attribute("href")
    assert verify_path == f"/verify/{record.fingerprint}"
    reader = phone()
    reader.goto(server.url(verify_path))
    expect(reader.locator(".verify-verdict")).to_have_text("记录完好")
    expect(reader.locator("main")).to_contain_text("更换1号楼单元门")
    shoot(reader, "phone-verify")
