"""Party members and volunteers registered with their residence community (党员回居住地社区报到): the writes (register,
update, withdraw, the consent to be listed) and the reads the pages and the printed contact cards (党员联系牌) share.

One module for the area: the register is small and its reads and writes change together."""

import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from community.models import Building, Community, Entrance, Volunteer
from core.identity import normalize_phone
from core.uploads import image_reencoded, stored_file_delete_on_commit

logger = logging.getLogger("gongyi.volunteers")

# A face on a card at the entrance and on a phone: larger images are scaled down.
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_SIDE = 480
NAME_MAX = 60
SKILLS_MAX = 120


@dataclass(frozen=True)
class VolunteerInput:
    """What a registration says, as typed; checked by `_checked`."""

    name: str
    entrance: Entrance | None
    phone: str
    skills: str = ""
    party_member: bool = False
    listed: bool = False


def _checked(community: Community, data: VolunteerInput) -> VolunteerInput:
    name = " ".join((data.name or "").split())
    if not name:
        raise ValidationError(_("Enter the name."), code="name")
    if len(name) > NAME_MAX:
        raise ValidationError(_("The name is at most 60 characters."), code="name")
    entrance = data.entrance
    if entrance is None or entrance.building.community_id != community.pk:
        raise ValidationError(_("Choose an entrance of this community."), code="entrance")
    try:
        phone = normalize_phone(data.phone)
    except ValueError:
        raise ValidationError(_("Enter a mainland mobile number, e.g. 138 1234 5678."), code="phone") from None
    skills = " ".join((data.skills or "").split())
    if len(skills) > SKILLS_MAX:
        raise ValidationError(_("What you can help with is at most 120 characters."), code="skills")
    return VolunteerInput(
        name=name,
        entrance=entrance,
        phone=phone,
        skills=skills,
        party_member=bool(data.party_member),
        listed=bool(data.listed),
    )


def _photo_png(photo) -> bytes | None:
    if not photo:
        return None
    return image_reencoded(
        photo,
        max_bytes=PHOTO_MAX_BYTES,
        max_side=PHOTO_MAX_SIDE,
        refusal=_("Only a photo (JPEG, PNG or WebP) can be added."),
    )


@transaction.atomic
def volunteer_register(
    *, community: Community, by, data: VolunteerInput, photo=None, for_self: bool = False
) -> Volunteer:
    """Register a party member or volunteer. `for_self`: `by` registers themself (caller holds
    community.join_volunteers); otherwise for someone else (caller holds community.manage_volunteers)."""
    data = _checked(community, data)
    png = _photo_png(photo)
    if for_self:
        # Lock the community row: a double tap cannot register the same account twice.
        Community.objects.select_for_update().filter(pk=community.pk).first()
        if Volunteer.objects.of(community).active().filter(user=by).exists():
            raise ValidationError(
                _("You are already registered with this community: change your registration instead."),
                code="duplicate",
            )
    volunteer = Volunteer(
        community=community,
        user=by if for_self else None,
        name=data.name,
        entrance=data.entrance,
        phone=data.phone,
        skills=data.skills,
        party_member=data.party_member,
        listed=data.listed,
        created_by=by,
    )
    if png:
        # Stored last, after every check: only the database can still refuse, and then the file goes too.
        volunteer.photo.save(f"volunteer-{community.pk}.png", ContentFile(png), save=False)
    try:
        with transaction.atomic():
            volunteer.save()
    except IntegrityError as error:
        if volunteer.photo.name:
            volunteer.photo.storage.delete(volunteer.photo.name)
        raise ValidationError(_("You are already registered with this community.")) from error
    logger.info("volunteer %s registered by user %s", volunteer.pk, getattr(by, "pk", None))
    return volunteer


def may_list(user, volunteer: Volunteer) -> bool:
    """Whether `user` may put the volunteer on the entrance's card and page: that is the person's own consent, so only
    they may give it once they registered with their own account; the register's keepers may give it (as they were
    told it) only for someone registered without one. Anyone who may change the registration may take it back."""
    return volunteer.user_id is None or volunteer.user_id == getattr(user, "pk", None)


def _check_listing(locked: Volunteer, by, listed: bool) -> None:
    if listed and not locked.listed and not may_list(by, locked):
        raise ValidationError(
            _("Only %(name)s may agree to be listed for neighbours: they registered with their own account.")
            % {"name": locked.name},
            code="consent",
        )


def _locked_active(volunteer: Volunteer) -> Volunteer:
    locked = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if not locked.active:
        raise ValidationError(_("%(name)s has withdrawn from the register.") % {"name": locked.name}, code="withdrawn")
    return locked


@transaction.atomic
def volunteer_update(
    *, volunteer: Volunteer, by, data: VolunteerInput, photo=None, remove_photo: bool = False
) -> Volunteer:
    """Change a registration (and its photo: a new one replaces it, `remove_photo` takes it off). Caller holds
    community.change_volunteer."""
    locked = _locked_active(volunteer)
    data = _checked(locked.community, data)
    _check_listing(locked, by, data.listed)
    png = _photo_png(photo)
    old_photo = locked.photo.name
    for field in ("name", "entrance", "phone", "skills", "party_member", "listed"):
        setattr(locked, field, getattr(data, field))
    if png:
        locked.photo.save(f"volunteer-{locked.community_id}-{locked.pk}.png", ContentFile(png), save=False)
    elif remove_photo:
        locked.photo = ""
    locked.save()
    if old_photo and old_photo != locked.photo.name:
        stored_file_delete_on_commit(Volunteer._meta.get_field("photo").storage, old_photo)
    logger.info("volunteer %s changed by user %s", locked.pk, getattr(by, "pk", None))
    return locked


@transaction.atomic
def volunteer_set_listed(*, volunteer: Volunteer, by, listed: bool) -> Volunteer:
    """Give or take back the consent to be on the entrance's contact card and page. Caller holds
    community.change_volunteer; only `may_list` may give it."""
    locked = _locked_active(volunteer)
    _check_listing(locked, by, listed)
    locked.listed = bool(listed)
    locked.save(update_fields=["listed"])
    logger.info("volunteer %s listed=%s by user %s", locked.pk, locked.listed, getattr(by, "pk", None))
    return locked


@transaction.atomic
def volunteer_withdraw(*, volunteer: Volunteer, by) -> Volunteer:
    """Take a registration off the register: kept, inactive and unlisted; its photo is deleted. Caller holds
    community.change_volunteer."""
    locked = _locked_active(volunteer)
    old_photo = locked.photo.name
    locked.active = False
    locked.listed = False
    locked.photo = ""
    locked.save(update_fields=["active", "listed", "photo"])
    stored_file_delete_on_commit(Volunteer._meta.get_field("photo").storage, old_photo)
    logger.info("volunteer %s withdrawn by user %s", locked.pk, getattr(by, "pk", None))
    return locked


# --- Reads ---------------------------------------------------------------------------------------------------


def volunteer_rows(community: Community) -> list[Volunteer]:
    """Everyone on the community's register, entrance by entrance (one query): for its keepers only."""
    return list(Volunteer.objects.of(community).active().in_order())


def own_registration(community: Community, user) -> Volunteer | None:
    if not user.is_authenticated:
        return None
    return Volunteer.objects.of(community).active().filter(user=user).select_related("entrance__building").first()


def community_entrances(community: Community) -> list[Entrance]:
    """The community's entrances in walking order, for the choice of an entrance."""
    return list(
        Entrance.objects.filter(building__community=community)
        .select_related("building")
        .order_by("building__sort_key", "sort_key")
    )


def entrance_contacts(entrance: Entrance) -> list[Volunteer]:
    """The listed (consenting) party members and volunteers of one entrance: party members first."""
    return list(Volunteer.objects.listed().filter(entrance=entrance).order_by("-party_member", "name", "pk"))


@dataclass(frozen=True)
class ContactCard:
    entrance: Entrance
    volunteers: list


def contact_cards(community: Community, *, building: Building | None = None, entrance: Entrance | None = None):
    """One card per entrance that has listed members (of one entrance, one building, or the whole community), in
    walking order, each with its listed members only (two queries)."""
    entrances = Entrance.objects.filter(building__community=community).select_related("building")
    if entrance is not None:
        entrances = entrances.filter(pk=entrance.pk)
    elif building is not None:
        entrances = entrances.filter(building=building)
    entrances = list(entrances.order_by("building__sort_key", "sort_key"))
    by_entrance: dict[int, list] = {}
    listed = Volunteer.objects.listed().filter(entrance__in=[e.pk for e in entrances])
    for volunteer in listed.order_by("-party_member", "name", "pk"):
        by_entrance.setdefault(volunteer.entrance_id, []).append(volunteer)
    return [ContactCard(entrance=e, volunteers=by_entrance[e.pk]) for e in entrances if e.pk in by_entrance]
