"""Residents' opinions on a proposal in consultation: posting, hiding and replying (the writes), and the reads
shared by the opinions page and the proposal page's partial. Opinions are plain text; templates escape them."""

import secrets
from datetime import datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Household
from consult.models import Opinion
from core.uploads import sniff_upload
from proposals.models import Attachment, Proposal, State
from proposals.selectors import scope_households

TEXT_MAX_CHARS = 2000
REASON_MAX_CHARS = 200
# A household may say a lot, but not flood the page: ten opinions per calendar day, over all proposals.
OPINIONS_PER_DAY = 10
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}


# --- Reads ----------------------------------------------------------------------------------------------------


def is_open(proposal: Proposal) -> bool:
    """Opinions are taken while the proposal is in consultation, before the vote fixes the text."""
    return proposal.state == State.CONSULTATION


def posting_refusal(proposal: Proposal, mine: list[Household]) -> str:
    """Why the user cannot leave an opinion now ("" when they can), given their households in scope."""
    if not is_open(proposal):
        return _("Opinions can only be left while the proposal is in consultation.")
    if not mine:
        return _("Only households in this proposal's scope can leave an opinion on it.")
    return ""


def households_in_scope(proposal: Proposal, user) -> list[Household]:
    """The user's own households that are in the proposal's scope, in roster order (one query)."""
    if not user or not user.is_authenticated:
        return []
    return list(
        scope_households(proposal)
        .filter(bindings__user=user)
        .select_related("entrance__building")
        .distinct()
        .in_order()
    )


def opinions_of(proposal: Proposal):
    """The proposal's opinions, newest first, with what the list shows joined in (masked author, moderators)."""
    return (
        Opinion.objects.filter(proposal=proposal)
        .select_related("household__entrance__building", "hidden_by", "replied_by")
        .order_by("-created_at", "-pk")
    )


def photo_content_type(opinion: Opinion) -> str:
    """The stored photo's type: its extension was chosen from the content when it was posted."""
    name = opinion.photo.name.lower()
    return next((kind for ext, kind in PHOTO_TYPES.items() if name.endswith(ext)), "application/octet-stream")


# --- Checks shared by the forms and the services ---------------------------------------------------------------


def clean_text(text: str, *, max_chars: int = TEXT_MAX_CHARS, required_message: str = "") -> str:
    """Text as stored: trimmed, with Windows line ends made plain; empty or too long is refused."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise ValidationError(required_message or _("Write your opinion first."))
    if len(text) > max_chars:
        raise ValidationError(
            _("Please keep it to %(limit)s characters (this has %(count)s).") % {"limit": max_chars, "count": len(text)}
        )
    return text


def photo_extension(upload) -> str:
    """The extension of an uploaded photo, judged by its content; anything but a JPEG, PNG or WebP image is refused."""
    if upload.size > PHOTO_MAX_BYTES:
        raise ValidationError(
            _("The photo is too large (%(size)s MB); the limit is %(limit)s MB.")
            % {"size": round(upload.size / 1048576, 1), "limit": PHOTO_MAX_BYTES // 1048576}
        )
    try:
        kind, extension = sniff_upload(upload, max_bytes=PHOTO_MAX_BYTES)
    except ValidationError as error:
        raise ValidationError(_("Only a photo (JPEG, PNG or WebP) can be added.")) from error
    if kind != Attachment.Kind.IMAGE:  # a PDF is fine for the committee's attachments, not as a photo
        raise ValidationError(_("Only a photo (JPEG, PNG or WebP) can be added."))
    return extension


# --- Writes ---------------------------------------------------------------------------------------------------


def _start_of_today() -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(), time.min))


@transaction.atomic
def opinion_post(*, proposal: Proposal, household: Household, by, text: str, photo=None) -> Opinion:
    """Leave an opinion for one of `by`'s households. Caller holds consult.post_opinion on the proposal."""
    if not is_open(proposal):
        raise ValidationError(_("Opinions can only be left while the proposal is in consultation."))
    # The household row lock makes two quick posts from one household count one after the other (PostgreSQL).
    household = Household.objects.select_for_update().get(pk=household.pk)
    if not household.bindings.filter(user=by).exists():
        raise ValidationError(_("You can only speak for a household bound to your account."))
    if not scope_households(proposal).filter(pk=household.pk).exists():
        raise ValidationError(_("Only households in this proposal's scope can leave an opinion on it."))
    text = clean_text(text)
    extension = photo_extension(photo) if photo else ""
    if Opinion.objects.filter(household=household, created_at__gte=_start_of_today()).count() >= OPINIONS_PER_DAY:
        message = _("Your household has left %(limit)s opinions today. Please continue tomorrow.")
        raise ValidationError(message % {"limit": OPINIONS_PER_DAY})
    opinion = Opinion(proposal=proposal, household=household, author=by, text=text)
    if photo:
        # A random name: the resident's file name says nothing useful and may say too much.
        opinion.photo.save(f"{secrets.token_hex(16)}{extension}", photo, save=False)
    opinion.save()
    return opinion


@transaction.atomic
def opinion_hide(*, opinion: Opinion, by, reason: str) -> Opinion:
    """Hide an opinion from the public, recording who, when and why. Caller holds consult.moderate_opinions."""
    reason = clean_text(
        reason, max_chars=REASON_MAX_CHARS, required_message=_("Give the reason for hiding this opinion.")
    )
    opinion = Opinion.objects.select_for_update().get(pk=opinion.pk)
    if opinion.hidden_at is not None:
        raise ValidationError(_("This opinion is already hidden."))
    opinion.hidden_at, opinion.hidden_by, opinion.hidden_reason = timezone.now(), by, reason
    opinion.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    return opinion


@transaction.atomic
def opinion_reply(*, opinion: Opinion, by, text: str) -> Opinion:
    """Reply (or change the reply) under an opinion, recording who and when. Caller holds consult.moderate_opinions."""
    text = clean_text(text, required_message=_("Write the reply first."))
    opinion = Opinion.objects.select_for_update().get(pk=opinion.pk)
    opinion.reply, opinion.replied_by, opinion.replied_at = text, by, timezone.now()
    opinion.save(update_fields=["reply", "replied_by", "replied_at"])
    return opinion
