"""Every main page, as each kind of visitor meets it, checked by axe-core on a 390×844 phone and a 1280×800 laptop
(no violation of impact serious or critical), and on a 360×640 phone in WeChat with the text at 200 % (nothing runs
off the right edge of the screen)."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from community.models import Entrance, Household, HouseholdBinding, Role
from community.volunteers import VolunteerInput, volunteer_register
from consult.meetings import PartyInput, meeting_create
from consult.models import PartyKind, Position
from consult.services import assignment_create
from costs.models import CostMethod, Sharers
from costs.services import cost_plan_create, line_item_add
from lifecycle.services import proposal_close, proposal_open_voting
from messaging.models import Batch
from messaging.selectors import Audience
from messaging.services import batch_create
from proposals.models import Category
from proposals.services import proposal_create, proposal_start_consultation
from reports.models import Category as ReportCategory
from reports.services import (
    district_setup,
    report_assign,
    report_create,
    report_done,
    summons_acknowledge,
    summons_act,
    whistle_blow,
)
from resolutions.services import resolution_sign
from tests.browser.conftest import (
    AXE_FAILING_IMPACTS,
    _password_hash,
    axe_violations,
    describe_violations,
    large_text,
    log_in,
    shoot,
)
from tests.factories import build_community
from tests.reports.conftest import photo
from voting.models import Channel
from voting.services import ballot_cast

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SIGNING_PASSWORD = "signing-in-this-process"  # hashed by the test process's own hasher: signers never log in


@dataclass
class Site:
    """The pages to visit: (name, who, path); who is None (anonymous) or the username to log in as."""

    pages: list[tuple[str, str | None, str]]


@pytest.fixture
def site(server) -> Site:
    """Built before the browser starts (ask for it first): Playwright's event loop would keep the services' live
    broadcasts from running in this thread."""
    return build_site()


def build_site() -> Site:
    """A small community with a proposal open for voting (cost plan, canvassing, a negotiation meeting, one vote
    cast) and a passed, signed one whose bills are out."""
    community = build_community(buildings=2, entrances=1, floors=3, rooms_per_floor=2, slug="xingfuli")
    committee = _person(community, Role.Kind.COMMITTEE, "li-zhuren", "李主任", "13600000001")
    _person(community, Role.Kind.CANVASSER, "gao-louzhang", "高桂兰", "13600000012")
    canvasser = User.objects.get(username="gao-louzhang")
    resident = User.objects.create(
        username="liu-ayi", display_name="刘淑芬", phone="13700000201", phone_verified=True, password=_password_hash()
    )
    households = list(Household.objects.filter(entrance__building__community=community).order_by("pk"))
    HouseholdBinding.objects.create(user=resident, household=households[3])

    # Open for voting, with a cost plan shared by area, a canvasser's entrance and a meeting's positions.
    door = proposal_create(
        community=community,
        by=committee,
        title="更换1号楼单元门",
        summary="旧门锁坏了三年，更换为带门禁的新单元门。",
        category=Category.COMMON_PARTS,
    )
    door = proposal_start_consultation(proposal=door, by=committee)
    cost_plan_create(proposal=door, by=committee, method=CostMethod.AREA, sharers=Sharers.SCOPE)
    line_item_add(proposal=door, description="单元门及门禁（含安装）", amount="12800.00", supplier="阜新安居门业")
    meeting = meeting_create(
        proposal=door,
        by=committee,
        held_at=timezone.now() - timedelta(days=3),
        place="社区居委会二楼会议室",
        parties=[
            PartyInput(kind=PartyKind.OWNERS, name="业主代表", position=Position.SUPPORT),
            PartyInput(
                kind=PartyKind.PROPERTY,
                name="阜新安居物业服务有限公司",
                position=Position.CONDITIONAL,
                conditions="门禁卡由物业统一发放，每户两张，补卡收工本费。",
            ),
        ],
    )
    door = proposal_open_voting(proposal=door, by=committee, closes_at=timezone.now() + timedelta(days=7))
    stairwell = Entrance.objects.get(building__community=community, building__name="1")
    assignment_create(proposal=door, canvasser=canvasser, entrance=stairwell, by=committee)
    ballot_cast(proposal=door, household=households[0], choice="agree", channel=Channel.ONLINE, by=committee)

    # In consultation: its cost plan can still be edited (a column of remove buttons).
    bench = proposal_create(
        community=community, by=committee, title="小区长椅", summary="在花园加装四张长椅。", category=Category.OTHER
    )
    bench = proposal_start_consultation(proposal=bench, by=committee)
    cost_plan_create(proposal=bench, by=committee, method=CostMethod.EQUAL, sharers=Sharers.SCOPE)
    line_item_add(proposal=bench, description="防腐木长椅（4张）", amount="2400.00")

    # Passed and closed: bills out, the resolution signed by two committee members.
    lights = proposal_create(
        community=community,
        by=committee,
        title="楼道灯改声控灯",
        summary="全部楼道灯改为声控LED灯。",
        category=Category.COMMON_PARTS,
    )
    lights = proposal_start_consultation(proposal=lights, by=committee)
    cost_plan_create(proposal=lights, by=committee, method=CostMethod.EQUAL, sharers=Sharers.SCOPE)
    line_item_add(proposal=lights, description="声控LED灯（60个）", amount="3600.00")
    lights = proposal_open_voting(proposal=lights, by=committee, closes_at=timezone.now() + timedelta(hours=1))
    for household in households:
        ballot_cast(proposal=lights, household=household, choice="agree", channel=Channel.ONLINE, by=committee)
    lights = proposal_close(proposal=lights, by=committee)
    for username, name, phone in (
        ("zhang-weiyuan", "张委员", "13600000002"),
        ("zhao-weiyuan", "赵委员", "13600000003"),
    ):
        signer = User(username=username, display_name=name, phone=phone, phone_verified=True)
        signer.set_password(SIGNING_PASSWORD)
        signer.save()
        Role.objects.create(user=signer, community=community, kind=Role.Kind.COMMITTEE)
        signature = resolution_sign(proposal=lights, user=signer, password=SIGNING_PASSWORD)
    fingerprint = signature.resolution.fingerprint
    # Text messages: a reminder sent about the open proposal; an owner who may stop the texts from the home page.
    reminder, _ = batch_create(subject=door, kind=Batch.Kind.REMINDER, audience=Audience(not_voted=True), by=committee)
    owner = User.objects.create(
        username="wang-ayi", display_name="王桂芳", phone="13700000202", phone_verified=True, password=_password_hash()
    )
    HouseholdBinding.objects.create(user=owner, household=households[4], relation=HouseholdBinding.Relation.OWNER)

    # Residents' reports: the community in a district whose 城管 has a member; the household's report of rubbish
    # whistled to 城管 (who reported for duty and acted), a broken lamp not yet triaged, a door done by the canvasser.
    _account("he-jiedao", "何丽", "13600000061")
    member = _account("zhou-chengguan", "周强", "13600000062")
    district = district_setup(
        name="马街街道",
        slug="majie",
        departments=["城管", "住建"],
        communities=[community],
        staff=["he-jiedao"],
        members=[("城管", "136 0000 0062")],
    )
    chengguan = district.departments.get(name="城管")
    rubbish = report_create(
        community=community,
        by=resident,
        category=ReportCategory.ENVIRONMENT,
        description="公厕门口堆满垃圾，进不去",
        photos=[photo()],
        entrance=stairwell,
        location="东门公厕",
        public=True,
    )
    whistle = whistle_blow(
        reports=[rubbish],
        departments=[chengguan],
        deadline=timezone.localdate() + timedelta(days=3),
        note="请城管三天内清运公厕门口的垃圾",
        by=committee,
    )
    summons = summons_acknowledge(summons=whistle.summonses.get(), by=member)
    summons_act(summons=summons, by=member, text="已派两名队员到场清运")
    lamp = report_create(
        community=community, by=resident, category=ReportCategory.FACILITIES, description="3楼楼道灯坏了"
    )
    door_report = report_create(
        community=community,
        by=resident,
        category=ReportCategory.FACILITIES,
        description="单元门关不上",
        entrance=stairwell,
    )
    report_assign(report=door_report, to=canvasser, due_on=timezone.localdate() + timedelta(days=2), by=committee)
    report_done(report=door_report, by=canvasser, text="已更换闭门器")
    volunteer = volunteer_register(
        community=community,
        by=committee,
        data=VolunteerInput(
            name="高桂兰",
            entrance=stairwell,
            phone="13600000012",
            skills="上门走访、代办报事",
            party_member=True,
            listed=True,
        ),
    )

    return Site(
        pages=[
            ("home", None, "/"),
            ("login", None, "/accounts/login/"),
            ("signup", None, "/accounts/signup/"),
            ("join", None, "/join/"),
            ("verify", None, f"/verify/{fingerprint}"),
            ("home (household)", "liu-ayi", "/"),
            ("proposal (household)", "liu-ayi", f"/proposals/{door.pk}/"),
            ("confirm", "liu-ayi", "confirm"),  # the answer to the vote button: see visit()
            ("receipt check", "liu-ayi", f"/proposals/{door.pk}/receipt/"),
            ("my bill", "liu-ayi", f"/proposals/{lights.pk}/my-bill/"),
            ("home (committee)", "li-zhuren", "/"),
            ("dashboard", "li-zhuren", "/c/xingfuli/dashboard/"),
            ("proposal list", "li-zhuren", "/c/xingfuli/proposals/"),
            ("proposal (committee)", "li-zhuren", f"/proposals/{door.pk}/"),
            ("register", "li-zhuren", f"/proposals/{door.pk}/register/"),
            ("big screen", "li-zhuren", f"/proposals/{door.pk}/screen/"),
            ("paper entry", "li-zhuren", f"/proposals/{door.pk}/paper/"),
            ("open voting", "li-zhuren", f"/proposals/{bench.pk}/open/"),
            ("close voting", "li-zhuren", f"/proposals/{door.pk}/close/"),
            ("cost plan", "li-zhuren", f"/proposals/{door.pk}/costs/"),
            ("cost plan (editable)", "li-zhuren", f"/proposals/{bench.pk}/costs/"),
            ("meetings", "li-zhuren", f"/proposals/{door.pk}/meetings/"),
            ("meeting", "li-zhuren", f"/proposals/{door.pk}/meetings/{meeting.pk}/"),
            ("bills", "li-zhuren", f"/proposals/{lights.pk}/bills/"),
            ("payment instructions", "li-zhuren", "/c/xingfuli/payment-instructions/"),
            ("community overview", "li-zhuren", "/c/xingfuli/"),
            ("household list", "li-zhuren", "/c/xingfuli/households/"),
            ("text message reminder", "li-zhuren", f"/proposals/{door.pk}/sms/"),
            ("text message preview", "li-zhuren", f"/proposals/{door.pk}/sms/preview/?kind=reminder&place="),
            ("text message batch", "li-zhuren", f"/sms/batches/{reminder.pk}/"),
            ("text messages", "li-zhuren", "/c/xingfuli/sms/"),
            ("text message settings", "li-zhuren", "/c/xingfuli/sms/settings/"),
            ("home (owner)", "wang-ayi", "/"),
            ("home (canvasser)", "gao-louzhang", "/"),
            ("my visits", "gao-louzhang", "/my/visits/"),
            ("walk list", "gao-louzhang", f"/proposals/{door.pk}/canvass/"),
            ("report form", "liu-ayi", "/c/xingfuli/reports/new/"),
            ("report", "liu-ayi", f"/reports/{rubbish.pk}/"),
            ("report to confirm", "liu-ayi", f"/reports/{door_report.pk}/"),
            ("my reports", "liu-ayi", "/c/xingfuli/reports/mine/"),
            ("entrance contacts", "liu-ayi", f"/c/xingfuli/entrances/{stairwell.pk}/contacts/"),
            ("report form (at the door)", "gao-louzhang", "/c/xingfuli/reports/new/"),
            ("triage queue", "li-zhuren", "/c/xingfuli/reports/"),
            ("report to triage", "li-zhuren", f"/reports/{lamp.pk}/manage/"),
            ("report whistled", "li-zhuren", f"/reports/{rubbish.pk}/manage/"),
            ("ledger", "li-zhuren", "/c/xingfuli/reports/ledger/"),
            ("ledger of a year", "li-zhuren", f"/c/xingfuli/reports/ledger/?year={timezone.localdate().year}"),
            ("volunteers", "li-zhuren", "/c/xingfuli/volunteers/"),
            ("volunteer", "li-zhuren", f"/c/xingfuli/volunteers/{volunteer.pk}/"),
            ("volunteer join", "wang-ayi", "/c/xingfuli/volunteers/join/"),
            ("department inbox", "zhou-chengguan", f"/d/majie/departments/{chengguan.pk}/"),
            ("district", "he-jiedao", "/d/majie/"),
        ]
    )


def _account(username, display_name, phone) -> User:
    return User.objects.create(
        username=username, display_name=display_name, phone=phone, phone_verified=True, password=_password_hash()
    )


def _person(community, kind, username, display_name, phone) -> User:
    user = _account(username, display_name, phone)
    Role.objects.create(user=user, community=community, kind=kind)
    return user


def visit_all(site: Site, server, new_page, check, *, prepare=None) -> list[str]:
    """Open every page of the site in a page per visitor (logged in once), call check(name, page) on each and
    collect what it returns."""
    from playwright.sync_api import expect

    pages: dict[str | None, object] = {}
    problems: list[str] = []
    for name, who, path in site.pages:
        if who not in pages:
            page = pages[who] = new_page()
            if prepare:
                prepare(page)
            if who:
                log_in(page, server, who)
        page = pages[who]
        if path == "confirm":
            page.locator(".vote-buttons button.agree").click()
            expect(page.locator("form.confirm-actions")).to_be_visible()
        else:
            response = page.goto(server.url(path))
            assert response.ok, f"{name}: {path} answered {response.status}"
        problems.extend(check(name, page))
    return problems


@pytest.mark.parametrize("screen", ["phone", "laptop"])
def test_no_serious_accessibility_problem_on_any_main_page(site, server, phone, laptop, screen):
    from playwright.sync_api import expect

    counts: dict[str, int] = {}
    others: list[str] = []

    def check(name, page):
        violations = axe_violations(page)
        found = []
        if screen == "phone" and name == "signup":
            shoot(page, "phone-signup")
        if screen == "phone" and name == "home (household)":
            # The account menu opens without script and its "log out" is a full-width button.
            page.locator("details.me summary").tap()
            expect(page.get_by_role("button", name="退出登录")).to_be_visible()
            shoot(page, "phone-account-menu")
            targets = page.evaluate(SMALL_TARGETS)
            if targets:
                found.append(f"{name} (menu open): tap targets under 44 px: {targets}")
            page.locator("details.me summary").tap()
        if screen == "phone":  # a finger's size does not depend on the screen's, but a mouse needs no 44 px
            targets = page.evaluate(SMALL_TARGETS)
            if targets:
                found.append(f"{name} ({page.url}): tap targets under 44 px: {targets}")
        for violation in violations:
            key = f"{violation['impact']} {violation['id']}"
            counts[key] = counts.get(key, 0) + len(violation["nodes"])
        failing = [v for v in violations if v["impact"] in AXE_FAILING_IMPACTS]
        if len(failing) < len(violations):  # the minor and moderate ones are shown in the test's output
            others.append(f"{name}:\n{describe_violations([v for v in violations if v not in failing])}")
        if failing:
            found.append(f"{name} ({page.url}):\n{describe_violations(failing)}")
        return found

    problems = visit_all(site, server, phone if screen == "phone" else laptop, check)
    print(f"axe-core on {len(site.pages)} pages ({screen}), elements by impact and rule: {counts}")
    print("\n".join(others))

    assert not problems, "axe-core finds serious or critical problems, or taps miss:\n" + "\n".join(problems)


SMALL_TARGETS = """() => {
    // Controls a finger must hit that are under 44 px high (or wide): links, buttons, menus, form fields. A link
    // inside a sentence is exempt (WCAG 2.5.5's "inline" case); a link alone in a list item or a cell is not.
    const small = [];
    const controls = 'a[href], button, summary, select, input:not([type=hidden]), textarea, [role=button]';
    for (const element of document.querySelectorAll(controls)) {
        let box = element.getBoundingClientRect();
        if (box.width === 0 || box.height === 0 || getComputedStyle(element).visibility === 'hidden') continue;
        if (element.matches('input[type=radio], input[type=checkbox]')) {
            // A tap on its label ticks it: the label is the target.
            for (const label of element.labels || []) {
                const around = label.getBoundingClientRect();
                if (around.height * around.width > box.height * box.width) box = around;
            }
        }
        if (element.closest('.visually-hidden')) continue;
        if (box.height >= 44 && box.width >= 44) continue;
        const own = element.textContent.trim();
        const block = element.parentElement.closest('p, li, td, th, dd, div, label, span');
        const around = block ? block.textContent.trim() : own;
        if (element.matches('a') && around.length > own.length + 1) continue;  // part of a sentence
        const cls = element.classList.length ? '.' + [...element.classList].join('.') : '';
        const size = `${Math.round(box.width)}×${Math.round(box.height)}`;
        small.push(`${element.tagName.toLowerCase()}${cls} "${own.slice(0, 16)}" ${size}`);
    }
    return small;
}"""


OVERFLOW = """() => {
    // The elements that stick out past the right edge, outside any box that scrolls or clips them (a table in a
    // scrolling .table-wrap is not the page's overflow): the culprits named in a failure.
    const limit = document.documentElement.clientWidth;
    const clipped = node => {
        for (let box = node.parentElement; box && box !== document.body; box = box.parentElement) {
            if (getComputedStyle(box).overflowX !== 'visible') return true;
        }
        return false;
    };
    const wide = [];
    for (const element of document.body.querySelectorAll('*')) {
        const box = element.getBoundingClientRect();
        if (box.right > limit + 1 && box.width > 0 && !clipped(element)) {
            const id = element.id ? '#' + element.id : '';
            const cls = element.classList.length ? '.' + [...element.classList].join('.') : '';
            const where = `${Math.round(box.left)}–${Math.round(box.right)} px`;
            wide.push(`${element.tagName.toLowerCase()}${id}${cls} (${where})`);
        }
    }
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
        range.selectNodeContents(text);
        const box = range.getBoundingClientRect();
        if (box.right > limit + 1 && box.width > 0 && !clipped(text)) {
            const where = `${Math.round(box.left)}–${Math.round(box.right)} px`;
            wide.push(`"${text.textContent.trim().slice(0, 24)}" (${where})`);
        }
    }
    return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
            rootFont: getComputedStyle(document.documentElement).fontSize, wide: wide.slice(-6),
            header: document.querySelector('.topbar').getBoundingClientRect().height};
}"""


# Screenshots at 200 % text (docs/screenshots/ with SCREENSHOTS=1): what is scrolled to the top of the screen.
LARGE_TEXT_SHOTS = {
    "home (household)": ("large-text-home", None),
    "verify": ("large-text-verify-table", ".verify-table"),
    "meetings": ("large-text-positions", ".positions-table"),
    "household list": ("large-text-household-list", "table.households"),
}


def test_nothing_runs_off_a_small_phone_at_double_text_size(site, server, small_phone, tmp_path):
    def check(name, page):
        found = page.evaluate(OVERFLOW)
        width = page.viewport_size["width"]
        problems = []
        if name in LARGE_TEXT_SHOTS:
            shot, top = LARGE_TEXT_SHOTS[name]
            shoot(page, shot, top=page.locator(top) if top else None)
        if found["rootFont"] != "32px":  # 1rem follows the reader's setting: twice the browser's default 16 px
            problems.append(f"{name} ({page.url}): the root font is {found['rootFont']}, the text setting is ignored")
        if found["header"] > page.viewport_size["height"] * 0.15:  # compact: one line at 200 % text
            problems.append(f"{name} ({page.url}): the header is {found['header']:.0f} px high")
        if found["scrollWidth"] > width or found["innerWidth"] > width:
            shot = tmp_path / f"wide-{name.replace(' ', '-')}.png"  # the screen as it looked (a full-page shot
            page.screenshot(path=shot)  # is taken at Chromium's default font size)
            problems.append(
                f"{name} ({page.url}): {found['scrollWidth']} px wide on a {width} px screen: {found['wide']} ({shot})"
            )
        return problems

    problems = visit_all(site, server, small_phone, check, prepare=large_text)
    assert not problems, "Pages wider than the screen at 200 % text:\n" + "\n".join(problems)
