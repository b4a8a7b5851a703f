"""The roster: communities, buildings, entrances (单元), households, owners, roles and join codes."""

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.identity import mask_phone


class District(models.Model):
    """A street office (街道) above its communities: its staff see every community's escalated reports, and its
    departments (城管, 住建, 供电…: reports.Department) take the reports whistled to them."""

    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    district = models.ForeignKey(
        District,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="communities",
        verbose_name=_("district (街道)"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The one account that casts the ballot of the developer's flats (one head, DESIGN.md), designated by the
    # committee among the accounts bound to a developer-held flat; nobody else votes for those flats.
    developer_voter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("the developer's voting account"),
    )

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def _label(name: str, suffix: str) -> str:
    return f"{name}{suffix}" if name.isdigit() else name


class BuildingQuerySet(models.QuerySet):
    def of(self, community):
        return self.filter(community=community)


class Building(models.Model):
    """A building (楼栋). `name` is the roster's key without its suffix: "3" for 3号楼, "A座" as given."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="buildings")
    name = models.CharField(_("building"), max_length=30)
    sort_key = models.CharField(max_length=40, editable=False, db_index=True)

    objects = BuildingQuerySet.as_manager()

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["community", "sort_key"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="building_unique_name")]

    def __str__(self) -> str:
        return _label(self.name, "号楼")

    def save(self, *args, **kwargs):
        self.sort_key = natural_sort_key(self.name)
        super().save(*args, **kwargs)


class Entrance(models.Model):
    """A stairwell (单元) of a building. `name` is "5" for 5单元."""

    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="entrances")
    name = models.CharField(_("entrance"), max_length=30)
    sort_key = models.CharField(max_length=40, editable=False, db_index=True)

    class Meta:
        verbose_name = _("entrance")
        verbose_name_plural = _("entrances")
        ordering = ["building", "sort_key"]
        constraints = [models.UniqueConstraint(fields=["building", "name"], name="entrance_unique_name")]

    def __str__(self) -> str:
        return f"{self.building}{_label(self.name, '单元')}"

    def save(self, *args, **kwargs):
        self.sort_key = natural_sort_key(self.name)
        super().save(*args, **kwargs)


class Owner(models.Model):
    """A person who owns one or more households, or the community's one developer owner.

    ID numbers are kept only as a keyed hash; phones are shown masked to all but the committee.
    """

    class Kind(models.TextChoices):
        PERSON = "person", _("person")
        DEVELOPER = "developer", _("developer")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="owners")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("mobile number"), max_length=11, blank=True, db_index=True)
    id_hash = models.CharField(_("ID number hash"), max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("owner")
        verbose_name_plural = _("owners")
        ordering = ["community", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "id_hash"], condition=~Q(id_hash=""), name="owner_unique_id_hash"
            ),
            models.UniqueConstraint(fields=["community"], condition=Q(kind="developer"), name="owner_one_developer"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone) if self.phone else ""


class HouseholdQuerySet(models.QuerySet):
    def of(self, community):
        return self.filter(entrance__building__community=community)

    def with_location(self):
        return self.select_related("entrance__building", "owner")

    def in_order(self):
        return self.order_by("entrance__building__sort_key", "entrance__sort_key", "-floor", "room_sort_key")

    def bound_to(self, user, community_id: int):
        """The user's households in one community, with their location, in walking order."""
        return (
            self.filter(bindings__user=user, entrance__building__community_id=community_id)
            .select_related("entrance__building")
            .distinct()
            .in_order()
        )


class Household(models.Model):
    """One exclusive part (专有部分): a flat with its registered area and its registered owner."""

    entrance = models.ForeignKey(Entrance, on_delete=models.CASCADE, related_name="households")
    room = models.CharField(_("room"), max_length=20)
    room_sort_key = models.CharField(max_length=40, editable=False)
    floor = models.IntegerField(_("floor"))
    area = models.DecimalField(_("registered area (m²)"), max_digits=10, decimal_places=2)
    developer_held = models.BooleanField(_("held by the developer"), default=False)
    owner = models.ForeignKey(Owner, on_delete=models.PROTECT, related_name="households")

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["entrance", "-floor", "room_sort_key"]
        constraints = [
            models.UniqueConstraint(fields=["entrance", "room"], name="household_unique_room"),
            models.CheckConstraint(condition=Q(area__gt=Decimal("0")), name="household_area_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.entrance}{self.room}"

    def save(self, *args, **kwargs):
        self.room_sort_key = natural_sort_key(self.room)
        super().save(*args, **kwargs)

    @property
    def code(self) -> str:
        """ "3-5-502": building, entrance, room — what people say and what the search box takes."""
        return f"{self.entrance.building.name}-{self.entrance.name}-{self.room}"


class Role(models.Model):
    """A role an account holds in one community. Household members are bindings, not roles."""

    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("committee member")
        SECRETARY = "secretary", _("secretary")
        CANVASSER = "canvasser", _("canvasser")
        PARTY = "party", _("party organisation")
        PROPERTY = "property", _("property company")
        OBSERVER = "observer", _("observer")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="roles")

    class Office(models.TextChoices):
        """A committee member's office, as the owners' meeting elected them: it is the capacity they sign in."""

        MEMBER = "", _("committee member, no office")
        CHAIR = "chair", _("committee chair")
        VICE_CHAIR = "vice_chair", _("committee vice-chair")

    kind = models.CharField(_("role"), max_length=12, choices=Kind.choices)
    office = models.CharField(
        _("office on the committee"),
        max_length=10,
        choices=Office.choices,
        blank=True,
        default=Office.MEMBER,
        help_text=_("Only for committee members: chair or vice-chair as elected; everybody else is a member."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "community", "kind"], name="role_unique"),
            # An office belongs to the committee: a canvasser or the secretary is never "chair".
            models.CheckConstraint(
                condition=models.Q(office="") | models.Q(kind="committee"), name="role_office_committee_only"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.community} · {self.get_kind_display()}"


class HouseholdBinding(models.Model):
    """An account bound to a household, made by redeeming a join code: as the owner or as a member.

    The owner is verified: the account's verified phone or ID number matched the roster's owner when the code was
    redeemed, or the committee marked it so (`verified_by`, `verified_at`). Anyone else is a member (a family
    member or a tenant). The ballot is the owner's (DESIGN.md): voting.rules decides who casts it.
    """

    class Relation(models.TextChoices):
        OWNER = "owner", _("owner (verified)")
        MEMBER = "member", _("family member or tenant")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bindings")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="bindings")
    relation = models.CharField(_("relation"), max_length=6, choices=Relation.choices, default=Relation.MEMBER)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    join_code = models.ForeignKey("JoinCode", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("household binding")
        verbose_name_plural = _("household bindings")
        constraints = [
            models.UniqueConstraint(fields=["user", "household"], name="binding_unique"),
            models.CheckConstraint(condition=Q(relation__in=["owner", "member"]), name="binding_known_relation"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.household}"


# No 0/O, 1/I/L: codes are read off paper by people who may not see well.
JOIN_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
JOIN_CODE_LENGTH = 8


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


class JoinCode(models.Model):
    """A code printed on a slip; redeeming it binds one account to the household, once."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="join_codes")
    code = models.CharField(max_length=JOIN_CODE_LENGTH, unique=True, default=new_join_code)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("join code")
        verbose_name_plural = _("join codes")

    def __str__(self) -> str:
        return self.display

    @property
    def display(self) -> str:
        return f"{self.code[:4]}-{self.code[4:]}"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.used_at is None and self.expires_at > now


def natural_sort_key(text: str) -> str:
    """Sort "2" before "10" and "A2" before "A10": zero-pad every run of digits."""
    out, digits = [], ""
    for char in str(text):
        if char.isdigit():
            digits += char
            continue
        if digits:
            out.append(digits.zfill(8))
            digits = ""
        out.append(char)
    if digits:
        out.append(digits.zfill(8))
    return "".join(out)[:40]


class RosterUpload(models.Model):
    """A roster file uploaded on the import page, kept between the preview and the confirmation.

    It lives in the database because several processes serve requests. The content holds raw ID numbers,
    so it is emptied once imported, and uploads older than a day are deleted every hour (community.tasks).
    """

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="roster_uploads")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    filename = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(editable=False)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("roster upload")
        verbose_name_plural = _("roster uploads")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.community} · {self.filename}"


class RepresentativeQuerySet(models.QuerySet):
    def of(self, community):
        return self.filter(community=community)

    def active(self):
        return self.filter(active=True)


class Representative(models.Model):
    """A residents' representative (居民代表) of the residents' representatives' assembly: one representative, one
    vote. Each represents the flat they are registered at, which ties them to its building and entrance. Removing one
    keeps the row, inactive: a meeting's frozen electorate may still name them."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="representatives")
    name = models.CharField(_("name"), max_length=60)
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+", verbose_name=_("flat"))
    phone = models.CharField(_("mobile number"), max_length=11, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    removed_at = models.DateTimeField(null=True, blank=True)

    objects = RepresentativeQuerySet.as_manager()

    class Meta:
        verbose_name = _("residents' representative")
        verbose_name_plural = _("residents' representatives")
        ordering = ["community", "name", "pk"]
        constraints = [
            # One vote per flat: a flat has at most one active representative (removed ones are history).
            models.UniqueConstraint(
                fields=["community", "household"], condition=Q(active=True), name="representative_one_per_flat"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone) if self.phone else ""


class VolunteerQuerySet(models.QuerySet):
    def of(self, community):
        return self.filter(community=community)

    def active(self):
        return self.filter(active=True)

    def listed(self):
        """Those who agreed to be on their entrance's contact card (党员联系牌) and its page."""
        return self.filter(active=True, listed=True)

    def in_order(self):
        return self.select_related("entrance__building").order_by(
            "entrance__building__sort_key", "entrance__sort_key", "-party_member", "name", "pk"
        )


class Volunteer(models.Model):
    """A party member or volunteer registered with their residence community (党员回居住地社区报到), by themself or by
    the committee or party organisation. Only those who agreed (`listed`) are shown to residents: on their entrance's
    page and its printed contact card. Withdrawing keeps the row, inactive."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="volunteers")
    # None: registered by the committee for someone without an account.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="volunteering"
    )
    name = models.CharField(_("name"), max_length=60)
    entrance = models.ForeignKey(Entrance, on_delete=models.CASCADE, related_name="volunteers")
    phone = models.CharField(_("mobile number"), max_length=11)
    skills = models.CharField(_("what they can help with"), max_length=120, blank=True)
    party_member = models.BooleanField(_("member of the Communist Party"), default=False)
    listed = models.BooleanField(_("agrees to be listed on the entrance's contact card"), default=False)
    # A PNG re-encoded at upload (community.volunteers), served only to those who may see the volunteer.
    photo = models.FileField(_("photo"), upload_to="volunteers/%Y/", blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = VolunteerQuerySet.as_manager()

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["community", "name", "pk"]
        constraints = [
            # An account registers once per community; withdrawn registrations are history.
            models.UniqueConstraint(
                fields=["community", "user"], condition=Q(active=True), name="volunteer_one_per_account"
            ),
        ]

    def __str__(self) -> str:
        return self.name
