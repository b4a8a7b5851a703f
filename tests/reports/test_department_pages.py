"""The district's side of the whistle: a department's inbox (报到, actions, 办结), the photos of the reports whistled
to it, the district's page (overdue parts flagged, each department's punctuality) and the home page's way there.
A department sees only its own summonses."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.models import Category, Report, ReportEvent, Summons
from reports.selectors import LISTED_AFTER_ENDING
from reports.services import (
    report_confirm,
    report_create,
    report_done,
    summons_acknowledge,
    summons_complete,
    whistle_blow,
)
from tests.factories import UserFactory
from tests.reports.conftest import photo


def blow(report, departments, by, *, days=3, note="清理垃圾"):
    return whistle_blow(
        reports=[report],
        departments=departments,
        deadline=timezone.localdate() + timedelta(days=days),
        note=note,
        by=by,
    )


@pytest.fixture
def whistle(report, district, actors):
    return blow(report, [district.chengguan, district.zhujian], actors.users["committee"])


def summons_of(whistle, department) -> Summons:
    return whistle.summonses.get(department=department)


def backdate(whistle, *, days: int) -> None:
    """The whistle was blown `days` ago, with a deadline that passed `days - 3` days ago (3 days to answer)."""
    whistle.created_at -= timedelta(days=days)
    whistle.deadline = timezone.localdate() - timedelta(days=days - 3)
    whistle.save(update_fields=["created_at", "deadline"])


# --- The inbox ----------------------------------------------------------------------------------------------------


def test_the_inbox_shows_the_summons_with_reports_photos_and_the_reporters_number(client_as, whistle, district):
    response = client_as(district.people.chengguan).get(reverse("department_inbox"))
    assert response.status_code == 200
    page = response.content.decode()
    summons = summons_of(whistle, district.chengguan)
    assert f'id="summons-{summons.pk}"' in page
    assert "清理垃圾" in page and "公厕门口堆满垃圾，进不去" in page
    assert "environment and sanitation" in page
    assert 'href="tel:13800001111"' in page
    photo_id = whistle.reports.get().photos.get().pk
    assert reverse("summons_photo", args=[summons.pk, photo_id]) in page
    assert reverse("summons_acknowledge", args=[summons.pk]) in page
    assert "Overdue" not in page


def test_the_inbox_lists_newest_first_and_flags_overdue_in_red_with_days(client_as, report, district, actors):
    old = blow(report, [district.chengguan], actors.users["committee"], note="第一次")
    backdate(old, days=5)  # deadline 2 days ago
    second = report_create(
        community=actors.community, by=actors.users["household"], category=Category.PARKING, description="占道停车"
    )
    new = blow(second, [district.chengguan], actors.users["committee"], note="第二次")
    page = client_as(district.people.chengguan).get(reverse("department_inbox")).content.decode()
    assert page.index(f"summons-{summons_of(new, district.chengguan).pk}") < page.index(
        f"summons-{summons_of(old, district.chengguan).pk}"
    )
    assert page.count("overdue-flag") == 1
    assert "Overdue by 2 days" in page


def test_a_member_reports_for_duty_acts_and_completes(client_as, whistle, district):
    client = client_as(district.people.chengguan)
    summons = summons_of(whistle, district.chengguan)
    inbox = reverse("department_inbox")

    response = client.post(reverse("summons_acknowledge", args=[summons.pk]), {"next": inbox})
    assert response.status_code == 302 and response["Location"] == inbox
    summons.refresh_from_db()
    assert summons.acknowledged_at is not None

    client.post(reverse("summons_act", args=[summons.pk]), {"text": "已派人到场", "next": inbox})
    client.post(reverse("summons_complete", args=[summons.pk]), {"text": "垃圾已清运", "next": inbox})
    summons.refresh_from_db()
    assert summons.completed_at is not None
    kinds = list(
        ReportEvent.objects.filter(department=district.chengguan).order_by("at", "pk").values_list("kind", "text")
    )
    assert kinds[1:] == [
        (ReportEvent.Kind.ACKNOWLEDGED, ""),
        (ReportEvent.Kind.ACTION, "已派人到场"),
        (ReportEvent.Kind.COMPLETED, "垃圾已清运"),
    ]
    page = client.get(inbox).content.decode()
    assert "已派人到场" in page and "垃圾已清运" in page
    assert reverse("summons_act", args=[summons.pk]) not in page  # a completed part takes no more actions


def test_acting_before_reporting_for_duty_or_with_no_text_is_refused_and_changes_nothing(client_as, whistle, district):
    client = client_as(district.people.chengguan)
    summons = summons_of(whistle, district.chengguan)
    before = ReportEvent.objects.count()
    response = client.post(reverse("summons_act", args=[summons.pk]), {"text": "已派人"}, follow=True)
    assert "Report for duty first" in response.content.decode()
    response = client.post(reverse("summons_complete", args=[summons.pk]), {"text": "完成"}, follow=True)
    assert "Report for duty first." in response.content.decode()
    summons_acknowledge(summons=summons, by=district.people.chengguan)
    before = ReportEvent.objects.count()
    response = client.post(reverse("summons_act", args=[summons.pk]), {"text": "  "}, follow=True)
    assert "Say what was done." in response.content.decode()
    response = client.post(reverse("summons_complete", args=[summons.pk]), {"text": ""}, follow=True)
    assert "Say what was done before completing." in response.content.decode()
    summons.refresh_from_db()
    assert summons.completed_at is None and ReportEvent.objects.count() == before


@pytest.mark.parametrize(
    "target", ["//evil.example/", "/\\evil.example/", "https://evil.example/", "/\t/evil.example/", "javascript:x"]
)
def test_a_next_off_the_site_is_not_followed(client_as, whistle, district, target):
    summons = summons_of(whistle, district.chengguan)
    response = client_as(district.people.chengguan).post(
        reverse("summons_acknowledge", args=[summons.pk]), {"next": target}
    )
    assert response["Location"] == reverse("department_inbox")


def test_a_next_on_the_site_is_followed(client_as, whistle, district):
    summons = summons_of(whistle, district.chengguan)
    inbox = reverse("department_inbox_one", args=["majie", district.chengguan.pk])
    response = client_as(district.people.chengguan).post(
        reverse("summons_acknowledge", args=[summons.pk]), {"next": inbox}
    )
    assert response["Location"] == inbox


def close(report, actors):
    """The community records what was done and the reporter is satisfied: the report is closed."""
    report_done(report=report, by=actors.users["committee"], text="社区处理完毕")
    report_confirm(report=report, by=actors.users["household"], satisfied=True)


def aged(actors, *, days: int, departments, note: str):
    """A report whistled `days` ago to `departments` (its deadline 3 days after that)."""
    report = report_create(
        community=actors.community, by=actors.users["household"], category=Category.OTHER, description=note
    )
    whistle = blow(report, departments, actors.users["committee"], note=note)
    backdate(whistle, days=days)
    return report, whistle


def complete(whistle, department, *, days_ago: int) -> Summons:
    """`department` reported for duty at once and completed its part `days_ago` days ago."""
    summons = summons_of(whistle, department)
    Summons.objects.filter(pk=summons.pk).update(
        acknowledged_at=whistle.created_at, completed_at=timezone.now() - timedelta(days=days_ago)
    )
    return summons


def end(report, actors, *, days_ago: int) -> None:
    """The report was closed `days_ago` days ago: the parts not completed ended then."""
    close(report, actors)
    Report.objects.filter(pk=report.pk).update(closed_at=timezone.now() - timedelta(days=days_ago))


def test_a_part_whose_reports_are_closed_is_over_in_the_inbox(client_as, whistle, report, district, actors):
    backdate(whistle, days=6)
    close(report, actors)
    client = client_as(district.people.chengguan)
    page = client.get(reverse("department_inbox")).content.decode()
    summons = summons_of(whistle, district.chengguan)
    assert "part has ended" in page and "Overdue" not in page and "New: report for duty" not in page
    assert reverse("summons_acknowledge", args=[summons.pk]) not in page
    before = ReportEvent.objects.count()
    response = client.post(reverse("summons_acknowledge", args=[summons.pk]), follow=True)
    assert "part has ended" in response.content.decode()
    summons.refresh_from_db()
    assert summons.acknowledged_at is None and ReportEvent.objects.count() == before


def test_the_actions_are_post_only(client_as, whistle, district):
    summons = summons_of(whistle, district.chengguan)
    client = client_as(district.people.chengguan)
    for name in ("summons_acknowledge", "summons_act", "summons_complete"):
        assert client.get(reverse(name, args=[summons.pk])).status_code == 405
    summons.refresh_from_db()
    assert summons.acknowledged_at is None


# --- Isolation between departments --------------------------------------------------------------------------------


def test_a_department_sees_only_its_own_summonses(client_as, report, district, actors):
    mine = blow(report, [district.chengguan], actors.users["committee"], note="城管的事")
    theirs_report = report_create(
        community=actors.community, by=actors.users["household"], category=Category.FACILITIES, description="楼道墙裂"
    )
    theirs = blow(theirs_report, [district.zhujian], actors.users["committee"], note="住建的事")
    page = client_as(district.people.chengguan).get(reverse("department_inbox")).content.decode()
    assert "城管的事" in page and "住建的事" not in page and "楼道墙裂" not in page
    assert f"summons-{summons_of(theirs, district.zhujian).pk}" not in page
    assert mine


def test_another_departments_summons_cannot_be_answered_nor_its_photos_seen(client_as, whistle, report, district):
    theirs = summons_of(whistle, district.zhujian)
    client = client_as(district.people.chengguan)
    before = ReportEvent.objects.count()
    inbox = reverse("department_inbox")
    assert client.post(reverse("summons_acknowledge", args=[theirs.pk]), {"next": inbox}).status_code == 404
    assert client.post(reverse("summons_act", args=[theirs.pk]), {"text": "x"}).status_code == 404
    assert client.post(reverse("summons_complete", args=[theirs.pk]), {"text": "x"}).status_code == 404
    assert client.get(reverse("summons_photo", args=[theirs.pk, report.photos.get().pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.acknowledged_at is None and theirs.completed_at is None
    assert ReportEvent.objects.count() == before


def test_another_departments_inbox_is_refused(client_as, whistle, district):
    zhujian = reverse("department_inbox_one", args=[district.district.slug, district.zhujian.pk])
    assert client_as(district.people.chengguan).get(zhujian).status_code == 403
    page = client_as(district.people.zhujian).get(zhujian).content.decode()
    assert f"summons-{summons_of(whistle, district.zhujian).pk}" in page
    assert f"summons-{summons_of(whistle, district.chengguan).pk}" not in page
    wrong_district = reverse("department_inbox_one", args=["far", district.zhujian.pk])
    assert client_as(district.people.zhujian).get(wrong_district).status_code == 404


# --- Photos -------------------------------------------------------------------------------------------------------


def test_the_photo_is_streamed_to_the_summoned_department_only(client_as, whistle, report, district, actors):
    summons = summons_of(whistle, district.chengguan)
    url = reverse("summons_photo", args=[summons.pk, report.photos.get().pk])
    response = client_as(district.people.chengguan).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, max-age=3600"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    for name in ("household", "other_household", "canvasser", "committee", "other_committee"):
        assert client_as(actors.users[name]).get(url).status_code == 404, name
    assert client_as(district.people.staff).get(url).status_code == 404
    assert client_as(None).get(url).status_code == 302


def test_a_photo_of_a_report_not_whistled_is_not_served_through_a_summons(client_as, whistle, district, actors):
    other = report_create(
        community=actors.community,
        by=actors.users["household"],
        category=Category.OTHER,
        description="x",
        photos=[photo()],
    )
    summons = summons_of(whistle, district.chengguan)
    url = reverse("summons_photo", args=[summons.pk, other.photos.get().pk])
    assert client_as(district.people.chengguan).get(url).status_code == 404


# --- Who may open the pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["household", "other_household", "canvasser", "secretary", "committee", "other_committee"]
)
def test_community_people_have_no_inbox_nor_district_page(client_as, whistle, district, actors, who):
    client = client_as(actors.users[who])
    assert client.get(reverse("department_inbox")).status_code == 403
    chengguan = reverse("department_inbox_one", args=[district.district.slug, district.chengguan.pk])
    assert client.get(chengguan).status_code == 403
    assert client.get(reverse("district_page", args=[district.district.slug])).status_code == 403
    summons = summons_of(whistle, district.chengguan)
    assert client.post(reverse("summons_acknowledge", args=[summons.pk])).status_code == 404
    summons.refresh_from_db()
    assert summons.acknowledged_at is None


def test_anonymous_visitors_are_sent_to_log_in(client_as, whistle, district):
    client = client_as(None)
    summons = summons_of(whistle, district.chengguan)
    for url in (
        reverse("department_inbox"),
        reverse("district_page", args=[district.district.slug]),
        reverse("department_inbox_one", args=[district.district.slug, district.chengguan.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.post(reverse("summons_acknowledge", args=[summons.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    summons.refresh_from_db()
    assert summons.acknowledged_at is None


def test_departments_and_staff_of_another_district_see_nothing(client_as, whistle, district):
    outsider = UserFactory()
    district.other_district_department.members.create(user=outsider)
    client = client_as(outsider)
    page = client.get(reverse("department_inbox")).content.decode()
    assert "清理垃圾" not in page and 'id="no-summons"' in page
    assert client.get(reverse("district_page", args=[district.district.slug])).status_code == 403
    assert client_as(district.people.chengguan).get(reverse("district_page", args=["majie"])).status_code == 403


# --- The district's page ------------------------------------------------------------------------------------------


def test_the_district_sees_every_whistle_with_the_departments_parts(client_as, whistle, report, district):
    summons_acknowledge(summons=summons_of(whistle, district.chengguan), by=district.people.chengguan)
    response = client_as(district.people.staff).get(reverse("district_page", args=["majie"]))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="whistle-{whistle.pk}"' in page and "本小区" in page and "清理垃圾" in page
    chengguan, zhujian = summons_of(whistle, district.chengguan), summons_of(whistle, district.zhujian)
    part = page[page.index(f'id="part-{chengguan.pk}"') :]
    assert "reported for duty" in part[: part.index("</tr>")]
    part = page[page.index(f'id="part-{zhujian.pk}"') :]
    assert ">sent<" in part[: part.index("</tr>")]
    assert f"#{report.number}" in page
    assert "overdue-flag" not in page.split('id="count-overdue"')[1].split("</li>")[0]


def test_overdue_whistles_come_first_flagged_and_punctuality_is_counted(client_as, report, district, actors):
    committee = actors.users["committee"]
    late = blow(report, [district.chengguan, district.zhujian], committee, note="逾期的事")
    # 城管 reported for duty within the day and completed in time; 住建 never answered.
    summons_acknowledge(summons=summons_of(late, district.chengguan), by=district.people.chengguan)
    summons_complete(summons=summons_of(late, district.chengguan), by=district.people.chengguan, text="好了")
    backdate(late, days=6)  # deadline 3 days ago; 城管's answers are now 6 days after the whistle
    Summons.objects.filter(pk=summons_of(late, district.chengguan).pk).update(
        acknowledged_at=late.created_at + timedelta(hours=2), completed_at=late.created_at + timedelta(days=2)
    )
    second = report_create(
        community=actors.community, by=actors.users["household"], category=Category.SAFETY, description="井盖缺失"
    )
    fresh = blow(second, [district.chengguan], committee, note="新的事")
    page = client_as(district.people.staff).get(reverse("district_page", args=["majie"])).content.decode()
    assert page.index(f'id="whistle-{late.pk}"') < page.index(f'id="whistle-{fresh.pk}"')
    late_card = page[page.index(f'id="whistle-{late.pk}"') : page.index(f'id="whistle-{fresh.pk}"')]
    assert "Overdue by 3 days" in late_card and "3 days late" in late_card
    assert page.split('id="count-overdue"')[1].split("</li>")[0].count("1") == 1

    def row(department):
        start = page.index(f'id="punctuality-{department.pk}"')
        return page[start : page.index("</tr>", start)]

    chengguan = row(district.chengguan)
    assert 'class="num sent" data-label="Sent">2<' in chengguan
    assert ">1 of 2<" in chengguan  # reported for duty within a day: the late whistle, not yet the fresh one
    assert 'class="num overdue" data-label="Overdue now">0<' in chengguan
    zhujian = row(district.zhujian)
    assert ">0 of 1<" in zhujian
    assert 'data-label="Overdue now">1<' in zhujian


def test_parts_whose_reports_are_closed_are_neither_overdue_nor_to_handle(client_as, whistle, report, district, actors):
    from reports.selectors import district_overview, user_posts

    backdate(whistle, days=6)
    [escalation], _older, _answers = district_overview(district.district)
    assert escalation.days_overdue == 3 and escalation.open
    close(report, actors)
    [escalation], _older, answers = district_overview(district.district)
    assert escalation.days_overdue == 0 and not escalation.open and escalation.ended
    assert [(a.name, a.summoned, a.overdue) for a in answers] == [("住建", 1, 0), ("城管", 1, 0)]
    page = client_as(district.people.staff).get(reverse("district_page", args=["majie"])).content.decode()
    assert "Ended: its reports are closed" in page and "overdue-flag" not in page
    assert page.split('id="count-open"')[1].split("</li>")[0].endswith("<b>0</b>")
    assert user_posts(district.people.chengguan)["departments"][0].pending == 0
    assert "to handle" not in client_as(district.people.chengguan).get("/").content.decode()


def test_a_department_acknowledging_late_or_completing_after_the_deadline_is_not_punctual(client_as, whistle, district):
    summons = summons_of(whistle, district.chengguan)
    backdate(whistle, days=10)  # deadline a week ago
    summons_acknowledge(summons=summons, by=district.people.chengguan)
    summons_complete(summons=summons, by=district.people.chengguan, text="晚了")
    page = client_as(district.people.staff).get(reverse("district_page", args=["majie"])).content.decode()
    start = page.index(f'id="punctuality-{district.chengguan.pk}"')
    row = page[start : page.index("</tr>", start)]
    assert row.count(">0 of 1<") == 2 and 'data-label="Completed">1<' in row
    assert "days late" not in page[page.index(f'id="part-{summons.pk}"') :].split("</tr>")[0]


def test_the_district_page_costs_the_same_queries_at_any_size(
    client_as, report, district, actors, django_assert_num_queries
):
    client = client_as(district.people.staff)
    url = reverse("district_page", args=["majie"])
    committee = actors.users["committee"]
    blow(report, [district.chengguan], committee)
    client.get(url)  # the session and the user, loaded once as on every later request

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    small = count()
    for n in range(6):
        more = report_create(
            community=actors.community, by=actors.users["household"], category=Category.OTHER, description=f"第{n}件"
        )
        whistle = blow(more, [district.chengguan, district.zhujian], committee)
        summons_acknowledge(summons=summons_of(whistle, district.zhujian), by=district.people.zhujian)
        _r, old = aged(actors, days=400, departments=[district.chengguan], note=f"旧{n}")
        complete(old, district.chengguan, days_ago=200)  # left off the list, counted
    with django_assert_num_queries(small):
        response = client.get(url)
    assert "6 more whistles, completed or ended over 90 days ago, are not listed." in response.content.decode()


def test_the_inbox_costs_the_same_queries_at_any_size(client_as, report, district, actors):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as(district.people.chengguan)
    url = reverse("department_inbox")
    committee = actors.users["committee"]
    blow(report, [district.chengguan], committee)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    count()
    small = count()
    for n in range(4):
        more = report_create(
            community=actors.community,
            by=actors.users["household"],
            category=Category.OTHER,
            description=f"第{n}件",
            reporter_phone="13800002222",
        )
        whistle = blow(more, [district.chengguan], committee)
        summons_acknowledge(summons=summons_of(whistle, district.chengguan), by=district.people.chengguan)
        _r, old = aged(actors, days=400, departments=[district.chengguan], note=f"旧{n}")
        complete(old, district.chengguan, days_ago=200)  # left off the list, counted
    assert count() == small
    assert "4 more parts, completed or ended" in client.get(url).content.decode()


def test_the_inbox_shows_a_number_to_those_the_rules_let_see_it(whistle, district):
    """The inbox shows every listed report's number without asking the rules per report: they agree."""
    from reports.selectors import department_inbox

    member = district.people.chengguan
    summonses, _older = department_inbox([district.chengguan])
    for summons in summonses:
        for report in summons.whistle.reports.all():
            assert member.has_perm("reports.see_reporter_phone", report)


# --- The window: what was finished long ago is left off the lists, and counted ----------------------------------


@pytest.fixture
def ages(actors, district):
    """Parts of 城管 of every age: open for years, completed or ended lately, completed or ended long ago."""
    chengguan, zhujian = district.chengguan, district.zhujian
    _r, open_old = aged(actors, days=700, departments=[chengguan, zhujian], note="多年未办")
    complete(open_old, zhujian, days_ago=600)  # 住建 finished long ago: the whistle is open for 城管's part
    _r, done_lately = aged(actors, days=120, departments=[chengguan], note="最近办结")
    complete(done_lately, chengguan, days_ago=10)
    report, ended_lately = aged(actors, days=150, departments=[chengguan], note="最近结束")
    end(report, actors, days_ago=20)
    _r, done_long_ago = aged(actors, days=400, departments=[chengguan], note="早已办结")
    complete(done_long_ago, chengguan, days_ago=LISTED_AFTER_ENDING.days + 1)
    report, ended_long_ago = aged(actors, days=300, departments=[chengguan, zhujian], note="早已结束")
    end(report, actors, days_ago=LISTED_AFTER_ENDING.days + 5)
    return {"listed": [open_old, done_lately, ended_lately], "older": [done_long_ago, ended_long_ago]}


def test_the_inbox_lists_open_parts_however_old_and_counts_those_finished_long_ago(client_as, ages, district):
    page = client_as(district.people.chengguan).get(reverse("department_inbox")).content.decode()
    for whistle in ages["listed"]:
        assert f'id="summons-{summons_of(whistle, district.chengguan).pk}"' in page
    for whistle in ages["older"]:
        assert f'id="summons-{summons_of(whistle, district.chengguan).pk}"' not in page
    assert "早已" not in page
    assert "2 more parts, completed or ended over 90 days ago, are not listed." in page
    assert page.index("多年未办") > page.index("最近办结")  # newest whistle first, as before
    page = client_as(district.people.zhujian).get(reverse("department_inbox")).content.decode()
    assert "多年未办" not in page and "早已结束" not in page and 'id="no-summons"' not in page
    assert "2 more parts, completed or ended over 90 days ago, are not listed." in page


def test_the_pages_say_in_chinese_how_many_are_left_off(client_as, ages, district, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    page = client_as(district.people.chengguan).get(reverse("department_inbox"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "另有 2 条早于 90 天前办结或结束的，未列出" in page.content.decode()
    page = client_as(district.people.staff).get(
        reverse("district_page", args=["majie"]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert "另有 2 次早于 90 天前办结或结束的吹哨，未列出" in page.content.decode()


def test_the_district_lists_open_whistles_however_old_and_counts_those_finished_long_ago(client_as, ages, district):
    page = client_as(district.people.staff).get(reverse("district_page", args=["majie"])).content.decode()
    for whistle in ages["listed"]:
        assert f'id="whistle-{whistle.pk}"' in page
    for whistle in ages["older"]:
        assert f'id="whistle-{whistle.pk}"' not in page
    assert "2 more whistles, completed or ended over 90 days ago, are not listed." in page
    assert page.split('id="count-all"')[1].split("</li>")[0].endswith("<b>5</b>")
    assert page.split('id="count-open"')[1].split("</li>")[0].endswith("<b>1</b>")

    def row(department):
        start = page.index(f'id="punctuality-{department.pk}"')
        return page[start : page.index("</tr>", start)]

    # The punctuality stays all-time: every part ever sent is counted.
    assert 'class="num sent" data-label="Sent">5<' in row(district.chengguan)
    assert 'class="num sent" data-label="Sent">2<' in row(district.zhujian)


def test_a_whistle_finishes_with_its_last_part_or_its_last_report(ages, actors, district):
    from reports.selectors import district_overview

    escalations, older, _answers = district_overview(district.district)
    assert {e.whistle.pk for e in escalations} == {w.pk for w in ages["listed"]} and older == 2
    open_old = ages["listed"][0]
    complete(open_old, district.chengguan, days_ago=LISTED_AFTER_ENDING.days + 1)
    escalations, older, _answers = district_overview(district.district)
    assert open_old.pk not in {e.whistle.pk for e in escalations} and older == 3
    complete(open_old, district.chengguan, days_ago=LISTED_AFTER_ENDING.days - 1)
    escalations, older, _answers = district_overview(district.district)
    assert open_old.pk in {e.whistle.pk for e in escalations} and older == 2


def test_nothing_listed_but_older_parts_is_not_called_empty(client_as, actors, district):
    _r, whistle = aged(actors, days=400, departments=[district.chengguan], note="早已办结")
    complete(whistle, district.chengguan, days_ago=200)
    page = client_as(district.people.chengguan).get(reverse("department_inbox")).content.decode()
    assert 'id="no-summons"' not in page and "1 more part, completed or ended over 90 days ago, is not listed." in page
    page = client_as(district.people.staff).get(reverse("district_page", args=["majie"])).content.decode()
    assert (
        'id="no-whistles"' not in page and "1 more whistle, completed or ended over 90 days ago, is not listed." in page
    )


# --- The home page ------------------------------------------------------------------------------------------------


def test_the_home_page_leads_each_post_to_its_page(client_as, whistle, district, actors):
    page = client_as(district.people.chengguan).get("/").content.decode()
    inbox = reverse("department_inbox_one", args=["majie", district.chengguan.pk])
    assert f'href="{inbox}"' in page and "1 to handle" in page
    assert f'href="{reverse("district_page", args=["majie"])}"' not in page
    page = client_as(district.people.staff).get("/").content.decode()
    assert f'href="{reverse("district_page", args=["majie"])}"' in page and inbox not in page
    page = client_as(actors.users["household"]).get("/").content.decode()
    assert 'id="district-posts"' not in page


def test_the_home_page_finds_the_posts_in_one_query(whistle, district):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.selectors import user_posts

    district.chengguan.members.create(user=district.people.staff)  # staff of the district and a member of 城管
    with CaptureQueriesContext(connection) as queries:
        posts = user_posts(district.people.staff)
    assert len(queries) == 1
    assert posts["districts"] == [district.district]
    assert [d.name for d in posts["departments"]] == ["城管"] and posts["departments"][0].pending == 1


# --- Setting up a district ----------------------------------------------------------------------------------------


def test_district_setup_makes_the_district_its_departments_and_accounts_once(actors):
    from io import StringIO

    from django.core.management import call_command

    from community.models import District
    from reports.models import Department, DepartmentMember, DistrictStaff

    staff, member = UserFactory(username="li-jiedao"), UserFactory(username="wang-chengguan", phone="13600000051")
    arguments = ["--district", "马街街道", "--slug", "majie", "--departments", "城管，住建", "--community", "here"]
    arguments += ["--staff", "li-jiedao", "--member", "城管=+86 136 0000 0051"]  # a number as people type it
    for _ in range(2):
        out = StringIO()
        call_command("district_setup", *arguments, stdout=out)
    district = District.objects.get(slug="majie")
    assert "城管" in out.getvalue()
    assert sorted(Department.objects.filter(district=district).values_list("name", flat=True)) == ["住建", "城管"]
    actors.community.refresh_from_db()
    assert actors.community.district == district
    assert DistrictStaff.objects.get().user == staff
    assert DepartmentMember.objects.get().user == member and DepartmentMember.objects.get().department.name == "城管"


@pytest.mark.parametrize(
    "extra, says",
    [
        (["--community", "nowhere"], "No community with the slug nowhere"),
        (["--staff", "nobody"], "No account with the username or mobile number nobody. Nothing was changed."),
        (["--staff", "13900000000"], "No account with the username or mobile number 13900000000"),
        (["--staff", "136 0000 005"], r"136 0000 005 is not a mainland mobile number \(e\.g\. 138 1234 5678\)"),
        (["--member", "城管=0136-0000-0051"], "0136-0000-0051 is not a mainland mobile number"),
        (["--member", "消防=li-jiedao"], "No such department in this district: 消防"),
        (["--member", "城管"], "--member takes DEPARTMENT=USER"),
    ],
)
def test_district_setup_refuses_bad_input_and_changes_nothing(actors, extra, says):
    from django.core.management import CommandError, call_command

    from community.models import District

    UserFactory(username="li-jiedao", phone="13600000051")
    with pytest.raises(CommandError, match=says):
        call_command("district_setup", "--district", "马街街道", "--slug", "majie", "--departments", "城管", *extra)
    assert not District.objects.exists()


@pytest.mark.parametrize(
    "slug, name, departments, says",
    [
        ("马街", "马街街道", "城管", "The short name 马街 may have only small letters"),
        ("ma jie", "马街街道", "城管", "The short name ma jie may have only small letters"),
        ("Majie", "马街街道", "城管", "The short name Majie may have only small letters"),
        ("majie", "街" * 101, "城管", "This name is too long"),
        ("majie", "马街街道", "城" * 61, "This name is too long"),
    ],
)
def test_district_setup_refuses_a_short_name_or_names_the_addresses_cannot_hold(db, slug, name, departments, says):
    """The short name is in the district's and its departments' addresses (a page linking one with "马街" would fail to
    render for every member): refused before anything is written."""
    from django.core.management import CommandError, call_command

    from community.models import District

    with pytest.raises(CommandError, match=says):
        call_command("district_setup", "--district", name, "--slug", slug, "--departments", departments)
    assert not District.objects.exists()


def test_the_admin_lists_districts_departments_and_their_accounts(client_as, district):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = client_as(admin)
    for model in ("community/district", "reports/department", "reports/districtstaff", "reports/departmentmember"):
        response = client.get(f"/admin/{model}/")
        assert response.status_code == 200, model
    page = client.get(f"/admin/reports/department/{district.chengguan.pk}/change/").content.decode()
    assert 'name="members-TOTAL_FORMS"' in page  # its members, edited on the department's page
