"""Writes of the roster's joining side: join codes (issue, revoke, redeem) and household bindings; and the register
of residents' representatives."""

import hmac
import logging
import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import (
    JOIN_CODE_ALPHABET,
    JOIN_CODE_LENGTH,
    Community,
    Household,
    HouseholdBinding,
    JoinCode,
    Representative,
    new_join_code,
)
from core.identity import hash_id_number, normalize_id_number, normalize_phone

logger = logging.getLogger("gongyi.join")

_JOIN_CODE_SHAPE = re.compile(f"^[{JOIN_CODE_ALPHABET}]{{{JOIN_CODE_LENGTH}}}$")
_BULK_BATCH = 2000


def normalize_join_code(text: str) -> str:
    """What people type or the QR code carries ("abcd-efgh", "ABCD EFGH") → "ABCDEFGH"."""
    return re.sub(r"[\s\-‐－—_.·]", "", str(text or "")).upper()


def join_code_error(kind: str) -> ValidationError:
    messages = {
        "unknown": _("We could not find this join code. Check the 8 characters on your slip and try again."),
        "expired": _("This join code has expired. Ask your owners' committee for a new one."),
        "revoked": _("This join code is no longer valid. Ask your owners' committee for a new one."),
        "used": _(
            "This join code has already been used. Each family member needs a code of their own:"
            " ask your owners' committee."
        ),
    }
    return ValidationError(messages[kind], code=kind)


def join_code_check(*, code: str) -> JoinCode:
    """The usable join code `code` stands for (with its household's location), or a ValidationError. Reads only."""
    normalized = normalize_join_code(code)
    if not _JOIN_CODE_SHAPE.match(normalized):
        raise join_code_error("unknown")
    join_code = (
        JoinCode.objects.select_related("household__entrance__building__community").filter(code=normalized).first()
    )
    if join_code is None:
        raise join_code_error("unknown")
    _raise_unless_usable(join_code)
    return join_code


def _raise_unless_usable(join_code: JoinCode) -> None:
    if join_code.revoked_at is not None:
        raise join_code_error("revoked")
    if join_code.used_at is not None:
        raise join_code_error("used")
    if join_code.expires_at <= timezone.now():
        raise join_code_error("expired")


def _expiry(now):
    return now + timedelta(days=settings.JOIN_CODE_DAYS)


@transaction.atomic
def join_code_issue(*, household: Household, by) -> JoinCode:
    """Give `household` a fresh code; its earlier unused codes stop working (the new slip replaces them)."""
    now = timezone.now()
    JoinCode.objects.filter(household=household, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=by
    )
    for _attempt in range(5):
        try:
            # A savepoint, so that a clash with an existing code (1 in 10^12) can be retried.
            with transaction.atomic():
                join_code = JoinCode.objects.create(
                    household=household, code=new_join_code(), expires_at=_expiry(now), issued_by=by
                )
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover - five clashes in a row mean something else is wrong
        raise RuntimeError("could not find a free join code")
    logger.info("join code %s issued for household %s by user %s", join_code.pk, household.pk, getattr(by, "pk", None))
    return join_code


@transaction.atomic
def join_code_revoke(*, join_code: JoinCode, by) -> JoinCode:
    """Stop `join_code` from working. A used code cannot be revoked (remove the binding instead)."""
    join_code = JoinCode.objects.select_for_update().get(pk=join_code.pk)
    if join_code.used_at is not None:
        raise ValidationError(
            _("This code has already been used. To undo it, remove the account bound with it."), code="used"
        )
    if join_code.revoked_at is None:
        join_code.revoked_at, join_code.revoked_by = timezone.now(), by
        join_code.save(update_fields=["revoked_at", "revoked_by"])
        logger.info("join code %s revoked by user %s", join_code.pk, getattr(by, "pk", None))
    return join_code


def binding_relation(*, user, household: Household, id_number: str = "") -> str:
    """OWNER when the account is the roster's owner of `household` — its verified phone is the owner's, or the ID
    number it gives hashes (core.identity, settings.ID_HASH_KEY) to the owner's —, else MEMBER. Reads only."""
    owner = household.owner
    if user.phone and user.phone_verified and owner.phone and user.phone == owner.phone:
        return HouseholdBinding.Relation.OWNER
    if id_number and owner.id_hash:
        try:
            normalized = normalize_id_number(id_number)
        except ValueError:
            return HouseholdBinding.Relation.MEMBER
        if hmac.compare_digest(hash_id_number(normalized, settings.ID_HASH_KEY), owner.id_hash):
            return HouseholdBinding.Relation.OWNER
    return HouseholdBinding.Relation.MEMBER


def join_code_redeem(*, code: str, user, id_number: str = "") -> HouseholdBinding:
    """Bind `user` to the household of `code`, using the code up: as its verified owner when the account's verified
    phone, or `id_number` if given, matches the roster's owner (binding_relation), else as a member. Someone
    already bound keeps their binding and the code stays unused. Raises ValidationError (code
    unknown/expired/revoked/used); changes nothing then.
    """
    normalized = normalize_join_code(code)
    if not _JOIN_CODE_SHAPE.match(normalized):
        raise join_code_error("unknown")
    try:
        with transaction.atomic():
            # The row lock makes a second redeem of the same code wait, then find it used (PostgreSQL);
            # the conditional UPDATE below is the guard where select_for_update is a no-op (SQLite).
            join_code = JoinCode.objects.select_for_update().filter(code=normalized).first()
            if join_code is None:
                raise join_code_error("unknown")
            existing = HouseholdBinding.objects.filter(user=user, household_id=join_code.household_id).first()
            if existing is not None:
                return existing
            _raise_unless_usable(join_code)
            now = timezone.now()
            claimed = JoinCode.objects.filter(pk=join_code.pk, used_at__isnull=True, revoked_at__isnull=True).update(
                used_at=now, used_by=user
            )
            if not claimed:
                raise join_code_error("used")
            household = Household.objects.select_related("owner").get(pk=join_code.household_id)
            binding = HouseholdBinding.objects.create(
                user=user,
                household=household,
                join_code=join_code,
                relation=binding_relation(user=user, household=household, id_number=id_number),
            )
    except IntegrityError:
        # The same person redeeming twice at once: the unique (user, household) constraint stopped the
        # second binding and rolled its claim on the code back.
        existing = HouseholdBinding.objects.filter(user=user, household__join_codes__code=normalized).first()
        if existing is None:
            raise
        return existing
    logger.info(
        "user %s bound to household %s as %s with join code %s",
        user.pk,
        binding.household_id,
        binding.relation,
        join_code.pk,
    )
    return binding


@transaction.atomic
def binding_set_relation(*, binding: HouseholdBinding, relation: str, by) -> HouseholdBinding:
    """The committee marks a bound account as the household's verified owner, or as a member (family or tenant).

    Caller has checked community.manage_bindings. Records who marked it and when.
    """
    if relation not in HouseholdBinding.Relation.values:
        raise ValidationError(_("Choose owner or family member / tenant."), code="relation")
    binding.relation, binding.verified_by, binding.verified_at = relation, by, timezone.now()
    binding.save(update_fields=["relation", "verified_by", "verified_at"])
    logger.info(
        "binding of user %s to household %s marked %s by user %s",
        binding.user_id,
        binding.household_id,
        relation,
        getattr(by, "pk", None),
    )
    return binding


@transaction.atomic
def developer_voter_designate(*, community: Community, phone: str, by):
    """Designate the account with mobile number `phone` as the one that votes for the developer's flats, or clear
    the designation when `phone` is blank. Returns the account (or None).

    The account must be bound to a flat held by the developer in this community, so it belongs to the community.
    Caller has checked community.manage_bindings.
    """
    user = None
    if phone.strip():
        try:
            normalized = normalize_phone(phone)
        except ValueError:
            raise ValidationError(_("Enter a mainland mobile number, e.g. 138 1234 5678."), code="phone") from None
        bound = HouseholdBinding.objects.filter(
            user__phone=normalized, household__developer_held=True, household__entrance__building__community=community
        ).select_related("user")
        binding = bound.first()
        if binding is None:
            raise ValidationError(
                _(
                    "No account with this mobile number is bound to a flat held by the developer. The developer's"
                    " representative first joins one of the developer's flats with its join code."
                ),
                code="not_bound",
            )
        user = binding.user
    Community.objects.filter(pk=community.pk).update(developer_voter=user)
    community.developer_voter = user
    logger.info(
        "developer's voting account of community %s set to user %s by user %s",
        community.pk,
        getattr(user, "pk", None),
        getattr(by, "pk", None),
    )
    return user


@transaction.atomic
def binding_remove(*, binding: HouseholdBinding, by) -> None:
    """Unbind an account from a household (the committee's decision: a wrong person, a sold flat)."""
    logger.info(
        "binding of user %s to household %s removed by user %s",
        binding.user_id,
        binding.household_id,
        getattr(by, "pk", None),
    )
    HouseholdBinding.objects.filter(pk=binding.pk).delete()


@transaction.atomic
def join_codes_issue_missing(*, community: Community, by) -> int:
    """Give every household of `community` that has no usable code one; returns how many were issued.

    Bulk: a handful of queries per 2,000 households, for printing slips for a whole community.
    """
    now = timezone.now()
    usable = JoinCode.objects.filter(
        household=OuterRef("pk"), revoked_at__isnull=True, used_at__isnull=True, expires_at__gt=now
    )
    household_ids = list(
        Household.objects.of(community).filter(~Exists(usable)).order_by("pk").values_list("pk", flat=True)
    )
    expires_at = _expiry(now)
    for start in range(0, len(household_ids), _BULK_BATCH):
        batch = household_ids[start : start + _BULK_BATCH]
        codes = _free_codes(len(batch))
        JoinCode.objects.bulk_create(
            JoinCode(household_id=pk, code=code, expires_at=expires_at, issued_by=by)
            for pk, code in zip(batch, codes, strict=True)
        )
    logger.info(
        "%s join codes issued in community %s by user %s", len(household_ids), community.pk, getattr(by, "pk", None)
    )
    return len(household_ids)


def _free_codes(count: int) -> list[str]:
    """`count` distinct new codes, none already in the table."""
    codes: set[str] = set()
    while len(codes) < count:
        wanted = {new_join_code() for _i in range(count - len(codes))} - codes
        taken = set(JoinCode.objects.filter(code__in=wanted).values_list("code", flat=True))
        codes |= wanted - taken
    return list(codes)


# --- The residents' representatives (居民代表) ------------------------------------------------------------------


@transaction.atomic
def representative_add(
    *, community: Community, by, name: str, household: Household | None, phone: str = ""
) -> Representative:
    """Register a representative for a flat of `community`. Caller holds community.manage_representatives; the
    view turns the typed flat code into `household` (None: no such flat)."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(_("Enter the representative's name."), code="name")
    if len(name) > 60:
        raise ValidationError(_("The name is at most 60 characters."), code="name")
    if household is None or not Household.objects.of(community).filter(pk=household.pk).exists():
        raise ValidationError(
            _("There is no such flat in this community. Write it as building-entrance-room, e.g. 3-5-502."),
            code="household",
        )
    if phone.strip():
        try:
            phone = normalize_phone(phone)
        except ValueError:
            raise ValidationError(_("Enter a mainland mobile number, e.g. 138 1234 5678."), code="phone") from None
    else:
        phone = ""
    # Lock the community row: two secretaries registering the same flat at once cannot both pass the check.
    Community.objects.select_for_update().filter(pk=community.pk).first()
    current = Representative.objects.of(community).active().filter(household=household).first()
    if current is not None:
        raise ValidationError(
            _("%(flat)s already has a representative: %(name)s. Remove them first to register someone else.")
            % {"flat": household.code, "name": current.name},
            code="duplicate",
        )
    try:
        with transaction.atomic():
            representative = Representative.objects.create(
                community=community, name=name, household=household, phone=phone, created_by=by
            )
    except IntegrityError as error:
        raise ValidationError(_("%(flat)s already has a representative.") % {"flat": household.code}) from error
    logger.info(
        "representative %s for household %s registered by user %s",
        representative.pk,
        household.pk,
        getattr(by, "pk", None),
    )
    return representative


@transaction.atomic
def representative_remove(*, representative: Representative, by) -> Representative:
    """Take a representative off the register (kept, inactive: frozen electorates may name them). Caller holds
    community.manage_representatives."""
    locked = Representative.objects.select_for_update().get(pk=representative.pk)
    if not locked.active:
        raise ValidationError(_("%(name)s is no longer a representative.") % {"name": locked.name}, code="removed")
    locked.active = False
    locked.removed_at = timezone.now()
    locked.save(update_fields=["active", "removed_at"])
    logger.info("representative %s removed by user %s", locked.pk, getattr(by, "pk", None))
    return locked
