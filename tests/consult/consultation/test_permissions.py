"""Who may read, post, moderate and record what: every consultation view over the `actors` matrix."""

import pytest
from django.urls import reverse

from consult.models import Meeting, Opinion, PartyKind, Position
from tests.consult.consultation.conftest import PNG, upload

pytestmark = pytest.mark.django_db

ACTORS = ["anonymous", "household", "other_household", "canvasser", "secretary", "committee", "other_committee"]
LOGIN = "login"


def expect(outcomes: dict) -> list:
    return [pytest.param(actor, outcomes[actor], id=actor) for actor in ACTORS]


def assert_outcome(response, expected):
    if expected == LOGIN:
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == expected


READERS = {
    "anonymous": LOGIN,
    "household": 200,
    "other_household": 403,
    "canvasser": 200,
    "secretary": 200,
    "committee": 200,
    "other_committee": 403,
}
POSTERS = {
    "anonymous": LOGIN,
    "household": 302,
    "other_household": 403,
    "canvasser": 403,
    "secretary": 403,
    "committee": 403,
    "other_committee": 403,
}
MODERATORS = POSTERS | {"household": 403, "committee": 302}
MANAGERS_GET = {**READERS, "household": 403, "canvasser": 403}
MANAGERS_POST = {**MANAGERS_GET, "secretary": 302, "committee": 302}


@pytest.mark.parametrize(("actor", "expected"), expect(READERS))
def test_read_opinions(actors, client_as, consulting, opinion, actor, expected):
    response = client_as(actors.users[actor]).get(reverse("opinions", args=[consulting.pk]))
    assert_outcome(response, expected)
    if expected == 200:
        assert "车棚请离窗户远一点" in response.content.decode()


@pytest.mark.parametrize(("actor", "expected"), expect(POSTERS))
def test_post_opinion(actors, client_as, consulting, actor, expected):
    data = {"household": actors.household_obj.pk, "text": "支持，但请注意消防"}
    response = client_as(actors.users[actor]).post(reverse("opinions", args=[consulting.pk]), data)
    assert_outcome(response, expected)
    assert Opinion.objects.count() == (1 if expected == 302 else 0)


@pytest.mark.parametrize(("actor", "expected"), expect(MODERATORS))
def test_hide_opinion(actors, client_as, consulting, opinion, actor, expected):
    url = reverse("opinion_hide", args=[consulting.pk, opinion.pk])
    response = client_as(actors.users[actor]).post(url, {"reason": "人身攻击"})
    assert_outcome(response, expected)
    opinion.refresh_from_db()
    assert (opinion.hidden_at is not None) == (expected == 302)


@pytest.mark.parametrize(("actor", "expected"), expect(MODERATORS))
def test_reply_to_opinion(actors, client_as, consulting, opinion, actor, expected):
    url = reverse("opinion_reply", args=[consulting.pk, opinion.pk])
    response = client_as(actors.users[actor]).post(url, {"text": "已转交设计单位"})
    assert_outcome(response, expected)
    opinion.refresh_from_db()
    assert (opinion.reply == "已转交设计单位") == (expected == 302)


@pytest.mark.parametrize(("actor", "expected"), expect(READERS))
def test_opinion_photo(actors, client_as, consulting, photo_opinion, actor, expected):
    response = client_as(actors.users[actor]).get(reverse("opinion_photo", args=[consulting.pk, photo_opinion.pk]))
    assert_outcome(response, expected)
    if expected == 200:
        assert b"".join(response.streaming_content) == PNG
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("actor", "expected"), expect(READERS))
def test_meetings_list(actors, client_as, consulting, meeting, actor, expected):
    response = client_as(actors.users[actor]).get(reverse("meetings", args=[consulting.pk]))
    assert_outcome(response, expected)
    if expected == 200:
        assert "绿城物业" in response.content.decode()


@pytest.mark.parametrize(("actor", "expected"), expect(READERS))
def test_meeting_detail(actors, client_as, consulting, meeting, actor, expected):
    response = client_as(actors.users[actor]).get(reverse("meeting_detail", args=[consulting.pk, meeting.pk]))
    assert_outcome(response, expected)
    if expected == 200:
        assert "夜间不得施工" in response.content.decode()


@pytest.mark.parametrize(("actor", "expected"), expect(MANAGERS_GET))
def test_meeting_new_page(actors, client_as, consulting, actor, expected):
    response = client_as(actors.users[actor]).get(reverse("meeting_new", args=[consulting.pk]))
    assert_outcome(response, expected)


@pytest.mark.parametrize(("actor", "expected"), expect(MANAGERS_GET))
def test_meeting_edit_page(actors, client_as, consulting, meeting, actor, expected):
    url = reverse("meeting_detail", args=[consulting.pk, meeting.pk])
    response = client_as(actors.users[actor]).get(url, {"edit": "1"})
    assert_outcome(response, expected)


def meeting_data(**parties) -> dict:
    rows = [
        {"kind": PartyKind.PARTY, "name": "社区党委", "position": Position.SUPPORT, "conditions": ""},
        {"kind": PartyKind.PROPERTY, "name": "绿城物业", "position": Position.OPPOSE, "conditions": ""},
    ]
    data = {
        "held_at": "2024-05-06T19:30",
        "place": "社区会议室",
        "minutes": "讨论",
        "decisions": "",
        "parties-TOTAL_FORMS": str(len(rows)),
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "0",
        "parties-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"parties-{index}-{key}": value for key, value in row.items()})
    return data | parties


@pytest.mark.parametrize(("actor", "expected"), expect(MANAGERS_POST))
def test_meeting_new_post(actors, client_as, consulting, actor, expected):
    response = client_as(actors.users[actor]).post(reverse("meeting_new", args=[consulting.pk]), meeting_data())
    assert_outcome(response, expected)
    assert Meeting.objects.count() == (1 if expected == 302 else 0)


@pytest.mark.parametrize(("actor", "expected"), expect(MANAGERS_POST))
def test_meeting_edit_post(actors, client_as, consulting, meeting, actor, expected):
    url = reverse("meeting_detail", args=[consulting.pk, meeting.pk])
    response = client_as(actors.users[actor]).post(url, meeting_data(place="业委会办公室"))
    assert_outcome(response, expected)
    meeting.refresh_from_db()
    assert (meeting.place == "业委会办公室") == (expected == 302)


def test_changes_need_post(actors, client_as, consulting, opinion):
    client = client_as(actors.users["committee"])
    for name in ("opinion_hide", "opinion_reply"):
        assert client.get(reverse(name, args=[consulting.pk, opinion.pk])).status_code == 405
    opinion.refresh_from_db()
    assert opinion.hidden_at is None


def test_an_opinion_is_found_only_under_its_own_proposal(actors, client_as, committee, consulting, opinion):
    from tests.consult.consultation.conftest import make_proposal

    other = make_proposal(actors.community, committee, title="另一项议题")
    client = client_as(committee)
    response = client.post(reverse("opinion_hide", args=[other.pk, opinion.pk]), {"reason": "跑题"})
    assert response.status_code == 404
    assert client.get(reverse("opinion_photo", args=[other.pk, opinion.pk])).status_code == 404


def test_the_draft_is_the_committees_only(actors, client_as, committee):
    from proposals.models import State
    from tests.consult.consultation.conftest import make_proposal

    draft = make_proposal(actors.community, committee, state=State.DRAFT)
    assert client_as(actors.users["household"]).get(reverse("opinions", args=[draft.pk])).status_code == 403
    assert client_as(actors.users["household"]).get(reverse("meetings", args=[draft.pk])).status_code == 403
    assert client_as(committee).get(reverse("meetings", args=[draft.pk])).status_code == 200


def test_photo_upload_through_the_page(actors, client_as, consulting):
    client = client_as(actors.users["household"])
    data = {"household": actors.household_obj.pk, "text": "照片为证", "photo": upload("x.png", PNG)}
    assert client.post(reverse("opinions", args=[consulting.pk]), data).status_code == 302
    assert Opinion.objects.get().photo.name.endswith(".png")
