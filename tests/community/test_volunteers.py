"""Party members and volunteers registered with their residence community (党员回居住地社区报到): registering oneself
and by the committee, the consent to be listed (never shown otherwise), who sees phones, bad input refused with a
clear message and nothing saved, and who may use each page (roles × routes)."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from community.models import Role, Volunteer
from community.volunteers import (
    VolunteerInput,
    contact_cards,
    entrance_contacts,
    volunteer_register,
    volunteer_rows,
    volunteer_set_listed,
    volunteer_update,
    volunteer_withdraw,
)
from tests.factories import EntranceFactory, RoleFactory

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


def photo(name: str = "face.jpg", size=(900, 1200)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def people(actors):
    """The actors, a party organisation member, and the household's entrance and another one of the community."""
    actors.users["party"] = RoleFactory(community=actors.community, kind=Role.Kind.PARTY).user
    actors.entrance = actors.household_obj.entrance
    actors.other_entrance = EntranceFactory(building=actors.entrance.building)
    actors.foreign_entrance = EntranceFactory(building__community=actors.other_community)
    return actors


def data(entrance, **kwargs) -> VolunteerInput:
    values = {"name": "张三", "entrance": entrance, "phone": PHONE, "skills": "修水管", "listed": True}
    values.update(kwargs)
    return VolunteerInput(**values)


def _snapshot():
    return list(
        Volunteer.objects.order_by("pk").values_list(
            "pk", "name", "entrance_id", "phone", "skills", "listed", "active", "photo"
        )
    )


def _refused(fn, **kwargs) -> str:
    before = _snapshot()
    with pytest.raises(ValidationError) as caught:
        fn(**kwargs)
    assert _snapshot() == before
    return caught.value.messages[0]


# --- The services ---------------------------------------------------------------------------------------------


def test_a_resident_registers_themself_and_the_committee_someone_without_an_account(people, english):
    resident, committee = people.users["household"], people.users["committee"]
    own = volunteer_register(
        community=people.community,
        by=resident,
        data=data(people.entrance, name="  李  四 ", phone="+86 139 0000 1111", party_member=True),
        photo=photo(),
        for_self=True,
    )
    assert (own.user, own.created_by, own.name, own.phone, own.party_member, own.listed) == (
        resident,
        resident,
        "李 四",
        "13900001111",
        True,
        True,
    )
    # The photo is stored re-encoded: a PNG no larger than 480 a side.
    with own.photo.open("rb") as file:
        stored = Image.open(io.BytesIO(file.read()))
        assert stored.format == "PNG" and max(stored.size) == 480
    other = volunteer_register(community=people.community, by=committee, data=data(people.other_entrance))
    assert other.user is None and other.created_by == committee and not other.photo
    assert volunteer_rows(people.community) == [own, other]
    assert volunteer_rows(people.other_community) == []
    # Once is enough: a second registration of the same account is refused.
    message = _refused(
        volunteer_register, community=people.community, by=resident, data=data(people.entrance), for_self=True
    )
    assert "already registered" in message


def test_bad_input_is_refused_with_a_clear_message_and_nothing_saved(people, english, media_root):
    register = volunteer_register
    by, community = people.users["committee"], people.community
    assert "entrance of this community" in _refused(
        register, community=community, by=by, data=data(people.foreign_entrance)
    )
    assert "entrance of this community" in _refused(register, community=community, by=by, data=data(None))
    assert "mobile number" in _refused(register, community=community, by=by, data=data(people.entrance, phone="123"))
    assert "mobile number" in _refused(register, community=community, by=by, data=data(people.entrance, phone=""))
    assert "name" in _refused(register, community=community, by=by, data=data(people.entrance, name="  "))
    assert "60" in _refused(register, community=community, by=by, data=data(people.entrance, name="长" * 61))
    assert "120" in _refused(register, community=community, by=by, data=data(people.entrance, skills="帮" * 121))
    not_an_image = SimpleUploadedFile("face.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")
    assert "Only a photo" in _refused(
        register, community=community, by=by, data=data(people.entrance), photo=not_an_image
    )
    broken = SimpleUploadedFile("face.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, content_type="image/png")
    assert "Only a photo" in _refused(register, community=community, by=by, data=data(people.entrance), photo=broken)
    assert Volunteer.objects.count() == 0
    assert not [path for path in media_root.rglob("*") if path.is_file()]  # no photo file left behind


def test_update_consent_and_withdraw(people, english):
    by = people.users["committee"]
    volunteer = volunteer_register(community=people.community, by=by, data=data(people.entrance), photo=photo())
    first_photo = volunteer.photo.name
    changed = volunteer_update(
        volunteer=volunteer, by=by, data=data(people.other_entrance, name="张三丰", skills="陪老人看病", listed=False)
    )
    assert (changed.name, changed.entrance, changed.skills, changed.listed) == (
        "张三丰",
        people.other_entrance,
        "陪老人看病",
        False,
    )
    assert changed.photo.name == first_photo  # no new photo: the old one stays
    assert "entrance of this community" in _refused(
        volunteer_update, volunteer=changed, by=by, data=data(people.foreign_entrance)
    )
    assert volunteer_set_listed(volunteer=changed, by=by, listed=True).listed
    withdrawn = volunteer_withdraw(volunteer=changed, by=by)
    assert (withdrawn.active, withdrawn.listed, withdrawn.photo.name) == (False, False, "")
    assert "withdrawn" in _refused(volunteer_withdraw, volunteer=withdrawn, by=by)
    assert "withdrawn" in _refused(volunteer_set_listed, volunteer=withdrawn, by=by, listed=True)
    assert volunteer_rows(people.community) == []


def test_only_the_listed_are_on_the_entrance_and_its_card(people):
    by = people.users["committee"]
    listed = volunteer_register(community=people.community, by=by, data=data(people.entrance, name="王五"))
    party = volunteer_register(
        community=people.community, by=by, data=data(people.entrance, name="赵六", party_member=True)
    )
    volunteer_register(community=people.community, by=by, data=data(people.entrance, name="不公开", listed=False))
    gone = volunteer_register(community=people.community, by=by, data=data(people.entrance, name="已退出"))
    volunteer_withdraw(volunteer=gone, by=by)
    assert entrance_contacts(people.entrance) == [party, listed]  # party members first
    assert entrance_contacts(people.other_entrance) == []
    cards = contact_cards(people.community)
    assert [(card.entrance, card.volunteers) for card in cards] == [(people.entrance, [party, listed])]
    assert contact_cards(people.community, entrance=people.other_entrance) == []
    assert contact_cards(people.other_community) == []


# --- The pages ------------------------------------------------------------------------------------------------


def test_the_entrance_page_shows_the_listed_with_their_phones_and_never_the_unlisted(people, client_as):
    by = people.users["committee"]
    listed = volunteer_register(
        community=people.community, by=by, data=data(people.entrance, name="王五", party_member=True), photo=photo()
    )
    volunteer_register(
        community=people.community, by=by, data=data(people.entrance, name="不公开", phone="13900002222", listed=False)
    )
    url = reverse("entrance_contacts", args=[people.community.slug, people.entrance.pk])
    with translation.override("zh-hans"):
        html = client_as(people.users["household"]).get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "王五" in html and "党员" in html and "修水管" in html
    assert f'href="tel:{PHONE}"' in html
    photo_url = reverse("volunteer_photo", args=[people.community.slug, listed.pk])
    assert photo_url in html
    served = client_as(people.users["household"]).get(photo_url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert (served["Cache-Control"], served["X-Content-Type-Options"]) == ("private, max-age=3600", "nosniff")
    assert b"".join(served.streaming_content).startswith(b"\x89PNG")
    assert "不公开" not in html and "13900002222" not in html
    # The register itself shows everyone, with full phones, to its keepers.
    register = client_as(people.users["party"]).get(reverse("volunteer_list", args=[people.community.slug]))
    assert "不公开" in register.content.decode() and "13900002222" in register.content.decode()
    # The register prints the cards of the whole community or of one building.
    cards = reverse("document_contact_cards", args=[people.community.slug])
    assert f'href="{cards}"' in register.content.decode()
    assert f'href="{cards}?building={people.entrance.building_id}"' in register.content.decode()


def test_a_resident_registers_on_the_join_page_and_finds_it_again(people, client_as):
    client = client_as(people.users["household"])
    url = reverse("volunteer_join", args=[people.community.slug])
    with translation.override("zh-hans"):
        html = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "党员、志愿者回小区报到" in html
    assert str(people.entrance) in html and str(people.foreign_entrance.building) not in html
    # Bad input: the form again with the reason and what was typed; nothing saved.
    response = client.post(
        url, {"name": "李四", "entrance": people.foreign_entrance.pk, "phone": PHONE, "skills": "理发", "listed": "1"}
    )
    assert response.status_code == 400 and "理发" in response.content.decode()
    assert Volunteer.objects.count() == 0
    response = client.post(url, {"name": "李四", "entrance": people.entrance.pk, "phone": "12", "listed": "1"})
    assert response.status_code == 400 and Volunteer.objects.count() == 0
    response = client.post(
        url,
        {"name": "李四", "entrance": people.entrance.pk, "phone": PHONE, "listed": "1", "photo": photo()},
    )
    volunteer = Volunteer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("volunteer_edit", args=[people.community.slug, volunteer.pk])
    assert (volunteer.user, volunteer.listed, bool(volunteer.photo)) == (people.users["household"], True, True)
    # Coming back: their own registration, to change.
    assert client.get(url)["Location"] == response["Location"]
    # Taking back the consent: off the entrance's page at once.
    client.post(reverse("volunteer_consent", args=[people.community.slug, volunteer.pk]), {"listed": "0"})
    volunteer.refresh_from_db()
    assert not volunteer.listed
    contacts = client.get(reverse("entrance_contacts", args=[people.community.slug, people.entrance.pk]))
    assert f'id="contact-{volunteer.pk}"' not in contacts.content.decode() and PHONE not in contacts.content.decode()


def test_a_bad_photo_on_the_register_is_refused_and_nothing_saved(people, client_as):
    client = client_as(people.users["secretary"])
    response = client.post(
        reverse("volunteer_list", args=[people.community.slug]),
        {
            "name": "王五",
            "entrance": people.entrance.pk,
            "phone": PHONE,
            "photo": SimpleUploadedFile("x.jpg", b"GIF89a....", content_type="image/jpeg"),
        },
    )
    assert response.status_code == 400 and Volunteer.objects.count() == 0
    assert 'value="王五"' in response.content.decode()


# --- Roles × routes -------------------------------------------------------------------------------------------

KEEPERS = {"committee", "secretary", "party"}
BELONG = {"household", "canvasser", "committee", "secretary", "party"}
ACTORS = [
    "anonymous",
    "household",
    "other_household",
    "canvasser",
    "secretary",
    "committee",
    "other_committee",
    "party",
]


def _routes(people):
    volunteer = volunteer_register(
        community=people.community, by=people.users["committee"], data=data(people.entrance), photo=photo()
    )
    slug = people.community.slug
    add = {"name": "新人", "entrance": people.entrance.pk, "phone": "13700001111"}
    return volunteer, {
        "register": ("get", reverse("volunteer_list", args=[slug]), {}, KEEPERS),
        "register_add": ("post", reverse("volunteer_list", args=[slug]), add, KEEPERS),
        "join": ("get", reverse("volunteer_join", args=[slug]), {}, {"household"}),
        "join_post": ("post", reverse("volunteer_join", args=[slug]), add, {"household"}),
        "edit": ("get", reverse("volunteer_edit", args=[slug, volunteer.pk]), {}, KEEPERS),
        "edit_post": ("post", reverse("volunteer_edit", args=[slug, volunteer.pk]), add, KEEPERS),
        "consent": ("post", reverse("volunteer_consent", args=[slug, volunteer.pk]), {"listed": "0"}, KEEPERS),
        "withdraw": ("post", reverse("volunteer_withdraw", args=[slug, volunteer.pk]), {}, KEEPERS),
        "photo": ("get", reverse("volunteer_photo", args=[slug, volunteer.pk]), {}, BELONG),
        "contacts": ("get", reverse("entrance_contacts", args=[slug, people.entrance.pk]), {}, BELONG),
    }


@pytest.mark.parametrize(
    "route",
    ["register", "register_add", "join", "join_post", "edit", "edit_post", "consent", "withdraw", "photo", "contacts"],
)
@pytest.mark.parametrize("actor", ACTORS)
def test_permission_matrix(people, client_as, route, actor):
    _volunteer, routes = _routes(people)
    method, url, payload, allowed = routes[route]
    before = _snapshot()
    response = getattr(client_as(people.users[actor]), method)(url, payload)
    if actor == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    elif actor not in allowed:
        assert response.status_code == 403
    elif method == "get":
        assert response.status_code == 200
    else:
        assert response.status_code == 302
    if actor == "anonymous" or actor not in allowed or method == "get":
        assert _snapshot() == before
    else:
        assert _snapshot() != before


def test_the_person_themself_may_change_their_registration_and_nobody_else_of_the_residents(people, client_as):
    resident = people.users["household"]
    own = volunteer_register(
        community=people.community, by=resident, data=data(people.entrance, listed=False), for_self=True
    )
    edit = reverse("volunteer_edit", args=[people.community.slug, own.pk])
    assert client_as(resident).get(edit).status_code == 200
    # The unlisted one's photo route: not for a neighbour, yes for themself and the keepers (404: no photo).
    neighbour = RoleFactory(community=people.community, kind=Role.Kind.CANVASSER).user
    assert client_as(neighbour).get(edit).status_code == 403
    photo_url = reverse("volunteer_photo", args=[people.community.slug, own.pk])
    assert client_as(neighbour).get(photo_url).status_code == 403
    assert client_as(resident).get(photo_url).status_code == 404
    # Another community's address for this volunteer: not found.
    other = reverse("volunteer_edit", args=[people.other_community.slug, own.pk])
    assert client_as(people.users["other_committee"]).get(other).status_code == 404
    client_as(resident).post(reverse("volunteer_withdraw", args=[people.community.slug, own.pk]))
    own.refresh_from_db()
    assert not own.active


# --- The consent is the person's own --------------------------------------------------------------------------


def test_the_consent_to_be_listed_starts_unticked(people, client_as):
    ticked = 'name="listed" value="1" checked'
    join = client_as(people.users["household"]).get(reverse("volunteer_join", args=[people.community.slug]))
    assert 'name="listed" value="1"' in join.content.decode() and ticked not in join.content.decode()
    register = client_as(people.users["committee"]).get(reverse("volunteer_list", args=[people.community.slug]))
    assert 'name="listed" value="1"' in register.content.decode() and ticked not in register.content.decode()


def test_only_the_person_lists_themself_once_registered_with_their_own_account(people, english, client_as):
    resident, committee = people.users["household"], people.users["committee"]
    own = volunteer_register(
        community=people.community, by=resident, data=data(people.entrance, listed=False), for_self=True
    )
    refusal = "Only 张三 may agree to be listed for neighbours"
    assert refusal in _refused(volunteer_set_listed, volunteer=own, by=committee, listed=True)
    assert refusal in _refused(volunteer_update, volunteer=own, by=committee, data=data(people.entrance, listed=True))
    # Through the pages: no button, no checkbox for the keepers, and a forged request changes nothing.
    register = client_as(committee).get(reverse("volunteer_list", args=[people.community.slug])).content.decode()
    assert reverse("volunteer_consent", args=[people.community.slug, own.pk]) not in register
    edit = client_as(committee).get(reverse("volunteer_edit", args=[people.community.slug, own.pk])).content.decode()
    assert 'id="listing-theirs"' in edit and 'name="listed"' not in edit
    client_as(committee).post(reverse("volunteer_consent", args=[people.community.slug, own.pk]), {"listed": "1"})
    own.refresh_from_db()
    assert not own.listed
    # The person themself agrees; then the committee may take them off, but not put them back.
    assert volunteer_set_listed(volunteer=own, by=resident, listed=True).listed
    changed = volunteer_update(volunteer=own, by=committee, data=data(people.entrance, skills="理发", listed=True))
    assert changed.listed and changed.skills == "理发"  # kept as they agreed
    assert not volunteer_set_listed(volunteer=own, by=committee, listed=False).listed
    assert refusal in _refused(volunteer_set_listed, volunteer=own, by=committee, listed=True)


def test_the_keepers_list_someone_registered_without_an_account(people, english):
    committee = people.users["committee"]
    volunteer = volunteer_register(community=people.community, by=committee, data=data(people.entrance, listed=False))
    assert volunteer_set_listed(volunteer=volunteer, by=committee, listed=True).listed
